//! logsleuth: an offline forensic analyzer for API failures.
//!
//! The pipeline is source → records → events → traces → findings → ranked
//! causes → report: `input` loads and parses every format into
//! [`model::Event`]s, `correlate` joins inputs and corrects their clocks,
//! `traces` builds trace trees, `table` holds the events as a polars
//! frame, `rules` turns them into findings, `rank` orders causes above
//! their symptoms, `timeline` and `spike` tell the story, and `report`
//! renders the result. `app` is the recipe that runs the stages.

pub mod app;
pub mod bytes;
pub mod cli;
pub mod correlate;
pub mod culprit;
pub mod demo;
pub mod error;
pub mod eval;
pub mod evidence;
pub mod fallback;
pub mod fuzzing;
pub mod input;
pub mod model;
pub mod normalize;
pub mod output;
pub mod progress;
pub mod rank;
pub mod redact;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod series;
pub mod spike;
pub mod stats;
#[cfg(feature = "export")]
pub mod table;
pub mod timeline;
pub mod traces;

pub use error::{Error, Result};
