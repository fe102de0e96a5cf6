//! The tests of a comparison: for every scope seen on both sides, each
//! thing its requests had (failures, latency quantiles, status codes,
//! error templates, response fields, media types, authentication schemes,
//! request sizes, versions) is tested for a difference between the sides
//! with Fisher's exact test. Only differences of a size that matters are
//! tested at all (so a million-request capture does not flag a 1% wobble
//! of a latency quantile), and the result is one [`Candidate`] per test,
//! significant or not: the ranking corrects for their number.

use crate::analyze::compare::profile::{self, Counts, Profile, Tally, Version};
use crate::analyze::compare::stats::{share, Table};
use crate::model::comparison::{ChangeKind, Direction, Scope, ScopeKind};

/// The smallest change of an error rate worth testing, in percentage points…
const MIN_RATE_PP: f64 = 0.5;
/// …and as a ratio of the higher rate to the lower.
const MIN_RATE_RATIO: f64 = 1.25;
/// The smallest move of a latency quantile (or of the median request size)
/// worth testing, relative…
const MIN_QUANTILE_CHANGE: f64 = 0.10;
/// …and in milliseconds.
const MIN_QUANTILE_MS: f64 = 1.0;
/// A thing is new (or gone) when its share on the other side is at most
/// this part of its share here.
const NEW_SHARE: f64 = 0.5;
/// Fewest occurrences of a new thing worth testing.
const MIN_NEW: u64 = 3;

/// One test's outcome, before correction and ranking.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// What kind of change.
    pub kind: ChangeKind,
    /// Where.
    pub scope: Scope,
    /// The thing that changed.
    pub what: String,
    /// Baseline value, as written.
    pub baseline: String,
    /// Incident value, as written.
    pub incident: String,
    /// Effect and its unit.
    pub effect: (f64, &'static str),
    /// For the worse or not.
    pub direction: Direction,
    /// Fisher's two-sided p-value.
    pub p: f64,
    /// Incident failures this change accounts for (what it can explain).
    pub failures: f64,
    /// Incident failures above what the baseline's rate would give, for the
    /// changes that are about failing (what it needs explained).
    pub excess: f64,
    /// The version, for version changes.
    pub version: Option<Version>,
    /// The status code: of a status change, or the one most of a new
    /// template's failures had.
    pub status: Option<u16>,
    /// The record showing it in the baseline, and in the incident.
    pub evidence: (Option<usize>, Option<usize>),
}

impl Candidate {
    /// A test's outcome of `kind` on `scope`, with everything else empty:
    /// the fields most kinds leave at nothing (failures to explain or to
    /// be explained, a version, a status) are then set by the few that
    /// have them.
    fn of(kind: ChangeKind, scope: &Scope) -> Candidate {
        Candidate {
            kind,
            scope: scope.clone(),
            what: String::new(),
            baseline: String::new(),
            incident: String::new(),
            effect: (0.0, "pp"),
            direction: Direction::Different,
            p: 1.0,
            failures: 0.0,
            excess: 0.0,
            version: None,
            status: None,
            evidence: (None, None),
        }
    }
}

/// A percentage as written in reports.
fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p == 0.0 {
        "0%".into()
    } else if p < 0.1 {
        format!("{p:.2}%")
    } else {
        format!("{p:.1}%")
    }
}

/// Milliseconds as written in reports.
fn ms(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0} ms")
    } else {
        format!("{x:.1} ms")
    }
}

/// Failures of the incident scope above its baseline rate.
fn excess(b: &Tally, i: &Tally) -> f64 {
    (i.failures as f64 - share(b.failures, b.requests) * i.requests as f64).max(0.0)
}

