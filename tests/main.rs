//! The integration tests: one binary, one module per area, all driving the real `appeal` binary
//! through the `Test` harness.

mod harness;

mod bad_input;
mod check;
mod letters;
mod pdf;
mod snapshots;
