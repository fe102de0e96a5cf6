//! The aggregate step every rule kind ends in. A rule's matches are
//! grouped and counted in window-sized buckets. A bucket is *hot* when it
//! holds at least `min_events` matches. With `min_share`, that many of
//! the group's events in the bucket must also match, so the group's
//! events in those buckets are counted as well. Each group with a hot
//! bucket is one finding. A steady trickle of background errors never
//! chains into one long "burst".

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use super::baseline::{baseline_confidence, change_point, history_needed, robust_z};
use super::group::{group_key, subject_for, GroupOf, Key};
use super::{bucket, Finding};
use crate::model::{Event, Extent, SourceInfo};
use crate::rules::spec::CompiledRule;

/// The groups of a rule's matches that can have a hot window, each with
/// its matches.
pub(super) fn candidate_groups<'a>(
    rule: &CompiledRule,
    matched: &[usize],
    events: &'a [Event],
    sources: &'a [SourceInfo],
) -> BTreeMap<Key<'a>, Vec<usize>> {
    let mut groups: BTreeMap<Key<'_>, Vec<usize>> = BTreeMap::new();
    for &i in matched {
        groups
            .entry(group_key(rule, &events[i], sources))
            .or_default()
            .push(i);
    }
    if rule.min_concentration > 0.0 {
        // Concentration within each input: a gateway and a backend log of
        // the same requests must not dilute each other's share.
        let mut per_source: FxHashMap<u32, f64> = FxHashMap::default();
        for &i in matched {
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
    groups
}

/// Every event (matching or not) of the wanted groups, by group and
/// bucket: what shares are taken of.
pub(super) type Totals = FxHashMap<(u32, i64), u64>;

/// The groups' numbers and their [`Totals`]. For a rule about new groups,
/// the groups present since the input began are dropped from `groups`.
/// When the events are in time order (the pipeline sorts them), only the
/// windows that can be hot are scanned, and for new groups the first
/// window; otherwise every event is.
pub(super) fn totals<'a>(
    rule: &'a CompiledRule,
    groups: &mut BTreeMap<Key<'a>, Vec<usize>>,
    events: &'a [Event],
    sources: &'a [SourceInfo],
    extent: Extent,
) -> (FxHashMap<Key<'a>, u32>, Totals) {
    let wanted: FxHashMap<Key<'_>, u32> = groups.keys().copied().zip(0..).collect();
    let mut group_of = GroupOf::new(rule, sources, &wanted);
    // A group is new when its first timed event comes later than one
    // window after the input began. In time order that is: no event of the
    // group in the first window, and (checked here, so that the first
    // window alone can decide) a timed match.
    let windowed = extent.sorted
        && (!rule.new_group_only
            || groups
                .values()
                .all(|idx| idx.iter().any(|&i| events[i].ts_ns().is_some())));
    let totals = if windowed {
        windowed_totals(rule, groups, events, extent, &wanted, &mut group_of)
    } else {
        scanned_totals(rule, groups, events, extent, &wanted, &mut group_of)
    };
    (wanted, totals)
}

/// [`totals`] of events in time order: only the windows that can be hot.
fn windowed_totals<'a>(
    rule: &CompiledRule,
    groups: &mut BTreeMap<Key<'a>, Vec<usize>>,
    events: &'a [Event],
    extent: Extent,
    wanted: &FxHashMap<Key<'a>, u32>,
    group_of: &mut GroupOf<'a, '_>,
) -> Totals {
    let mut totals = Totals::default();
    if rule.new_group_only {
        let Some(s) = extent.start else {
            groups.clear();
            return totals;
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
            return totals;
        }
    }
    // Each window that can be hot is counted into a table by group: a
    // hash update an event was most of a rule's time when every window is
    // hot.
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
    totals
}

/// [`totals`] of events out of order: every event is read, and first
/// sightings found.
fn scanned_totals<'a>(
    rule: &CompiledRule,
    groups: &mut BTreeMap<Key<'a>, Vec<usize>>,
    events: &'a [Event],
    extent: Extent,
    wanted: &FxHashMap<Key<'a>, u32>,
    group_of: &mut GroupOf<'a, '_>,
) -> Totals {
    let mut totals = Totals::default();
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
        // Only groups (a service version, a client) that appear after the
        // input began: what was there from the start is the baseline.
        groups.retain(
            |k, _| match (wanted.get(k).and_then(|g| first_seen.get(g)), extent.start) {
                (Some(&f), Some(s)) => f > s.saturating_add(rule.window_ns),
                _ => false,
            },
        );
    }
    totals
}

/// A group's hot windows: their matches, the group's events in them, and
/// how many separate bursts they make.
struct Hot {
    qualifying: Vec<usize>,
    group_events: u64,
    bursts: u32,
}

