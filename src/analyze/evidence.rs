//! Evidence pointers: from an event index to the record behind it (input
//! path, line or entry, byte offset, trace id), with the same request's
//! records in other inputs and the clock correction its input received.

use crate::analyze::correlate::Links;
use crate::model::report::Evidence;
use crate::model::{Event, SourceInfo};

/// Records from other inputs listed with each piece of evidence.
const LINKED_PER_EVIDENCE: usize = 3;

/// What evidence is built from.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// Events in timeline order.
    pub events: &'a [Event],
    /// Inputs.
    pub sources: &'a [SourceInfo],
    /// Same-request joins across inputs; `None` for plain pointers.
    pub links: Option<&'a Links>,
}

/// The pointer of event `i`, without links.
pub fn plain(events: &[Event], sources: &[SourceInfo], i: usize) -> Evidence {
    let e = &events[i];
    let source = sources.get(e.source.0 as usize);
    let shift = source.map_or(0, |s| s.clock_shift_ns);
    Evidence {
        path: source.map_or_else(String::new, |s| s.display.clone()),
        locator: e.locator().map_or_else(String::new, |l| l.to_string()),
        offset: e.offset,
        trace_id: e.trace_id.as_deref().map(str::to_string),
        clock_corrected_ms: (shift != 0 && e.ts_ns().is_some()).then(|| -(shift / 1_000_000)),
        linked: Vec::new(),
    }
}

impl Ctx<'_> {
    /// The pointer of event `i`, with the same request in other inputs.
    pub fn of(&self, i: usize) -> Evidence {
        let mut ev = plain(self.events, self.sources, i);
        if let Some(links) = self.links {
            ev.linked = links
                .of(self.events, i)
                .into_iter()
                .take(LINKED_PER_EVIDENCE)
                .map(|j| plain(self.events, self.sources, j))
                .collect();
        }
        ev
    }

    /// Key records among `idx` (in time order): the first record from each
    /// input that contributed, so a claim links to every source that saw
    /// it, then the earliest others, at most `max`, in time order.
    pub fn pick(&self, idx: &[usize], max: usize) -> Vec<Evidence> {
        let events = self.events;
        let mut chosen: Vec<usize> = Vec::new();
        for &i in idx {
            if chosen.len() < max && !chosen.iter().any(|&c| events[c].source == events[i].source) {
                chosen.push(i);
            }
        }
        for &i in idx {
            if chosen.len() >= max {
                break;
            }
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        chosen.sort_by_key(|&i| (events[i].ts_ns(), i));
        chosen.into_iter().map(|i| self.of(i)).collect()
    }
}
