//! "Explain the spike": which field values are over-represented among the
//! incident's failures compared with the traffic before it (Elastic's log
//! rate analysis, offline). The incident window runs from the top cause's
//! onset to its last failure; the baseline is every event before it, or
//! every event outside it when too little came before.

use crate::model::report::Time;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::analyze::rank::Ranked;
use crate::model::report::{Spike, SpikeField};
use crate::model::{ByOrigin, Event, Extent, Origin};
use crate::rules::Finding;

/// Values reported.
const TOP: usize = 10;
/// Smallest baseline worth comparing with.
const MIN_BASELINE: usize = 20;
/// The baseline's table of statuses by code: every `u16`.
const STATUS_CODES: usize = 1 << 16;
/// Smallest difference of shares reported.
const MIN_EFFECT: f64 = 0.10;

/// The fields compared, in report order.
#[derive(Debug, Clone, Copy)]
enum Field {
    Host,
    Route,
    Status,
    Client,
    UserAgent,
    Version,
    Service,
    Upstream,
    Template,
    Token,
}

const FIELDS: [Field; 10] = [
    Field::Host,
    Field::Route,
    Field::Status,
    Field::Client,
    Field::UserAgent,
    Field::Version,
    Field::Service,
    Field::Upstream,
    Field::Template,
    Field::Token,
];

impl Field {
    /// Whether the field is a part of the request's [`Origin`].
    fn in_origin(self) -> bool {
        !matches!(
            self,
            Field::Status | Field::Template | Field::Token | Field::UserAgent | Field::Client
        )
    }

    fn name(self) -> &'static str {
        match self {
            Field::Host => "host",
            Field::Route => "route",
            Field::Status => "status",
            Field::Client => "client",
            Field::UserAgent => "user_agent",
            Field::Version => "version",
            Field::Service => "service",
            Field::Upstream => "upstream",
            Field::Template => "template",
            Field::Token => "token",
        }
    }
}

/// A field's value as counted. Interned values are counted by handle
/// (equal handles, equal texts) and statuses by number, so counting the
/// baseline, which is most of the input, neither formats nor copies text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Val<'a> {
    Sym(crate::model::Str),
    Status(u16),
    Text(&'a str),
}

impl Val<'_> {
    fn text(self) -> std::borrow::Cow<'static, str> {
        match self {
            Val::Sym(s) => s.as_str().into(),
            Val::Status(c) => c.to_string().into(),
            Val::Text(t) => t.to_string().into(),
        }
    }
}

/// The value of a field that is part of the request's origin
/// ([`Field::in_origin`]), `None` for the others.
fn origin_value(o: &Origin, field: Field) -> Option<Val<'static>> {
    match field {
        Field::Host => o.host,
        Field::Route => o.route,
        Field::Version => o.service_version,
        Field::Service => o.service,
        Field::Upstream => o.upstream,
        Field::Status | Field::Template | Field::Token | Field::UserAgent | Field::Client => None,
    }
    .map(Val::Sym)
}

fn value<'a>(e: &'a Event, field: Field, templates: &'a [(String, u64)]) -> Option<Val<'a>> {
    match field {
        Field::Status => e.status.map(Val::Status),
        Field::Template => e
            .template
            .as_deref()
            .and_then(crate::normalize::template::index)
            .and_then(|i| templates.get(i))
            .map(|(text, _)| Val::Text(text.as_str())),
        Field::Token => e.auth().and_then(|a| a.credential_fp.as_deref()).map(Val::Text),
        Field::UserAgent => e.user_agent.as_deref().map(Val::Text),
        Field::Client => e.client.map(Val::Sym),
        part => origin_value(e.origin_id.get(), part),
    }
}

/// The baseline's tallies: events by origin (each distinct origin's parts
/// are looked up once afterwards, where looking them up an event was most
/// of the pass), statuses in a table by code, and the other fields'
/// values that the failures have.
struct Baseline<'a> {
    origins: ByOrigin<u64>,
    statuses: Vec<u64>,
    b: Vec<FxHashMap<Val<'a>, u64>>,
}

impl<'a> Baseline<'a> {
    fn empty() -> Self {
        Baseline {
            origins: ByOrigin::default(),
            statuses: vec![0; STATUS_CODES],
            b: vec![FxHashMap::default(); FIELDS.len()],
        }
    }

