//! Joins across inputs: which records in different inputs are the same
//! request (a shared trace id or request id), how far each input's clock is
//! off against a reference input (the median offset of the matched pairs),
//! and the correction that puts every input on one clock.
//!
//! The reference is the first HAR that joins anything (the customer's own
//! view), or else the input with the most joins. Offsets propagate along
//! the join graph, so a backend joined only to the gateway is still placed.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::{Event, SourceId, SourceInfo};
#[cfg(test)]
use crate::normalize::join::push_key_hashes;
use crate::normalize::join::{key_hash, keys};

/// Offsets smaller than this are network latency, not clock error: they are
/// reported but not corrected.
pub const CORRECT_ABOVE_NS: i64 = 500_000_000;
/// Matched pairs kept as examples per joined input.
const EXAMPLES: usize = 5;

/// How one input's clock compares with the reference input's.
#[derive(Debug, Clone, PartialEq)]
pub struct Skew {
    /// The input.
    pub source: SourceId,
    /// The input it was compared with directly (the reference or a hop
    /// closer to it).
    pub against: SourceId,
    /// The reference input all offsets are relative to.
    pub reference: SourceId,
    /// Requests matched between `source` and `against`.
    pub pairs: u64,
    /// What the matches were made on: `trace id`, `request id`, or both.
    pub keys: &'static str,
    /// How far `source`'s clock runs ahead of the reference, in ns.
    pub offset_ns: i64,
    /// Median absolute deviation of the pairwise offsets, in ns.
    pub spread_ns: i64,
    /// Whether the input's times were corrected by `-offset_ns`.
    pub corrected: bool,
    /// Up to five matched pairs, as (event in `against`, event in `source`)
    /// indices into the event list as it was when estimated.
    pub examples: Vec<(usize, usize)>,
}

fn median(v: &mut [i64]) -> i64 {
    v.sort_unstable();
    match v.len() {
        0 => 0,
        n if n % 2 == 1 => v[n / 2],
        n => v[n / 2 - 1] / 2 + v[n / 2] / 2,
    }
}

/// Pairs of inputs with the first event of each shared key in each.
struct Pairs {
    /// (source a, source b) with a < b → (deltas b − a, examples, used trace ids, used request ids).
    by_pair: std::collections::BTreeMap<(u32, u32), PairStats>,
}

#[derive(Default)]
struct PairStats {
    deltas: Vec<i64>,
    examples: Vec<(usize, usize)>,
    by_trace: bool,
    by_request: bool,
}

/// A join key seen in more than one input: sorted by its first event, then
/// trace ids before request ids, then its text; and the stretch of the
/// [`Sightings::firsts`] list that holds it.
type Seen<'e> = ((usize, std::cmp::Reverse<bool>, &'e str), std::ops::Range<usize>);

/// The join keys that more than one input carries.
struct Sightings<'e> {
    /// Each key, in a fixed order (see [`Seen`]).
    seen: Vec<Seen<'e>>,
    /// For each key, the first timed event of each input that carries it,
    /// as (input, event, time), in event order: one list for all keys.
    firsts: Vec<(u32, usize, i64)>,
}

