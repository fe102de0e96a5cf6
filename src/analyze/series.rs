//! Tallies for the report's charts and tables: requests per interval by
//! status class with latency percentiles, per-cause sparklines on the same
//! intervals, the endpoints and clients the failures hit, and the list of
//! failed requests. Reads events in timeline order; writes nothing.

use crate::model::report::Time;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::analyze::evidence;
use crate::model::report::{Affected, AffectedClient, AffectedEndpoint, Bucket, FailedRequest, Series};
use crate::model::OptionStr;
use crate::model::{ByOrigin, Event, Extent, SourceInfo, Str};

/// Intervals a chart is aimed to have.
const TARGET_BUCKETS: i64 = 60;
/// Interval lengths to choose from, in seconds.
const NICE_S: &[i64] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400,
];
/// Rows in `affected` lists.
const AFFECTED_ROWS: usize = 10;

/// Where the `p` quantile of `n` values lies in their sorted order.
fn rank(n: usize, p: f64) -> usize {
    ((n - 1) as f64 * p).round() as usize
}

/// A duration as reported: rounded to 0.1 ms, unless that overflows (a
/// duration near f64::MAX).
fn rounded(v: f64) -> f64 {
    Some((v * 10.0).round() / 10.0)
        .filter(|r| r.is_finite())
        .unwrap_or(v)
}

/// Whole-run figures for the report's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Events.
    pub events: u64,
    /// Events with an error class.
    pub failures: u64,
    /// Earliest timestamp (ns).
    pub first_ts: Option<i64>,
    /// Latest timestamp (ns).
    pub last_ts: Option<i64>,
    /// Distinct trace ids.
    pub traces: u64,
}

/// Count events, failures and distinct traces (from the join keys'
/// `index`); the time range is the events' `extent`.
pub fn summary(events: &[Event], index: &crate::analyze::correlate::KeyIndex, extent: Extent) -> Summary {
    Summary {
        events: events.len() as u64,
        failures: events.par_iter().filter(|e| e.is_failure()).count() as u64,
        first_ts: extent.start,
        last_ts: extent.end,
        traces: index.traces(events),
    }
}

/// Failures and requests, as counted by origin for [`affected`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tally {
    failures: u64,
    requests: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.failures += o.failures;
        self.requests += o.requests;
    }
}

/// Requests per interval, by status class, with latency percentiles, over
/// the events' `extent`.
pub fn build(events: &[Event], extent: Extent) -> Series {
    let (Some(first), Some(last)) = (extent.start, extent.end) else {
        return Series::default();
    };
    let span_s = (last.saturating_sub(first) / 1_000_000_000).max(1);
    let interval_s = NICE_S
        .iter()
        .copied()
        .find(|&s| span_s / s <= TARGET_BUCKETS)
        // Longer than the nice intervals cover (years, or a stray timestamp
        // centuries away): whole days, still about TARGET_BUCKETS of them.
        .unwrap_or_else(|| (span_s / TARGET_BUCKETS / 86_400 + 1).saturating_mul(86_400));
    let width = interval_s * 1_000_000_000;
    let start = first.saturating_sub(first.rem_euclid(width));
    let n = (last.saturating_sub(start) / width + 1) as usize;
    let mut buckets: Vec<Bucket> = (0..n)
        .map(|k| Bucket {
            ts: Time::from_ns(start.saturating_add(k as i64 * width)),
            ..Bucket::default()
        })
        .collect();
    if extent.sorted {
        // In timeline order (as `app::load` gives them) each bucket's
        // events are one run of the list, found by binary search, and the
        // buckets are tallied in parallel.
        let bound =
            |k: usize| Extent::index_at(events, start.saturating_add((k as i64).saturating_mul(width)));
        let bounds: Vec<usize> = (0..n).map(bound).chain([Extent::timed_len(events)]).collect();
        buckets.par_iter_mut().enumerate().for_each(|(k, b)| {
            let mut durations = Vec::new();
            for e in &events[bounds[k]..bounds[k + 1]] {
                if let Some(d) = tally(b, e) {
                    durations.push(d);
                }
            }
            set_percentiles(b, &mut durations);
        });
    } else {
        let mut durations: Vec<Vec<f64>> = vec![Vec::new(); n];
        for e in events {
            let Some(t) = e.ts_ns() else { continue };
            let k = (t.saturating_sub(start) / width) as usize;
            let Some(b) = buckets.get_mut(k) else { continue };
            if let Some(d) = tally(b, e) {
                durations[k].push(d);
            }
        }
        for (b, d) in buckets.iter_mut().zip(durations.iter_mut()) {
            set_percentiles(b, d);
        }
    }
    Series {
        interval_s: interval_s as u64,
        start_ns: start,
        buckets,
    }
}

