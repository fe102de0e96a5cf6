//! Helpers that belong to no stage: byte comparisons, `--stats` timings,
//! the progress bar, and the entry points the fuzz targets call.

pub mod bytes;
pub mod fuzzing;
pub mod progress;
pub mod stats;
