//! The input formats, one file each, and [`FORMATS`], the registry that
//! detection, parsing, `logsleuth sanitize` and the fuzz targets read.
//!
//! A format is an [`InputFormat`]: the claims by which detection
//! recognizes it ([`Claim`], tried with every other format's in tier
//! order, see [`crate::input::detect`]), its parser, and how sanitize
//! rewrites it. `har` (HTTP Archive), `esdoc` (Elasticsearch/OpenSearch
//! exports), `jsonl` (JSON lines, with `otel` batches), `kibana` (Discover
//! CSV) and `text` (access logs). Adding one is a file here and a line in
//! [`FORMATS`].

pub mod esdoc;
pub mod har;
pub mod jsonl;
pub mod kibana;
pub mod otel;
pub mod text;

use std::ops::Range;

use crate::error::Result;
use crate::input::probe::Probe;
use crate::input::{Options, Output};
use crate::model::{Format, SourceId};
use crate::sanitize::{self, Sanitized};

/// Every input format, in the order detection breaks ties between claims
/// of the same tier.
pub static FORMATS: &[&dyn InputFormat] = &[
    &har::Har,
    &esdoc::EsDoc,
    &jsonl::Jsonl,
    &kibana::Kibana,
    &text::Text,
];

/// One input format.
pub trait InputFormat: Sync {
    /// The format (its first variant, for a format with several).
    fn format(&self) -> Format;

    /// The name reports give it (`Format::name`).
    fn name(&self) -> &'static str {
        self.format().name
    }

    /// How detection recognizes it.
    fn claims(&self) -> &'static [Claim];

    /// Parse one input that detection gave this format.
    fn parse(&self, input: &Input<'_>) -> Result<Output>;

    /// Every variant it parses (a fuzz target tries each).
    fn variants(&self) -> Vec<Format> {
        vec![self.format()]
    }

    /// `logsleuth sanitize`: a copy with every secret replaced. By default
    /// the input is taken line by line, each JSON line walked as JSON and
    /// any other line as text.
    fn sanitize(&self, bytes: &[u8]) -> std::result::Result<Sanitized, String> {
        sanitize::json(bytes, false)
    }
}

/// One way detection recognizes a format: a test of the input's start
/// that names the format (and its variant) when it passes. Claims are
/// tried in [`Tier`] order, across formats; the first that passes wins.
#[derive(Clone, Copy)]
pub struct Claim {
    /// When it is tried.
    pub tier: Tier,
    /// The test.
    pub test: fn(&Probe<'_>) -> Option<Format>,
}

/// How strong the evidence a claim reads is; stronger tiers are tried
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// The document's leading members (a HAR's `log.entries`, a search
    /// response's `hits`): read before any line is looked for, since such a
    /// document can be one line of gigabytes.
    LeadingMembers,
    /// The first line on its own (a JSON object, a CSV header, an access
    /// log line).
    FirstLine,
    /// A member anywhere in a multi-line document (a pretty-printed HAR's
    /// `log`).
    Member,
    /// Lines after the first (JSON lines whose first line is broken).
    LaterLines,
    /// The document as a whole (any JSON document or array).
    Document,
}

/// One input, for a parser.
pub struct Input<'a> {
    /// Its id in the run.
    pub id: SourceId,
    /// Its name as the user gave it, for errors.
    pub display: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// The format and variant detection found.
    pub format: Format,
    /// Field mappings and the zone for zone-less times.
    pub opts: &'a Options,
    /// Hand a range of `bytes` that the parser is done with back to the
    /// kernel (a memory map's pages); a no-op for bytes in memory.
    pub release: &'a (dyn Fn(Range<usize>) + Sync),
}

impl<'a> Input<'a> {
    /// An input in memory with the default options.
    pub fn in_memory(display: &'a str, bytes: &'a [u8], format: Format, opts: &'a Options) -> Input<'a> {
        Input {
            id: SourceId(0),
            display,
            bytes,
            format,
            opts,
            release: &|_| {},
        }
    }
}

/// The registry entry with this name.
pub fn by_name(name: &str) -> Option<&'static dyn InputFormat> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_every_claim_names_its_own_format() {
        let mut names: Vec<&str> = FORMATS.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FORMATS.len());
        for f in FORMATS {
            assert!(!f.claims().is_empty(), "{} has no claim", f.name());
            for v in f.variants() {
                assert_eq!(v.name, f.name());
                assert!(by_name(v.name).is_some_and(|g| std::ptr::addr_eq(g, *f)));
            }
        }
    }
}
