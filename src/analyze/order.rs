//! One timeline out of many inputs: the clocks compared and corrected,
//! the events in time order, 2xx bodies' codes judged by the capture's
//! convention (`business`), error templates mined and assigned, and the
//! join keys indexed. Everything later reads events in this order.

use crate::analyze::correlate::{self, KeyIndex, Skew};
use crate::analyze::evidence;
use crate::input::read::Read;
use crate::model::report::{ClockSkew, Correlation};
use crate::model::{Event, Extent, SourceInfo};
use crate::normalize::template::{self, Miner, Occurrence};
use crate::util::stats::stage;
use rayon::prelude::*;

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
    let extent = stage("sort", || {
        let extent = Extent::of(&events);
        if !extent.sorted {
            sort_by_time(&mut events);
        }
        // Sorting moves events, not their times: the range stands.
        Extent {
            sorted: true,
            ..extent
        }
    });
    // A 2xx body's code is judged against what the endpoint's early bodies
    // say, now that they are in time order, and before templates and
    // every count read the failures.
    stage("business errors", || {
        crate::normalize::business::mark(&mut events)
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

/// Put `events` in time order, timeless ones last, keeping input order
/// among equals.
///
/// A few sorted runs (inputs each in time order, one after the other) are
/// merged by the standard stable sort, which reads and writes in order.
/// Otherwise the (time, index) keys are sorted in parallel, 16 bytes each,
/// and the events then moved once into their places, one cycle of the
/// permutation at a time: a stable sort that moved the 112-byte events
/// themselves took 8 s on one thread for a 10 GiB log whose records were
/// out of order by nanoseconds here and there (1.5 s this way).
/// Runs in time order below which [`sort_by_time`] merges them.
const FEW_RUNS: usize = 16;

fn sort_by_time(events: &mut [Event]) {
    let key = |e: &Event| (e.ts_ns().is_none(), e.ts_ns());
    let descents = events.par_windows(2).filter(|w| key(&w[1]) < key(&w[0])).count();
    // Indices are u32 (four billion events would need hundreds of
    // gigabytes first); past that, the plain stable sort too.
    if descents < FEW_RUNS || u32::try_from(events.len()).is_err() {
        events.sort_by_key(key);
    } else {
        sort_through_keys(events);
    }
}

/// [`sort_by_time`] by sorting (timeless, time, index) keys and moving
/// each event once. At most `u32::MAX` events.
fn sort_through_keys(events: &mut [Event]) {
    // Timeless events last; the index makes every key unique, so the
    // unstable sort's order does not depend on the thread count.
    let mut keys: Vec<(bool, i64, u32)> = events
        .par_iter()
        .enumerate()
        .map(|(i, e)| (e.ts_ns().is_none(), e.ts_ns().unwrap_or(0), i as u32))
        .collect();
    keys.par_sort_unstable();
    // Event k goes to place p when keys[p].1 == k: move along each cycle.
    let mut from: Vec<u32> = keys.into_iter().map(|(_, _, i)| i).collect();
    const DONE: u32 = u32::MAX;
    for start in 0..events.len() {
        if from[start] == DONE {
            continue;
        }
        let held = std::mem::take(&mut events[start]);
        let mut place = start;
        loop {
            let src = from[place] as usize;
            from[place] = DONE;
            if src == start {
                events[place] = held;
                break;
            }
            events[place] = std::mem::take(&mut events[src]);
            place = src;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Locator, SourceId};

    /// The stable sort's order of `events`, by their offsets (each is its
    /// input index).
    fn stable_order(events: &[Event]) -> Vec<u64> {
        let mut want: Vec<&Event> = events.iter().collect();
        want.sort_by_key(|e| (e.ts_ns().is_none(), e.ts_ns()));
        want.iter().map(|e| e.offset).collect()
    }

    /// Both ways of sorting, and the choice between them, give the stable
    /// sort's order.
    fn check(events: Vec<Event>) {
        let want = stable_order(&events);
        let mut chosen = events.clone();
        sort_by_time(&mut chosen);
        assert_eq!(chosen.iter().map(|e| e.offset).collect::<Vec<_>>(), want);
        let mut keyed = events;
        sort_through_keys(&mut keyed);
        assert_eq!(keyed.iter().map(|e| e.offset).collect::<Vec<_>>(), want);
    }

    #[test]
    fn sorting_a_few_sorted_runs_is_the_stable_sort_too() {
        let mut events: Vec<Event> = (0..3000u64)
            .map(|i| {
                let mut e = Event::at(SourceId((i / 1000) as u32), Locator::Line(i), i);
                e.set_ts_ns(Some(((i % 1000) * 7 % 1000) as i64 / 3));
                e
            })
            .collect();
        for run in events.chunks_mut(1000) {
            run.sort_by_key(|e| e.ts_ns());
        }
        check(events);
    }

    #[test]
    fn sorting_by_time_is_the_stable_sort() {
        // Times with many repeats, some timeless, one at the last
        // instant the type holds: the order of a stable sort by
        // (timeless, time), input order among equals.
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let events: Vec<Event> = (0..5000u64)
            .map(|i| {
                let mut e = Event::at(SourceId((i % 3) as u32), Locator::Line(i), i);
                let r = next();
                e.set_ts_ns(match r % 10 {
                    0 => None,
                    1 => Some(i64::MAX),
                    _ => Some((r % 200) as i64 - 50),
                });
                e
            })
            .collect();
        check(events);
    }
}
