//! Inputs: from paths to parsed events.
//!
//! `load` finds and opens inputs (files, directories, stdin; gzip, zstd and
//! zlib by magic bytes), `detect` decides the format from the content, and
//! one parser per format turns the bytes into [`Event`]s, counting every
//! record that produced none: `har`, `jsonl` (with `otel` batches and
//! Elasticsearch response lines), `esdoc` (Elasticsearch/OpenSearch exports
//! as JSON documents), `kibana` (Discover CSV) and `text` (access logs).
//! `fields` extracts aliased fields from JSON and `record` turns them into
//! events. The next stage is `table` (the columnar frame) and `rules`.

pub mod detect;
pub mod esdoc;
pub mod fields;
pub mod har;
pub mod jsonl;
pub mod kibana;
pub mod lines;
pub mod load;
pub mod otel;
pub mod record;
pub mod scan;
pub mod text;

use crate::error::Result;
use crate::model::{Event, Format, InputStats, SourceId, SourceInfo};

pub use load::{discover, Data, InputSpec, Loaded};

/// How to read inputs: field mappings and the zone for zone-less times.
#[derive(Debug, Clone)]
pub struct Options {
    /// Field aliases, with any `--map` entries.
    pub map: fields::FieldMap,
    /// Offset east of UTC, in seconds, for timestamps without a zone (`--tz`).
    pub tz_offset_s: i32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            map: fields::BUILTIN.clone(),
            tz_offset_s: 0,
        }
    }
}

/// What a parser produces for one input.
#[derive(Debug, Default)]
pub struct Output {
    /// Events in record order.
    pub events: Vec<Event>,
    /// Record accounting.
    pub stats: InputStats,
    /// The producer or convention the records follow.
    pub dialect: String,
}

/// The events of one input plus what the report says about it.
#[derive(Debug)]
pub struct Parsed {
    /// Description and accounting.
    pub info: SourceInfo,
    /// Events in record order.
    pub events: Vec<Event>,
}

/// Detect the format of a loaded input and parse it.
pub fn parse(id: SourceId, loaded: &Loaded, opts: &Options) -> Result<Parsed> {
    let bytes = loaded.data.bytes();
    let detected = detect::detect(&loaded.display, bytes)?;
    let out = match detected {
        Format::Har => har::parse(id, &loaded.display, bytes)?,
        Format::Jsonl => jsonl::parse(id, bytes, opts),
        Format::Json => esdoc::parse(id, &loaded.display, bytes, opts)?,
        Format::Csv => kibana::parse(id, &loaded.display, bytes, opts)?,
        Format::Text(kind) => text::parse(id, bytes, kind, opts),
    };
    Ok(Parsed {
        info: SourceInfo {
            id,
            display: loaded.display.clone(),
            format: detected,
            dialect: out.dialect,
            bytes: bytes.len() as u64,
            stats: out.stats,
        },
        events: out.events,
    })
}