/// Find the keys shared across inputs. Every timed event's keys are
/// hashed, with their text and the event's time alongside (read here, in
/// event order, not looked up again in hash order), and sorted in
/// parallel: a shared key is a run of one hash and one text that holds two
/// inputs. A map from each key's text to a list was a second on an
/// incident folder whose inputs all carry the same trace ids.
fn sightings(events: &[Event]) -> Sightings<'_> {
    let mut keyed: Vec<(u64, &str, u32, usize, i64)> = hashed_keys(events)
        .filter_map(|(i, _, h, key)| {
            let e = &events[i];
            Some((h, key, e.source.0, i, e.ts_ns()?))
        })
        .collect();
    // (hash, key, source, event) is unique: the parallel sort's order
    // does not depend on the thread count.
    keyed.par_sort_unstable();
    let mut seen: Vec<Seen<'_>> = Vec::new();
    let mut firsts: Vec<(u32, usize, i64)> = Vec::new();
    // Runs of one hash and one text (hash collisions split).
    for g in keyed.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
        if g.iter().all(|x| x.2 == g[0].2) {
            continue;
        }
        let start = firsts.len();
        firsts.extend(
            g.chunk_by(|a, b| a.2 == b.2)
                .map(|by_source| (by_source[0].2, by_source[0].3, by_source[0].4)),
        );
        let list = &mut firsts[start..];
        list.sort_unstable_by_key(|&(_, i, _)| i);
        let is_trace = g[0].0 & 1 == 1;
        seen.push((
            (list[0].1, std::cmp::Reverse(is_trace), g[0].1),
            start..firsts.len(),
        ));
    }
    // A fixed order, so that the examples do not depend on hashing.
    seen.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Sightings { seen, firsts }
}

fn collect_pairs(events: &[Event]) -> Pairs {
    let Sightings { seen, firsts } = sightings(events);
    let mut by_pair: std::collections::BTreeMap<(u32, u32), PairStats> = Default::default();
    let mut used: rustc_hash::FxHashSet<(u32, usize)> = Default::default();
    for ((_, std::cmp::Reverse(is_trace), _), range) in &seen {
        let list = &firsts[range.clone()];
        for (x, &(sa, ia, ta)) in list.iter().enumerate() {
            for &(sb, ib, tb) in &list[x + 1..] {
                let ((sa, ia, ta), (sb, ib, tb)) = if sa < sb {
                    ((sa, ia, ta), (sb, ib, tb))
                } else {
                    ((sb, ib, tb), (sa, ia, ta))
                };
                // One pair per event: a trace id and a request id on the
                // same record must not count it twice.
                if !used.insert((sb, ia)) {
                    continue;
                }
                let st = by_pair.entry((sa, sb)).or_default();
                st.deltas.push(tb.saturating_sub(ta));
                if st.examples.len() < EXAMPLES {
                    st.examples.push((ia, ib));
                }
                if *is_trace {
                    st.by_trace = true;
                } else {
                    st.by_request = true;
                }
            }
        }
    }
    Pairs { by_pair }
}

/// Estimate every joined input's clock offset against the reference.
pub fn estimate(events: &[Event], sources: &[SourceInfo]) -> Vec<Skew> {
    if sources.len() < 2 {
        return Vec::new();
    }
    let pairs = collect_pairs(events);
    if pairs.by_pair.is_empty() {
        return Vec::new();
    }
    // Edge a → b with the median offset of b against a.
    struct Edge {
        to: u32,
        offset: i64,
        spread: i64,
        pairs: u64,
        keys: &'static str,
        examples: Vec<(usize, usize)>,
    }
    let mut adj: FxHashMap<u32, Vec<Edge>> = FxHashMap::default();
    let mut joins: FxHashMap<u32, u64> = FxHashMap::default();
    for (&(a, b), st) in &pairs.by_pair {
        let mut d = st.deltas.clone();
        let m = median(&mut d);
        let mut dev: Vec<i64> = st
            .deltas
            .iter()
            .map(|x| x.saturating_sub(m).saturating_abs())
            .collect();
        let spread = median(&mut dev);
        let keys = match (st.by_trace, st.by_request) {
            (true, true) => "trace id and request id",
            (true, false) => "trace id",
            _ => "request id",
        };
        let n = st.deltas.len() as u64;
        *joins.entry(a).or_default() += n;
        *joins.entry(b).or_default() += n;
        let flipped: Vec<(usize, usize)> = st.examples.iter().map(|&(x, y)| (y, x)).collect();
        adj.entry(a).or_default().push(Edge {
            to: b,
            offset: m,
            spread,
            pairs: n,
            keys,
            examples: st.examples.clone(),
        });
        adj.entry(b).or_default().push(Edge {
            to: a,
            offset: -m,
            spread,
            pairs: n,
            keys,
            examples: flipped,
        });
    }
    let reference = sources
        .iter()
        .find(|s| s.format.client_view && joins.contains_key(&s.id.0))
        .map(|s| s.id.0)
        .or_else(|| {
            joins
                .iter()
                .max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s)))
                .map(|(s, _)| *s)
        });
    let Some(reference) = reference else {
        return Vec::new();
    };
    // Breadth-first from the reference, preferring the edges with most pairs.
    let mut offset: FxHashMap<u32, i64> = FxHashMap::default();
    offset.insert(reference, 0);
    let mut queue = std::collections::VecDeque::from([reference]);
    let mut out = Vec::new();
    while let Some(a) = queue.pop_front() {
        let Some(edges) = adj.get_mut(&a) else {
            continue;
        };
        edges.sort_by_key(|e| (std::cmp::Reverse(e.pairs), e.to));
        for e in edges.iter() {
            if offset.contains_key(&e.to) {
                continue;
            }
            let o = offset[&a].saturating_add(e.offset);
            offset.insert(e.to, o);
            queue.push_back(e.to);
            out.push(Skew {
                source: SourceId(e.to),
                against: SourceId(a),
                reference: SourceId(reference),
                pairs: e.pairs,
                keys: e.keys,
                offset_ns: o,
                spread_ns: e.spread,
                corrected: o.abs() >= CORRECT_ABOVE_NS,
                examples: e.examples.clone(),
            });
        }
    }
    out.sort_by_key(|s| s.source.0);
    out
}

