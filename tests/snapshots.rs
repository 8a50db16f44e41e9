//! Snapshot tests of every shipped campaign's letters in every language. The snapshots under
//! `tests/snapshots/` are plain letters a translator can review; regenerate them with
//! `UPDATE_SNAPSHOTS=1 cargo test snapshots` and read the diff.
