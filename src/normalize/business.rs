//! Errors inside 2xx bodies whose meaning the capture itself must show:
//! `{"code": 4001, "msg": "sign verification failed"}` is a failure where
//! the API answers `code: 0` when all is well, and `{"code": "0000"}` or
//! `{"code": 200}` are successes where those are the usual answer. For
//! each endpoint and code member, the earliest of its 2xx bodies in time
//! order (a tenth of them, at least five) decide which value means
//! success. When they carry at most three values and exactly one of them
//! is a usual success value (0, `"0000"`, `"ok"`, a 2xx), it is that one,
//! even where failures are most of them: a capture that begins
//! mid-incident, or whose failing clients retry each failure several
//! times, still shows it. Otherwise it is the value 60% of them carry. A
//! body with another value is a business error (for a `status` or
//! `result` member, only a value in a failure's words: `"FAIL"`, not an
//! order's `"PENDING"`). Values that vary more are
//! payload (order codes, country codes), never an outcome. Without enough
//! bodies the static rule of [`business_error_given`] decides. The order
//! stage runs it on the events in time order, before templates are mined,
//! so that a business error is a failure in every count, template and
//! timeline.

use rustc_hash::FxHashMap;

use crate::model::{ErrorClass, Event, Str};
use crate::normalize::outcome::business_error_given;

/// Early bodies needed to learn an endpoint's success value.
const MIN_LEARN: usize = 5;
/// The share of an endpoint's bodies, earliest first, that decide.
const EARLY_SHARE: usize = 10;
/// Share of the early bodies the success value must hold.
const MIN_SHARE: f64 = 0.6;
/// The most values early bodies may carry for a usual success value
/// among them to be taken as success without a majority.
const FEW_VALUES: usize = 3;

