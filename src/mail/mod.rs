//! Email: message building, the durable outbox, sending by SMTP, and the sending settings.
//! Takes an envelope and the exact bytes; knows no campaign file format.

pub mod message;
pub mod outbox;
pub mod send;
pub mod settings;
