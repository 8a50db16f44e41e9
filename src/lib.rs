//! `appeal` turns an urgent action into letters to the officials deciding a person's fate.
//!
//! The folders are the pipeline, and each imports only the ones listed before it:
//! - `model`: what the user's files mean: campaigns, the recipient directory, supporters, and the
//!   values they hold (languages, countries, office hours), each checked once;
//! - `render`: which letter each addressee gets, and the letter rendered from its template;
//! - `coord`: the coordinator's outputs, the action sheet and the deadlines;
//! - `pdf`: the typesetter (fonts, bidi, shaping, line breaking, page layouts);
//! - `mail`: messages, the durable outbox, sending by SMTP, the sending settings;
//! - `batch`: the run over supporters, its outputs (text, PDF, the outbox), and `check`;
//! - `serve`: the supporters' web pages (`appeal serve`), on top of `batch`.
//!
//! The command line (`src/cmd`, in the binary) parses flags, calls these and prints.

pub mod model;

pub mod render;

pub mod coord;

pub mod pdf;

pub mod mail;

pub mod batch;

pub mod serve;
