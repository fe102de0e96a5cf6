//! logsleuth: an offline forensic analyzer for API failures.
//!
//! The pipeline is source → records → events → findings → ranked causes →
//! report: `input` loads and parses HAR and JSON lines into
//! [`model::Event`]s, `table` holds them as a polars frame, `rules` turns
//! them into findings, `rank` orders causes above their symptoms, and
//! `report` renders the result. `app` is the recipe that runs the stages.

pub mod app;
pub mod cli;
pub mod demo;
pub mod error;
pub mod input;
pub mod model;
pub mod normalize;
pub mod progress;
pub mod rank;
pub mod redact;
pub mod report;
pub mod rules;
pub mod table;

pub use error::{Error, Result};
