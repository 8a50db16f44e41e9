//! The coordinator's outputs: the urgent-action sheet and the list (and calendar) of deadlines.

pub mod deadlines;
pub mod sheet;

/// What can go wrong reading the coordinator's options.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("`{0}` is not a duration (hint: a number of days or weeks, e.g. 14d or 2w)")]
    NotADuration(String),
    #[error("`{text}`: unknown unit `{unit}` (hint: d for days, w for weeks, e.g. 14d or 2w)")]
    UnknownUnit { text: String, unit: String },
    #[error("`{0}` is more than a hundred years (hint: e.g. 14d or 2w)")]
    TooLong(String),
}
