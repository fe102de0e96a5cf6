//! One timeline out of many inputs: the clocks compared and corrected,
//! the events in time order, error templates mined and assigned, and the
//! join keys indexed. Everything later reads events in this order.

use crate::analyze::correlate::{self, KeyIndex, Skew};
use crate::analyze::evidence;
use crate::input::read::Read;
use crate::model::report::{ClockSkew, Correlation};
use crate::model::{Event, Extent, SourceInfo};
use crate::normalize::template::{self, Miner, Occurrence};
use crate::util::stats::stage;

/// The inputs on one clock and in time order.
#[derive(Debug)]
pub struct Ordered {
    /// Events in timeline order (timeless ones last).
    pub events: Vec<Event>,
    /// The inputs that were read.
    pub sources: Vec<SourceInfo>,
    /// Clock corrections; `joined_requests` is filled in once the links
    /// are built.
    pub correlation: Correlation,
    /// Error templates, with each failure's template assigned.
    pub miner: Miner,
    /// The events' join keys, for the links and the trace count.
    pub keys: KeyIndex,
    /// The events' time range; they are in time order.
    pub extent: Extent,
    /// Where each template occurs.
    pub occurrences: Vec<Option<Occurrence>>,
}

/// Join the inputs, put them on one clock, sort them and mine templates.
pub fn order(read: Read) -> (Ordered, Vec<crate::Error>) {
    let Read {
        mut events,
        mut sources,
        key_hashes,
        errors,
    } = read;
    // Join the inputs and put them on one clock before anything reads time.
    let skews = stage("clock estimate", || correlate::estimate(&events, &sources));
    let correlation = clock_report(&skews, &events, &sources);
    correlate::apply(&mut events, &mut sources, &skews);
    // One timeline across inputs: order by time (events without one last),
    // keeping input order among equals. Exports sorted newest-first too.
    // The extent's parallel pass tells whether the events are in order
    // already (one input, written in time order, usually is).
    let time_key = |e: &Event| (e.ts_ns().is_none(), e.ts_ns());
    let extent = stage("sort", || {
        let extent = Extent::of(&events);
        if !extent.sorted {
            events.sort_by_key(time_key);
        }
        // Sorting moves events, not their times: the range stands.
        Extent {
            sorted: true,
            ..extent
        }
    });
    // The join keys do not depend on the templates: hashed meanwhile.
    let ((miner, of), keys) = rayon::join(
        || stage("templates", || template::mine(&events)),
        || {
            stage("join keys", || match key_hashes {
                Some(h) => KeyIndex::with_hashes(&events, h),
                None => KeyIndex::of(&events),
            })
        },
    );
    template::apply(&mut events, &of);
    let occurrences = template::occurrences(&events, &of, miner.templates.len());
    let ordered = Ordered {
        events,
        sources,
        correlation,
        miner,
        keys,
        extent,
        occurrences,
    };
    (ordered, errors)
}

/// The report's view of the clock estimates, with evidence pointers taken
/// before the events are re-ordered.
fn clock_report(skews: &[Skew], events: &[Event], sources: &[SourceInfo]) -> Correlation {
    let name = |id: crate::model::SourceId| {
        sources
            .get(id.0 as usize)
            .map_or_else(String::new, |s| s.display.clone())
    };
    let clocks = skews
        .iter()
        .map(|s| {
            let offset_s = s.offset_ns as f64 / 1e9;
            let direction = if offset_s >= 0.0 { "ahead" } else { "behind" };
            let action = if s.corrected {
                format!("its times were corrected by {:+.3} s", -offset_s)
            } else {
                "within network latency, so not corrected".to_string()
            };
            ClockSkew {
                input: name(s.source),
                against: name(s.against),
                pairs: s.pairs,
                matched_on: s.keys.to_string(),
                offset_s: (offset_s * 1000.0).round() / 1000.0,
                spread_ms: (s.spread_ns as f64 / 1e6 * 10.0).round() / 10.0,
                corrected: s.corrected,
                text: format!(
                    "{} clock {:+.1} s against {}: {:.1} s {direction}, the median of {} requests matched by {}; {action}.",
                    name(s.source),
                    offset_s,
                    name(s.reference),
                    offset_s.abs(),
                    s.pairs,
                    s.keys
                ),
                examples: s
                    .examples
                    .iter()
                    .map(|&(a, b)| [evidence::plain(events, sources, a), evidence::plain(events, sources, b)])
                    .collect(),
            }
        })
        .collect();
    Correlation {
        reference: skews.first().map(|s| name(s.reference)),
        joined_requests: 0,
        clocks,
    }
}
