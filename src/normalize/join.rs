//! Join keys: the trace id and request id by which records in different
//! inputs are the same request, and their hashes, which parsers take while
//! each record is in the cache (see `analyze::correlate`, which joins).

use crate::model::Event;
use crate::model::OptionStr;

/// The part of a canonical trace id that joins: its low 64 bits.
pub fn trace_key(trace: &str) -> &str {
    trace.get(trace.len().saturating_sub(16)..).unwrap_or(trace)
}

/// The join keys of an event: its trace id and its request id. Trace ids
/// join on their low 64 bits, so a 64-bit id (Datadog, B3 64-bit, Jaeger)
/// matches the 128-bit id of the same trace.
pub fn keys(e: &Event) -> impl Iterator<Item = (bool, &str)> {
    e.trace_id
        .as_deref()
        .map(|t| (true, trace_key(t)))
        .into_iter()
        .chain(e.request_id().as_str().map(|r| (false, r)))
}

/// A join key's hash. The low bit says whether the key is a trace id (1)
/// or a request id (0), so keys of the two kinds never share a hash.
pub fn key_hash(is_trace: bool, key: &str) -> u64 {
    use std::hash::BuildHasher;
    (rustc_hash::FxBuildHasher.hash_one(key) & !1) | u64::from(is_trace)
}

/// Push the hash of each of an event's join keys to `out`: what
/// `analyze::correlate::KeyIndex::with_hashes` takes, when a parser hashes the keys as it
/// builds the events.
pub fn push_key_hashes(e: &Event, out: &mut Vec<u64>) {
    out.extend(keys(e).map(|(t, k)| key_hash(t, k)));
}

/// The hashes of one event's join keys (a trace id and a request id at
/// most), for a parser that builds events in parallel and gathers the
/// hashes in event order afterwards, as [`push_key_hashes`] would push them.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventKeys {
    n: u8,
    hashes: [u64; 2],
}

impl EventKeys {
    /// The hashes of `e`'s join keys.
    pub fn of(e: &Event) -> EventKeys {
        let mut k = EventKeys::default();
        for (is_trace, key) in keys(e) {
            if let Some(slot) = k.hashes.get_mut(usize::from(k.n)) {
                *slot = key_hash(is_trace, key);
                k.n += 1;
            }
        }
        k
    }

    /// The hashes, in the order [`push_key_hashes`] pushes them.
    pub fn hashes(&self) -> &[u64] {
        &self.hashes[..usize::from(self.n)]
    }
}

/// The hashes of every join key of `events`, sorted: what a parser's
/// `key_hashes` must hold, in some order.
#[cfg(test)]
pub fn sorted_key_hashes(events: &[Event]) -> Vec<u64> {
    let mut out = Vec::new();
    for e in events {
        push_key_hashes(e, &mut out);
    }
    out.sort_unstable();
    out
}
