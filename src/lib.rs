//! `appeal` turns an urgent action into letters to the officials deciding a person's fate.
//!
//! The pipeline, in order: `yaml` reads files strictly; `directory` and `campaign` check them into
//! domain types; `letter` plans who gets which letter and renders it through `templates`; an
//! `output` writes it (text, `pdf`, or `queue` into the `outbox`). `run` drives a job over the
//! supporters, `check` renders everything to find problems, `send` empties the outbox by SMTP
//! (`email` builds the messages, `settings` reads `appeal.yaml`, `hours` knows office hours).
//! For coordinators, `sheet` makes the action sheet and `deadlines` the list of deadlines and its
//! calendar.

pub mod campaign;
pub mod check;
pub mod country;
pub mod deadlines;
pub mod diag;
pub mod directory;
pub mod email;
pub mod hours;
pub mod lang;
pub mod letter;
pub mod outbox;
pub mod output;
pub mod pdf;
pub mod project;
pub mod queue;
pub mod run;
pub mod send;
pub mod settings;
pub mod sheet;
pub mod slug;
pub mod supporter;
pub mod templates;
pub mod text;
pub mod yaml;
