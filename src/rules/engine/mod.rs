//! Running rules over events. One pass over the events matches every plain
//! rule and gathers the candidates of every sequence (`plain`); each rule
//! then finds its matches by its kind (`plain`, `sequence`, `drift`) and
//! ends in the same `aggregate` step: matches grouped (`group`) by host,
//! route, service, release or input, counted in windows, kept where a
//! window is hot, and measured against the group's own history
//! (`baseline`). The output is one [`Finding`] per rule and group, in a
//! deterministic order.

mod aggregate;
mod baseline;
mod drift;
mod group;
mod plain;
mod sequence;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::spec::CompiledRule;
use crate::model::{Event, Extent, SourceInfo, Subject};
use plain::{shared_pass, Shared};

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

/// Run one rule: its kind's matching, then the aggregate step.
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
        (Some(seq), _) => sequence::matches(rule, seq, events, shared.candidates(&seq.by)),
        (None, Some(baseline)) => drift::matches(rule, baseline, events, sources, &mut details),
        (None, None) => plain,
    };
    if matched.is_empty() {
        return Vec::new();
    }
    let mut groups = aggregate::candidate_groups(rule, &matched, events, sources);
    if groups.is_empty() {
        return Vec::new();
    }
    let (wanted, totals) = aggregate::totals(rule, &mut groups, events, sources, extent);
    let agg = aggregate::Aggregate {
        rule: (ri, rule),
        events,
        extent,
        wanted,
        totals,
        details,
    };
    groups
        .into_iter()
        .filter_map(|(key, idx)| agg.finding(&key, idx))
        .collect()
}

/// Window bucket of a timestamp; events without one share a bucket.
fn bucket(ts: Option<i64>, window: i64) -> i64 {
    ts.map_or(i64::MIN, |t| t.div_euclid(window))
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
    let mut shared = crate::util::stats::stage("rules: shared pass", || shared_pass(rules, events));
    let plain = std::mem::take(&mut shared.plain);
    rules
        .par_iter()
        .zip(plain)
        .enumerate()
        .map(|(ri, (r, m))| {
            crate::util::stats::rule(&r.id, || run_rule(ri, r, m, &shared, events, sources, extent))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::group::{group_key, GroupOf, Key};
    use super::plain::Gate;
    use super::*;
    use crate::model::{ErrorClass, Locator, Origin, SourceId};
    use crate::rules::spec::compile;

    fn rule(agg: &str) -> CompiledRule {
        let text = format!(
            "id = \"t\"\ncategory = \"upstream.server_error\"\ntitle = \"t\"\nseverity = \"high\"\nexplanation = \"e\"\nremediation = \"r\"\n[doc]\ndetects = \"d\"\nwhy = \"w\"\nexample = \"e\"\nfalse_positives = \"f\"\n[[match]]\nstatus = [\"5xx\"]\n[aggregate]\n{agg}\n"
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
        let text = "id = \"d\"\ncategory = \"payload.schema_drift\"\ntitle = \"t\"\nseverity = \"high\"\nexplanation = \"e\"\nremediation = \"r\"\n[doc]\ndetects = \"d\"\nwhy = \"w\"\nexample = \"e\"\nfalse_positives = \"f\"\n[drift]\nbaseline = 0.3\n[aggregate]\ngroup_by = \"host\"\nwindow = \"10m\"\nmin_events = 3\n";
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
            // Clients are not part of the origin: many share one.
            e.client = Some(format!("10.0.0.{}", i % 11).as_str().into());
            events.push(e);
        }
        for group_by in [
            "\"host\", \"route\"",
            "\"route\", \"url\"",
            "\"route\", \"client\"",
        ] {
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
            let in_origin = !group_by.contains("url") && !group_by.contains("client");
            assert_eq!(group_of.by_origin.is_some(), in_origin);
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
