//! `appeal` turns an urgent action into letters to the officials deciding a person's fate.
//!
//! The pipeline, in order: `yaml` reads files strictly; `directory` and `campaign` check them into
//! domain types; `letter` plans who gets which letter and renders it through `templates`; an
//! `output` writes it (text, `pdf`, or `queue` into the `outbox`). `run` drives a job over the
//! supporters, `check` renders everything to find problems, `send` empties the outbox by SMTP
//! (`email` builds the messages, `settings` reads `appeal.yaml`, `hours` knows office hours).
//! For coordinators, `sheet` makes the action sheet and `deadlines` the list of deadlines and its
//! calendar.

pub mod model;
pub mod pdf;

// Old paths, until every use names the folder.
pub use model::{
    campaign, country, diag, directory, hours, lang, project, slug, supporter, text, yaml,
};
pub mod render;
pub use render::{letter, templates};
pub mod coord;
pub use coord::{deadlines, sheet};
pub use mail::message as email;
pub mod mail;
pub use mail::{outbox, send, settings};
pub mod batch;
pub use batch::{check, output, queue, run};
