//! Running rules over events. Each rule selects matching events, groups them
//! (by host, route, service or input), finds bursts of matches closer than
//! its window, and keeps the groups that meet its thresholds. The output is
//! one [`Finding`] per rule and group, in a deterministic order.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::spec::{CompiledRule, GroupField, MAX_GROUP_FIELDS};
use crate::model::OptionStr;
use crate::model::{Event, Extent, SourceInfo, Str, Subject};

/// One rule firing on one group.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Index of the rule in the rule list.
    pub rule: usize,
    /// What it is about.
    pub subject: Subject,
    /// Matching events in qualifying bursts, as indices into the event list, in time order.
    pub events: Vec<usize>,
    /// Earliest matching event time.
    pub first_ts: Option<i64>,
    /// Latest matching event time.
    pub last_ts: Option<i64>,
    /// Events of the same group in that time span (matching or not).
    pub group_events: u64,
    /// Number of qualifying bursts.
    pub bursts: u32,
    /// Largest Retry-After seen on the matching events, in seconds.
    pub retry_after_max: Option<f64>,
    /// What changed, for drift findings (`.price: number → string`).
    pub detail: Option<String>,
    /// When the matches began to rise, by change point: at or before
    /// `first_ts`, which is the first window over the thresholds.
    pub onset_ts: Option<i64>,
    /// Confidence against the baseline, 0..1: how far the matches stand
    /// out from the same group's history before them. `None` when there is
    /// no history (the finding starts with the input).
    pub baseline: Option<f64>,
    /// Whether the input holds history before the onset (at least two
    /// windows); without it the onset is only where the input begins.
    pub history: bool,
    /// What sets its failures apart from the successful traffic
    /// ([`crate::analyze::culprit`]); empty until attributed.
    pub culprits: Vec<crate::model::Attribute>,
}

/// The group an event belongs to under a rule: one value per group field,
/// borrowed from the event.
type Key<'a> = [Part<'a>; MAX_GROUP_FIELDS];

/// One value of a group key. Most group fields are interned, so two equal
/// values are usually the same pointer: equality and ordering check that
/// first and compare bytes only when the pointers differ. Hashing is by
/// content, which agrees with both.
#[derive(Debug, Clone, Copy, Hash)]
struct Part<'a>(&'a str);

impl PartialEq for Part<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

impl Eq for Part<'_> {}

impl PartialOrd for Part<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Part<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if std::ptr::eq(self.0, other.0) {
            std::cmp::Ordering::Equal
        } else {
            self.0.cmp(other.0)
        }
    }
}

impl std::ops::Deref for Part<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

fn group_key<'a>(rule: &CompiledRule, e: &'a Event, sources: &'a [SourceInfo]) -> Key<'a> {
    let mut key = [Part(""); MAX_GROUP_FIELDS];
    for (slot, field) in key.iter_mut().zip(&rule.group_by) {
        *slot = Part(match field {
            GroupField::Host => e.host().as_str().unwrap_or(""),
            GroupField::Route => e.route().as_str().unwrap_or(""),
            GroupField::Method => e.method().as_str().unwrap_or(""),
            GroupField::Service => e.service().as_str().unwrap_or(""),
            GroupField::Version => e.service_version().as_str().unwrap_or(""),
            GroupField::Release => e
                .user_agent()
                .as_str()
                .and_then(crate::normalize::agent::release)
                .unwrap_or(""),
            GroupField::Client => e.client().as_str().unwrap_or(""),
            GroupField::Url => e.url.as_deref().unwrap_or(""),
            GroupField::Template => e.template.as_str().unwrap_or(""),
            GroupField::Token => e.auth().and_then(|a| a.credential_fp.as_deref()).unwrap_or(""),
            GroupField::Source => sources
                .get(e.source.0 as usize)
                .map_or("", |x| x.display.as_str()),
        });
    }
    key
}

fn subject_for(rule: &CompiledRule, key: &Key<'_>, events: &[Event], idx: &[usize]) -> Subject {
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    // A field every matching event agrees on is part of the subject too.
    let common = |f: &dyn Fn(&Event) -> Option<&str>| -> Option<String> {
        let first = f(&events[*idx.first()?])?;
        idx.iter()
            .all(|&i| f(&events[i]) == Some(first))
            .then(|| first.to_string())
    };
    let mut subject = Subject::default();
    let mut method = None;
    for (field, value) in rule.group_by.iter().zip(key) {
        match field {
            GroupField::Host => subject.host = nonempty(value),
            GroupField::Route => subject.endpoint = nonempty(value),
            GroupField::Method => method = nonempty(value),
            GroupField::Service => subject.service = nonempty(value),
            GroupField::Version => subject.version = nonempty(value),
            GroupField::Release => {
                if let Some((product, version)) = value.split_once('/') {
                    subject.agent = nonempty(product);
                    subject.version = nonempty(version);
                }
            }
            GroupField::Source | GroupField::Client => subject.client = nonempty(value),
            GroupField::Url | GroupField::Template | GroupField::Token => {}
        }
    }
    if subject.host.is_none() {
        subject.host = common(&|e| e.host().as_str());
    }
    if subject.service.is_none() {
        subject.service = common(&|e| e.service().as_str());
    }
    if subject.endpoint.is_none() && !rule.group_by.is_empty() {
        subject.endpoint = common(&|e| e.route().as_str());
    }
    if let (Some(m), Some(r)) = (method, &subject.endpoint) {
        subject.endpoint = Some(format!("{m} {r}"));
    }
    subject
}

