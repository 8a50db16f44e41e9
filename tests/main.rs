//! The integration tests: one binary, one module per area, all driving the real `appeal` binary
//! through the `Test` harness.

mod harness;
mod smtp_server;

mod addressees;
mod addresses;
mod bad_input;
mod batch;
mod check;
mod cjk;
mod deadlines;
mod docs;
mod email;
mod fuzz;
mod letters;
mod new;
mod pack;
mod paper;
mod pdf;
mod persons;
mod schema;
mod serve;
mod sheet;
mod snapshots;
mod textlayer;
mod tls;
mod typography;
mod updates;
mod windows;
