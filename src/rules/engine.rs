//! Running rules over events. Each rule selects matching events, groups them
//! (by host, route, service or input), finds bursts of matches closer than
//! its window, and keeps the groups that meet its thresholds. The output is
//! one [`Finding`] per rule and group, in a deterministic order.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::spec::{CompiledRule, GroupBy};
use crate::model::{Event, SourceInfo};

/// What a finding is about, in the input's own terms.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    /// Host name.
    pub host: Option<String>,
    /// `route template` (with method when known).
    pub endpoint: Option<String>,
    /// Service name.
    pub service: Option<String>,
    /// The client: the input a HAR came from.
    pub client: Option<String>,
}

impl Subject {
    /// One-line description, e.g. `api.example.com /v1/orders`.
    pub fn describe(&self) -> String {
        let parts: Vec<&str> = [&self.service, &self.host, &self.endpoint, &self.client]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        if parts.is_empty() {
            "all requests".to_string()
        } else {
            parts.join(" ")
        }
    }
}

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
}

fn group_key(rule: &CompiledRule, e: &Event, sources: &[SourceInfo]) -> String {
    let s = |v: &Option<Box<str>>| v.as_deref().unwrap_or("").to_string();
    match rule.group_by {
        GroupBy::None => String::new(),
        GroupBy::Host => s(&e.host),
        GroupBy::Route => format!("{}\u{1f}{}", s(&e.host), s(&e.route)),
        GroupBy::Service => s(&e.service),
        GroupBy::Source => sources
            .get(e.source.0 as usize)
            .map_or_else(String::new, |x| x.display.clone()),
    }
}

fn subject_for(rule: &CompiledRule, key: &str, events: &[Event], idx: &[usize]) -> Subject {
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    // A field every matching event agrees on is part of the subject too.
    let common = |f: &dyn Fn(&Event) -> Option<&str>| -> Option<String> {
        let first = f(&events[*idx.first()?])?;
        idx.iter()
            .all(|&i| f(&events[i]) == Some(first))
            .then(|| first.to_string())
    };
    let mut subject = Subject::default();
    match rule.group_by {
        GroupBy::None => {}
        GroupBy::Host => subject.host = nonempty(key),
        GroupBy::Route => {
            let (h, r) = key.split_once('\u{1f}').unwrap_or((key, ""));
            subject.host = nonempty(h);
            subject.endpoint = nonempty(r);
        }
        GroupBy::Service => subject.service = nonempty(key),
        GroupBy::Source => subject.client = nonempty(key),
    }
    if subject.host.is_none() {
        subject.host = common(&|e| e.host.as_deref());
    }
    if subject.service.is_none() {
        subject.service = common(&|e| e.service.as_deref());
    }
    if subject.endpoint.is_none() && rule.group_by != GroupBy::None {
        subject.endpoint = common(&|e| e.route.as_deref());
    }
    subject
}

/// Run one rule.
fn run_rule(ri: usize, rule: &CompiledRule, events: &[Event], sources: &[SourceInfo]) -> Vec<Finding> {
    let matched: Vec<usize> = (0..events.len()).filter(|&i| rule.matches(&events[i])).collect();
    if matched.is_empty() {
        return Vec::new();
    }
    let total = matched.len() as f64;
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in &matched {
        groups
            .entry(group_key(rule, &events[i], sources))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for (key, mut idx) in groups {
        if (idx.len() as f64) / total < rule.min_concentration {
            continue;
        }
        idx.sort_by_key(|&i| (events[i].ts_ns, i));
        // Bursts: runs of matches no further apart than the window.
        let mut qualifying = Vec::new();
        let mut bursts = 0u32;
        let mut run: Vec<usize> = Vec::new();
        let mut flush = |run: &mut Vec<usize>, qualifying: &mut Vec<usize>| {
            if run.len() as u64 >= rule.min_events {
                bursts += 1;
                qualifying.append(run);
            }
            run.clear();
        };
        for &i in &idx {
            if let (Some(&last), Some(ts)) = (run.last(), events[i].ts_ns) {
                if let Some(prev) = events[last].ts_ns {
                    if ts - prev > rule.window_ns {
                        flush(&mut run, &mut qualifying);
                    }
                }
            }
            run.push(i);
        }
        flush(&mut run, &mut qualifying);
        if qualifying.is_empty() {
            continue;
        }
        let first_ts = qualifying.iter().filter_map(|&i| events[i].ts_ns).min();
        let last_ts = qualifying.iter().filter_map(|&i| events[i].ts_ns).max();
        let in_span = |e: &Event| match (e.ts_ns, first_ts, last_ts) {
            (Some(t), Some(a), Some(b)) => t >= a && t <= b,
            _ => true,
        };
        let group_events = events
            .iter()
            .filter(|e| in_span(e) && group_key(rule, e, sources) == key)
            .count() as u64;
        let share = qualifying.len() as f64 / group_events.max(1) as f64;
        if share < rule.min_share {
            continue;
        }
        let retry_after_max = qualifying
            .iter()
            .filter_map(|&i| events[i].retry_after_s)
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
        out.push(Finding {
            rule: ri,
            subject: subject_for(rule, &key, events, &qualifying),
            events: qualifying,
            first_ts,
            last_ts,
            group_events,
            bursts,
            retry_after_max,
        });
    }
    out
}

/// Run every rule over the events. Rules run in parallel; the result is in
/// rule order, then group order, whatever the thread count.
pub fn evaluate(rules: &[CompiledRule], events: &[Event], sources: &[SourceInfo]) -> Vec<Finding> {
    rules
        .par_iter()
        .enumerate()
        .map(|(ri, r)| run_rule(ri, r, events, sources))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorClass, Locator, SourceId};
    use crate::rules::spec::compile;

    fn rule(agg: &str) -> CompiledRule {
        let text = format!(
            "id = \"t\"\ncategory = \"upstream.server_error\"\ntitle = \"t\"\nseverity = \"high\"\nexplanation = \"e\"\nremediation = \"r\"\n[[match]]\nstatus = [\"5xx\"]\n[aggregate]\n{agg}\n"
        );
        compile("t", &text).unwrap().1.unwrap()
    }

    fn ev(i: u64, ts_s: i64, status: u16, host: &str) -> Event {
        let mut e = Event::at(SourceId(0), Locator::Line(i), i);
        e.ts_ns = Some(ts_s * 1_000_000_000);
        e.status = Some(status);
        e.host = Some(host.into());
        e.error_class = (status >= 500).then_some(ErrorClass::Http5xx);
        e
    }

    #[test]
    fn bursts_need_min_events_within_window() {
        let r = rule("group_by = \"host\"\nwindow = \"10s\"\nmin_events = 3");
        // a: three 5xx within 10 s; b: three 5xx a minute apart.
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
    fn concentration_and_share_thresholds() {
        let r = rule("group_by = \"host\"\nmin_events = 1\nmin_concentration = 0.6");
        let events = vec![ev(0, 0, 500, "a"), ev(1, 1, 500, "b")];
        assert!(evaluate(&[r], &events, &[]).is_empty());
        let r = rule("group_by = \"host\"\nmin_events = 1\nmin_share = 0.5");
        let events = vec![ev(0, 0, 500, "a"), ev(1, 0, 200, "a"), ev(2, 0, 200, "a")];
        assert!(evaluate(&[r], &events, &[]).is_empty());
    }
}