/// Every test of every scope seen on both sides, and the endpoints too
/// quiet on a side to test.
pub fn candidates(base: &Profile, inc: &Profile, alpha: f64) -> (Vec<Candidate>, Vec<Scope>) {
    let empty = Tally::default();
    let mut out = Vec::new();
    let mut quiet = Vec::new();
    let scopes: std::collections::BTreeSet<&Scope> = base.scopes.keys().chain(inc.scopes.keys()).collect();
    let (all_b, all_i) = (
        base.scopes.get(&profile::all()).unwrap_or(&empty),
        inc.scopes.get(&profile::all()).unwrap_or(&empty),
    );
    for scope in scopes {
        let b = base.scopes.get(scope).unwrap_or(&empty);
        let i = inc.scopes.get(scope).unwrap_or(&empty);
        if b.requests == 0 || i.requests == 0 {
            if scope.kind == ScopeKind::Endpoint {
                traffic(scope, b, i, all_b, all_i, &mut out);
            }
            continue;
        }
        if Table::best_possible(b.requests, i.requests) > alpha {
            // Not even "all failed here, none there" would tell.
            if scope.kind == ScopeKind::Endpoint {
                quiet.push(scope.clone());
            }
            continue;
        }
        let s = Scoped { scope, b, i };
        s.error_rate(&mut out);
        s.latency(&mut out);
        s.things(
            ChangeKind::NewStatus,
            &b.statuses,
            &i.statuses,
            b.requests,
            i.requests,
            &mut out,
        );
        s.things(
            ChangeKind::NewTemplate,
            &b.templates,
            &i.templates,
            b.requests,
            i.requests,
            &mut out,
        );
        if scope.kind == ScopeKind::Endpoint {
            s.shape(&mut out);
            let typed = |t: &Tally| t.media.values().map(|x| x.n).sum::<u64>();
            s.things(
                ChangeKind::ContentType,
                &b.media,
                &i.media,
                typed(b),
                typed(i),
                &mut out,
            );
            s.things(
                ChangeKind::AuthScheme,
                &b.auth,
                &i.auth,
                b.requests,
                i.requests,
                &mut out,
            );
            let recorded = |t: &Tally| t.header_sets.values().map(|x| x.n).sum::<u64>();
            s.things(
                ChangeKind::HeaderSet,
                &b.header_sets,
                &i.header_sets,
                recorded(b),
                recorded(i),
                &mut out,
            );
            s.size(&mut out);
        }
        if scope.kind == ScopeKind::All {
            s.versions(&mut out);
        }
    }
    (out, quiet)
}

/// An endpoint seen on one side only, tested as its share of all traffic.
fn traffic(scope: &Scope, b: &Tally, i: &Tally, all_b: &Tally, all_i: &Tally, out: &mut Vec<Candidate>) {
    if b.requests.max(i.requests) < MIN_NEW {
        return;
    }
    let t = Table {
        a: b.requests,
        n_a: all_b.requests,
        b: i.requests,
        n_b: all_i.requests,
    };
    let new = b.requests == 0;
    out.push(Candidate {
        what: if new { "new endpoint" } else { "endpoint gone" }.into(),
        baseline: format!("{} requests", b.requests),
        incident: format!("{} requests", i.requests),
        effect: ((t.share_b() - t.share_a()) * 100.0, "pp"),
        direction: if new && i.failures * 2 > i.requests {
            Direction::Worse
        } else {
            Direction::Different
        },
        p: t.fisher(),
        failures: i.failures as f64,
        evidence: (b.first, i.first),
        ..Candidate::of(ChangeKind::Traffic, scope)
    });
}

/// One scope's two sides.
struct Scoped<'a> {
    scope: &'a Scope,
    b: &'a Tally,
    i: &'a Tally,
}