/// Count a timed event in its bucket, and give its duration for the
/// percentiles. Context records (a deploy marker, a log line about a
/// request) are not requests: not counted.
fn tally(b: &mut Bucket, e: &Event) -> Option<f64> {
    if e.context_record() {
        return None;
    }
    match (e.status, e.is_failure()) {
        (Some(s), _) if s >= 500 => b.server_errors += 1,
        (Some(s), _) if s >= 400 => b.client_errors += 1,
        (_, true) => b.other_failures += 1,
        (Some(_), false) => b.ok += 1,
        (None, false) => b.other += 1,
    }
    e.duration_ms()
}

/// A bucket's latency percentiles from its durations, which are used up.
fn set_percentiles(b: &mut Bucket, d: &mut Vec<f64>) {
    if d.is_empty() {
        return;
    }
    // Each rank is selected, not sorted for (linear, not n log n): the
    // highest first, then each lower one among the values below it.
    // `total_cmp` is a total order, so the value at a rank is the one a
    // sort would put there.
    let [k50, k95, k99] = [0.50, 0.95, 0.99].map(|p| rank(d.len(), p));
    d.select_nth_unstable_by(k99, f64::total_cmp);
    d[..=k99].select_nth_unstable_by(k95, f64::total_cmp);
    d[..=k95].select_nth_unstable_by(k50, f64::total_cmp);
    b.p50_ms = Some(rounded(d[k50]));
    b.p95_ms = Some(rounded(d[k95]));
    b.p99_ms = Some(rounded(d[k99]));
    d.clear();
}

/// Events `idx` per interval of `series`.
pub fn counts(events: &[Event], idx: &[usize], series: &Series) -> Vec<u32> {
    let mut out = vec![0u32; series.buckets.len()];
    let width = series.interval_s as i64 * 1_000_000_000;
    if width == 0 {
        return out;
    }
    for &i in idx {
        if let Some(t) = events[i].ts_ns() {
            if let Some(c) = usize::try_from(t.saturating_sub(series.start_ns) / width)
                .ok()
                .and_then(|k| out.get_mut(k))
            {
                *c += 1;
            }
        }
    }
    out
}

