//! logsleuth: an offline forensic analyzer for API failures.
//!
//! The pipeline is source → records → events → traces → findings → ranked
//! causes → report: `input` loads and parses every format into
//! [`model::Event`]s, `correlate` joins inputs and corrects their clocks,
//! `traces` builds trace trees, `table` holds the events as a polars
//! frame, `rules` turns them into findings, `rank` orders causes above
//! their symptoms, `timeline` and `spike` tell the story, and `report`
//! renders the result. `app` is the recipe that runs the stages.

pub mod analyze;
pub mod app;
pub mod cli;
pub mod error;
pub mod fuzzing;
pub mod input;
pub mod model;
pub mod normalize;
pub mod redact;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod util;

pub use error::{Error, Result};