impl Scoped<'_> {
    fn error_rate(&self, out: &mut Vec<Candidate>) {
        let (b, i) = (self.b, self.i);
        let t = Table {
            a: b.failures,
            n_a: b.requests,
            b: i.failures,
            n_b: i.requests,
        };
        let (rb, ri) = (t.share_a(), t.share_b());
        let (lo, hi) = (rb.min(ri), rb.max(ri));
        if (hi - lo) * 100.0 < MIN_RATE_PP || (lo > 0.0 && hi / lo < MIN_RATE_RATIO) {
            return;
        }
        out.push(Candidate {
            what: "error rate".into(),
            baseline: pct(rb),
            incident: pct(ri),
            effect: ((ri - rb) * 100.0, "pp"),
            direction: if ri > rb {
                Direction::Worse
            } else {
                Direction::Better
            },
            p: t.fisher(),
            failures: excess(b, i),
            excess: excess(b, i),
            evidence: (b.first_failure.or(b.first), i.first_failure.or(i.first)),
            ..Candidate::of(ChangeKind::ErrorRate, self.scope)
        });
    }

    fn latency(&self, out: &mut Vec<Candidate>) {
        for (q, name) in [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")] {
            let Some(sh) = shift(&self.b.durations, &self.i.durations, q) else {
                continue;
            };
            if sh.rel.abs() < MIN_QUANTILE_CHANGE || (sh.after - sh.before).abs() < MIN_QUANTILE_MS {
                continue;
            }
            out.push(Candidate {
                what: name.into(),
                baseline: ms(sh.before),
                incident: ms(sh.after),
                effect: (sh.percent(), "%"),
                direction: if sh.after > sh.before {
                    Direction::Worse
                } else {
                    Direction::Better
                },
                p: sh.table.fisher(),
                evidence: sh.evidence,
                ..Candidate::of(ChangeKind::Latency, self.scope)
            });
        }
    }

    /// Things counted per request (status codes, templates, media types,
    /// schemes): each that is new on one side, or gone, is tested.
    fn things<K: Ord + ThingName>(
        &self,
        kind: ChangeKind,
        b: &Counts<K>,
        i: &Counts<K>,
        n_b: u64,
        n_i: u64,
        out: &mut Vec<Candidate>,
    ) {
        if n_b == 0 || n_i == 0 {
            return;
        }
        // A media type or scheme never recorded on a side (a log that does
        // not keep headers) is unknown there, not absent.
        let recorded = |m: &Counts<K>| m.keys().any(|k| k.name() != "none");
        if matches!(kind, ChangeKind::ContentType | ChangeKind::AuthScheme) && !(recorded(b) && recorded(i)) {
            return;
        }
        let keys: std::collections::BTreeSet<&K> = b.keys().chain(i.keys()).collect();
        let mut found: Vec<Candidate> = Vec::new();
        for k in keys {
            let (sb, si) = (b.get(k), i.get(k));
            let t = Table {
                a: sb.map_or(0, |s| s.n),
                n_a: n_b,
                b: si.map_or(0, |s| s.n),
                n_b: n_i,
            };
            let (rb, ri) = (t.share_a(), t.share_b());
            // A thing that is not a failure (a 200, a media type) is new
            // or gone only when one side lacks it; a failure also when its
            // share at least doubled (or halved).
            let ratio = if kind == ChangeKind::NewTemplate || k.is_error() {
                NEW_SHARE
            } else {
                0.0
            };
            let new = ri > 0.0 && rb <= ri * ratio && t.b >= MIN_NEW;
            let gone = rb > 0.0 && ri <= rb * ratio && t.a >= MIN_NEW;
            if !new && !gone {
                continue;
            }
            let failing = |s: Option<&profile::Seen>| s.map_or(0, |s| s.failures);
            let fails_more = share(failing(si), t.b.max(1)) > 0.5;
            let (kind, direction) = match (kind, new) {
                (ChangeKind::NewStatus, true) if k.is_error() => (kind, Direction::Worse),
                (ChangeKind::NewStatus, false) if k.is_error() => (ChangeKind::GoneStatus, Direction::Better),
                (ChangeKind::NewStatus, false) => (ChangeKind::GoneStatus, Direction::Different),
                (ChangeKind::NewTemplate, true) => (kind, Direction::Worse),
                (ChangeKind::NewTemplate, false) => (ChangeKind::GoneTemplate, Direction::Better),
                (_, true) if fails_more => (kind, Direction::Worse),
                _ => (kind, Direction::Different),
            };
            let fails = failing(si) as f64 - failing(sb) as f64 * t.n_b as f64 / t.n_a as f64;
            let about_failing = matches!(kind, ChangeKind::NewStatus | ChangeKind::NewTemplate)
                && direction == Direction::Worse;
            found.push(Candidate {
                what: k.name(),
                baseline: if t.a == 0 { "absent".into() } else { pct(rb) },
                incident: if t.b == 0 { "absent".into() } else { pct(ri) },
                effect: ((ri - rb) * 100.0, "pp"),
                direction,
                p: t.fisher(),
                failures: fails.max(0.0),
                excess: if about_failing { fails.max(0.0) } else { 0.0 },
                status: k
                    .status()
                    .or_else(|| k.template().and_then(|t| self.i.template_status(t))),
                evidence: (
                    sb.map(|s| s.first).or(self.b.first),
                    si.map(|s| s.first).or(self.i.first),
                ),
                ..Candidate::of(kind, self.scope)
            });
        }
        // A thing replaced by another (a media type, a scheme) is one
        // change: `application/json → text/plain`.
        if matches!(kind, ChangeKind::ContentType | ChangeKind::AuthScheme) {
            pair_replacements(&mut found);
        }
        // A header set is told by what it adds to or drops from the
        // baseline's most common set.
        if kind == ChangeKind::HeaderSet {
            let usual = b
                .iter()
                .max_by(|x, y| x.1.n.cmp(&y.1.n).then(y.0.cmp(x.0)))
                .map(|(k, _)| k.name());
            for c in &mut found {
                c.what = header_diff(usual.as_deref().unwrap_or(""), &c.what);
            }
        }
        out.extend(found);
    }

    /// Response fields of successful JSON bodies: a field added, removed,
    /// or one path whose type changed.
    fn shape(&self, out: &mut Vec<Candidate>) {
        let (b, i) = (self.b, self.i);
        if b.bodies == 0 || i.bodies == 0 {
            return;
        }
        let mut found = Vec::new();
        let keys: std::collections::BTreeSet<&&str> = b.fields.keys().chain(i.fields.keys()).collect();
        for k in keys {
            let t = Table {
                a: b.fields.get(k).map_or(0, |s| s.n),
                n_a: b.bodies,
                b: i.fields.get(k).map_or(0, |s| s.n),
                n_b: i.bodies,
            };
            let (rb, ri) = (t.share_a(), t.share_b());
            let added = ri > 0.0 && rb <= ri * NEW_SHARE && t.b >= MIN_NEW;
            let removed = rb > 0.0 && ri <= rb * NEW_SHARE && t.a >= MIN_NEW;
            if !added && !removed {
                continue;
            }
            found.push(Candidate {
                what: field_text(k),
                baseline: if t.a == 0 { "absent".into() } else { pct(rb) },
                incident: if t.b == 0 { "absent".into() } else { pct(ri) },
                effect: ((ri - rb) * 100.0, "pp"),
                direction: Direction::Different,
                p: t.fisher(),
                evidence: (
                    b.fields.get(k).map(|s| s.first).or(b.first),
                    i.fields.get(k).map(|s| s.first).or(i.first),
                ),
                ..Candidate::of(ChangeKind::ShapeChange, self.scope)
            });
        }
        pair_replacements(&mut found);
        out.extend(found);
    }

    /// The median request body size.
    fn size(&self, out: &mut Vec<Candidate>) {
        let Some(sh) = shift(&self.b.sizes, &self.i.sizes, 0.5) else {
            return;
        };
        if sh.rel.abs() < 2.0 * MIN_QUANTILE_CHANGE {
            return;
        }
        out.push(Candidate {
            what: "median request body".into(),
            baseline: format!("{:.0} B", sh.before),
            incident: format!("{:.0} B", sh.after),
            effect: (sh.percent(), "%"),
            direction: Direction::Different,
            p: sh.table.fisher(),
            evidence: sh.evidence,
            ..Candidate::of(ChangeKind::RequestSize, self.scope)
        });
    }

    /// Versions and releases new in the incident (tested on how much more
    /// they fail than the baseline did) or gone from it.
    fn versions(&self, out: &mut Vec<Candidate>) {
        let (b, i) = (self.b, self.i);
        let keys: std::collections::BTreeSet<&Version> = b.versions.keys().chain(i.versions.keys()).collect();
        for v in keys {
            let (vb, vi) = (b.versions.get(v), i.versions.get(v));
            match (vb, vi) {
                (None, Some(s)) if s.n >= MIN_NEW => {
                    // Failing more than the baseline's requests did?
                    let t = Table {
                        a: b.failures,
                        n_a: b.requests,
                        b: s.failures,
                        n_b: s.n,
                    };
                    let worse = t.share_b() > t.share_a()
                        && (t.share_b() - t.share_a()) * 100.0 >= MIN_RATE_PP
                        && t.share_b() >= t.share_a() * MIN_RATE_RATIO;
                    let presence = Table {
                        a: 0,
                        n_a: b.requests,
                        b: s.n,
                        n_b: i.requests,
                    };
                    out.push(Candidate {
                        what: v.to_string(),
                        baseline: format!("absent (all requests fail {})", pct(t.share_a())),
                        incident: format!("{} requests, {} fail", s.n, pct(t.share_b())),
                        effect: ((t.share_b() - t.share_a()) * 100.0, "pp"),
                        direction: if worse {
                            Direction::Worse
                        } else {
                            Direction::Different
                        },
                        p: if worse { t.fisher() } else { presence.fisher() },
                        failures: (s.failures as f64 - t.share_a() * s.n as f64).max(0.0),
                        version: Some(*v),
                        evidence: (b.first, Some(s.first)),
                        ..Candidate::of(ChangeKind::NewVersion, self.scope)
                    });
                }
                (Some(s), None) if s.n >= MIN_NEW => {
                    let t = Table {
                        a: s.n,
                        n_a: b.requests,
                        b: 0,
                        n_b: i.requests,
                    };
                    out.push(Candidate {
                        what: v.to_string(),
                        baseline: format!("{} requests", s.n),
                        incident: "absent".into(),
                        effect: (-t.share_a() * 100.0, "pp"),
                        direction: Direction::Different,
                        p: t.fisher(),
                        version: Some(*v),
                        evidence: (Some(s.first), i.first),
                        ..Candidate::of(ChangeKind::GoneVersion, self.scope)
                    });
                }
                _ => {}
            }
        }
    }
}

