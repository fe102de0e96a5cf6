//! "Explain the spike": which field values are over-represented among the
//! incident's failures compared with the traffic before it (Elastic's log
//! rate analysis, offline). The incident window runs from the top cause's
//! onset to its last failure; the baseline is every event before it, or
//! every event outside it when too little came before.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::{ByOrigin, Event, Origin};
use crate::normalize::time::format_ns;
use crate::report::{Spike, SpikeField};

/// Values reported.
const TOP: usize = 10;
/// Smallest baseline worth comparing with.
const MIN_BASELINE: usize = 20;
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
        !matches!(self, Field::Status | Field::Template | Field::Token)
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
        Field::Client => o.client,
        Field::UserAgent => o.user_agent,
        Field::Version => o.service_version,
        Field::Service => o.service,
        Field::Upstream => o.upstream,
        Field::Status | Field::Template | Field::Token => None,
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
        part => origin_value(e.origin_id.get(), part),
    }
}

/// Compare the failures in `[start, end]` with the baseline.
pub fn explain<'a>(
    events: &'a [Event],
    start: i64,
    end: i64,
    templates: &'a [(String, u64)],
) -> Option<Spike> {
    let in_window = |e: &Event| e.ts_ns().is_some_and(|t| t >= start && t <= end);
    let failures: Vec<&Event> = events.iter().filter(|e| e.is_failure() && in_window(e)).collect();
    // The baseline is most of the input: it is read through a filter, not
    // gathered (a list of it would cost 8 bytes an event).
    let before = |e: &Event| e.ts_ns().is_some_and(|t| t < start) && !e.context_record();
    let after = |e: &Event| e.ts_ns().is_some_and(|t| t > end) && !e.context_record();
    let (n_before, n_after) = events
        .par_iter()
        .map(|e| (usize::from(before(e)), usize::from(after(e))))
        .reduce(|| (0, 0), |x, y| (x.0 + y.0, x.1 + y.1));
    let with_after = n_before < MIN_BASELINE;
    let n_base = n_before + if with_after { n_after } else { 0 };
    let in_baseline = |e: &Event| before(e) || (with_after && after(e));
    if failures.len() < 3 || n_base < MIN_BASELINE {
        return None;
    }
    let (fa, fb) = (failures.len() as f64, n_base as f64);
    let mut a: Vec<FxHashMap<Val<'a>, u64>> = vec![FxHashMap::default(); FIELDS.len()];
    for e in &failures {
        for (k, &field) in FIELDS.iter().enumerate() {
            if let Some(v) = value(e, field, templates) {
                *a[k].entry(v).or_default() += 1;
            }
        }
    }
    // The baseline is read once for all fields (it is most of the input,
    // and a pass a field read it ten times). The parts of the origin are
    // counted by origin, a load and an add an event, and each distinct
    // origin's parts are looked up once afterwards; the other fields are
    // counted per event. One pass, not parallel: a table per thread would
    // hold every origin (millions, when each client address makes one).
    let per_event: Vec<usize> = (0..FIELDS.len())
        .filter(|&k| !FIELDS[k].in_origin() && !a[k].is_empty())
        .collect();
    let mut origins = ByOrigin::default();
    let mut b: Vec<FxHashMap<Val<'a>, u64>> = vec![FxHashMap::default(); FIELDS.len()];
    for e in events.iter().filter(|e| in_baseline(e)) {
        origins.add(e.origin_id, 1);
        for &k in &per_event {
            if let Some(v) = value(e, FIELDS[k], templates) {
                if a[k].contains_key(&v) {
                    *b[k].entry(v).or_default() += 1;
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
        window_start: format_ns(start),
        window_end: format_ns(end),
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
        let s = explain(&events, 100, 130, &[]).expect("a spike");
        let top = &s.fields[0];
        assert!(top.field == "host" || top.field == "status");
        let host = s.fields.iter().find(|f| f.field == "host").expect("host");
        assert_eq!(host.value, "b");
        assert_eq!(host.share, 1.0);
        assert_eq!(host.baseline_share, 0.5);
        assert!(s.fields.iter().all(|f| f.value != "a"));
    }
}
