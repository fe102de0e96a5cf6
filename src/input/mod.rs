//! Inputs: from paths to parsed events.
//!
//! `load` finds and opens inputs (files, directories, stdin; gzip, zstd and
//! zlib by magic bytes), `detect` decides the format from the content, and
//! the format's parser (one file each under `formats`, listed in
//! [`formats::FORMATS`]) turns the bytes into [`Event`]s, counting every
//! record that produced none. `json` is the JSON machinery the JSON
//! formats share, `record` builds an event from extracted fields, and
//! `read` reads a run's inputs. The next stage is `analyze`.

pub mod demo;
pub mod detect;
pub mod formats;
pub mod guard;
pub mod json;
pub mod lines;
pub mod load;
pub mod probe;
pub mod read;
pub mod record;

use crate::error::Result;
use crate::model::{Event, InputStats, SourceId, SourceInfo};

pub use load::{discover, Data, InputSpec, Loaded, OpenOptions};

/// How to read inputs: field mappings and the zone for zone-less times.
#[derive(Debug, Clone)]
pub struct Options {
    /// Field aliases, with any `--map` entries.
    pub map: json::fields::FieldMap,
    /// Offset east of UTC, in seconds, for timestamps without a zone (`--tz`).
    pub tz_offset_s: i32,
    /// The input's bytes when they live as long as the process (a kept
    /// memory map, an embedded sample): event text that lies inside them
    /// is referred to, not copied (see [`crate::model::Text::within`]).
    pub backing: Option<&'static [u8]>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            map: json::fields::BUILTIN.clone(),
            tz_offset_s: 0,
            backing: None,
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
    /// The hashes of every join key of `events`, in any order, when the
    /// parser took them as it went (see [`Parsed::key_hashes`]).
    pub key_hashes: Option<Vec<u64>>,
}

/// The events of one input plus what the report says about it.
#[derive(Debug)]
pub struct Parsed {
    /// Description and accounting.
    pub info: SourceInfo,
    /// Events in record order.
    pub events: Vec<Event>,
    /// The hashes of every join key of `events` (their multiset: the order
    /// says nothing), taken by the parser while each record was in the
    /// cache, for `analyze::correlate::KeyIndex::with_hashes`; `None` when
    /// the parser does not take them. Stale once events are dropped.
    pub key_hashes: Option<Vec<u64>>,
}

/// Detect the format of a loaded input and parse it.
pub fn parse(id: SourceId, loaded: &Loaded, opts: &Options) -> Result<Parsed> {
    let bytes = loaded.data.bytes();
    let with_backing;
    let opts = match loaded.data.static_bytes() {
        Some(b) => {
            with_backing = Options {
                backing: Some(b),
                ..opts.clone()
            };
            &with_backing
        }
        None => opts,
    };
    let detected = detect::detect(&loaded.display, bytes)?;
    let format = formats::by_name(detected.name).ok_or_else(|| crate::Error::UnsupportedFormat {
        path: loaded.display.clone().into(),
        reason: format!("no parser for the format {:?}", detected.name),
    })?;
    let out = format.parse(&formats::Input {
        id,
        display: &loaded.display,
        bytes,
        format: detected,
        opts,
        release: &|r| loaded.data.release(r),
    })?;
    if loaded.data.changed() {
        // Pages were lost or the file rewritten under the parse: what was
        // read is not the file, so none of it is kept.
        return Err(crate::Error::Changed {
            path: loaded.display.clone().into(),
        });
    }
    let mut stats = out.stats;
    stats.notes.splice(0..0, loaded.notes.iter().cloned());
    Ok(Parsed {
        info: SourceInfo {
            id,
            display: loaded.display.clone(),
            format: detected,
            dialect: out.dialect,
            bytes: bytes.len() as u64,
            stats,
            clock_shift_ns: 0,
        },
        events: out.events,
        key_hashes: out.key_hashes,
    })
}

#[cfg(test)]
mod robustness {
    //! Every parser, fed cut-off and corrupted versions of valid inputs of
    //! every format, must return a result or an error: never panic, and
    //! always account for every record.

    use super::*;

    const SEEDS: &[&str] = &[
        r#"{"log":{"version":"1.2","creator":{"name":"x"},"entries":[{"startedDateTime":"2024-05-01T10:00:00Z","time":5,"request":{"method":"GET","url":"https://a/é/1?token=x","headers":[{"name":"Authorization","value":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln"}]},"response":{"status":401,"headers":[{"name":"WWW-Authenticate","value":"Bearer error=\"invalid_token\""}],"content":{"text":"[Fiddler] ünïcode"}}}]}}"#,
        "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"http\":{\"response\":{\"status_code\":503}},\"url\":{\"path\":\"/é/1\"}}\n{\"ts\":1716723772.5,\"level\":30,\"msg\":\"ünï\"}\n",
        r#"{"hits":{"hits":[{"_index":"i","_id":"1","_source":{"status":500}},{"_index":"i","_id":"1"}]}}"#,
        r#"{"columns":[{"name":"status"}],"values":[[502],["x"]]}"#,
        "\"@timestamp\",status,message\n\"Aug 19, 2026 @ 07:34:59.792\",\"1,503\",\"a\nb\"\n",
        "1.2.3.4 - - [17/May/2015:10:05:03 +0000] \"GET /ü HTTP/1.1\" 503 5 \"-\" \"ü\"\n",
        "#Fields: date time cs-method cs-uri-stem sc-status time-taken\n2015-01-13 00:32:17 GET /x 500 12\n",
        "Feb 25 16:19:49 h haproxy[7]: 1.2.3.4:5 [25/Feb/2019:16:19:48.143] fe be/srv 0/0/7/1457/1487 504 1 - - sHéé 2/1/0/0/0 0/0 \"GET /x HTTP/1.1\"\n",
        "[2016-04-15T20:17:00.310Z] \"POST /x HTTP/2\" 504 UT 1 0 15000 - \"a\" \"b\" \"c\" \"d\" \"e\"\n",
        "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"1\",\"body\":{\"stringValue\":\"é\"}}]}]}]}\n",
        "web | {\"log\":\"{\\\"status\\\":503}\",\"stream\":\"stdout\"}\n",
    ];

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    fn check(bytes: Vec<u8>) {
        let loaded = Loaded {
            display: "fuzz".into(),
            data: Data::Owned(bytes),
            notes: Vec::new(),
        };
        if let Ok(p) = parse(SourceId(0), &loaded, &Options::default()) {
            crate::fuzzing::check_accounting(&p.info.stats, p.events.len());
        }
    }

    #[test]
    fn cut_and_corrupted_inputs_never_panic() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for seed in SEEDS {
            let b = seed.as_bytes();
            for cut in 0..=b.len() {
                check(b[..cut].to_vec());
            }
            for _ in 0..3000 {
                let mut m = b.to_vec();
                for _ in 0..1 + rng.next() % 4 {
                    let i = (rng.next() as usize) % m.len();
                    m[i] = match rng.next() % 4 {
                        0 => b'"',
                        1 => b'{',
                        2 => 0xC3,
                        _ => rng.next() as u8,
                    };
                }
                check(m);
            }
        }
    }
}