/// A quantile of sorted values that moved between the sides.
struct Shift {
    /// The baseline's quantile.
    before: f64,
    /// The incident's.
    after: f64,
    /// The relative move (infinite from 0 to more).
    rel: f64,
    /// How many exceed the baseline's quantile on each side: a quantile
    /// that moved moves that share, which Fisher's test judges.
    table: Table,
    /// The records at the quantile on each side.
    evidence: (Option<usize>, Option<usize>),
}

impl Shift {
    /// The move in percent (100 from 0 to more).
    fn percent(&self) -> f64 {
        if self.rel.is_finite() {
            self.rel * 100.0
        } else {
            100.0
        }
    }
}

/// The `q` quantile of each side's sorted (value, event) pairs, and how it
/// moved; `None` when a side has no values. The test is Mood's quantile
/// test: both sides' values counted above the `q` quantile of the two
/// pooled. With no change the sides are exchangeable, that table's margins
/// are fixed, and Fisher's test is exact. (A threshold taken from the
/// baseline alone is not: its sampling error lands on the incident's count
/// alone, about four times the variance the test allows for.)
fn shift(b: &[(f64, usize)], i: &[(f64, usize)], q: f64) -> Option<Shift> {
    let at = |d: &[(f64, usize)]| {
        d.get((d.len().checked_sub(1)? as f64 * q).round() as usize)
            .copied()
    };
    let (xb, xi) = (at(b)?, at(i)?);
    let pooled = kth(b, i, ((b.len() + i.len() - 1) as f64 * q).round() as usize);
    let above = |d: &[(f64, usize)]| (d.len() - d.partition_point(|x| x.0 <= pooled)) as u64;
    let rel = if xb.0 > 0.0 {
        xi.0 / xb.0 - 1.0
    } else if xi.0 > xb.0 {
        f64::INFINITY
    } else {
        0.0
    };
    Some(Shift {
        before: xb.0,
        after: xi.0,
        rel,
        table: Table {
            a: above(b),
            n_a: b.len() as u64,
            b: above(i),
            n_b: i.len() as u64,
        },
        evidence: (Some(xb.1), Some(xi.1)),
    })
}

