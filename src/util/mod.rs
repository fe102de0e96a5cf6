//! Helpers that belong to no stage: byte comparisons, URL syntax,
//! `--stats` timings and the progress bar.

pub mod bytes;
pub mod progress;
pub mod stats;
pub mod url;