    /// The tallies of the events of `run` that `keep` admits, for the
    /// values the failures have (`a`); in parallel while there are few
    /// origins ([`ByOrigin::run_len`]).
    fn of(
        run: &'a [Event],
        keep: &(dyn Fn(&Event) -> bool + Sync),
        a: &[FxHashMap<Val<'a>, u64>],
        templates: &'a [(String, u64)],
    ) -> Self {
        let per_event: Vec<usize> = (0..FIELDS.len())
            .filter(|&k| !FIELDS[k].in_origin() && !matches!(FIELDS[k], Field::Status) && !a[k].is_empty())
            .collect();
        run.par_chunks(ByOrigin::<u64>::run_len(run.len()))
            .map(|chunk| {
                let mut t = Baseline::empty();
                for e in chunk.iter().filter(|e| keep(e)) {
                    t.origins.add(e.origin_id, 1);
                    if let Some(s) = e.status {
                        t.statuses[usize::from(s)] += 1;
                    }
                    for &k in &per_event {
                        if let Some(v) = value(e, FIELDS[k], templates) {
                            if a[k].contains_key(&v) {
                                *t.b[k].entry(v).or_default() += 1;
                            }
                        }
                    }
                }
                t
            })
            .reduce(Baseline::empty, Baseline::merged)
    }

    /// Both tallies added up.
    fn merged(mut self, other: Baseline<'a>) -> Self {
        self.origins = self.origins.merged(other.origins);
        for (x, y) in self.statuses.iter_mut().zip(other.statuses) {
            *x += y;
        }
        for (mine, theirs) in self.b.iter_mut().zip(other.b) {
            for (v, n) in theirs {
                *mine.entry(v).or_default() += n;
            }
        }
        self
    }

    /// How many events were counted.
    fn events(&self) -> usize {
        self.origins.iter().map(|(_, n)| n as usize).sum()
    }
}

/// What the top cause's failures (its root finding's and its symptoms')
/// have in common, from its onset to its last failure.
pub fn of_top(
    ranked: &[Ranked],
    findings: &[Finding],
    events: &[Event],
    templates: &[(String, u64)],
    sorted: bool,
) -> Option<Spike> {
    let top = ranked.first()?;
    let mut idx: Vec<usize> = findings[top.root].events.clone();
    for &s in &top.symptoms {
        idx.extend(findings[s].events.iter().copied());
    }
    let f = &findings[top.root];
    let start = f.onset_ts.or(f.first_ts)?;
    let end = idx.iter().filter_map(|&i| events[i].ts_ns()).max()?;
    explain(events, start, end, templates, sorted)
}

/// Compare the failures in `[start, end]` with the baseline. `sorted`
/// says the events are in time order, timeless ones last (as the
/// pipeline gives them): then the window and the traffic before and after
/// it are three runs of the list, found by binary search, and only the
/// runs that are needed are read.
pub fn explain<'a>(
    events: &'a [Event],
    start: i64,
    end: i64,
    templates: &'a [(String, u64)],
    sorted: bool,
) -> Option<Spike> {
    let in_window = |e: &Event| e.ts_ns().is_some_and(|t| t >= start && t <= end);
    let (window, before_run, after_run): (&[Event], &[Event], &[Event]) = if sorted {
        let timed = Extent::timed_len(events);
        let lo = Extent::index_at(events, start);
        let hi = Extent::index_after(events, end);
        (&events[lo..hi], &events[..lo], &events[hi..timed])
    } else {
        (events, events, events)
    };
    let failures: Vec<&Event> = window.iter().filter(|e| e.is_failure() && in_window(e)).collect();
    // The baseline is most of the input: it is read through a filter, not
    // gathered (a list of it would cost 8 bytes an event).
    let before = |e: &Event| e.ts_ns().is_some_and(|t| t < start) && !e.context_record();
    let after = |e: &Event| e.ts_ns().is_some_and(|t| t > end) && !e.context_record();
    if failures.len() < 3 {
        return None;
    }
    let mut a: Vec<FxHashMap<Val<'a>, u64>> = vec![FxHashMap::default(); FIELDS.len()];
    for e in &failures {
        for (k, &field) in FIELDS.iter().enumerate() {
            if let Some(v) = value(e, field, templates) {
                *a[k].entry(v).or_default() += 1;
            }
        }
    }
    // The baseline is read once for all fields (it is most of the input,
    // and a pass a field read it ten times): the traffic before the
    // window, and after it too when too little came before.
    let mut base = Baseline::of(before_run, &before, &a, templates);
    let n_before = base.events();
    if n_before < MIN_BASELINE {
        base = base.merged(Baseline::of(after_run, &after, &a, templates));
    }
    let n_base = base.events();
    if n_base < MIN_BASELINE {
        return None;
    }
    let (fa, fb) = (failures.len() as f64, n_base as f64);
    let Baseline {
        origins,
        statuses,
        mut b,
    } = base;
    if let Some(k) = FIELDS.iter().position(|f| matches!(f, Field::Status)) {
        for v in a[k].keys() {
            if let Val::Status(s) = *v {
                let n = statuses[usize::from(s)];
                if n > 0 {
                    *b[k].entry(*v).or_default() += n;
                }
            }
        }
    }
    for (id, n) in origins.iter() {
        let o = id.get();
        for (k, &field) in FIELDS.iter().enumerate() {
            if let Some(v) = origin_value(o, field) {
                if a[k].contains_key(&v) {
                    *b[k].entry(v).or_default() += n;
                }
            }
        }
    }
    let per_field = |k: usize| -> Vec<SpikeField> {
        let field = FIELDS[k];
        let mut out = Vec::new();
        for (v, &n) in &a[k] {
            let share = n as f64 / fa;
            let nb = b[k].get(v).copied().unwrap_or(0);
            let bshare = nb as f64 / fb;
            let effect = share - bshare;
            if n < 3 || share < 0.05 || effect < MIN_EFFECT {
                continue;
            }
            let lift = ((n as f64 + 1.0) / (fa + 1.0)) / ((nb as f64 + 1.0) / (fb + 1.0));
            out.push(SpikeField {
                field: field.name().to_string(),
                value: crate::redact::text(&v.text()).into_owned(),
                count: n,
                share: (share * 1000.0).round() / 1000.0,
                baseline_share: (bshare * 1000.0).round() / 1000.0,
                effect: (effect * 1000.0).round() / 1000.0,
                lift: (lift * 100.0).round() / 100.0,
            });
        }
        out
    };
    let mut out: Vec<SpikeField> = (0..FIELDS.len()).flat_map(per_field).collect();
    out.sort_by(|x, y| {
        y.effect
            .total_cmp(&x.effect)
            .then_with(|| x.field.cmp(&y.field))
            .then_with(|| x.value.cmp(&y.value))
    });
    out.truncate(TOP);
    Some(Spike {
        window_start: Time::from_ns(start),
        window_end: Time::from_ns(end),
        failures: failures.len() as u64,
        baseline_events: n_base as u64,
        fields: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorClass, Locator, Origin, SourceId};

    fn ev(t: i64, host: &str, fail: bool) -> Event {
        let mut e = Event::at(SourceId(0), Locator::Line(1), 0);
        e.set_ts_ns(Some(t));
        e.set_origin(&Origin {
            host: Some(host.into()),
            ..e.origin()
        });
        if fail {
            e.error_class = Some(ErrorClass::Http5xx);
            e.status = Some(503);
        } else {
            e.status = Some(200);
        }
        e
    }

    #[test]
    fn finds_the_over_represented_host() {
        let mut events = Vec::new();
        for t in 0..100 {
            events.push(ev(t, if t % 2 == 0 { "a" } else { "b" }, false));
        }
        for t in 100..130 {
            events.push(ev(t, "b", true));
            events.push(ev(t, "a", false));
        }
        let s = explain(&events, 100, 130, &[], true).expect("a spike");
        let top = &s.fields[0];
        assert!(top.field == "host" || top.field == "status");
        let host = s.fields.iter().find(|f| f.field == "host").expect("host");
        assert_eq!(host.value, "b");
        assert_eq!(host.share, 1.0);
        assert_eq!(host.baseline_share, 0.5);
        assert!(s.fields.iter().all(|f| f.value != "a"));
    }

    #[test]
    fn runs_found_by_time_order_give_what_a_full_scan_gives() {
        // A baseline before the window, failures in it, and traffic after
        // it: sorted input reads runs, the same events reversed take the
        // filters over the whole list. Both must give the same spike, with
        // and without a baseline before the window.
        let mut events = Vec::new();
        for t in 0..100 {
            events.push(ev(t, if t % 2 == 0 { "a" } else { "b" }, t % 7 == 0));
        }
        for t in 100..130 {
            events.push(ev(t, "b", true));
            events.push(ev(t, "a", t % 3 == 0));
        }
        for t in 130..200 {
            events.push(ev(t, if t % 4 == 0 { "b" } else { "a" }, false));
        }
        events.push(Event::at(SourceId(0), Locator::Line(9), 0));
        let mut reversed = events.clone();
        reversed.reverse();
        for (start, end) in [(100, 129), (5, 40)] {
            let sorted = explain(&events, start, end, &[], true);
            let full = explain(&reversed, start, end, &[], false);
            assert!(sorted.is_some(), "window {start}..{end}");
            assert_eq!(format!("{sorted:?}"), format!("{full:?}"));
        }
    }
}