/// The `k`-th smallest value (from 0) of two sorted lists taken together,
/// without merging them: a binary search on how many come from `a`.
fn kth(a: &[(f64, usize)], b: &[(f64, usize)], k: usize) -> f64 {
    let k = k.min((a.len() + b.len()).saturating_sub(1));
    let (mut lo, mut hi) = ((k + 1).saturating_sub(b.len()), (k + 1).min(a.len()));
    while lo < hi {
        let from_a = (lo + hi) / 2;
        let from_b = k + 1 - from_a;
        if from_b > 0 && a[from_a].0 < b[from_b - 1].0 {
            lo = from_a + 1;
        } else {
            hi = from_a;
        }
    }
    let last = |d: &[(f64, usize)], n: usize| n.checked_sub(1).map(|x| d[x].0);
    match (last(a, lo), last(b, k + 1 - lo)) {
        (Some(x), Some(y)) => x.max(y),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => 0.0,
    }
}

/// A header name set against the usual one: `headers +x-api-version
/// −authorization` (or `headers as usual` when they are the same).
fn header_diff(usual: &str, set: &str) -> String {
    let split = |s: &str| -> std::collections::BTreeSet<String> {
        s.split(',')
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (u, s) = (split(usual), split(set));
    let mut parts: Vec<String> = s.difference(&u).map(|n| format!("+{n}")).collect();
    parts.extend(u.difference(&s).map(|n| format!("−{n}")));
    if parts.is_empty() {
        "headers as usual".into()
    } else {
        format!("headers {}", parts.join(" "))
    }
}

/// `.price:number` as `.price (number)`.
fn field_text(f: &str) -> String {
    match f.rsplit_once(':') {
        Some((path, ty)) => format!("{path} ({ty})"),
        None => f.to_string(),
    }
}

/// The path of a field text from [`field_text`].
fn field_path(what: &str) -> Option<&str> {
    what.strip_suffix(')')?.rsplit_once(" (").map(|(p, _)| p)
}

/// Merge a gone thing and a new one of the same scope into one change
/// (`application/json → text/plain`, `.price: number → string`): the
/// weaker of the two tests stands for both.
fn pair_replacements(found: &mut Vec<Candidate>) {
    let is_new = |c: &Candidate| c.baseline == "absent" || c.effect.0 > 0.0;
    let mut used = vec![false; found.len()];
    let mut merged = Vec::new();
    for g in 0..found.len() {
        if used[g] || is_new(&found[g]) {
            continue;
        }
        let partner = (0..found.len()).find(|&n| {
            !used[n] && n != g && is_new(&found[n]) && {
                let (a, b) = (&found[g], &found[n]);
                a.kind != ChangeKind::ShapeChange
                    || (field_path(&a.what).is_some() && field_path(&a.what) == field_path(&b.what))
            }
        });
        let Some(n) = partner else { continue };
        used[g] = true;
        used[n] = true;
        let (gone, new) = (&found[g], &found[n]);
        let what = match (gone.kind, field_path(&gone.what)) {
            (ChangeKind::ShapeChange, Some(path)) => {
                let ty = |w: &str| {
                    w.rsplit_once(" (")
                        .map(|(_, t)| t.trim_end_matches(')').to_string())
                };
                format!(
                    "{path}: {} → {}",
                    ty(&gone.what).unwrap_or_default(),
                    ty(&new.what).unwrap_or_default()
                )
            }
            _ => format!("{} → {}", gone.what, new.what),
        };
        merged.push(Candidate {
            what,
            baseline: format!("{} {}", gone.what, gone.baseline),
            incident: format!("{} {}", new.what, new.incident),
            p: gone.p.max(new.p),
            evidence: (gone.evidence.0, new.evidence.1),
            ..new.clone()
        });
    }
    let mut k = 0;
    found.retain(|_| {
        k += 1;
        !used[k - 1]
    });
    found.extend(merged);
}

/// The name of a counted thing, and whether it stands for a failure.
pub trait ThingName {
    /// As shown.
    fn name(&self) -> String;
    /// Whether it is a failure (a 4xx or 5xx status).
    fn is_error(&self) -> bool {
        false
    }
    /// The status code it is, if it is one.
    fn status(&self) -> Option<u16> {
        None
    }
    /// The template it is, if it is one.
    fn template(&self) -> Option<&str> {
        None
    }
}

impl ThingName for u16 {
    fn name(&self) -> String {
        format!("HTTP {self}")
    }
    fn is_error(&self) -> bool {
        *self >= 400
    }
    fn status(&self) -> Option<u16> {
        Some(*self)
    }
}

impl ThingName for String {
    fn name(&self) -> String {
        self.clone()
    }
    fn template(&self) -> Option<&str> {
        Some(self)
    }
}

impl ThingName for &'static str {
    fn name(&self) -> String {
        (*self).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kth_of_two_sorted_lists_is_the_kth_of_their_merge() {
        let mk = |v: &[f64]| v.iter().map(|&x| (x, 0)).collect::<Vec<_>>();
        let cases: [(&[f64], &[f64]); 5] = [
            (&[1.0, 3.0, 5.0], &[2.0, 4.0, 6.0, 8.0]),
            (&[], &[2.0, 4.0]),
            (&[7.0], &[]),
            (&[1.0, 1.0, 1.0], &[1.0, 2.0]),
            (&[10.0, 20.0], &[1.0, 2.0, 3.0]),
        ];
        for (a, b) in cases {
            let mut all: Vec<f64> = a.iter().chain(b).copied().collect();
            all.sort_by(f64::total_cmp);
            for (k, want) in all.iter().enumerate() {
                assert_eq!(kth(&mk(a), &mk(b), k), *want, "{a:?} {b:?} k={k}");
            }
        }
    }

    #[test]
    fn header_sets_are_told_by_what_they_add_and_drop() {
        assert_eq!(
            header_diff(
                "accept,authorization,user-agent",
                "accept,user-agent,x-api-version"
            ),
            "headers +x-api-version −authorization"
        );
        assert_eq!(header_diff("a,b", "a,b"), "headers as usual");
    }

    #[test]
    fn the_same_values_on_both_sides_show_no_shift() {
        let v: Vec<(f64, usize)> = (0..500).map(|i| (f64::from(i % 97), i as usize)).collect();
        let mut sorted = v.clone();
        sorted.sort_by(|x, y| x.0.total_cmp(&y.0));
        let sh = shift(&sorted, &sorted, 0.95).expect("values");
        assert_eq!(sh.rel, 0.0);
        assert_eq!(sh.table.fisher(), 1.0, "{:?}", sh.table);
    }

    #[test]
    fn a_shifted_tail_is_found_even_when_the_incident_has_far_more_values() {
        // 200 baseline values 1..=200; 2,000 incident values, a quarter of
        // them six times slower.
        let mut b: Vec<(f64, usize)> = (0..200).map(|k| (f64::from(k + 1), k as usize)).collect();
        let mut i: Vec<(f64, usize)> = (0..2000u32)
            .map(|k| {
                let v = f64::from(k % 200 + 1);
                (if k % 4 == 0 { v * 6.0 } else { v }, k as usize)
            })
            .collect();
        b.sort_by(|x, y| x.0.total_cmp(&y.0));
        i.sort_by(|x, y| x.0.total_cmp(&y.0));
        let sh = shift(&b, &i, 0.95).expect("values");
        assert!(sh.rel > 1.0, "{}", sh.rel);
        assert!(sh.table.fisher() < 1e-4, "{:?}", sh.table);
    }
}