/// Put corrected inputs on the reference clock; each input remembers the
/// correction its timed events got.
pub fn apply(events: &mut [Event], sources: &mut [SourceInfo], skews: &[Skew]) {
    for s in skews.iter().filter(|s| s.corrected) {
        if let Some(info) = sources.get_mut(s.source.0 as usize) {
            info.clock_shift_ns = s.offset_ns;
        }
    }
    if sources.iter().all(|s| s.clock_shift_ns == 0) {
        return;
    }
    for e in events.iter_mut() {
        let shift = sources.get(e.source.0 as usize).map_or(0, |s| s.clock_shift_ns);
        if let (Some(t), true) = (e.ts_ns(), shift != 0) {
            e.set_ts_ns(Some(t.saturating_sub(shift)));
        }
    }
}

/// Events to a block of the passes that read every trace id.
const PREFETCH_BLOCK: usize = 1 << 12;
/// How many events ahead those passes ask for the trace id.
const PREFETCH_AHEAD: usize = 16;

/// (event, is a trace id, hash, key) of every join key, in parallel blocks. The
/// trace id of the event [`PREFETCH_AHEAD`] on is asked for ahead of time:
/// ids lie far apart in a large input, and each would otherwise be waited
/// for.
fn hashed_keys(events: &[Event]) -> impl ParallelIterator<Item = (usize, bool, u64, &str)> + '_ {
    events
        .par_chunks(PREFETCH_BLOCK)
        .enumerate()
        .flat_map_iter(|(b, block)| {
            block.iter().enumerate().flat_map(move |(k, e)| {
                if let Some(t) = block.get(k + PREFETCH_AHEAD).and_then(|e| e.trace_id) {
                    t.prefetch();
                }
                keys(e).map(move |(t, key)| (b * PREFETCH_BLOCK + k, t, key_hash(t, key), key))
            })
        })
}

/// Every join key of the events, hashed once for the links and for the
/// count of distinct traces. Only a key that occurs twice can join
/// records, and most occur once: the repeated hashes are found from 8
/// bytes a key first (sorted, rather than a map of millions of unique
/// ids), then (hash, event, kind) is taken for the keys with those hashes
/// alone.
#[derive(Debug, Default, PartialEq)]
pub struct KeyIndex {
    /// Trace keys whose hash occurs once: each is one trace.
    single_traces: u64,
    /// (hash, event, is a trace id) for every key whose hash occurs more
    /// than once, sorted: candidate groups, still to be checked on the text.
    repeated: Vec<(u64, usize, bool)>,
}

