//! Line-oriented inputs parsed in parallel: the input is cut into chunks on
//! line boundaries, each chunk is parsed on its own with chunk-local line
//! numbers, and [`merge`] puts the pieces back in order, turning local line
//! numbers into file line numbers. The result is the same for any thread
//! count. Used by the JSON-lines and text parsers.

use crate::model::{Event, InputStats, Locator, ParseIssue};

/// What one chunk produced.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Events, with chunk-local line numbers.
    pub events: Vec<Event>,
    /// Skipped records, with chunk-local line numbers.
    pub issues: Vec<ParseIssue>,
    /// Records seen.
    pub records: u64,
    /// Physical lines in the chunk (including empty ones).
    pub lines: u64,
    /// Dialect guesses of the chunk's first records.
    pub votes: Vec<&'static str>,
    /// Records read after replacing invalid UTF-8 with U+FFFD.
    pub repaired: u64,
}

/// Split `b` into chunks of about `target` bytes that end on a newline.
pub fn chunks(b: &[u8], target: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let want = (start + target).min(b.len());
        let end = if want == b.len() {
            want
        } else {
            memchr::memchr(b'\n', &b[want..]).map_or(b.len(), |k| want + k + 1)
        };
        out.push((start, end));
        start = end;
    }
    out
}

/// Merge chunks in order: events, accounting, and up to 64 dialect votes.
pub fn merge(parts: Vec<Chunk>) -> (Vec<Event>, InputStats, Vec<&'static str>) {
    let mut stats = InputStats::default();
    let mut events = Vec::with_capacity(parts.iter().map(|p| p.events.len()).sum());
    let mut votes = Vec::new();
    let mut base = 0u64;
    let mut repaired = 0u64;
    for mut p in parts {
        for e in &mut p.events {
            if let Some(Locator::Line(n)) = &mut e.locator {
                *n += base;
            }
        }
        for i in &mut p.issues {
            if let Locator::Line(n) = &mut i.locator {
                *n += base;
            }
        }
        base += p.lines;
        stats.records += p.records;
        repaired += p.repaired;
        stats.skipped += p.issues.len() as u64;
        stats.issues.extend(p.issues);
        events.extend(p.events);
        if votes.len() < 64 {
            votes.extend(p.votes);
        }
    }
    if repaired > 0 {
        stats.notes.push(format!(
            "{repaired} records held invalid UTF-8: read with U+FFFD in place of the bad bytes"
        ));
    }
    (events, stats, votes)
}
