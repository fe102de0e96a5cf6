//! Reading a run's inputs: from the names the user gave (or the embedded
//! demo) to the events of every input, in input order. An input that
//! cannot be read is kept as its error, and the others are still read.

use crate::error::Error;
use crate::input::{self, InputSpec, OpenOptions, Options};
use crate::model::{Event, SourceId, SourceInfo};
use crate::util::{progress, stats};

/// What to read and how.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Inputs as given; empty means the demo.
    pub inputs: Vec<String>,
    /// How to open inputs: memory maps, the in-memory cap.
    pub open: OpenOptions,
    /// How to parse them: field mappings, the zone for zone-less times.
    pub parse: Options,
    /// Drop events before this time (UTC ns).
    pub since: Option<i64>,
    /// Drop events at or after this time (UTC ns).
    pub until: Option<i64>,
    /// Hide the progress bar.
    pub quiet: bool,
}

/// Every input's events, in input order.
#[derive(Debug, Default)]
pub struct Read {
    /// Events of every input, input after input, each in record order.
    pub events: Vec<Event>,
    /// The inputs that were read.
    pub sources: Vec<SourceInfo>,
    /// The hashes of every join key of `events` when every parser took
    /// them and no event was dropped (see [`input::Parsed::key_hashes`]).
    pub key_hashes: Option<Vec<u64>>,
    /// Inputs that were rejected, one error each.
    pub errors: Vec<Error>,
}

/// The inputs a request names: found files and directories, standard
/// input, or the demo when it names none. Names that find nothing are
/// errors in `errors`.
pub fn specs(req: &Request, errors: &mut Vec<Error>) -> Vec<InputSpec> {
    if req.inputs.is_empty() {
        return input::demo::inputs();
    }
    input::discover(&req.inputs)
        .into_iter()
        .filter_map(|r| r.map_err(|e| errors.push(e)).ok())
        .collect()
}

/// The bytes of the files among `specs` (what the progress bar counts).
pub fn total_bytes(specs: &[InputSpec]) -> u64 {
    specs
        .iter()
        .map(|s| match s {
            InputSpec::Path(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// Open and parse each of `specs`, keeping the events inside the request's
/// time window.
pub fn read(specs: &[InputSpec], req: &Request, errors: Vec<Error>) -> Read {
    let total = total_bytes(specs);
    stats::set_input_bytes(total);
    let bar = progress::bar(total, req.quiet);
    let mut out = Read {
        errors,
        key_hashes: Some(Vec::new()),
        ..Read::default()
    };
    for spec in specs {
        if let InputSpec::Path(p) = spec {
            bar.set_message(p.display().to_string());
        }
        let id = SourceId(out.sources.len() as u32);
        let parsed = stats::stage("read+parse", || {
            input::load::open(spec, &req.open).and_then(|loaded| input::parse(id, &loaded.keep(), &req.parse))
        });
        match parsed {
            Ok(p) => {
                bar.inc(p.info.bytes);
                out.add(p, req);
            }
            Err(e) => out.errors.push(e),
        }
    }
    bar.finish_and_clear();
    out
}

impl Read {
    /// Add one parsed input, dropping its events outside the window.
    fn add(&mut self, mut p: input::Parsed, req: &Request) {
        if req.since.is_some() || req.until.is_some() {
            let before = p.events.len();
            p.events.retain(|e| match e.ts_ns() {
                Some(t) => req.since.is_none_or(|s| t >= s) && req.until.is_none_or(|u| t < u),
                None => false,
            });
            p.info.stats.filtered = (before - p.events.len()) as u64;
        }
        p.info.stats.events = p.events.len() as u64;
        // A parser's hashes hold only while all its events are kept.
        match (&mut self.key_hashes, p.key_hashes.take()) {
            (Some(all), Some(h)) if p.info.stats.filtered == 0 => {
                if all.is_empty() {
                    *all = h;
                } else {
                    all.extend(h);
                }
            }
            _ => self.key_hashes = None,
        }
        self.sources.push(p.info);
        if self.events.is_empty() {
            self.events = p.events;
        } else {
            self.events.extend(p.events);
        }
    }
}