impl KeyIndex {
    /// Hash the keys of every event.
    pub fn of(events: &[Event]) -> KeyIndex {
        KeyIndex::with_hashes(events, hashed_keys(events).map(|(_, _, h, _)| h).collect())
    }

    /// The index of `events` from `hashes`, the hash of every join key of
    /// every event (as [`push_key_hashes`] gives them), in any order: the
    /// JSON-lines parser takes them while each record is in the cache,
    /// which spares a pass that reads every id back from the input.
    pub fn with_hashes(events: &[Event], mut hashes: Vec<u64>) -> KeyIndex {
        hashes.par_sort_unstable();
        let mut single_traces = 0;
        let mut twice = rustc_hash::FxHashSet::default();
        for run in hashes.chunk_by(|a, b| a == b) {
            if run.len() > 1 {
                twice.insert(run[0]);
            } else {
                single_traces += run[0] & 1;
            }
        }
        drop(hashes);
        if twice.is_empty() {
            return KeyIndex {
                single_traces,
                repeated: Vec::new(),
            };
        }
        let mut repeated: Vec<(u64, usize, bool)> = hashed_keys(events)
            .filter(|(_, _, h, _)| twice.contains(h))
            .map(|(i, is_trace, h, _)| (h, i, is_trace))
            .collect();
        // The order is total (the event index breaks ties), so the parallel
        // sort gives the same result for any thread count.
        repeated.par_sort_unstable();
        KeyIndex {
            single_traces,
            repeated,
        }
    }

    /// How many distinct trace ids the events carry (compared whole: two
    /// ids that share their low 64 bits, and so join, are still two).
    pub fn traces(&self, events: &[Event]) -> u64 {
        // A trace key that occurs once is one id; the ids behind a repeated
        // hash are compared as text (usually one id).
        let mut distinct = 0;
        let mut ids: Vec<&str> = Vec::new();
        for run in self.repeated.chunk_by(|a, b| a.0 == b.0).filter(|r| r[0].2) {
            ids.clear();
            ids.extend(run.iter().filter_map(|&(_, i, _)| events[i].trace_id.as_deref()));
            ids.sort_unstable();
            ids.dedup();
            distinct += ids.len() as u64;
        }
        self.single_traces + distinct
    }
}

/// Records of one request or trace: events sharing a trace id or a request
/// id (transitively), within one input or across inputs.
#[derive(Debug, Default)]
pub struct Links {
    groups: Vec<Vec<usize>>,
    /// Each event's group, by event index; [`NO_GROUP`] for an event in
    /// none. Dense: a map from millions of joined events was most of the
    /// time of building the links.
    group_of: Vec<u32>,
}

/// The [`Links::group_of`] of an event in no group.
const NO_GROUP: u32 = u32::MAX;

