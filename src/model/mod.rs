//! The pipeline's nouns: sources, records' locations, normalized events and
//! parse issues.
//!
//! `input` produces these types, `table` turns events into the polars frame,
//! `rules` reads events to produce findings. Nothing here does I/O.

mod event;
mod source;
mod sym;

pub use event::{
    clip, intern, lying_in, oversized, AuthInfo, ErrorClass, Event, Extra, Level, RateLimitInfo, Str, Text,
    MAX_RECORD_BYTES, MAX_VALUE_BYTES,
};
pub use source::{Format, InputStats, Locator, ParseIssue, SourceId, SourceInfo, Subject, TextKind};
