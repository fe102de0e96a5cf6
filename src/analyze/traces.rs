//! Trace trees: the hops of one request across services and inputs, and
//! for a failing trace, its deepest failing hop: the failure nearest the
//! fault, which the failures above it only report.
//!
//! A hop's parent is the span named by its parent span id when the trace
//! has span ids. Otherwise hops are nested by time and duration: the
//! parent is the shortest other hop of the trace (from another input or
//! host) that lasts longer and contains it in time, within a tolerance for
//! clock error left after skew correction.

use crate::analyze::correlate::Links;
use crate::model::report::Hop;
use crate::model::OptionStr;
use crate::model::{Event, SourceInfo};

/// Time tolerance when nesting hops by their start and end.
const NEST_TOLERANCE_NS: i64 = 1_000_000_000;
/// Deepest nesting followed.
const MAX_DEPTH: u32 = 64;

/// Parent and depth of each hop of one trace.
#[derive(Debug, Clone)]
pub struct Tree {
    /// Event indices of the trace, in event order.
    pub hops: Vec<usize>,
    /// Parent of each hop (an index into `hops`).
    pub parent: Vec<Option<usize>>,
    /// Depth of each hop: 0 for a root.
    pub depth: Vec<u32>,
}

fn end_ns(e: &Event) -> Option<i64> {
    let d = (e.duration_ms()? * 1e6) as i64;
    e.ts_ns().map(|t| t.saturating_add(d))
}

/// Build the tree of one group of events.
pub fn tree(events: &[Event], sources: &[SourceInfo], hops: &[usize]) -> Tree {
    let n = hops.len();
    let is_client = |i: usize| {
        sources
            .get(events[i].source.0 as usize)
            .is_some_and(|s| s.format.client_view)
    };
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for (a, &i) in hops.iter().enumerate() {
        let e = &events[i];
        // 1. An explicit parent span.
        if let Some(p) = e.parent_span_id().as_str() {
            if let Some(b) = hops
                .iter()
                .position(|&j| j != i && events[j].span_id().as_str() == Some(p))
            {
                parent[a] = Some(b);
                continue;
            }
        }
        // 2. The tightest longer hop around it, from another input or host.
        if is_client(i) {
            continue;
        }
        let Some(d) = e.duration_ms() else {
            continue;
        };
        let mut best: Option<(usize, f64)> = None;
        for (b, &j) in hops.iter().enumerate() {
            let f = &events[j];
            // Not itself, not its own request, not its own child span.
            let child = e.span_id().is_some() && f.parent_span_id() == e.span_id();
            if j == i || child || (f.source == e.source && f.host() == e.host()) {
                continue;
            }
            let Some(fd) = f.duration_ms() else {
                continue;
            };
            let longer = fd > d || (fd == d && is_client(j));
            let contains = match (f.ts_ns(), end_ns(f), e.ts_ns(), end_ns(e)) {
                (Some(fs), Some(fe), Some(es), Some(ee)) => {
                    fs.saturating_sub(NEST_TOLERANCE_NS) <= es && ee <= fe.saturating_add(NEST_TOLERANCE_NS)
                }
                _ => true,
            };
            if longer && contains && best.is_none_or(|(_, bd)| fd < bd) {
                best = Some((b, fd));
            }
        }
        parent[a] = best.map(|(b, _)| b);
    }
    let mut depth = vec![0u32; n];
    for (a, d) in depth.iter_mut().enumerate() {
        let mut k = 0;
        let mut x = a;
        while let Some(p) = parent[x] {
            k += 1;
            if k >= MAX_DEPTH || p == a {
                break;
            }
            x = p;
        }
        *d = k;
    }
    Tree {
        hops: hops.to_vec(),
        parent,
        depth,
    }
}

impl Tree {
    /// The deepest failing hop (an event index), if any hop failed.
    pub fn deepest_failure(&self, events: &[Event]) -> Option<usize> {
        (0..self.hops.len())
            .filter(|&a| events[self.hops[a]].is_failure())
            .max_by(|&a, &b| {
                let (ea, eb) = (&events[self.hops[a]], &events[self.hops[b]]);
                self.depth[a]
                    .cmp(&self.depth[b])
                    .then_with(|| {
                        // Shorter is nearer the fault; unknown durations last.
                        let da = ea.duration_ms().unwrap_or(f64::MAX);
                        let db = eb.duration_ms().unwrap_or(f64::MAX);
                        db.total_cmp(&da)
                    })
                    .then_with(|| self.hops[b].cmp(&self.hops[a]))
            })
            .map(|a| self.hops[a])
    }
}

