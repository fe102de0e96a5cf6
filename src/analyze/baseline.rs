//! What a baseline capture (`analyze --baseline GOOD...`) says of each
//! finding: the same rules run over the good capture, and each incident
//! finding's share of its group is tested against the share the same rule
//! and subject had there (0 when the good capture never showed it) with
//! Fisher's exact test. The finding's confidence against the baseline
//! becomes how sure the test is that the incident is worse: near 1 for a
//! failure the good capture never had, near 0 for one it had as often.
//! Without traffic of the finding's scope in the good capture, the finding
//! keeps the confidence its own history gave it.

use crate::analyze::compare::stats::Table;
use crate::model::comparison::{Comparison, ScopeKind};
use crate::model::Subject;
use crate::rules::Finding;

/// The good capture, as the ranking reads it.
#[derive(Clone, Copy)]
pub struct Baseline<'a> {
    /// The rules' findings over the good capture.
    pub findings: &'a [Finding],
    /// The comparison of the two captures (for the scopes' traffic).
    pub comparison: &'a Comparison,
}

/// Requests the good capture had in a subject's narrowest scope: its
/// endpoint, else its host, else all.
fn coverage(s: &Subject, c: &Comparison) -> u64 {
    let find = |kind: ScopeKind, name: &str| {
        c.scopes
            .iter()
            .filter(|r| r.scope.kind == kind)
            .filter(|r| r.scope.name == name || r.scope.name.ends_with(&format!(" {name}")))
            .map(|r| r.baseline.requests)
            .sum::<u64>()
    };
    if let Some(e) = &s.endpoint {
        return find(ScopeKind::Endpoint, e);
    }
    if let Some(h) = &s.host {
        return find(ScopeKind::Host, h);
    }
    c.baseline.requests
}

/// Set each finding's confidence against the baseline from the good
/// capture, where it covers the finding's scope.
pub fn sharpen(findings: &mut [Finding], base: Baseline<'_>) {
    for f in findings.iter_mut() {
        let seen = base
            .findings
            .iter()
            .find(|b| b.rule == f.rule && b.subject == f.subject);
        let covered = coverage(&f.subject, base.comparison);
        let (a, n_a) = match seen {
            Some(b) => (b.events.len() as u64, b.group_events.max(b.events.len() as u64)),
            None if covered > 0 => (0, covered),
            None => continue,
        };
        let t = Table {
            a,
            n_a,
            b: f.events.len() as u64,
            n_b: f.group_events.max(f.events.len() as u64),
        };
        let confidence = if t.share_b() > t.share_a() {
            1.0 - t.fisher() / 2.0
        } else {
            0.0
        };
        f.baseline = Some((confidence * 1000.0).round() / 1000.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::comparison::{Scope, ScopeRow, ScopeStats, Side};

    fn finding(events: usize, group: u64) -> Finding {
        Finding {
            rule: 0,
            subject: Subject {
                host: Some("api.example".into()),
                ..Subject::default()
            },
            events: (0..events).collect(),
            first_ts: None,
            last_ts: None,
            group_events: group,
            bursts: 1,
            retry_after_max: None,
            detail: None,
            onset_ts: None,
            baseline: None,
            history: false,
            culprits: Vec::new(),
        }
    }

    fn comparison(host_requests: u64) -> Comparison {
        let side = Side {
            inputs: Vec::new(),
            requests: host_requests,
            failures: 0,
            first: None,
            last: None,
            minutes: 1.0,
        };
        Comparison {
            schema_version: 1,
            baseline: side.clone(),
            incident: side,
            alpha: 0.01,
            tests: 0,
            changes: Vec::new(),
            scopes: vec![ScopeRow {
                scope: Scope {
                    kind: ScopeKind::Host,
                    name: "api.example".into(),
                },
                baseline: ScopeStats {
                    requests: host_requests,
                    ..ScopeStats::default()
                },
                incident: ScopeStats::default(),
            }],
            low_traffic: Vec::new(),
        }
    }

    #[test]
    fn a_failure_the_good_capture_never_had_is_near_certain() {
        let c = comparison(500);
        let mut f = vec![finding(40, 100)];
        sharpen(
            &mut f,
            Baseline {
                findings: &[],
                comparison: &c,
            },
        );
        assert!(f[0].baseline.is_some_and(|b| b > 0.99), "{:?}", f[0].baseline);
    }

    #[test]
    fn a_failure_the_good_capture_had_as_often_scores_nothing() {
        let c = comparison(500);
        let base = vec![finding(40, 100)];
        let mut f = vec![finding(40, 100)];
        sharpen(
            &mut f,
            Baseline {
                findings: &base,
                comparison: &c,
            },
        );
        assert_eq!(f[0].baseline, Some(0.0));
    }

    #[test]
    fn without_traffic_there_the_good_capture_says_nothing() {
        let c = comparison(0);
        let mut f = vec![finding(40, 100)];
        f[0].baseline = Some(0.25);
        sharpen(
            &mut f,
            Baseline {
                findings: &[],
                comparison: &c,
            },
        );
        assert_eq!(f[0].baseline, Some(0.25));
    }
}