/// The endpoints and clients with most failures.
pub fn affected(events: &[Event]) -> Affected {
    // Counted by origin (the host and route are parts of it), then the few
    // distinct origins are read for their parts; in parallel while there
    // are few origins ([`ByOrigin::run_len`]). Clients are not part of the
    // origin: they are counted by their interned handle.
    let (by_origin, by_client) = events
        .par_chunks(ByOrigin::<Tally>::run_len(events.len()))
        .map(|run| {
            let mut t = ByOrigin::default();
            let mut c: FxHashMap<Str, Tally> = FxHashMap::default();
            for e in run.iter().filter(|e| !e.context_record()) {
                let tally = Tally {
                    failures: u64::from(e.is_failure()),
                    requests: 1,
                };
                t.add(e.origin_id, tally);
                if let Some(client) = e.client {
                    *c.entry(client).or_default() += tally;
                }
            }
            (t, c)
        })
        .reduce(
            || (ByOrigin::default(), FxHashMap::default()),
            |(a, mut ca), (b, cb)| {
                for (k, n) in cb {
                    *ca.entry(k).or_default() += n;
                }
                (a.merged(b), ca)
            },
        );
    let mut endpoints: FxHashMap<(&str, &str), (u64, u64)> = FxHashMap::default();
    let clients: FxHashMap<&str, (u64, u64)> = by_client
        .into_iter()
        .map(|(c, t)| (c.as_str(), (t.failures, t.requests)))
        .collect();
    for (id, t) in by_origin.iter() {
        let o = id.get();
        if let Some(route) = o.route.as_str() {
            let c = endpoints
                .entry((o.host.as_str().unwrap_or(""), route))
                .or_default();
            c.0 += t.failures;
            c.1 += t.requests;
        }
    }
    let mut eps: Vec<AffectedEndpoint> = endpoints
        .into_iter()
        .filter(|(_, (f, _))| *f > 0)
        .map(|((host, route), (failures, requests))| AffectedEndpoint {
            host: (!host.is_empty()).then(|| host.to_string()),
            route: route.to_string(),
            failures,
            requests,
        })
        .collect();
    eps.sort_by(|a, b| {
        b.failures
            .cmp(&a.failures)
            .then_with(|| (&a.host, &a.route).cmp(&(&b.host, &b.route)))
    });
    eps.truncate(AFFECTED_ROWS);
    let mut cls: Vec<AffectedClient> = clients
        .into_iter()
        .filter(|(_, (f, _))| *f > 0)
        .map(|(client, (failures, requests))| AffectedClient {
            client: client.to_string(),
            failures,
            requests,
        })
        .collect();
    cls.sort_by(|a, b| b.failures.cmp(&a.failures).then_with(|| a.client.cmp(&b.client)));
    cls.truncate(AFFECTED_ROWS);
    Affected {
        endpoints: eps,
        clients: cls,
    }
}

