//! The coordinator's outputs: the urgent-action sheet and the list (and calendar) of deadlines.

pub mod deadlines;
pub mod sheet;
