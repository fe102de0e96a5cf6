//! Plain rules, which match single events, all in one shared pass over
//! the events, behind a per-rule gate on status and failure; the same pass
//! gathers the candidates of every sequence key.

use rayon::prelude::*;

use super::sequence::candidate;
use crate::model::Event;
use crate::rules::selection::Field;
use crate::rules::spec::CompiledRule;

/// Whether a rule's matches are a plain filter over single events (no
/// sequence, no drift), which [`shared_pass`] computes for all such rules
/// in one pass.
pub(super) fn is_plain(rule: &CompiledRule) -> bool {
    rule.sequence.is_none() && rule.drift.is_none()
}

/// Events per block of the shared matching pass.
const MATCH_BLOCK: usize = 1 << 14;

/// Which (status, failure) classes of events a rule can match at all,
/// from the status and failure conditions of its blocks: one bit looked
/// up per event and rule, where testing every block of every rule on
/// every event (most of them successes no rule wants) was a tenth of a
/// run. Conservative: a rule written as a `condition` expression, and any
/// status beyond the table, pass the gate and are tested in full.
pub(super) struct Gate(Vec<bool>);

impl Gate {
    /// Statuses 0 to 999 by code, then "no status", then "any other".
    pub(super) const CLASSES: usize = 1002;

    pub(super) fn class(e: &Event) -> usize {
        let s = match e.status {
            None => 1000,
            Some(s) if s < 1000 => usize::from(s),
            Some(_) => 1001,
        };
        s * 2 + usize::from(e.is_failure())
    }

    pub(super) fn of(rule: &CompiledRule) -> Gate {
        // An expression over selections is not read here: it passes.
        let open = rule.condition.is_some();
        let bits = (0..Self::CLASSES * 2)
            .map(|c| {
                let (s, failed) = (c / 2, c % 2 == 1);
                let status = match s {
                    1000 => None,
                    1001 => return true,
                    s => u16::try_from(s).ok(),
                };
                open || rule.conditions.iter().any(|b| b.admits(status, failed))
            })
            .collect();
        Gate(bits)
    }

    pub(super) fn admits(&self, class: usize) -> bool {
        self.0.get(class).copied().unwrap_or(true)
    }
}

/// What one pass over the events finds for every rule: the matching
/// events of each plain rule, and the events that can take part in the
/// sequences of each distinct key, all in event order.
pub(super) struct Shared {
    /// By rule index; empty for the rules that are not plain.
    pub(super) plain: Vec<Vec<usize>>,
    /// Each distinct sequence key and its candidates.
    keyed: Vec<(Vec<Field>, Vec<usize>)>,
}

impl Shared {
    /// The candidates of the sequences keyed by `by`.
    pub(super) fn candidates(&self, by: &[Field]) -> &[usize] {
        self.keyed
            .iter()
            .find(|(k, _)| k.as_slice() == by)
            .map_or(&[], |(_, c)| c.as_slice())
    }
}

/// [`Shared`], from one pass: each event is read from memory once for all
/// rules instead of once per rule (a pass over millions of events costs
/// the same whatever little it reads of each). Blocks of events are
/// matched in parallel and joined in block order, so the lists are the
/// same for any thread count.
pub(super) fn shared_pass(rules: &[CompiledRule], events: &[Event]) -> Shared {
    let plain: Vec<usize> = (0..rules.len()).filter(|&r| is_plain(&rules[r])).collect();
    let mut keys: Vec<Vec<Field>> = Vec::new();
    for seq in rules.iter().filter_map(|r| r.sequence.as_ref()) {
        if !keys.contains(&seq.by) {
            keys.push(seq.by.clone());
        }
    }
    let gates: Vec<Gate> = plain.iter().map(|&r| Gate::of(&rules[r])).collect();
    // For each class, the plain rules its gates admit, in rule order: an
    // event reads one short list instead of asking every rule's gate.
    let admitted: Vec<Vec<usize>> = (0..Gate::CLASSES * 2)
        .map(|c| (0..plain.len()).filter(|&slot| gates[slot].admits(c)).collect())
        .collect();
    let every: Vec<usize> = (0..plain.len()).collect();
    let lists = plain.len() + keys.len();
    let blocks: Vec<Vec<Vec<usize>>> = events
        .par_chunks(MATCH_BLOCK)
        .enumerate()
        .map(|(b, block)| {
            let mut m = vec![Vec::new(); lists];
            for (k, e) in block.iter().enumerate() {
                let at = b * MATCH_BLOCK + k;
                let slots = admitted.get(Gate::class(e)).unwrap_or(&every);
                for &slot in slots {
                    if rules[plain[slot]].matches(e) {
                        m[slot].push(at);
                    }
                }
                for (j, by) in keys.iter().enumerate() {
                    if candidate(e, by) {
                        m[plain.len() + j].push(at);
                    }
                }
            }
            m
        })
        .collect();
    let mut out = Shared {
        plain: vec![Vec::new(); rules.len()],
        keyed: keys.into_iter().map(|k| (k, Vec::new())).collect(),
    };
    for block in blocks {
        for (slot, m) in block.into_iter().enumerate() {
            match plain.get(slot) {
                Some(&r) => out.plain[r].extend(m),
                None => out.keyed[slot - plain.len()].1.extend(m),
            }
        }
    }
    out
}