/// The root of `i`'s set, halving the path on the way.
fn find(parent: &mut [u32], i: u32) -> u32 {
    let mut x = i;
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

impl Links {
    /// Build from the final (sorted) event list.
    pub fn build(events: &[Event]) -> Links {
        Links::from_keys(events, &KeyIndex::of(events))
    }

    /// Build from the final (sorted) event list and its [`KeyIndex`].
    pub fn from_keys(events: &[Event], index: &KeyIndex) -> Links {
        let hashed = &index.repeated;
        // Event indices are kept as u32: four billion events would need
        // hundreds of gigabytes before this point.
        if hashed.is_empty() || u32::try_from(events.len()).is_err() {
            return Links::default();
        }
        let key_of =
            |i: usize, is_trace: bool| keys(&events[i]).find(|(t, _)| *t == is_trace).map(|(_, k)| k);
        // Union-find over events, so a trace id on one record and a request
        // id on another merge their groups. A set's root is its smallest
        // event, so the groups do not depend on the order of the unions.
        let mut parent: Vec<u32> = vec![NO_GROUP; events.len()];
        let mut run: Vec<(bool, Option<&str>, usize)> = Vec::new();
        for same_hash in hashed.chunk_by(|a, b| a.0 == b.0) {
            if same_hash.len() < 2 {
                continue;
            }
            // Split the run by the actual key (hash collisions).
            run.clear();
            run.extend(same_hash.iter().map(|&(_, i, t)| (t, key_of(i, t), i)));
            run.sort_unstable();
            for g in run.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
                if g.len() < 2 {
                    continue;
                }
                for x in g {
                    if parent[x.2] == NO_GROUP {
                        parent[x.2] = x.2 as u32;
                    }
                }
                let mut r0 = find(&mut parent, g[0].2 as u32);
                for x in &g[1..] {
                    let r = find(&mut parent, x.2 as u32);
                    if r != r0 {
                        let (lo, hi) = if r < r0 { (r, r0) } else { (r0, r) };
                        parent[hi as usize] = lo;
                        r0 = lo;
                    }
                }
            }
        }
        // Groups in the order of their first event, each in event order:
        // a root comes before the rest of its set.
        let mut links = Links {
            groups: Vec::new(),
            group_of: vec![NO_GROUP; events.len()],
        };
        for i in 0..events.len() {
            if parent[i] == NO_GROUP {
                continue;
            }
            let r = find(&mut parent, i as u32) as usize;
            if r == i {
                links.group_of[i] = links.groups.len() as u32;
                links.groups.push(Vec::new());
            }
            let g = links.group_of[r];
            links.group_of[i] = g;
            links.groups[g as usize].push(i);
        }
        links
    }

    /// The group of event `i`.
    fn group_index(&self, i: usize) -> Option<usize> {
        self.group_of
            .get(i)
            .filter(|&&g| g != NO_GROUP)
            .map(|&g| g as usize)
    }

    /// Events in other inputs that are the same request as event `i`.
    pub fn of(&self, events: &[Event], i: usize) -> Vec<usize> {
        self.group_index(i).map_or_else(Vec::new, |g| {
            self.groups[g]
                .iter()
                .copied()
                .filter(|&j| events[j].source != events[i].source)
                .collect()
        })
    }

    /// Every event of the trace or request that event `i` belongs to.
    pub fn group(&self, i: usize) -> Option<&[usize]> {
        self.group_index(i).map(|g| self.groups[g].as_slice())
    }

    /// All groups, each in event order.
    pub fn groups(&self) -> &[Vec<usize>] {
        &self.groups
    }

    /// Requests or traces seen in more than one input.
    pub fn joined(&self, events: &[Event]) -> usize {
        self.groups
            .iter()
            .filter(|g| g.iter().any(|&i| events[i].source != events[g[0]].source))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ids, Locator};

    fn ev(src: u32, i: u64, ts_ms: i64, trace: &str) -> Event {
        let mut e = Event::at(SourceId(src), Locator::Line(i), 0);
        e.set_ts_ns(Some(ts_ms * 1_000_000));
        e.trace_id = Some(trace.into());
        e
    }

    fn info(id: u32, format: crate::model::Format) -> SourceInfo {
        SourceInfo::bare(SourceId(id), &format!("in{id}"), format)
    }

    #[test]
    fn offsets_chain_through_the_join_graph() {
        // HAR (0) ↔ gateway (1) +3 s; gateway ↔ backend (2) −1.2 s.
        let mut events = Vec::new();
        for k in 0..20i64 {
            let t = format!("{k:032x}");
            events.push(ev(0, k as u64, 1000 * k, &t));
            events.push(ev(1, k as u64, 1000 * k + 3000 + (k % 3) * 10, &t));
            events.push(ev(2, k as u64, 1000 * k + 1800, &t));
        }
        let mut sources = [
            info(0, crate::input::formats::har::FORMAT),
            info(1, crate::input::formats::jsonl::FORMAT),
            info(2, crate::input::formats::esdoc::FORMAT),
        ];
        let skews = estimate(&events, &sources);
        assert_eq!(skews.len(), 2);
        let g = &skews[0];
        assert_eq!((g.source, g.reference), (SourceId(1), SourceId(0)));
        assert!(
            (g.offset_ns - 3_010_000_000).abs() <= 10_000_000,
            "{}",
            g.offset_ns
        );
        assert!(g.corrected);
        assert_eq!(g.pairs, 20);
        let b = &skews[1];
        assert!(
            (b.offset_ns - 1_800_000_000).abs() <= 10_000_000,
            "{}",
            b.offset_ns
        );
        apply(&mut events, &mut sources, &skews);
        // The median offset is 3.010 s (pairs at +3.000, +3.010, +3.020).
        assert_eq!(events[1].ts_ns(), Some(-10_000_000));
        assert_eq!(sources[1].clock_shift_ns, 3_010_000_000);
    }

    #[test]
    fn an_index_from_the_parsers_hashes_is_the_index_of_the_events() {
        // Trace ids that repeat, 64-bit ones that join 128-bit ones, and
        // request ids, hashed in another order than the events'.
        let mut events: Vec<Event> = (0..300u64)
            .map(|i| {
                let t = match i % 3 {
                    0 => format!("{:032x}", i % 50),
                    1 => format!("{:016x}", i % 70),
                    _ => format!("{i:032x}"),
                };
                ev((i % 2) as u32, i, i as i64, &t)
            })
            .collect();
        for (i, e) in events.iter_mut().enumerate().filter(|(i, _)| i % 4 == 0) {
            e.set_ids(Ids {
                request_id: Some(format!("req-{}", i % 9).as_str().into()),
                ..Ids::default()
            });
        }
        let mut hashes = Vec::new();
        for e in events.iter().rev() {
            push_key_hashes(e, &mut hashes);
        }
        let whole = KeyIndex::of(&events);
        assert_eq!(KeyIndex::with_hashes(&events, hashes), whole);
        assert!(whole.traces(&events) > 50 && !whole.repeated.is_empty());
    }

    #[test]
    fn small_offsets_are_reported_not_corrected() {
        let events = vec![ev(0, 0, 0, "a"), ev(1, 0, 40, "a")];
        let sources = [
            info(0, crate::input::formats::jsonl::FORMAT),
            info(1, crate::input::formats::jsonl::FORMAT),
        ];
        let skews = estimate(&events, &sources);
        assert_eq!(skews.len(), 1);
        assert!(!skews[0].corrected);
    }

    #[test]
    fn a_64_bit_trace_id_joins_its_128_bit_peer() {
        use crate::normalize::trace::{absorb_header, TraceCtx};
        let mut w3c = TraceCtx::default();
        absorb_header(
            &mut w3c,
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        );
        let mut dd = TraceCtx::default();
        // 0xa3ce929d0e0e4736 in decimal, as Datadog sends it.
        absorb_header(&mut dd, "x-datadog-trace-id", "11803532876627986230");
        let a = ev(0, 0, 0, w3c.trace_id.as_deref().expect("w3c"));
        let b = ev(1, 0, 0, dd.trace_id.as_deref().expect("dd"));
        let events = vec![a, b];
        assert_eq!(Links::build(&events).of(&events, 0), vec![1]);
    }

    #[test]
    fn links_join_trace_and_request_ids() {
        let mut a = ev(0, 0, 0, "t1");
        a.set_ids(Ids {
            request_id: Some("r1".into()),
            ..Ids::default()
        });
        let mut b = ev(1, 0, 0, "t2");
        b.trace_id = None;
        b.set_ids(Ids {
            request_id: Some("r1".into()),
            ..Ids::default()
        });
        let c = ev(2, 0, 0, "t1");
        let events = vec![a, b, c];
        let links = Links::build(&events);
        assert_eq!(links.of(&events, 0), vec![1, 2]);
        assert_eq!(links.of(&events, 1), vec![0, 2]);
        assert_eq!(links.joined(&events), 1);
    }
}
