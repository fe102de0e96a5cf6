//! A `[[match]]` block at run time ([`Condition`]): whether an event
//! satisfies it, and which statuses it can admit at all (the shared
//! pass's gate). Named selections, the other way to match, are in
//! `selection`; `spec` builds both from rule files.

use std::collections::BTreeSet;

use regex::Regex;

use crate::model::OptionStr;
use crate::model::{ErrorClass, Event, Level};

#[derive(Debug, Clone)]
pub(super) enum StatusRange {
    Range(u16, u16),
}

/// A compiled `[[match]]` block.
#[derive(Debug, Clone, Default)]
pub struct Condition {
    pub(super) status: Option<Vec<StatusRange>>,
    pub(super) error_class: Option<BTreeSet<ErrorClass>>,
    pub(super) error_text: Option<Vec<String>>,
    pub(super) method: Option<Vec<String>>,
    pub(super) has_retry_after: Option<bool>,
    pub(super) has_response: Option<bool>,
    pub(super) level: Option<Level>,
    pub(super) message_regex: Option<Regex>,
    pub(super) text: Option<Vec<String>>,
    pub(super) route_regex: Option<Regex>,
    pub(super) failed: Option<bool>,
    pub(super) jwt_not_yet_valid: Option<bool>,
    pub(super) has_client: Option<bool>,
    pub(super) has_release: Option<bool>,
}

/// Seconds of clock skew tolerated before a token counts as not yet valid.
const NBF_LEEWAY_S: i64 = 60;

fn jwt_not_yet_valid(e: &Event) -> bool {
    let (Some(auth), Some(ts)) = (e.auth(), e.ts_ns()) else {
        return false;
    };
    let now = ts.div_euclid(1_000_000_000);
    auth.jwt_nbf.is_some_and(|nbf| now + NBF_LEEWAY_S < nbf)
        || auth.jwt_iat.is_some_and(|iat| now + NBF_LEEWAY_S < iat)
}

impl Condition {
    /// Whether the block could match an event with this status and failure
    /// flag, judged by its status and failure conditions alone: `false`
    /// means no such event matches it, whatever its other fields.
    pub fn admits(&self, status: Option<u16>, failed: bool) -> bool {
        self.failed.is_none_or(|want| want == failed)
            // An error class is what makes an event a failure.
            && (self.error_class.is_none() || failed)
            && self.status.as_ref().is_none_or(|ranges| {
                status.is_some_and(|s| ranges.iter().any(|StatusRange::Range(lo, hi)| (*lo..=*hi).contains(&s)))
            })
    }

    /// Whether the event satisfies every condition of the block.
    pub fn matches(&self, e: &Event) -> bool {
        // Cheap checks first: most events fail one of them, and the text
        // checks below lower-case strings.
        if let Some(want) = self.failed {
            if e.is_failure() != want {
                return false;
            }
        }
        if let Some(want) = self.has_client {
            if e.client.is_some() != want {
                return false;
            }
        }
        if let Some(want) = self.has_release {
            if e.release.is_some() != want {
                return false;
            }
        }
        if let Some(ranges) = &self.status {
            let Some(s) = e.status else { return false };
            if !ranges
                .iter()
                .any(|StatusRange::Range(lo, hi)| (*lo..=*hi).contains(&s))
            {
                return false;
            }
        }
        if let Some(classes) = &self.error_class {
            if !e.error_class.is_some_and(|c| classes.contains(&c)) {
                return false;
            }
        }
        if let Some(needles) = &self.error_text {
            let Some(t) = e.error_text.as_deref() else {
                return false;
            };
            let lower = t.to_ascii_lowercase();
            if !needles.iter().any(|n| lower.contains(n.as_str())) {
                return false;
            }
        }
        if let Some(methods) = &self.method {
            if !e
                .method()
                .as_deref()
                .is_some_and(|m| methods.iter().any(|x| x == m))
            {
                return false;
            }
        }
        if let Some(want) = self.has_retry_after {
            if e.retry_after_s().is_some() != want {
                return false;
            }
        }
        if let Some(want) = self.has_response {
            if e.status.is_some() != want {
                return false;
            }
        }
        if let Some(min) = self.level {
            if e.level.is_none_or(|l| l < min) {
                return false;
            }
        }
        if let Some(re) = &self.message_regex {
            if !e.message.as_deref().is_some_and(|m| re.is_match(m)) {
                return false;
            }
        }
        if let Some(needles) = &self.text {
            let hay = |t: Option<&str>| t.map(str::to_ascii_lowercase).unwrap_or_default();
            let (a, b) = (hay(e.error_text.as_deref()), hay(e.message.as_deref()));
            if !needles
                .iter()
                .any(|n| a.contains(n.as_str()) || b.contains(n.as_str()))
            {
                return false;
            }
        }
        if let Some(re) = &self.route_regex {
            if !e.route().as_str().is_some_and(|r| re.is_match(r)) {
                return false;
            }
        }
        if let Some(want) = self.jwt_not_yet_valid {
            if jwt_not_yet_valid(e) != want {
                return false;
            }
        }
        true
    }
}
