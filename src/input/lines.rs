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
    /// The hashes of the events' join keys, taken while each record was
    /// still in the cache (see [`crate::correlate::push_key_hashes`]); left
    /// empty by parsers that do not hash them.
    pub keys: Vec<u64>,
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

/// A chunk's event vector sized for a chunk of `bytes`: one event per 128
/// bytes, so that growing it (a copy of every event so far) is rare. The
/// pages past what is written are never touched, so the slack costs
/// address space, not memory.
pub fn events_for(bytes: usize) -> Vec<Event> {
    Vec::with_capacity(bytes / 128 + 16)
}

/// Merge chunks in order: events, accounting, and up to 64 dialect votes.
///
/// The events are moved into one vector by all threads at once, each chunk
/// into its own stretch of it; the line numbers are made file-wide on the
/// way. A single-threaded copy here was the largest serial step of a
/// JSON-lines parse.
pub fn merge(parts: Vec<Chunk>) -> (Vec<Event>, InputStats, Vec<&'static str>) {
    use rayon::prelude::*;
    let mut stats = InputStats::default();
    let mut votes = Vec::new();
    let mut base = 0u64;
    let mut repaired = 0u64;
    let total: usize = parts.iter().map(|p| p.events.len()).sum();
    let mut events: Vec<Event> = Vec::with_capacity(total);
    let mut rest = &mut events.spare_capacity_mut()[..total];
    let mut work = Vec::with_capacity(parts.len());
    for mut p in parts {
        for i in &mut p.issues {
            if let Locator::Line(n) = &mut i.locator {
                *n += base;
            }
        }
        let (here, after) = rest.split_at_mut(p.events.len());
        rest = after;
        work.push((base, p.events, here));
        base += p.lines;
        stats.records += p.records;
        repaired += p.repaired;
        stats.skipped += p.issues.len() as u64;
        stats.issues.extend(p.issues);
        if votes.len() < 64 {
            votes.extend(p.votes);
        }
    }
    work.into_par_iter().for_each(|(base, evs, dest)| {
        for (slot, mut e) in dest.iter_mut().zip(evs) {
            if let Some(Locator::Line(n)) = e.locator() {
                e.set_locator(Some(Locator::Line(n + base)));
            }
            slot.write(e);
        }
    });
    // SAFETY: the first `total` slots were split into one stretch per chunk,
    // of exactly that chunk's length, and every stretch was written in full
    // above (`zip` of equal lengths; `for_each` returns only when every job
    // has run, and a panic would have unwound past this point).
    unsafe { events.set_len(total) };
    if repaired > 0 {
        stats.notes.push(format!(
            "{repaired} records held invalid UTF-8: read with U+FFFD in place of the bad bytes"
        ));
    }
    (events, stats, votes)
}
