//! The answer when no rule fires: a capture whose failures stand out from
//! its own traffic must not end with zero root causes. The failures are
//! described as they are (their most common kind, what they have in
//! common, where they began) with a low confidence, and the cause says
//! which evidence would have let a rule decide.

use crate::analyze::culprit;
use crate::analyze::evidence::Ctx;
use crate::model::report::Time;
use crate::model::report::{Cause, Factors};
use crate::model::{ErrorClass, Event, Subject};

/// Failures needed before they are worth explaining.
const MIN_FAILURES: usize = 3;
/// Share of the events from the first failure to the last that must have
/// failed.
const MIN_SHARE: f64 = 0.02;
/// Share of all events that makes even one or two failures stand out.
const FEW_SHARE: f64 = 0.25;
/// Evidence records listed.
const EVIDENCE: usize = 5;
/// The rule id the cause carries: no rule file has it.
pub const RULE_ID: &str = "fallback.unexplained";

/// The category of the failures' most common error class.
fn category(class: ErrorClass, status: Option<u16>) -> &'static str {
    match class {
        ErrorClass::Dns => "network.dns",
        ErrorClass::TlsExpired
        | ErrorClass::TlsUntrusted
        | ErrorClass::TlsHostname
        | ErrorClass::TlsHandshake => "network.tls",
        ErrorClass::ConnectRefused
        | ErrorClass::ConnectTimeout
        | ErrorClass::ConnReset
        | ErrorClass::Protocol => "network.connection",
        ErrorClass::Offline | ErrorClass::Cancelled | ErrorClass::Blocked => "network.client_offline",
        ErrorClass::ReadTimeout | ErrorClass::UpstreamTimeout => "upstream.timeout",
        ErrorClass::Unavailable => "upstream.unavailable",
        ErrorClass::RateLimited => "rate_limit.exceeded",
        ErrorClass::AuthExpired => "auth.token_expired",
        ErrorClass::AuthInvalid => "auth.invalid_credentials",
        ErrorClass::Forbidden => "auth.forbidden",
        ErrorClass::Http4xx => match status {
            Some(404 | 405) => "config.endpoint_missing",
            Some(413) => "payload.too_large",
            Some(415) => "payload.content_type",
            _ => "payload.validation",
        },
        ErrorClass::Business => "payload.business_error",
        ErrorClass::Http5xx | ErrorClass::Other => "upstream.server_error",
    }
}

/// A low-confidence cause for failures no rule explained, with the
/// failures' indices, or `None` when there are too few of them to stand
/// out.
pub fn unexplained(ctx: &Ctx<'_>) -> Option<(Cause, Vec<usize>)> {
    let events: &[Event] = ctx.events;
    let failing: Vec<usize> = (0..events.len()).filter(|&i| events[i].is_failure()).collect();
    let total = events.iter().filter(|e| !e.context_record()).count().max(1);
    // The share of failures while they lasted: from the first to the last
    // (the whole input when they carry no times).
    let first = failing.iter().filter_map(|&i| events[i].ts_ns()).min();
    let last = failing.iter().filter_map(|&i| events[i].ts_ns()).max();
    let during = match (first, last) {
        (Some(a), Some(b)) => events
            .iter()
            .filter(|e| !e.context_record() && e.ts_ns().is_none_or(|t| (a..=b).contains(&t)))
            .count(),
        _ => total,
    };
    // A few failures stand out only in a small capture where they are a
    // large part of it (a customer's HAR of a handful of requests).
    let few_but_most = (failing.len() as f64) >= FEW_SHARE * total as f64;
    let stand_out =
        failing.len() >= MIN_FAILURES && (failing.len() as f64) >= MIN_SHARE * during.max(1) as f64;
    if !(stand_out || few_but_most) {
        return None;
    }
    // The most common kind of failure, ties to the earlier-declared class.
    let mut counts: Vec<((ErrorClass, Option<u16>), usize)> = Vec::new();
    for &i in &failing {
        let e = &events[i];
        let Some(class) = e.error_class else { continue };
        let key = (class, e.status.filter(|_| class == ErrorClass::Http4xx));
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| (a.0 .0 as u8).cmp(&(b.0 .0 as u8))));
    let ((class, status), dominant) = *counts.first()?;
    let category = category(class, status);
    let found = culprit::of_failures(events, &failing);
    let mut subject = Subject::default();
    let common = |f: &dyn Fn(&Event) -> Option<crate::model::Str>| {
        let first = f(&events[failing[0]])?;
        failing
            .iter()
            .all(|&i| f(&events[i]) == Some(first))
            .then(|| first.as_str().to_string())
    };
    subject.host = common(&|e| e.host());
    subject.service = common(&|e| e.service());
    culprit::apply(&mut subject, &found);
    let share = dominant as f64 / failing.len() as f64;
    let confidence = (0.15 + 0.15 * share).min(0.3);
    let explanation = format!(
        "{} of {} requests failed (the most common kind, {}, {} times), but no rule's pattern matched: they are too few, too spread out, \
         or of a kind no rule describes. This is the best reading of the failures as they are, not a diagnosis; \
         the data-quality notes say what the inputs lack (trace ids, versions, bodies) that would let a rule decide.",
        failing.len(),
        total,
        class.name(),
        dominant
    );
    let cause = Cause {
        rank: 1,
        category: category.to_string(),
        rule: RULE_ID.to_string(),
        title: "Failures that no rule explains".to_string(),
        severity: "low".to_string(),
        score: (100.0 * confidence * 0.5 * 10.0).round() / 10.0,
        confidence: (confidence * 100.0).round() / 100.0,
        factors: Factors {
            severity: 0.0,
            baseline: 0.5,
            impact: 1.0,
            earliness: 1.0,
            causal: 0.0,
            specificity: 0.0,
            weights: crate::analyze::rank::WEIGHTS,
        },
        subject,
        culprit: culprit::sentence(&found),
        culprits: found,
        first_seen: first.map(Time::from_ns),
        onset: first.map(Time::from_ns),
        last_seen: last.map(Time::from_ns),
        events: failing.len() as u64,
        explains_failures: failing.len() as u64,
        why_chain: "Failures that no rule explains".to_string(),
        evidence: ctx.pick(&failing, EVIDENCE),
        example_trace: failing
            .iter()
            .find_map(|&i| events[i].trace_id.as_deref())
            .map(str::to_string),
        trace_hops: Vec::new(),
        deepest_in_traces: 0,
        sparkline: Vec::new(),
        symptoms: Vec::new(),
        explanation,
        remediation:
            "Read the evidence records and the error templates; if the inputs hold more of the story \
                      (a gateway log beside a HAR, the server's own log), analyze them together."
                .to_string(),
    };
    Some((cause, failing))
}
