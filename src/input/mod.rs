//! Inputs: from paths to parsed events.
//!
//! `load` finds and opens inputs (files, directories, stdin, gzip/zlib),
//! `detect` decides HAR or JSON lines from the content, and `har` / `jsonl`
//! turn the bytes into [`Event`]s in parallel, counting every record that
//! produced none. The next stage is `table` (the columnar frame) and `rules`.

pub mod detect;
pub mod fields;
pub mod har;
pub mod jsonl;
pub mod load;
pub mod scan;

use crate::error::Result;
use crate::model::{Event, Format, InputStats, SourceId, SourceInfo};

pub use load::{discover, Data, InputSpec, Loaded};

/// The events of one input plus what the report says about it.
#[derive(Debug)]
pub struct Parsed {
    /// Description and accounting.
    pub info: SourceInfo,
    /// Events in record order.
    pub events: Vec<Event>,
}

/// Detect the format of a loaded input and parse it.
pub fn parse(id: SourceId, loaded: &Loaded) -> Result<Parsed> {
    let bytes = loaded.data.bytes();
    let detected = detect::detect(&loaded.display, bytes)?;
    let (events, stats, dialect): (Vec<Event>, InputStats, String) = match detected {
        Format::Har => {
            let out = har::parse(id, &loaded.display, bytes)?;
            (out.events, out.stats, out.dialect)
        }
        Format::Jsonl => {
            let out = jsonl::parse(id, bytes);
            (out.events, out.stats, out.dialect)
        }
    };
    Ok(Parsed {
        info: SourceInfo {
            id,
            display: loaded.display.clone(),
            format: detected,
            dialect,
            bytes: bytes.len() as u64,
            stats,
        },
        events,
    })
}
