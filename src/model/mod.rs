//! The pipeline's nouns: sources, records' locations, normalized events and
//! parse issues.
//!
//! `input` produces these types, `table` turns events into the polars frame,
//! `rules` reads events to produce findings. Nothing here does I/O.

mod attribute;
mod event;
mod extent;
mod interner;
mod origin;
pub mod report;
pub use report::comparison;
mod source;
mod sym;

pub use attribute::{Attribute, Dim};
pub use event::{
    clip, intern, lying_in, oversized, AuthInfo, BodyOutcome, ErrorClass, Event, Extra, Ids, Level,
    RateLimitInfo, Str, Text, MAX_RECORD_BYTES, MAX_VALUE_BYTES,
};
pub use extent::Extent;
pub use origin::{ByOrigin, Origin, OriginId};
pub use source::{Format, InputStats, Locator, ParseIssue, SourceId, SourceInfo, Subject};

/// The text of an optional interned value or in-place text, for as long as
/// the process runs: `e.host().as_str()` instead of a `map` at every use.
pub trait OptionStr {
    /// The text, if there is a value.
    fn as_str(&self) -> Option<&'static str>;
}

impl OptionStr for Option<Str> {
    fn as_str(&self) -> Option<&'static str> {
        self.map(|s| Str::as_str(&s))
    }
}

impl OptionStr for Option<Text> {
    fn as_str(&self) -> Option<&'static str> {
        self.map(|t| Text::as_str(&t))
    }
}
