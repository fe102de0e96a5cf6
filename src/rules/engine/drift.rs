//! Drift rules: responses whose body shape departs from the shape the
//! same endpoint returned during a baseline share of the input.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use super::group::{group_key, Key};

use crate::model::{Event, SourceInfo, Str};
use crate::rules::spec::CompiledRule;

/// Response-shape drift. Per group, the first `baseline` share of successful
/// responses with a JSON body (at least two) are the baseline; a later response is a
/// match when a field every baseline response had is missing or changed
/// type, or a field none of them had appears. `details` gets, for each
/// match, what changed (`.price: number → string`).
pub(super) fn matches(
    rule: &CompiledRule,
    baseline: f64,
    events: &[Event],
    sources: &[SourceInfo],
    details: &mut FxHashMap<usize, String>,
) -> Vec<usize> {
    let mut groups: BTreeMap<Key<'_>, Vec<usize>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        // Only successful responses define an API's shape: error bodies
        // (401, 429, 5xx) always look different.
        let ok = e.status.is_none_or(|s| (200..300).contains(&s));
        if ok && e.body_fields().is_some() && !rule.exclusions.iter().any(|c| c.matches(e)) {
            groups.entry(group_key(rule, e, sources)).or_default().push(i);
        }
    }
    // A field is `path:type` (types hold no colon), interned: equal
    // fields are equal handles, compared without reading their text.
    fn split(f: &str) -> (&str, &str) {
        f.rsplit_once(':').unwrap_or((f, ""))
    }
    let mut out = Vec::new();
    for idx in groups.values_mut() {
        idx.sort_by_key(|&i| (events[i].ts_ns(), i));
        let n_base = ((idx.len() as f64 * baseline).ceil() as usize).max(2);
        if idx.len() <= n_base {
            continue;
        }
        let fields_of = |i: usize| events[i].body_fields().unwrap_or(&[]);
        // Fields every baseline response had, and every field (and path)
        // any had.
        let base = &idx[..n_base];
        let stable: Vec<Str> = fields_of(base[0])
            .iter()
            .copied()
            .filter(|f| base[1..].iter().all(|&b| fields_of(b).contains(f)))
            .collect();
        let seen: FxHashSet<Str> = base.iter().flat_map(|&b| fields_of(b).iter().copied()).collect();
        let seen_paths: FxHashSet<&str> = seen.iter().map(|f| split(f.as_str()).0).collect();
        for &i in &idx[n_base..] {
            let now = fields_of(i);
            let mut change = None;
            for f in &stable {
                if now.contains(f) {
                    continue;
                }
                let (path, ty) = split(f.as_str());
                change = Some(
                    match now.iter().map(|x| split(x.as_str())).find(|(p, _)| *p == path) {
                        Some((_, t)) => format!("{}: {ty} → {t}", display_path(path)),
                        None => format!("{}: missing (was {ty})", display_path(path)),
                    },
                );
                break;
            }
            if change.is_none() {
                change = now
                    .iter()
                    .filter(|f| !seen.contains(*f))
                    .map(|f| split(f.as_str()))
                    .find(|(p, _)| !seen_paths.contains(p))
                    .map(|(p, t)| format!("{}: new field ({t})", display_path(p)));
            }
            if let Some(c) = change {
                details.insert(i, c);
                out.push(i);
            }
        }
    }
    out.sort_unstable();
    out
}

/// `.items[].price` → `items[].price`; the root is `(body)`.
fn display_path(p: &str) -> String {
    let t = p.trim_start_matches('.');
    if t.is_empty() {
        "(body)".to_string()
    } else {
        t.to_string()
    }
}