/// Judge every deferred body outcome; returns how many became business
/// errors.
pub fn mark(events: &mut [Event]) -> usize {
    // (route, code member) → the events with such a body, in time order.
    let mut groups: FxHashMap<(Option<Str>, &'static str), Vec<usize>> = FxHashMap::default();
    for (i, e) in events.iter().enumerate() {
        if let Some((key, _)) = e
            .extra
            .as_ref()
            .and_then(|x| x.body_outcome.as_ref())
            .and_then(|o| o.code)
        {
            groups.entry((e.route(), key)).or_default().push(i);
        }
    }
    let mut keys: Vec<_> = groups.keys().copied().collect();
    // Interned strings order by their text: the same order on every run.
    keys.sort_unstable();
    let mut marked = 0;
    for k in keys {
        let idx = &groups[&k];
        let success = match learned(events, idx) {
            Learned::Success(v) => Some(v),
            Learned::TooFew => None,
            // Values that vary (order numbers, country codes) are payload,
            // not an outcome.
            Learned::Varied => continue,
        };
        for &i in idx {
            let Some(o) = events[i].extra.as_ref().and_then(|x| x.body_outcome.as_deref()) else {
                continue;
            };
            if let Some(text) = business_error_given(o, success) {
                let e = &mut events[i];
                if e.error_class.is_none() {
                    e.error_class = Some(ErrorClass::Business);
                    e.error_text = Some(crate::redact::text(&text).into_owned().into());
                    marked += 1;
                }
            }
        }
    }
    marked
}

/// What an endpoint's early bodies say of a code member.
enum Learned {
    /// Most carry this value: it means success.
    Success(Str),
    /// They carry many values: the member is payload, not an outcome.
    Varied,
    /// Too few bodies to tell.
    TooFew,
}

/// What one endpoint's early bodies say of a code member.
fn learned(events: &[Event], idx: &[usize]) -> Learned {
    let early = &idx[..idx.len().div_ceil(EARLY_SHARE).max(MIN_LEARN.min(idx.len()))];
    if early.len() < MIN_LEARN {
        return Learned::TooFew;
    }
    let mut counts: FxHashMap<Str, usize> = FxHashMap::default();
    for &i in early {
        if let Some((_, v)) = events[i]
            .extra
            .as_ref()
            .and_then(|x| x.body_outcome.as_ref())
            .and_then(|o| o.code)
        {
            *counts.entry(v).or_default() += 1;
        }
    }
    let mut values: Vec<(Str, usize)> = counts.into_iter().collect();
    // Most frequent first, then by value: the same answer on every run.
    values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
    // A few values, one of them a usual success value: that one, even
    // where failures are most of them.
    let mut usual = values
        .iter()
        .filter(|(v, _)| crate::normalize::outcome::usual_success(v.as_str()));
    let shortcut = values.len() <= FEW_VALUES;
    if let (Some((v, _)), None, true) = (usual.next(), usual.next(), shortcut) {
        return Learned::Success(*v);
    }
    match values.first() {
        Some((value, n)) if *n as f64 >= MIN_SHARE * early.len() as f64 => Learned::Success(*value),
        _ => Learned::Varied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceId;

    /// A HAR of POSTs to one endpoint with these 200 bodies, a second apart.
    fn har(bodies: &[String]) -> Vec<Event> {
        let entries: Vec<String> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                format!(
                    r#"{{"startedDateTime":"2024-05-01T10:{:02}:{:02}Z","time":5,"request":{{"method":"POST","url":"https://a.example/pay","headers":[]}},"response":{{"status":200,"headers":[],"content":{{"mimeType":"application/json","text":{}}}}}}}"#,
                    i / 60,
                    i % 60,
                    serde_json::Value::from(b.as_str())
                )
            })
            .collect();
        let doc = format!(
            r#"{{"log":{{"version":"1.2","entries":[{}]}}}}"#,
            entries.join(",")
        );
        let mut events = crate::input::formats::har::parse(SourceId(0), "t.har", doc.as_bytes())
            .expect("a HAR")
            .events;
        mark(&mut events);
        events
    }

    fn failing(events: &[Event]) -> Vec<bool> {
        events.iter().map(Event::is_failure).collect()
    }

    #[test]
    fn a_code_other_than_the_endpoints_usual_one_is_a_business_error() {
        for (ok, bad) in [("0", "4001"), ("\"0000\"", "\"E102\""), ("200", "500")] {
            let bodies: Vec<String> = (0..12)
                .map(|i| {
                    let code = if i >= 8 && i % 2 == 0 { bad } else { ok };
                    format!(r#"{{"code":{code},"msg":"m{i}"}}"#)
                })
                .collect();
            let e = har(&bodies);
            let want: Vec<bool> = (0..12).map(|i| i >= 8 && i % 2 == 0).collect();
            assert_eq!(failing(&e), want, "success {ok}");
            assert!(
                e[8].error_text.as_deref().is_some_and(|t| t.contains("m8")),
                "{:?}",
                e[8].error_text
            );
        }
    }

    #[test]
    fn failures_that_outnumber_successes_early_do_not_hide_the_convention() {
        // Ten successes, then each failure retried three more times.
        let bodies: Vec<String> = (0..50)
            .map(|i| match i < 10 {
                true => format!(r#"{{"code":0,"msg":"ok","data":{{"id":{i}}}}}"#),
                false => r#"{"code":10021,"msg":"signature verification failed"}"#.to_string(),
            })
            .collect();
        let want: Vec<bool> = (0..50).map(|i| i >= 10).collect();
        assert_eq!(failing(&har(&bodies)), want);
        // A capture that begins mid-incident: failures from the first
        // body on, most of them; the usual success value still tells.
        let bodies: Vec<String> = (0..30)
            .map(|i| match i % 3 {
                0 => r#"{"errcode":0,"errmsg":"ok"}"#.to_string(),
                _ => r#"{"errcode":40001,"errmsg":"invalid credential"}"#.to_string(),
            })
            .collect();
        let want: Vec<bool> = (0..30).map(|i| i % 3 != 0).collect();
        assert_eq!(failing(&har(&bodies)), want);
    }

    #[test]
    fn an_order_status_beside_a_message_is_not_judged_by_the_usual_success_word() {
        // Mostly pending orders, some OK: a `status` tells a failure only
        // in a failure's words, whichever value is learned.
        let bodies: Vec<String> = (0..30)
            .map(|i| match i % 3 {
                0 => r#"{"status":"OK","message":"order placed"}"#.to_string(),
                _ => r#"{"status":"PENDING","message":"order placed"}"#.to_string(),
            })
            .collect();
        assert!(failing(&har(&bodies)).iter().all(|f| !f));
        // The same layout where the other value is a failure's.
        let bodies: Vec<String> = bodies.iter().map(|b| b.replace("PENDING", "FAIL")).collect();
        let want: Vec<bool> = (0..30).map(|i| i % 3 != 0).collect();
        assert_eq!(failing(&har(&bodies)), want);
    }

    #[test]
    fn a_code_that_varies_is_payload_not_an_outcome() {
        let bodies: Vec<String> = (0..12)
            .map(|i| format!(r#"{{"code":"ORD-{}","message":"created"}}"#, 1000 + i * 7))
            .collect();
        assert!(failing(&har(&bodies)).iter().all(|f| !f));
        let countries = ["DE", "FR", "IT", "ES"];
        let bodies: Vec<String> = (0..12)
            .map(|i| format!(r#"{{"code":"{}","message":"country"}}"#, countries[i % 4]))
            .collect();
        assert!(failing(&har(&bodies)).iter().all(|f| !f));
    }

    #[test]
    fn with_too_few_bodies_to_learn_a_numeric_code_with_a_message_still_tells() {
        let bodies = vec![
            r#"{"code":4001,"message":"insufficient balance"}"#.to_string(),
            r#"{"code":0,"data":{"id":7}}"#.to_string(),
        ];
        let e = har(&bodies);
        assert_eq!(e[0].error_class, Some(ErrorClass::Business));
        assert_eq!(
            e[0].error_text.as_deref(),
            Some("business error 4001 in a 2xx response: insufficient balance")
        );
        assert_eq!(e[1].error_class, None);
    }
}
