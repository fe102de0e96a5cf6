//! A group against its own history: the change point where its matches
//! rose, the robust z-score of a window against the windows before it,
//! and how much a finding stands out from the group's baseline.

use std::collections::BTreeMap;

use super::bucket;
use crate::model::Event;
use crate::rules::spec::CompiledRule;

/// The bucket where a group's match counts began to rise, searching
/// `from..=hot` (`hot` being the first window over the thresholds), by
/// Page's CUSUM: with the baseline level μ (median of the windows before
/// `hot`) and scale σ (1.4826 · MAD, at least 1), the sum
/// `S = max(0, S + x − μ − σ/2)` last left zero at the onset. `None` when
/// there is too little history or no rise before `hot`.
pub(super) fn change_point(counts: &BTreeMap<i64, u64>, from: i64, hot: i64) -> Option<i64> {
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
pub(super) fn robust_z(counts: &BTreeMap<i64, u64>, start: i64, b: i64) -> Option<f64> {
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

/// History before an onset that makes a baseline: two windows, or five
/// minutes for long windows.
pub(super) fn history_needed(rule: &CompiledRule) -> i64 {
    (2 * rule.window_ns).min(300_000_000_000)
}

/// How much a finding stands out from its group's own history: 1 when the
/// group had no matches before the onset, 0 when it matched as often
/// before as during. Findings that begin with the input have no history
/// (`None`); if they also recur in several separate bursts, the pattern is
/// chronic (an endpoint that always times out) and scores 0.25.
#[allow(clippy::too_many_arguments)]
pub(super) fn baseline_confidence(
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
