//! Sequence rules: the same key (client, request) seen in the steps of a
//! sequence within its window, such as a retry after a failure.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::Event;
use crate::rules::selection::{self, Field};
use crate::rules::spec::{CompiledRule, Sequence};

/// The events that complete a sequence: per key, the steps' selections
/// matched in order within `within`, each step (with `before_elapsed`)
/// before the previous step's value of that field, in seconds, had elapsed.
/// An event that matches the first step starts a new sequence.
/// `candidates` are the events that can take part ([`candidate`]),
/// in event order.
pub(super) fn matches(
    rule: &CompiledRule,
    seq: &Sequence,
    events: &[Event],
    candidates: &[usize],
) -> Vec<usize> {
    use selection::field_text;
    struct State {
        step: usize,
        start: i64,
        last: i64,
        budget_s: Option<f64>,
    }
    // A key is hashed, not copied; a key seen fewer times than there
    // are steps cannot complete a sequence, so most events (one request
    // id, one request) are passed over without state.
    let key_of = |e: &Event| {
        use std::hash::Hasher as _;
        let mut h = rustc_hash::FxHasher::default();
        seq.by
            .iter()
            .all(|f| selection::hash_field(e, *f, &mut h))
            .then(|| h.finish())
    };
    let keys: Vec<(usize, u64)> = candidates
        .par_iter()
        .filter_map(|&i| Some((i, key_of(&events[i])?)))
        .collect();
    let mut seen: FxHashMap<u64, u32> = FxHashMap::default();
    for &(_, k) in &keys {
        *seen.entry(k).or_default() += 1;
    }
    let mut order: Vec<(usize, u64)> = keys
        .into_iter()
        .filter(|(_, k)| seen.get(k).is_some_and(|&n| n as usize >= seq.steps.len()))
        .collect();
    drop(seen);
    order.sort_by_key(|&(i, _)| (events[i].ts_ns(), i));
    let mut states: FxHashMap<u64, State> = FxHashMap::default();
    let mut out = Vec::new();
    let budget = |e: &Event| {
        seq.before_elapsed
            .and_then(|f| field_text(e, f))
            .and_then(|v| v.parse::<f64>().ok())
    };
    for (i, key) in order {
        let e = &events[i];
        let Some(ts) = e.ts_ns() else { continue };
        if rule.exclusions.iter().any(|c| c.matches(e)) {
            continue;
        }
        let mut advanced = false;
        if let Some(st) = states.get_mut(&key) {
            let next = seq.steps[st.step];
            let in_span = ts.saturating_sub(st.start) <= seq.within_ns;
            let in_budget = match (seq.before_elapsed, st.budget_s) {
                (None, _) => true,
                (Some(_), Some(b)) => (ts.saturating_sub(st.last) as f64) < b * 1e9,
                (Some(_), None) => false,
            };
            if in_span && in_budget && rule.selections[next].matches(e) {
                advanced = true;
                if st.step + 1 == seq.steps.len() {
                    out.push(i);
                    states.remove(&key);
                } else {
                    st.step += 1;
                    st.last = ts;
                    st.budget_s = budget(e);
                }
            }
        }
        // Every event that matches the first step can start a sequence,
        // including the one that just completed one (a retry that is
        // throttled again).
        if rule.selections[seq.steps[0]].matches(e) && (!advanced || !states.contains_key(&key)) {
            states.insert(
                key,
                State {
                    step: 1,
                    start: ts,
                    last: ts,
                    budget_s: budget(e),
                },
            );
        }
    }
    out.sort_unstable();
    out
}

/// Whether an event can take part in a sequence keyed by `by`: it has a
/// time and every key field.
pub(super) fn candidate(e: &Event, by: &[Field]) -> bool {
    e.ts_ns().is_some() && by.iter().all(|f| selection::has_field(e, *f))
}
