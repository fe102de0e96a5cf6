//! The time extent of an event list ([`Extent`]): its first and last
//! timestamps and whether it is in time order, found in one parallel pass
//! and shared by the rules and the tallies, which would otherwise each
//! make that pass again.

use rayon::prelude::*;

use super::Event;

/// What the rules and the tallies need to know about the whole event list,
/// worked out once for all of them: the first and last timestamps, and
/// whether the events are in time order (timeless ones last), as the
/// pipeline gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// The earliest timestamp.
    pub start: Option<i64>,
    /// The latest timestamp.
    pub end: Option<i64>,
    /// Whether the events are in time order, timeless ones last.
    pub sorted: bool,
}

/// Events to a block of [`Extent::of`]'s parallel pass.
const BLOCK: usize = 1 << 14;

impl Extent {
    /// One parallel pass over the events.
    pub fn of(events: &[Event]) -> Extent {
        /// One block's earliest and latest time, its first and last
        /// order keys, and whether it is in order within.
        type Block = (
            Option<i64>,
            Option<i64>,
            (bool, Option<i64>),
            (bool, Option<i64>),
            bool,
        );
        let order = |e: &Event| (e.ts_ns().is_none(), e.ts_ns());
        let blocks: Vec<Block> = events
            .par_chunks(BLOCK)
            .map(|block| {
                let times = block.iter().filter_map(Event::ts_ns);
                let (lo, hi) = times.fold((None, None), |(lo, hi): (Option<i64>, Option<i64>), t| {
                    (Some(lo.map_or(t, |l| l.min(t))), Some(hi.map_or(t, |h| h.max(t))))
                });
                let first = block.first().map_or((false, None), order);
                let last = block.last().map_or((false, None), order);
                (lo, hi, first, last, block.is_sorted_by_key(order))
            })
            .collect();
        let start = blocks.iter().filter_map(|b| b.0).min();
        let end = blocks.iter().filter_map(|b| b.1).max();
        let sorted = blocks.iter().all(|b| b.4) && blocks.windows(2).all(|w| w[0].3 <= w[1].2);
        Extent { start, end, sorted }
    }

    /// In events in time order, timeless ones last (what `sorted` says),
    /// the index of the first event timed at `t` or later, or of the first
    /// timeless one: the events before it are those timed before `t`.
    pub fn index_at(events: &[Event], t: i64) -> usize {
        events.partition_point(|e| e.ts_ns().is_some_and(|x| x < t))
    }

    /// [`Extent::index_at`] for the first event timed later than `t`.
    pub fn index_after(events: &[Event], t: i64) -> usize {
        events.partition_point(|e| e.ts_ns().is_some_and(|x| x <= t))
    }

    /// In events in time order, how many have a time (they come first).
    pub fn timed_len(events: &[Event]) -> usize {
        events.partition_point(|e| e.ts_ns().is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Locator, SourceId};

    #[test]
    fn indices_by_time_are_the_counts_a_scan_gives() {
        let times = [Some(1), Some(3), Some(3), Some(5), Some(9), None, None];
        let events: Vec<Event> = times
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let mut e = Event::at(SourceId(0), Locator::Line(i as u64), i as u64);
                e.set_ts_ns(t);
                e
            })
            .collect();
        assert_eq!(Extent::timed_len(&events), 5);
        for t in -1..11 {
            let before = times.iter().filter(|x| x.is_some_and(|x| x < t)).count();
            let up_to = times.iter().filter(|x| x.is_some_and(|x| x <= t)).count();
            assert_eq!(Extent::index_at(&events, t), before, "at {t}");
            assert_eq!(Extent::index_after(&events, t), up_to, "after {t}");
        }
    }

    #[test]
    fn the_extent_is_what_whole_passes_over_the_events_give() {
        // Over several blocks: in order, out of order only across a block
        // boundary or inside one block, with timeless events last or
        // between, and with none timed.
        let n = BLOCK * 3 + 5;
        let timed = |ts: &dyn Fn(usize) -> Option<i64>| -> Vec<Event> {
            (0..n)
                .map(|i| {
                    let mut e = Event::at(SourceId(0), Locator::Line(i as u64), i as u64);
                    e.set_ts_ns(ts(i));
                    e
                })
                .collect()
        };
        let b = BLOCK;
        let cases: Vec<Vec<Event>> = vec![
            timed(&|i| Some(i as i64 * 10)),
            timed(&|i| Some(if i == b { 5 } else { i as i64 * 10 })),
            timed(&|i| Some(if i == b + 7 { 5 } else { i as i64 * 10 })),
            timed(&|i| (i < n - 100).then_some(i as i64)),
            timed(&|i| (i != 2 * b).then_some(i as i64)),
            timed(&|_| None),
            timed(&|i| Some(-(i as i64))),
        ];
        for (k, events) in cases.iter().enumerate() {
            let x = Extent::of(events);
            let times = || events.iter().filter_map(|e| e.ts_ns());
            assert_eq!(x.start, times().min(), "case {k}");
            assert_eq!(x.end, times().max(), "case {k}");
            let sorted = events.is_sorted_by_key(|e| (e.ts_ns().is_none(), e.ts_ns()));
            assert_eq!(x.sorted, sorted, "case {k}");
        }
        let sorted: Vec<bool> = cases.iter().map(|e| Extent::of(e).sorted).collect();
        assert_eq!(sorted, [true, false, false, true, false, true, false]);
    }
}
