//! "Explain the spike": which field values are over-represented among the
//! incident's failures compared with the traffic before it (Elastic's log
//! rate analysis, offline). The incident window runs from the top cause's
//! onset to its last failure; the baseline is every event before it, or
//! every event outside it when too little came before.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::Event;
use crate::normalize::time::format_ns;
use crate::report::{Spike, SpikeField};

/// Values reported.
const TOP: usize = 10;
/// Smallest baseline worth comparing with.
const MIN_BASELINE: usize = 20;
/// Smallest difference of shares reported.
const MIN_EFFECT: f64 = 0.10;

/// The fields compared.
const FIELDS: &[&str] = &[
    "host",
    "route",
    "status",
    "client",
    "user_agent",
    "version",
    "service",
    "upstream",
    "template",
    "token",
];

fn value<'a>(e: &'a Event, field: &str, templates: &'a [(String, u64)]) -> Option<std::borrow::Cow<'a, str>> {
    let s = |v: Option<crate::model::Str>| v.map(|v| std::borrow::Cow::Borrowed(v.as_str()));
    match field {
        "host" => s(e.host()),
        "route" => s(e.route()),
        "status" => e.status.map(|c| c.to_string().into()),
        "client" => s(e.client()),
        "user_agent" => s(e.user_agent()),
        "version" => s(e.service_version()),
        "service" => s(e.service()),
        "upstream" => s(e.upstream()),
        "template" => e
            .template
            .as_deref()
            .and_then(crate::normalize::template::index)
            .and_then(|i| templates.get(i))
            .map(|(text, _)| std::borrow::Cow::Borrowed(text.as_str())),
        "token" => e.auth().and_then(|a| a.credential_fp.as_deref()).map(Into::into),
        _ => None,
    }
}

/// Compare the failures in `[start, end]` with the baseline.
pub fn explain(events: &[Event], start: i64, end: i64, templates: &[(String, u64)]) -> Option<Spike> {
    let in_window = |e: &Event| e.ts_ns().is_some_and(|t| t >= start && t <= end);
    let failures: Vec<&Event> = events.iter().filter(|e| e.is_failure() && in_window(e)).collect();
    // The baseline is most of the input: it is read through a filter, not
    // gathered (a list of it would cost 8 bytes an event).
    let before = |e: &Event| e.ts_ns().is_some_and(|t| t < start) && !e.context_record();
    let after = |e: &Event| e.ts_ns().is_some_and(|t| t > end) && !e.context_record();
    let mut n_base = events.iter().filter(|e| before(e)).count();
    let with_after = n_base < MIN_BASELINE;
    if with_after {
        n_base += events.iter().filter(|e| after(e)).count();
    }
    let in_baseline = |e: &&Event| before(e) || (with_after && after(e));
    if failures.len() < 3 || n_base < MIN_BASELINE {
        return None;
    }
    let (fa, fb) = (failures.len() as f64, n_base as f64);
    // Fields are independent: counted side by side, joined in field order.
    let per_field = |field: &'static str| -> Vec<SpikeField> {
        let mut out = Vec::new();
        let mut a: FxHashMap<std::borrow::Cow<'_, str>, u64> = FxHashMap::default();
        for e in &failures {
            if let Some(v) = value(e, field, templates) {
                *a.entry(v).or_default() += 1;
            }
        }
        let mut b: FxHashMap<std::borrow::Cow<'_, str>, u64> = FxHashMap::default();
        for e in events.iter().filter(in_baseline) {
            if let Some(v) = value(e, field, templates) {
                if a.contains_key(&v) {
                    *b.entry(v).or_default() += 1;
                }
            }
        }
        for (v, &n) in &a {
            let share = n as f64 / fa;
            let nb = b.get(v).copied().unwrap_or(0);
            let bshare = nb as f64 / fb;
            let effect = share - bshare;
            if n < 3 || share < 0.05 || effect < MIN_EFFECT {
                continue;
            }
            let lift = ((n as f64 + 1.0) / (fa + 1.0)) / ((nb as f64 + 1.0) / (fb + 1.0));
            out.push(SpikeField {
                field: field.to_string(),
                value: crate::redact::text(v).into_owned(),
                count: n,
                share: (share * 1000.0).round() / 1000.0,
                baseline_share: (bshare * 1000.0).round() / 1000.0,
                effect: (effect * 1000.0).round() / 1000.0,
                lift: (lift * 100.0).round() / 100.0,
            });
        }
        out
    };
    let mut out: Vec<SpikeField> = FIELDS.par_iter().flat_map_iter(|&f| per_field(f)).collect();
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
