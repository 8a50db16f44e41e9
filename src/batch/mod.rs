//! A run over supporters: chunks rendered on all cores and handed in order to an output (text,
//! PDF, the outbox), and `check`, which renders everything a campaign would produce.

pub mod check;
pub mod output;
pub mod pdf;
pub mod queue;
pub mod run;