/// The hops of one trace or request (`group`), outermost first, for
/// waterfalls.
pub fn hops(events: &[Event], sources: &[SourceInfo], group: &[usize]) -> Vec<Hop> {
    let t = tree(events, sources, group);
    let deepest = t.deepest_failure(events);
    let mut order: Vec<usize> = (0..t.hops.len()).collect();
    order.sort_by_key(|&a| (t.depth[a], events[t.hops[a]].ts_ns(), t.hops[a]));
    order
        .into_iter()
        .map(|a| {
            let j = t.hops[a];
            let e = &events[j];
            let request = [e.method().as_str(), e.host().as_str(), e.route().as_str()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            Hop {
                depth: t.depth[a],
                ts: e.ts_ns().map(crate::model::report::Time::from_ns),
                service: e.service().as_str().map(str::to_string),
                request,
                status: e.status,
                error: e.error_class.map(|c| c.name().to_string()),
                duration_ms: e.duration_ms(),
                deepest_failure: deepest == Some(j),
                evidence: crate::analyze::evidence::plain(events, sources, j),
            }
        })
        .collect()
}

/// What the failing traces say about blame.
#[derive(Debug, Default)]
pub struct Blame {
    /// (deeper failure, shallower failure) event pairs of one trace: the
    /// first explains the second.
    pub edges: Vec<(usize, usize)>,
    /// Events that are the deepest failing hop of a multi-hop failing trace.
    pub deepest: rustc_hash::FxHashSet<usize>,
    /// Failing events that are part of such a trace.
    pub traced: rustc_hash::FxHashSet<usize>,
}

/// Walk every failing trace with more than one failing hop.
pub fn blame(events: &[Event], sources: &[SourceInfo], links: &Links) -> Blame {
    let mut out = Blame::default();
    for g in links.groups() {
        let failing = g.iter().filter(|&&i| events[i].is_failure()).count();
        if failing < 2 || g.len() > 256 {
            continue;
        }
        let t = tree(events, sources, g);
        let Some(deep) = t.deepest_failure(events) else {
            continue;
        };
        let Some(deep_pos) = t.hops.iter().position(|&i| i == deep) else {
            continue;
        };
        // Records of the deepest hop's own request (the same host, seen by
        // the client and the gateway) share its place; failures on other
        // hosts above it are what it explains.
        let same_hop = |i: usize| {
            let (a, b) = (&events[i], &events[deep]);
            a.host() == b.host()
        };
        for (a, &i) in t.hops.iter().enumerate() {
            if !events[i].is_failure() {
                continue;
            }
            out.traced.insert(i);
            if same_hop(i) {
                out.deepest.insert(i);
            } else if t.depth[a] < t.depth[deep_pos] {
                out.edges.push((deep, i));
            }
        }
    }
    out.edges.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorClass, Ids, Locator, Origin, SourceId};

    fn ev(src: u32, ts_ms: i64, dur: f64, fail: bool) -> Event {
        let mut e = Event::at(SourceId(src), Locator::Line(1), 0);
        e.set_ts_ns(Some(ts_ms * 1_000_000));
        e.set_duration_ms(Some(dur));
        e.trace_id = Some("t".into());
        e.set_origin(&Origin {
            host: Some(format!("h{src}").into()),
            ..e.origin()
        });
        if fail {
            e.error_class = Some(ErrorClass::Http5xx);
        }
        e
    }

    fn info(id: u32, format: crate::model::Format) -> SourceInfo {
        SourceInfo::bare(SourceId(id), &format!("in{id}"), format)
    }

    #[test]
    fn nests_by_duration_and_finds_the_deepest_failure() {
        // client HAR 5.1 s ⊃ gateway 5.05 s ⊃ backend 5.0 s; all fail.
        let events = vec![
            ev(0, 0, 5100.0, true),
            ev(1, 20, 5050.0, true),
            ev(2, 40, 5000.0, true),
        ];
        let sources = [
            info(0, crate::input::formats::har::FORMAT),
            info(1, crate::input::formats::jsonl::FORMAT),
            info(2, crate::input::formats::esdoc::FORMAT),
        ];
        let t = tree(&events, &sources, &[0, 1, 2]);
        assert_eq!(t.parent, vec![None, Some(0), Some(1)]);
        assert_eq!(t.depth, vec![0, 1, 2]);
        assert_eq!(t.deepest_failure(&events), Some(2));
        let links = Links::build(&events);
        let b = blame(&events, &sources, &links);
        assert_eq!(b.edges, vec![(2, 0), (2, 1)]);
        assert!(b.deepest.contains(&2));
    }

    #[test]
    fn parent_span_ids_win_over_durations() {
        let mut a = ev(0, 0, 10.0, true);
        a.set_ids(Ids {
            span_id: Some("00000000000000aa".into()),
            ..Ids::default()
        });
        let mut b = ev(1, 0, 50.0, false);
        b.set_ids(Ids {
            parent_span_id: Some("00000000000000aa".into()),
            ..Ids::default()
        });
        let events = vec![a, b];
        let sources = [
            info(0, crate::input::formats::jsonl::FORMAT),
            info(1, crate::input::formats::jsonl::FORMAT),
        ];
        let t = tree(&events, &sources, &[0, 1]);
        assert_eq!(t.parent, vec![None, Some(0)]);
    }
}
