//! Kibana Discover CSV exports (and other CSV exports with a header row):
//! RFC 4180 quoting with line breaks inside values, arrays joined with
//! `", "`, objects as JSON strings, numbers with thousands separators,
//! display dates without a zone (read in `--tz`, and flagged as assumed),
//! formula-escaped cells (`'-1`), an optional BOM, and dotted column names
//! that mean the same fields as in JSON. Each row is a record.

use crate::input::json::extract;
use std::borrow::Cow;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::input::formats::{Claim, Input, InputFormat, Tier};
use crate::input::json::fields::{Fields, Scalar};
use crate::input::probe::Probe;
use crate::input::record;
use crate::input::Options;
use crate::input::Output;
use crate::model::Format;
use crate::model::{Event, InputStats, Locator, ParseIssue, SourceId};

/// A Discover CSV's format.
pub const FORMAT: Format = Format::named("csv", false);

/// A CSV export with a header row (Kibana Discover).
pub struct Kibana;

const CLAIMS: &[Claim] = &[Claim {
    tier: Tier::FirstLine,
    test: header,
}];

impl InputFormat for Kibana {
    fn format(&self) -> Format {
        FORMAT
    }

    fn claims(&self) -> &'static [Claim] {
        CLAIMS
    }

    fn parse(&self, input: &Input<'_>) -> Result<Output> {
        parse(input.id, input.display, input.bytes, input.opts)
    }
}

/// A first line that is a CSV header.
fn header(p: &Probe<'_>) -> Option<Format> {
    (!matches!(p.first, b'{' | b'[') && is_csv_header(p.first_line())).then_some(FORMAT)
}

/// Whether the first line is a CSV header: at least two identifier-like
/// column names, one of which is a field we know.
pub fn is_csv_header(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let delim = char::from(delimiter(line));
    let cols: Vec<&str> = text
        .trim()
        .split(delim)
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    cols.len() >= 2
        && cols.iter().all(|c| {
            !c.is_empty()
                && c.len() <= 128
                && c.chars()
                    .all(|ch| ch.is_alphanumeric() || "_@.-:/() ".contains(ch))
        })
        && cols.iter().any(|c| {
            crate::input::json::fields::BUILTIN.knows(c) || matches!(*c, "_id" | "_index" | "@timestamp")
        })
}

/// The delimiter the header line uses most: `,`, `;` or tab.
pub fn delimiter(header: &[u8]) -> u8 {
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| header.iter().filter(|c| *c == d).count())
        .unwrap_or(b',')
}

/// Kibana escapes cells that start with a formula character with a `'`.
fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => cell,
    }
}

struct Row {
    line: u64,
    offset: u64,
    cells: Vec<String>,
}

fn row_event(id: SourceId, headers: &[String], row: &Row, opts: &Options) -> Event {
    let mut f: Fields<'_> = Fields::default();
    let mut nested: Vec<Fields<'static>> = Vec::new();
    for (h, cell) in headers.iter().zip(&row.cells) {
        let v = unescape(cell.trim());
        if v.is_empty() || v == "-" {
            continue;
        }
        if v.starts_with('{') && v.ends_with('}') {
            // An object column arrives as a JSON string.
            let wrapped = format!("{{{}:{v}}}", serde_json::to_string(h).unwrap_or_default());
            if let Ok(inner) = extract::extract_with(&opts.map, wrapped.as_bytes()) {
                nested.push(inner.to_static_fields());
                continue;
            }
        }
        f.offer(&opts.map, h, Scalar::Str(Cow::Borrowed(v)));
    }
    for n in &nested {
        f.fill_from(n);
    }
    record::to_event(id, Locator::Line(row.line), row.offset, &f, opts)
}

/// Parse a CSV export.
pub fn parse(id: SourceId, display: &str, b: &[u8], opts: &Options) -> Result<Output> {
    let header_end = memchr::memchr(b'\n', b).unwrap_or(b.len());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&b[..header_end]))
        .flexible(true)
        .has_headers(true)
        .from_reader(b);
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| Error::UnsupportedFormat {
            path: display.into(),
            reason: format!("unreadable CSV header: {e}"),
        })?
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let mut stats = InputStats::default();
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let pos = reader.position().clone();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                stats.records += 1;
                let cells: Vec<String> = record
                    .iter()
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                if cells.len() != headers.len() {
                    stats.skipped += 1;
                    stats.issues.push(ParseIssue {
                        locator: Locator::Line(pos.line()),
                        offset: pos.byte(),
                        reason: format!("{} cells for {} columns", cells.len(), headers.len()),
                    });
                    continue;
                }
                rows.push(Row {
                    line: pos.line(),
                    offset: pos.byte(),
                    cells,
                });
            }
            Err(e) => {
                // The csv reader cannot resynchronize after a broken quote:
                // count the rest of the file as one unreadable record.
                stats.records += 1;
                stats.skipped += 1;
                stats.issues.push(ParseIssue {
                    locator: Locator::Line(pos.line()),
                    offset: pos.byte(),
                    reason: format!("unreadable CSV from here on: {e}"),
                });
                break;
            }
        }
    }
    let events: Vec<Event> = rows
        .par_iter()
        .map(|r| row_event(id, &headers, r, opts))
        .collect();
    Ok(Output {
        events,
        stats,
        dialect: "kibana/csv export".to_string(),
        key_hashes: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OptionStr;

    #[test]
    fn kibana_discover_export() {
        let csv = "\u{feff}\"@timestamp\",\"http.response.status_code\",\"url.path\",\"event.duration\",message,\"trace.id\",bytes\n\
            \"Aug 19, 2026 @ 07:34:59.792\",503,\"/v1/orders/42\",\"1,500,000\",\"line one\nline two\",\"4bf92f3577b34da6a3ce929d0e0e4736\",\"7,658,713\"\n\
            \"Aug 19, 2026 @ 07:35:00.000\",\"'-1\",\"/x\",-,\"ok\",-,1\n";
        let opts = Options {
            tz_offset_s: 2 * 3600,
            ..Options::default()
        };
        let out = parse(SourceId(0), "k.csv", csv.as_bytes(), &opts).unwrap();
        assert_eq!(out.stats.records, 2);
        assert_eq!(out.events.len(), 2);
        let e = &out.events[0];
        assert_eq!(e.status, Some(503));
        assert_eq!(e.duration_ms(), Some(1.5));
        assert_eq!(e.route().as_str(), Some("/v1/orders/{id}"));
        assert_eq!(e.trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert_eq!(e.message.as_deref(), Some("line one\nline two"));
        // 07:34:59.792 at +02:00 is 05:34:59.792 UTC.
        assert_eq!(
            e.ts_ns(),
            crate::normalize::time::parse_rfc3339("2026-08-19T05:34:59.792Z").map(|p| p.ns)
        );
        assert!(e.ts_tz_assumed());
        assert_eq!(e.locator(), Some(Locator::Line(2)));
        assert_eq!(
            out.events[1].locator(),
            Some(Locator::Line(4)),
            "the quoted line break moves the next row"
        );
        assert_eq!(out.events[1].status, None, "'-1 is not a status");
    }

    #[test]
    fn object_columns_are_json() {
        let csv = "@timestamp,http\n2024-05-01T10:00:00Z,\"{\"\"response\"\":{\"\"status_code\"\":502}}\"\n";
        let out = parse(SourceId(0), "k.csv", csv.as_bytes(), &Options::default()).unwrap();
        assert_eq!(out.events[0].status, Some(502));
    }
}