/// The first `cap` failed requests, in time order (how many there were in
/// all is [`Summary::failures`]).
pub fn failed_requests(events: &[Event], sources: &[SourceInfo], cap: usize) -> Vec<FailedRequest> {
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if out.len() >= cap {
            break;
        }
        if e.is_failure() {
            out.push(FailedRequest {
                ts: e.ts_ns().map(Time::from_ns),
                method: e.method().as_str().map(str::to_string),
                host: e.host().as_str().map(str::to_string),
                route: e.route().as_str().map(str::to_string),
                status: e.status,
                error: e.error_class.map(|c| c.name().to_string()),
                duration_ms: e.duration_ms(),
                client: e.client.as_str().map(str::to_string),
                evidence: evidence::plain(events, sources, i),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_percentiles_are_those_of_the_sorted_values() {
        let mut state = 7u64;
        for n in [1usize, 2, 3, 10, 99, 100, 101, 1000] {
            let mut d: Vec<f64> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    // Many repeats, some negative zeros and infinities.
                    match state >> 60 {
                        0 => -0.0,
                        1 => f64::INFINITY,
                        k => (state >> 54) as f64 / 8.0 + k as f64,
                    }
                })
                .collect();
            let mut sorted = d.clone();
            sorted.sort_by(f64::total_cmp);
            let mut b = Bucket::default();
            set_percentiles(&mut b, &mut d);
            for (got, p) in [(b.p50_ms, 0.50), (b.p95_ms, 0.95), (b.p99_ms, 0.99)] {
                assert_eq!(
                    got.map(f64::to_bits),
                    Some(rounded(sorted[rank(n, p)]).to_bits()),
                    "{n} {p}"
                );
            }
            assert!(d.is_empty());
        }
    }

    #[test]
    fn ids_that_share_their_low_64_bits_join_but_count_as_two_traces() {
        use crate::model::{Locator, SourceId};
        let ids = [
            "0000000000000000abcdabcdabcdabcd",
            "1111111111111111abcdabcdabcdabcd",
            "0000000000000000abcdabcdabcdabcd",
            "22222222222222222222222222222222",
        ];
        let events: Vec<Event> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let mut e = Event::at(SourceId(0), Locator::Line(i as u64 + 1), 0);
                e.trace_id = Some((*id).into());
                e
            })
            .collect();
        let index = crate::analyze::correlate::KeyIndex::of(&events);
        assert_eq!(summary(&events, &index, Extent::of(&events)).traces, 3);
        let links = crate::analyze::correlate::Links::from_keys(&events, &index);
        assert_eq!(links.group(0), Some(&[0, 1, 2][..]));
        assert_eq!(links.group(3), None);
    }

    #[test]
    fn summary_counts_failures_traces_and_time_range() {
        use crate::model::{ErrorClass, Locator, SourceId};
        let mut a = Event::at(SourceId(0), Locator::Line(1), 0);
        a.set_ts_ns(Some(20));
        a.trace_id = Some("t1".into());
        let mut b = Event::at(SourceId(0), Locator::Line(2), 10);
        b.set_ts_ns(Some(10));
        b.error_class = Some(ErrorClass::Http5xx);
        b.trace_id = Some("t1".into());
        let c = Event::at(SourceId(0), Locator::Line(3), 20);
        let mut d = Event::at(SourceId(0), Locator::Line(4), 30);
        d.trace_id = Some("t2".into());
        let events = [a, b, c, d];
        assert_eq!(
            summary(
                &events,
                &crate::analyze::correlate::KeyIndex::of(&events),
                Extent::of(&events)
            ),
            Summary {
                events: 4,
                failures: 1,
                first_ts: Some(10),
                last_ts: Some(20),
                traces: 2
            }
        );
    }
    use crate::model::{ErrorClass, Locator, Origin, SourceId};

    fn ev(t_s: i64, status: u16, dur: f64) -> Event {
        let mut e = Event::at(SourceId(0), Locator::Line(1), 0);
        e.set_ts_ns(Some(t_s * 1_000_000_000));
        e.status = Some(status);
        e.set_duration_ms(Some(dur));
        e.set_origin(&Origin {
            route: Some("/x".into()),
            ..e.origin()
        });
        if status >= 400 {
            e.error_class = Some(ErrorClass::Http5xx);
        }
        e
    }

    #[test]
    fn buckets_by_status_class_with_percentiles() {
        let mut events: Vec<Event> = (0..600).map(|t| ev(t, 200, (t % 100) as f64)).collect();
        events.extend((300..320).map(|t| ev(t, 503, 1000.0)));
        events.sort_by_key(|e| e.ts_ns());
        let s = build(&events, Extent::of(&events));
        assert_eq!(s.interval_s, 10);
        assert_eq!(s.buckets.len(), 60);
        let total: u64 = s.buckets.iter().map(|b| b.ok + b.server_errors).sum();
        assert_eq!(total, 620);
        assert_eq!(s.buckets[30].server_errors, 10);
        assert_eq!(s.buckets[30].p99_ms, Some(1000.0));
        let idx: Vec<usize> = (0..events.len())
            .filter(|&i| events[i].status == Some(503))
            .collect();
        let spark = counts(&events, &idx, &s);
        assert_eq!(spark.iter().sum::<u32>(), 20);
        let a = affected(&events);
        assert_eq!(a.endpoints[0].failures, 20);
        assert_eq!(a.endpoints[0].requests, 620);
        // Out of timeline order (kept per bucket), and with a bucket that
        // has no durations between two that do: the same series.
        events.reverse();
        let mut gap = ev(125, 200, 0.0);
        gap.set_duration_ms(None);
        events.retain(|e| !(120..130).contains(&(e.ts_ns().unwrap_or(0) / 1_000_000_000)));
        events.push(gap);
        let out_of_order = build(&events, Extent::of(&events));
        events.sort_by_key(|e| e.ts_ns());
        let in_order = build(&events, Extent::of(&events));
        let json = |s: &Series| serde_json::to_string(s).unwrap();
        assert_eq!(json(&out_of_order), json(&in_order));
        assert_eq!(in_order.buckets[12].p50_ms, None);
        assert_eq!(in_order.buckets[12].ok, 1);
        assert_eq!(in_order.buckets[30].p99_ms, Some(1000.0));
    }
}
