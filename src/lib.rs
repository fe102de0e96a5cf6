//! logsleuth: an offline forensic analyzer for API failures.
//!
//! The folders are the pipeline's stages, and dependencies point one way
//! along it (`tests/layering.rs` holds them to that): `input` reads every
//! format into [`model::Event`]s (one file per format under
//! `input/formats`, listed in `input::formats::FORMATS`); `normalize`
//! turns raw values into the event's fields; `rules` turns events into
//! findings; `analyze` puts the inputs on one clock, attributes culprits,
//! ranks causes above their symptoms and tells the story; `report` builds
//! the report model (`model::report`) and renders it; `cli` is the command
//! line. `redact` and `sanitize` keep secrets out of every output. `app`
//! is the recipe that chains the stages. `docs/architecture.md` walks
//! through it.

// No function over 120 lines (clippy.toml) outside tests.
#![cfg_attr(not(test), warn(clippy::too_many_lines))]

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