/// The windows of one group's matches (`idx`, in time order) that meet
/// the rule's thresholds. `all_of(b)` is the group's events in window `b`,
/// when they were counted; `counts` the matches per window.
fn hot_windows(
    rule: &CompiledRule,
    idx: &[usize],
    events: &[Event],
    all_of: &dyn Fn(i64) -> Option<u64>,
    counts: &BTreeMap<i64, u64>,
    start_bucket: Option<i64>,
) -> Hot {
    let mut per_bucket: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for &i in idx {
        per_bucket
            .entry(bucket(events[i].ts_ns(), rule.window_ns))
            .or_default()
            .push(i);
    }
    let mut hot = Hot {
        qualifying: Vec::new(),
        group_events: 0,
        bursts: 0,
    };
    let mut prev_hot: Option<i64> = None;
    for (b, members) in per_bucket {
        let all = all_of(b).unwrap_or(members.len() as u64);
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
                .filter_map(|&i| crate::rules::selection::field_text(&events[i], field))
                .collect();
            if (values.len() as u64) < rule.min_distinct {
                continue;
            }
        }
        // Baseline-relative: a window with no history to compare with
        // cannot stand out from it.
        if rule.min_zscore > 0.0
            && robust_z(counts, start_bucket.unwrap_or(b), b).is_none_or(|z| z < rule.min_zscore)
        {
            continue;
        }
        // Events without a time share the bucket i64::MIN.
        if prev_hot.is_none_or(|p| b.saturating_sub(p) > 1) {
            hot.bursts += 1;
        }
        prev_hot = Some(b);
        hot.group_events += all;
        hot.qualifying.extend(members);
    }
    hot
}

/// When a group's burst began: the change point in its matches before the
/// first hot window, followed back along the run of matches leading into
/// that window (buckets are aligned to the clock, so the burst may begin
/// inside an earlier bucket that did not qualify).
fn onset(
    rule: &CompiledRule,
    idx: &[usize],
    events: &[Event],
    counts: &BTreeMap<i64, u64>,
    start_bucket: Option<i64>,
    first_ts: Option<i64>,
) -> Option<i64> {
    let onset_ts = first_ts
        .and_then(|f| {
            let hot = bucket(Some(f), rule.window_ns);
            let from = start_bucket.unwrap_or(hot).max(hot.saturating_sub(120));
            let k = change_point(counts, from, hot)?;
            idx.iter()
                .filter_map(|&i| events[i].ts_ns())
                .find(|&t| bucket(Some(t), rule.window_ns) >= k)
                .filter(|&t| t < f)
        })
        .or(first_ts);
    match (onset_ts, first_ts) {
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
    }
}

/// The most frequent change among the matches, which names the field.
fn detail(qualifying: &[usize], details: &FxHashMap<usize, String>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for i in qualifying {
        if let Some(d) = details.get(i) {
            *counts.entry(d.as_str()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(d, n)| (*n, std::cmp::Reverse(*d)))
        .map(|(d, _)| d.to_string())
}

/// What a rule found on its matches, one finding per group with a hot
/// window.
pub(super) struct Aggregate<'a> {
    /// The rule's index and the rule.
    pub(super) rule: (usize, &'a CompiledRule),
    pub(super) events: &'a [Event],
    pub(super) extent: Extent,
    pub(super) wanted: FxHashMap<Key<'a>, u32>,
    pub(super) totals: Totals,
    /// What changed in each matching event, for drift rules.
    pub(super) details: FxHashMap<usize, String>,
}

impl Aggregate<'_> {
    /// The finding of one group, if a window of its matches is hot.
    pub(super) fn finding(&self, key: &Key<'_>, mut idx: Vec<usize>) -> Option<Finding> {
        let ((ri, rule), events) = (self.rule, self.events);
        idx.sort_by_key(|&i| (events[i].ts_ns(), i));
        let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
        for &i in &idx {
            *counts
                .entry(bucket(events[i].ts_ns(), rule.window_ns))
                .or_default() += 1;
        }
        let (input_start, input_end) = (self.extent.start, self.extent.end);
        let start_bucket = input_start.map(|t| bucket(Some(t), rule.window_ns));
        let group = self.wanted.get(key).copied();
        let all_of = |b: i64| group.and_then(|g| self.totals.get(&(g, b))).copied();
        let hot = hot_windows(rule, &idx, events, &all_of, &counts, start_bucket);
        if hot.qualifying.is_empty() {
            return None;
        }
        let q = &hot.qualifying;
        let first_ts = q.iter().filter_map(|&i| events[i].ts_ns()).min();
        let last_ts = q.iter().filter_map(|&i| events[i].ts_ns()).max();
        let onset_ts = onset(rule, &idx, events, &counts, start_bucket, first_ts);
        let baseline = baseline_confidence(
            rule,
            events,
            &idx,
            q,
            input_start,
            input_end,
            first_ts,
            last_ts,
            onset_ts,
        );
        let retry_after_max = q
            .iter()
            .filter_map(|&i| events[i].retry_after_s())
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
        let detail = detail(q, &self.details);
        let mut subject = subject_for(rule, key, events, q);
        if let Some(d) = &detail {
            subject.field = d.split(':').next().map(str::to_string);
        }
        Some(Finding {
            rule: ri,
            subject,
            first_ts,
            last_ts,
            group_events: hot.group_events,
            bursts: hot.bursts,
            retry_after_max,
            detail,
            onset_ts,
            baseline,
            history: match (onset_ts.or(first_ts), input_start) {
                (Some(o), Some(s)) => o.saturating_sub(s) >= history_needed(rule),
                _ => false,
            },
            culprits: Vec::new(),
            events: hot.qualifying,
        })
    }
}