/// Response-shape drift. Per group, the first `baseline` share of successful
/// responses with a JSON body (at least two) are the baseline; a later response is a
/// match when a field every baseline response had is missing or changed
/// type, or a field none of them had appears. `details` gets, for each
/// match, what changed (`.price: number → string`).
fn drift_matches(
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

/// The events that complete a sequence: per key, the steps' selections
/// matched in order within `within`, each step (with `before_elapsed`)
/// before the previous step's value of that field, in seconds, had elapsed.
/// An event that matches the first step starts a new sequence.
/// `candidates` are the events that can take part ([`sequence_candidate`]),
/// in event order.
fn sequence_matches(
    rule: &CompiledRule,
    seq: &super::spec::Sequence,
    events: &[Event],
    candidates: &[usize],
) -> Vec<usize> {
    use super::selection::field_text;
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
            .all(|f| super::selection::hash_field(e, *f, &mut h))
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

/// The bucket where a group's match counts began to rise, searching
/// `from..=hot` (`hot` being the first window over the thresholds), by
/// Page's CUSUM: with the baseline level μ (median of the windows before
/// `hot`) and scale σ (1.4826 · MAD, at least 1), the sum
/// `S = max(0, S + x − μ − σ/2)` last left zero at the onset. `None` when
/// there is too little history or no rise before `hot`.
fn change_point(counts: &BTreeMap<i64, u64>, from: i64, hot: i64) -> Option<i64> {
    if hot.saturating_sub(from) < 3 {
        return None;
    }
    let series: Vec<f64> = (from..=hot)
        .map(|k| counts.get(&k).copied().unwrap_or(0) as f64)
        .collect();
    let mut base = series[..series.len() - 1].to_vec();
    base.sort_by(f64::total_cmp);
    let mu = base[base.len() / 2];
    let mut dev: Vec<f64> = base.iter().map(|x| (x - mu).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let sigma = (1.4826 * dev[dev.len() / 2]).max(1.0);
    let mut sum = 0.0f64;
    let mut onset = 0usize;
    for (j, x) in series.iter().enumerate() {
        sum = (sum + x - mu - sigma / 2.0).max(0.0);
        if sum == 0.0 {
            onset = j + 1;
        }
    }
    (onset < series.len()).then(|| from + onset as i64)
}

/// Robust z-score of bucket `b`'s count against the buckets from `start` up
/// to `b` (the last 60 at most; empty ones count as zero): `(x − median) /
/// (1.4826 · MAD)`, with the scale at least 1. `None` with fewer than three
/// baseline buckets (or no timestamps): too little history to judge.
fn robust_z(counts: &BTreeMap<i64, u64>, start: i64, b: i64) -> Option<f64> {
    if b == i64::MIN {
        return None;
    }
    let from = start.max(b.saturating_sub(60));
    if b.saturating_sub(from) < 3 {
        return None;
    }
    let mut base: Vec<f64> = (from..b)
        .map(|k| counts.get(&k).copied().unwrap_or(0) as f64)
        .collect();
    base.sort_by(f64::total_cmp);
    let median = base[base.len() / 2];
    let mut dev: Vec<f64> = base.iter().map(|x| (x - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = dev[dev.len() / 2];
    let x = counts.get(&b).copied().unwrap_or(0) as f64;
    Some((x - median) / (1.4826 * mad).max(1.0))
}

/// Window bucket of a timestamp; events without one share a bucket.
fn bucket(ts: Option<i64>, window: i64) -> i64 {
    ts.map_or(i64::MIN, |t| t.div_euclid(window))
}

/// Whether an event can take part in a sequence keyed by `by`: it has a
/// time and every key field.
fn sequence_candidate(e: &Event, by: &[super::selection::Field]) -> bool {
    e.ts_ns().is_some() && by.iter().all(|f| super::selection::has_field(e, *f))
}

/// Whether a rule's matches are a plain filter over single events (no
/// sequence, no drift), which [`shared_pass`] computes for all such rules
/// in one pass.
fn is_plain(rule: &CompiledRule) -> bool {
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
struct Gate(Vec<bool>);

impl Gate {
    /// Statuses 0 to 999 by code, then "no status", then "any other".
    const CLASSES: usize = 1002;

    fn class(e: &Event) -> usize {
        let s = match e.status {
            None => 1000,
            Some(s) if s < 1000 => usize::from(s),
            Some(_) => 1001,
        };
        s * 2 + usize::from(e.is_failure())
    }

    fn of(rule: &CompiledRule) -> Gate {
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

    fn admits(&self, class: usize) -> bool {
        self.0.get(class).copied().unwrap_or(true)
    }
}

/// What one pass over the events finds for every rule: the matching
/// events of each plain rule, and the events that can take part in the
/// sequences of each distinct key, all in event order.
struct Shared {
    /// By rule index; empty for the rules that are not plain.
    plain: Vec<Vec<usize>>,
    /// Each distinct sequence key and its candidates.
    keyed: Vec<(Vec<super::selection::Field>, Vec<usize>)>,
}

impl Shared {
    /// The candidates of the sequences keyed by `by`.
    fn candidates(&self, by: &[super::selection::Field]) -> &[usize] {
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
fn shared_pass(rules: &[CompiledRule], events: &[Event]) -> Shared {
    let plain: Vec<usize> = (0..rules.len()).filter(|&r| is_plain(&rules[r])).collect();
    let mut keys: Vec<Vec<super::selection::Field>> = Vec::new();
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
                    if sequence_candidate(e, by) {
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

/// Which of a rule's wanted groups an event belongs to, for the scans that
/// count every event of those groups. When the rule groups by fields of
/// the request's origin alone, events of one origin share the answer, so
/// it is worked out once per origin instead of once per event: building
/// and hashing the key of every event in the hot windows was most of a
/// rule's time.
struct GroupOf<'a, 'w> {
    rule: &'a CompiledRule,
    sources: &'a [SourceInfo],
    wanted: &'w FxHashMap<Key<'a>, u32>,
    /// Each origin's answer by [`crate::model::OriginId::index`]: 0 not
    /// yet worked out, 1 no wanted group, `g + 2` group `g`. `None` when
    /// some group field lies outside the origin.
    by_origin: Option<Vec<u32>>,
}

impl<'a, 'w> GroupOf<'a, 'w> {
    fn new(rule: &'a CompiledRule, sources: &'a [SourceInfo], wanted: &'w FxHashMap<Key<'a>, u32>) -> Self {
        let by_origin = rule.group_by.iter().all(|f| f.in_origin()).then(Vec::new);
        GroupOf {
            rule,
            sources,
            wanted,
            by_origin,
        }
    }

    fn get(&mut self, e: &'a Event) -> Option<u32> {
        let (rule, sources, wanted) = (self.rule, self.sources, self.wanted);
        let look = || wanted.get(&group_key(rule, e, sources)).copied();
        let Some(cache) = &mut self.by_origin else {
            return look();
        };
        let at = e.origin_id.index();
        if at >= cache.len() {
            cache.resize(at + 1, 0);
        }
        match cache[at] {
            0 => {
                let g = look();
                // A group index is below the number of wanted groups, so
                // far below u32::MAX - 2.
                cache[at] = g.map_or(1, |g| g + 2);
                g
            }
            1 => None,
            g => Some(g - 2),
        }
    }
}

/// Run one rule.
///
/// Matching events are grouped, then counted in window-sized buckets. A
/// bucket is *hot* when it holds at least `min_events` matches and, with
/// `min_share`, when that many of the group's events in the bucket match.
/// Hot buckets make the finding; a steady trickle of background errors
/// never chains into one long "burst".
fn run_rule(
    ri: usize,
    rule: &CompiledRule,
    plain: Vec<usize>,
    shared: &Shared,
    events: &[Event],
    sources: &[SourceInfo],
    extent: Extent,
) -> Vec<Finding> {
    let mut details: FxHashMap<usize, String> = FxHashMap::default();
    let matched: Vec<usize> = match (&rule.sequence, rule.drift) {
        (Some(seq), _) => sequence_matches(rule, seq, events, shared.candidates(&seq.by)),
        (None, Some(baseline)) => drift_matches(rule, baseline, events, sources, &mut details),
        (None, None) => plain,
    };
    if matched.is_empty() {
        return Vec::new();
    }
    let mut groups: BTreeMap<Key<'_>, Vec<usize>> = BTreeMap::new();
    for &i in &matched {
        groups
            .entry(group_key(rule, &events[i], sources))
            .or_default()
            .push(i);
    }
    if rule.min_concentration > 0.0 {
        // Concentration within each input: a gateway and a backend log of
        // the same requests must not dilute each other's share.
        let mut per_source: FxHashMap<u32, f64> = FxHashMap::default();
        for &i in &matched {
            *per_source.entry(events[i].source.0).or_default() += 1.0;
        }
        groups.retain(|_, idx| {
            let mut mine: FxHashMap<u32, f64> = FxHashMap::default();
            for &i in idx.iter() {
                *mine.entry(events[i].source.0).or_default() += 1.0;
            }
            mine.iter()
                .any(|(s, n)| n / per_source.get(s).copied().unwrap_or(1.0) >= rule.min_concentration)
        });
    }
    // Only groups with a bucket that can be hot need the (full-scan) totals.
    groups.retain(|_, idx| {
        let mut counts: FxHashMap<i64, u64> = FxHashMap::default();
        idx.iter().any(|&i| {
            let c = counts
                .entry(bucket(events[i].ts_ns(), rule.window_ns))
                .or_default();
            *c += 1;
            *c >= rule.min_events
        })
    });
    if groups.is_empty() {
        return Vec::new();
    }
    // All events (matching or not) per group and bucket, for shares. When
    // the events are in time order (the pipeline sorts them), only the
    // windows that can be hot are scanned, and for new groups the first
    // window; otherwise every event is.
    let wanted: FxHashMap<Key<'_>, u32> = groups.keys().copied().zip(0..).collect();
    let mut group_of = GroupOf::new(rule, sources, &wanted);
    let mut totals: FxHashMap<(u32, i64), u64> = FxHashMap::default();
    let Extent {
        start: input_start,
        end: input_end,
        sorted,
    } = extent;
    // A group is new when its first timed event comes later than one
    // window after the input began. In time order that is: no event of the
    // group in the first window, and (checked here, so that the first
    // window alone can decide) a timed match.
    let windowed = sorted
        && (!rule.new_group_only
            || groups
                .values()
                .all(|idx| idx.iter().any(|&i| events[i].ts_ns().is_some())));
    if windowed {
        if rule.new_group_only {
            let Some(s) = input_start else {
                return Vec::new();
            };
            let first_window = Extent::index_after(events, s.saturating_add(rule.window_ns));
            let mut early = vec![false; wanted.len()];
            for e in &events[..first_window] {
                if let Some(g) = group_of.get(e) {
                    early[g as usize] = true;
                }
            }
            groups.retain(|k, _| wanted.get(k).is_some_and(|&g| !early[g as usize]));
            if groups.is_empty() {
                return Vec::new();
            }
        }
        // Each window that can be hot is counted into a table by group: a
        // hash update an event was most of a rule's time when every
        // window is hot.
        let mut hot: Vec<i64> = Vec::new();
        for idx in groups.values() {
            let mut counts: FxHashMap<i64, u64> = FxHashMap::default();
            for &i in idx {
                *counts
                    .entry(bucket(events[i].ts_ns(), rule.window_ns))
                    .or_default() += 1;
            }
            hot.extend(
                counts
                    .into_iter()
                    .filter(|(_, c)| *c >= rule.min_events)
                    .map(|(b, _)| b),
            );
        }
        hot.sort_unstable();
        hot.dedup();
        let mut in_bucket = vec![0u64; wanted.len()];
        let mut touched: Vec<u32> = Vec::new();
        for b in hot {
            let range: &[Event] = if b == i64::MIN {
                &events[Extent::timed_len(events)..]
            } else {
                let at = |b: i64| Extent::index_at(events, b.saturating_mul(rule.window_ns));
                &events[at(b)..at(b + 1)]
            };
            for e in range {
                if let Some(g) = group_of.get(e).filter(|_| rule.counts_in_share(e)) {
                    let n = &mut in_bucket[g as usize];
                    if *n == 0 {
                        touched.push(g);
                    }
                    *n += 1;
                }
            }
            for g in touched.drain(..) {
                totals.insert((g, b), std::mem::take(&mut in_bucket[g as usize]));
            }
        }
    } else {
        // Out of order: every event is read, and first sightings found.
        let mut first_seen: FxHashMap<u32, i64> = FxHashMap::default();
        for e in events {
            if let Some(g) = group_of.get(e) {
                if rule.counts_in_share(e) {
                    *totals.entry((g, bucket(e.ts_ns(), rule.window_ns))).or_default() += 1;
                }
                if let Some(t) = e.ts_ns() {
                    let f = first_seen.entry(g).or_insert(t);
                    *f = (*f).min(t);
                }
            }
        }
        if rule.new_group_only {
            // Only groups (a service version, a client) that appear after
            // the input began: what was there from the start is the
            // baseline.
            groups.retain(
                |k, _| match (wanted.get(k).and_then(|g| first_seen.get(g)), input_start) {
                    (Some(&f), Some(s)) => f > s.saturating_add(rule.window_ns),
                    _ => false,
                },
            );
        }
    }
    let mut out = Vec::new();
    for (key, mut idx) in groups {
        idx.sort_by_key(|&i| (events[i].ts_ns(), i));
        let mut per_bucket: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for &i in &idx {
            per_bucket
                .entry(bucket(events[i].ts_ns(), rule.window_ns))
                .or_default()
                .push(i);
        }
        let mut qualifying = Vec::new();
        let mut group_events = 0u64;
        let mut bursts = 0u32;
        let mut prev_hot: Option<i64> = None;
        let counts: BTreeMap<i64, u64> = per_bucket.iter().map(|(b, m)| (*b, m.len() as u64)).collect();
        let start_bucket = input_start.map(|t| bucket(Some(t), rule.window_ns));
        for (b, members) in per_bucket {
            let all = wanted
                .get(&key)
                .and_then(|&g| totals.get(&(g, b)))
                .copied()
                .unwrap_or(members.len() as u64);
            let share = members.len() as f64 / all.max(1) as f64;
            if (members.len() as u64) < rule.min_events || share < rule.min_share {
                continue;
            }
            let rate = members.len() as f64 / (rule.window_ns as f64 / 1e9);
            if rate < rule.min_rate {
                continue;
            }
            if let Some(field) = rule.distinct {
                let values: FxHashSet<String> = members
                    .iter()
                    .filter_map(|&i| super::selection::field_text(&events[i], field))
                    .collect();
                if (values.len() as u64) < rule.min_distinct {
                    continue;
                }
            }
            // Baseline-relative: a window with no history to compare with
            // cannot stand out from it.
            if rule.min_zscore > 0.0
                && robust_z(&counts, start_bucket.unwrap_or(b), b).is_none_or(|z| z < rule.min_zscore)
            {
                continue;
            }
            // Events without a time share the bucket i64::MIN.
            if prev_hot.is_none_or(|p| b.saturating_sub(p) > 1) {
                bursts += 1;
            }
            prev_hot = Some(b);
            group_events += all;
            qualifying.extend(members);
        }
        if qualifying.is_empty() {
            continue;
        }
        let first_ts = qualifying.iter().filter_map(|&i| events[i].ts_ns()).min();
        let last_ts = qualifying.iter().filter_map(|&i| events[i].ts_ns()).max();
        let onset_ts = first_ts
            .and_then(|f| {
                let hot = bucket(Some(f), rule.window_ns);
                let from = start_bucket.unwrap_or(hot).max(hot.saturating_sub(120));
                let k = change_point(&counts, from, hot)?;
                idx.iter()
                    .filter_map(|&i| events[i].ts_ns())
                    .find(|&t| bucket(Some(t), rule.window_ns) >= k)
                    .filter(|&t| t < f)
            })
            .or(first_ts);
        // Buckets are aligned to the clock, so the burst may begin inside
        // an earlier bucket that did not qualify: follow the run of matches
        // leading into the first hot window back to its start.
        let onset_ts = match (onset_ts, first_ts) {
            (Some(o), Some(f)) => {
                let gap_max = (rule.window_ns / rule.min_events.max(1) as i64 / 2).max(1_000_000_000);
                let times: Vec<i64> = idx.iter().filter_map(|&i| events[i].ts_ns()).collect();
                let mut k = times.partition_point(|&t| t < f);
                while k > 0 && k < times.len() && times[k] - times[k - 1] <= gap_max {
                    k -= 1;
                }
                Some(o.min(times.get(k).copied().unwrap_or(o)))
            }
            (o, _) => o,
        };
        let baseline = baseline_confidence(
            rule,
            events,
            &idx,
            &qualifying,
            input_start,
            input_end,
            first_ts,
            last_ts,
            onset_ts,
        );
        let retry_after_max = qualifying
            .iter()
            .filter_map(|&i| events[i].retry_after_s())
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
        // The most frequent change among the matches names the field.
        let detail = {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for i in &qualifying {
                if let Some(d) = details.get(i) {
                    *counts.entry(d.as_str()).or_default() += 1;
                }
            }
            counts
                .into_iter()
                .max_by_key(|(d, n)| (*n, std::cmp::Reverse(*d)))
                .map(|(d, _)| d.to_string())
        };
        let mut subject = subject_for(rule, &key, events, &qualifying);
        if let Some(d) = &detail {
            subject.field = d.split(':').next().map(str::to_string);
        }
        out.push(Finding {
            rule: ri,
            subject,
            events: qualifying,
            first_ts,
            last_ts,
            group_events,
            bursts,
            retry_after_max,
            detail,
            onset_ts,
            baseline,
            history: match (onset_ts.or(first_ts), input_start) {
                (Some(o), Some(s)) => o.saturating_sub(s) >= history_needed(rule),
                _ => false,
            },
            culprits: Vec::new(),
        });
    }
    out
}

/// History before an onset that makes a baseline: two windows, or five
/// minutes for long windows.
fn history_needed(rule: &CompiledRule) -> i64 {
    (2 * rule.window_ns).min(300_000_000_000)
}

/// How much a finding stands out from its group's own history: 1 when the
/// group had no matches before the onset, 0 when it matched as often
/// before as during. Findings that begin with the input have no history
/// (`None`); if they also recur in several separate bursts, the pattern is
/// chronic (an endpoint that always times out) and scores 0.25.
#[allow(clippy::too_many_arguments)]
fn baseline_confidence(
    rule: &CompiledRule,
    events: &[Event],
    idx: &[usize],
    qualifying: &[usize],
    input_start: Option<i64>,
    input_end: Option<i64>,
    first_ts: Option<i64>,
    last_ts: Option<i64>,
    onset_ts: Option<i64>,
) -> Option<f64> {
    let (Some(start), Some(end), Some(first), Some(last)) = (input_start, input_end, first_ts, last_ts)
    else {
        return None;
    };
    let onset = onset_ts.unwrap_or(first).min(first);
    let history = onset.saturating_sub(start);
    if history < history_needed(rule) {
        let bursts = {
            let mut b: Vec<i64> = qualifying
                .iter()
                .map(|&i| bucket(events[i].ts_ns(), rule.window_ns))
                .collect();
            b.dedup();
            b.windows(2).filter(|w| w[1].saturating_sub(w[0]) > 1).count() + 1
        };
        // Present from the start and through most of the input, or in
        // repeated bursts: a chronic condition, not this incident.
        let lasting = last.saturating_sub(first) as f64 >= 0.6 * end.saturating_sub(start) as f64;
        return (bursts >= 3 || lasting).then_some(0.25);
    }
    let before = idx
        .iter()
        .filter(|&&i| events[i].ts_ns().is_some_and(|t| t < onset))
        .count() as f64;
    let pre_rate = before / history as f64;
    let in_rate = qualifying.len() as f64 / last.saturating_sub(first).max(rule.window_ns) as f64;
    Some((1.0 - pre_rate / in_rate.max(f64::MIN_POSITIVE)).clamp(0.0, 1.0))
}

/// Run every rule over the events. Rules run in parallel; the result is in
/// rule order, then group order, whatever the thread count.
pub fn evaluate(rules: &[CompiledRule], events: &[Event], sources: &[SourceInfo]) -> Vec<Finding> {
    evaluate_within(rules, events, sources, Extent::of(events))
}

/// [`evaluate`] with the events' [`Extent`] already worked out.
pub fn evaluate_within(
    rules: &[CompiledRule],
    events: &[Event],
    sources: &[SourceInfo],
    extent: Extent,
) -> Vec<Finding> {
    let mut shared = shared_pass(rules, events);
    let plain = std::mem::take(&mut shared.plain);
    rules
        .par_iter()
        .zip(plain)
        .enumerate()
        .map(|(ri, (r, m))| run_rule(ri, r, m, &shared, events, sources, extent))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorClass, Locator, Origin, SourceId};
    use crate::rules::spec::compile;

    fn rule(agg: &str) -> CompiledRule {
        let text = format!(
            "id = \"t\"\ncategory = \"upstream.server_error\"\ntitle = \"t\"\nseverity = \"high\"\nexplanation = \"e\"\nremediation = \"r\"\n[[match]]\nstatus = [\"5xx\"]\n[aggregate]\n{agg}\n"
        );
        compile("t", &text).unwrap().1.unwrap()
    }

    fn ev(i: u64, ts_s: i64, status: u16, host: &str) -> Event {
        let mut e = Event::at(SourceId(0), Locator::Line(i), i);
        e.set_ts_ns(Some(ts_s * 1_000_000_000));
        e.status = Some(status);
        e.set_origin(&Origin {
            host: Some(host.into()),
            ..e.origin()
        });
        e.error_class = (status >= 500).then_some(ErrorClass::Http5xx);
        e
    }

    /// Responses of one endpoint with these bodies, a second apart.
    fn bodies(bodies: &[&str]) -> Vec<Event> {
        bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let mut e = ev(i as u64, i as i64, 200, "api");
                e.error_class = None;
                let shape = crate::normalize::body::inspect(b).unwrap();
                crate::normalize::body::set_body(&mut e, shape.fields);
                e
            })
            .collect()
    }

    fn drift_detail(events: &[Event]) -> Option<String> {
        let text = "id = \"d\"\ncategory = \"payload.schema_drift\"\ntitle = \"t\"\nseverity = \"high\"\nexplanation = \"e\"\nremediation = \"r\"\n[drift]\nbaseline = 0.3\n[aggregate]\ngroup_by = \"host\"\nwindow = \"10m\"\nmin_events = 3\n";
        let r = compile("d", text).unwrap().1.unwrap();
        let f = evaluate(&[r], events, &[]);
        assert!(f.len() <= 1);
        f.into_iter().next().and_then(|f| f.detail)
    }

    #[test]
    fn drift_names_a_type_flip_a_missing_field_and_a_new_one() {
        let old = r#"{"price":12.5,"currency":"EUR","tags":["a"]}"#;
        let mut changes = [
            (
                r#"{"price":"12.50","currency":"EUR","tags":["a"]}"#,
                "price: number → string",
            ),
            (r#"{"price":12.5,"tags":["a"]}"#, "currency: missing (was string)"),
            (
                r#"{"price":12.5,"currency":"EUR","tags":["a"],"vat":1}"#,
                "vat: new field (number)",
            ),
            (
                r#"{"price":12.5,"currency":"EUR","tags":[{"k":1}]}"#,
                "tags[]: string → object",
            ),
        ];
        for (new, want) in &mut changes {
            let mut seq = vec![old; 4];
            seq.extend([*new; 4]);
            assert_eq!(drift_detail(&bodies(&seq)).as_deref(), Some(*want), "{new}");
        }
        // A field only some baseline responses had is neither missing nor
        // new, whatever its type.
        let optional = r#"{"price":12.5,"currency":"EUR","tags":["a"],"note":"x"}"#;
        let retyped = r#"{"price":12.5,"currency":"EUR","tags":["a"],"note":7}"#;
        let seq = [
            old, optional, old, optional, old, retyped, old, retyped, optional, retyped, old, retyped,
        ];
        assert_eq!(drift_detail(&bodies(&seq)), None);
    }

    #[test]
    fn bursts_need_min_events_within_window() {
        let r = rule("group_by = \"host\"\nwindow = \"10s\"\nmin_events = 3");
        // a: three 5xx within one 10 s window; b: three 5xx a minute apart.
        let mut events = vec![ev(0, 0, 500, "a"), ev(1, 5, 502, "a"), ev(2, 9, 503, "a")];
        events.extend([
            ev(3, 0, 500, "b"),
            ev(4, 60, 500, "b"),
            ev(5, 120, 500, "b"),
            ev(6, 1, 200, "a"),
        ]);
        let f = evaluate(&[r], &events, &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].subject.host.as_deref(), Some("a"));
        assert_eq!(f[0].events, vec![0, 1, 2]);
        assert_eq!(f[0].group_events, 4);
    }

    #[test]
    fn a_steady_trickle_is_not_a_burst() {
        let r = rule("group_by = \"host\"\nwindow = \"60s\"\nmin_events = 3");
        // One 5xx every 30 s for an hour, then 10 in one minute.
        let mut events: Vec<Event> = (0..120).map(|i| ev(i, i as i64 * 30, 500, "a")).collect();
        events.extend((0..10).map(|i| ev(200 + i, 3600 + i as i64, 503, "a")));
        let f = evaluate(&[r], &events, &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].first_ts, Some(3600 * 1_000_000_000));
        assert_eq!(f[0].bursts, 1);
    }

    #[test]
    fn rate_distinct_and_zscore() {
        // 5xx on host a: 2 per minute for 10 minutes, then 30 in one minute.
        let mut events: Vec<Event> = (0..20).map(|i| ev(i, i as i64 * 30, 500, "a")).collect();
        events.extend((0..30).map(|i| ev(100 + i, 600 + i as i64, 503, "a")));
        let z = rule("group_by = \"host\"\nwindow = \"60s\"\nmin_events = 2\nmin_zscore = 4.0");
        let f = evaluate(&[z], &events, &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].first_ts,
            Some(600 * 1_000_000_000),
            "only the burst stands out"
        );
        let rate = rule("group_by = \"host\"\nwindow = \"60s\"\nmin_events = 1\nmin_rate = 0.4");
        assert_eq!(evaluate(&[rate], &events, &[])[0].events.len(), 30);
        let d = rule(
            "group_by = \"host\"\nwindow = \"60s\"\nmin_events = 1\ndistinct = \"status\"\nmin_distinct = 2",
        );
        assert!(evaluate(&[d], &events, &[]).is_empty(), "one status per window");
    }

    /// A finding's host, match count, group events and first time.
    type Summary = (Option<String>, usize, u64, Option<i64>);

    /// The findings of `r` on `events` in their order (the windowed path
    /// when sorted) and reversed (the full scan), summarised.
    fn sorted_and_reversed(r: &CompiledRule, events: &[Event]) -> (Vec<Summary>, Vec<Summary>) {
        let summary = |f: Vec<Finding>| -> Vec<Summary> {
            f.iter()
                .map(|x| (x.subject.host.clone(), x.events.len(), x.group_events, x.first_ts))
                .collect()
        };
        let mut reversed = events.to_vec();
        reversed.reverse();
        (
            summary(evaluate(std::slice::from_ref(r), events, &[])),
            summary(evaluate(std::slice::from_ref(r), &reversed, &[])),
        )
    }

    #[test]
    fn windowed_totals_match_a_full_scan() {
        // Sorted input takes the windowed path; the same events reversed take
        // the full scan. Both must count the same group totals.
        let r = rule("group_by = \"host\"\nwindow = \"60s\"\nmin_events = 3\nmin_share = 0.2");
        let mut events: Vec<Event> = Vec::new();
        for i in 0..400u64 {
            let host = if i % 3 == 0 { "a" } else { "b" };
            let status = if (150..200).contains(&i) || i % 17 == 0 {
                503
            } else {
                200
            };
            events.push(ev(i, i as i64 * 2, status, host));
        }
        let (sorted, full) = sorted_and_reversed(&r, &events);
        assert!(!sorted.is_empty());
        assert_eq!(sorted, full);
    }

    #[test]
    fn new_groups_found_by_time_order_match_a_full_scan() {
        // Host a fails from the start, b first appears (failing) later, c
        // fails later but had a success in the first window: only b is
        // new. Sorted input decides from the first window; reversed input
        // finds first sightings in a full scan. Both must agree.
        let r = rule("group_by = \"host\"\nwindow = \"60s\"\nmin_events = 3\nnew_group_only = true");
        let mut events: Vec<Event> = Vec::new();
        let mut i = 0u64;
        let mut push = |events: &mut Vec<Event>, ts: i64, status: u16, host: &str| {
            i += 1;
            events.push(ev(i, ts, status, host));
        };
        push(&mut events, 0, 200, "c");
        for t in 0..600 {
            push(&mut events, t, if t % 50 == 0 { 503 } else { 200 }, "a");
            if (300..310).contains(&t) {
                push(&mut events, t, 503, "b");
                push(&mut events, t, 503, "c");
            }
        }
        events.push(Event::at(SourceId(0), Locator::Line(9999), 0));
        let (sorted, full) = sorted_and_reversed(&r, &events);
        assert_eq!(
            sorted,
            vec![(Some("b".to_string()), 10, 10, Some(300_000_000_000))]
        );
        assert_eq!(sorted, full);
    }

    #[test]
    fn the_gate_never_turns_away_a_match() {
        // Every built-in rule, on events of every status class with and
        // without each error class: what the gate turns away must not match.
        let rules = crate::rules::load(&[] as &[&str]).unwrap();
        let mut checked = 0;
        let mut turned_away = 0;
        for r in &rules {
            let gate = Gate::of(r);
            for status in (0..1000u16)
                .step_by(7)
                .chain([404, 405, 429, 500, 503, 1000, 4000])
                .map(Some)
                .chain([None])
            {
                for class in ErrorClass::ALL.iter().copied().map(Some).chain([None]) {
                    let mut e = ev(0, 0, 200, "h");
                    e.status = status;
                    e.error_class = class;
                    e.message = Some("token expired: connection refused".into());
                    e.error_text = Some("ETIMEDOUT certificate".into());
                    checked += 1;
                    if !gate.admits(Gate::class(&e)) {
                        turned_away += 1;
                        assert!(!r.matches(&e), "{} turned away {status:?} {class:?}", r.id);
                    }
                }
            }
        }
        assert!(turned_away > 0 && checked > 0);
        // A plain success, the bulk of most inputs, passes few gates.
        let ok = ev(0, 0, 200, "h");
        let passed = rules
            .iter()
            .filter(|r| Gate::of(r).admits(Gate::class(&ok)))
            .count();
        assert!(passed * 4 < rules.len(), "{passed} of {}", rules.len());
    }

    #[test]
    fn groups_found_by_origin_match_groups_found_by_key() {
        // Events of many origins (host x route x method): the per-origin
        // answer must be the one each event's own key gives.
        let mut events: Vec<Event> = Vec::new();
        for i in 0..300u64 {
            let mut e = ev(i, i as i64, 500, ["a", "b", "c"][(i % 3) as usize]);
            e.set_origin(&Origin {
                route: Some(["/x", "/y"][(i % 2) as usize].into()),
                method: Some(["GET", "PUT", "POST", "DELETE", "HEAD"][(i % 5) as usize].into()),
                ..e.origin()
            });
            e.url = Some(format!("/u/{}", i % 7).into());
            events.push(e);
        }
        for group_by in ["\"host\", \"route\"", "\"route\", \"url\""] {
            let r = rule(&format!(
                "group_by = [{group_by}]\nwindow = \"60s\"\nmin_events = 3"
            ));
            let keys: Vec<Key<'_>> = events.iter().map(|e| group_key(&r, e, &[])).collect();
            let mut distinct = keys.clone();
            distinct.sort();
            distinct.dedup();
            // Every other key is wanted.
            let wanted: FxHashMap<Key<'_>, u32> = distinct.iter().copied().step_by(2).zip(0..).collect();
            let mut group_of = GroupOf::new(&r, &[], &wanted);
            assert_eq!(group_of.by_origin.is_some(), !group_by.contains("url"));
            for _ in 0..2 {
                for (e, k) in events.iter().zip(&keys) {
                    assert_eq!(group_of.get(e), wanted.get(k).copied());
                }
            }
        }
    }

    #[test]
    fn onset_by_change_point_precedes_the_first_hot_window() {
        // One 5xx a minute for 10 minutes, then 3, 5, 8 a minute, then 20.
        let mut events: Vec<Event> = Vec::new();
        let mut n = 0u64;
        let mut push = |minute: i64, count: i64, events: &mut Vec<Event>| {
            for j in 0..count {
                events.push(ev(n, minute * 60 + j, 500, "a"));
                n += 1;
            }
        };
        for m in 0..10 {
            push(m, 1, &mut events);
        }
        for (m, c) in [(10, 3), (11, 5), (12, 8), (13, 20)] {
            push(m, c, &mut events);
        }
        let r = rule("group_by = \"host\"\nwindow = \"60s\"\nmin_events = 10");
        let f = &evaluate(&[r], &events, &[])[0];
        assert_eq!(f.first_ts, Some(13 * 60 * 1_000_000_000));
        let onset = f.onset_ts.unwrap() / 1_000_000_000;
        assert!((600..=720).contains(&onset), "onset at {onset} s");
    }

    #[test]
    fn concentration_and_share_thresholds() {
        let r = rule("group_by = \"host\"\nmin_events = 1\nmin_concentration = 0.6");
        let events = vec![ev(0, 0, 500, "a"), ev(1, 1, 500, "b")];
        assert!(evaluate(&[r], &events, &[]).is_empty());
        let r = rule("group_by = \"host\"\nmin_events = 1\nmin_share = 0.5");
        let events = vec![ev(0, 0, 500, "a"), ev(1, 0, 200, "a"), ev(2, 0, 200, "a")];
        assert!(evaluate(&[r], &events, &[]).is_empty());
    }
}
