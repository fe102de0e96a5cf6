//! From tests to the ranked list: Holm's correction over every test of the
//! run, the significant changes folded under the change that explains them
//! (a new error template explains the error rate it raised, a new failing
//! release the failures it brought), and the rest ordered by how telling
//! they are: the strength of the evidence for them and for what they
//! explain, weighted by kind (what to fix before what it caused).

use crate::analyze::compare::changes::Candidate;
use crate::analyze::compare::profile::Profile;
use crate::analyze::compare::stats::holm;
use crate::model::comparison::{ChangeKind, Direction, Scope, ScopeKind};

/// Share of a symptom's excess failures a change must account for to
/// explain it.
const EXPLAINS: f64 = 0.5;

/// A significant change with what it explains.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// The change.
    pub change: Candidate,
    /// Its corrected p-value.
    pub p_adjusted: f64,
    /// The changes it explains, each with its corrected p-value.
    pub explains: Vec<(Candidate, f64)>,
}

/// How telling a kind is, 0..1: what to fix first, then what it caused.
fn weight(k: ChangeKind) -> f64 {
    match k {
        ChangeKind::NewVersion | ChangeKind::ContentType | ChangeKind::AuthScheme | ChangeKind::HeaderSet => {
            1.0
        }
        ChangeKind::NewTemplate => 0.9,
        ChangeKind::ShapeChange | ChangeKind::NewStatus => 0.8,
        ChangeKind::ErrorRate => 0.7,
        ChangeKind::Latency | ChangeKind::RequestSize => 0.6,
        ChangeKind::Traffic => 0.4,
        ChangeKind::GoneTemplate | ChangeKind::GoneStatus | ChangeKind::GoneVersion => 0.3,
    }
}

/// Narrowest scope first.
fn breadth(s: &Scope) -> u8 {
    match s.kind {
        ScopeKind::Endpoint => 0,
        ScopeKind::Host => 1,
        ScopeKind::All => 2,
    }
}

/// The strength of the evidence: −log10 of the corrected p-value, capped.
fn evidence(p: f64) -> f64 {
    -(p.max(1e-300)).log10()
}

/// Whether the incident's requests of `inner` lie within `outer`.
fn contains(outer: &Scope, inner: &Scope, inc: &Profile) -> bool {
    if outer == inner || outer.kind == ScopeKind::All {
        return true;
    }
    if outer.kind != ScopeKind::Host || inner.kind != ScopeKind::Endpoint {
        return false;
    }
    inc.scopes.get(inner).is_some_and(|t| {
        t.hosts
            .get(outer.name.as_str())
            .is_some_and(|h| h.n * 2 >= t.requests)
    })
}

/// Whether a change is about failing (what a cause can explain).
fn about_failing(c: &Candidate) -> bool {
    c.direction == Direction::Worse
        && matches!(
            c.kind,
            ChangeKind::ErrorRate | ChangeKind::NewStatus | ChangeKind::NewTemplate
        )
}

/// Whether `c` explains `d` (both significant, `c` ranked before `d` by
/// kind and scope).
fn explains(c: &Candidate, d: &Candidate, inc: &Profile) -> bool {
    if d.kind == ChangeKind::Latency {
        return c.kind == ChangeKind::Latency && contains(&d.scope, &c.scope, inc);
    }
    if !about_failing(d) || d.excess <= 0.0 {
        return false;
    }
    match c.kind {
        ChangeKind::NewVersion => {
            let v = c.version;
            c.direction == Direction::Worse
                && inc
                    .scopes
                    .get(&d.scope)
                    .and_then(|t| t.versions.get(&v?))
                    .is_some_and(|s| s.failures as f64 >= EXPLAINS * d.excess)
        }
        // A template explains its own status code and the error rate it
        // raised; another template is another error.
        ChangeKind::NewTemplate => {
            let fits = match d.kind {
                ChangeKind::NewTemplate => c.what == d.what,
                ChangeKind::NewStatus => c.status.is_some() && c.status == d.status,
                _ => true,
            };
            fits && counts_toward(c, d, inc)
        }
        ChangeKind::NewStatus => {
            (d.kind == ChangeKind::ErrorRate || (d.kind == ChangeKind::NewStatus && c.what == d.what))
                && counts_toward(c, d, inc)
        }
        ChangeKind::ErrorRate => d.kind == ChangeKind::ErrorRate && counts_toward(c, d, inc),
        ChangeKind::ContentType
        | ChangeKind::AuthScheme
        | ChangeKind::HeaderSet
        | ChangeKind::RequestSize
        | ChangeKind::Traffic => c.direction == Direction::Worse && counts_toward(c, d, inc),
        _ => false,
    }
}

/// Whether `c`'s failures lie within `d`'s scope and make up enough of its
/// excess.
fn counts_toward(c: &Candidate, d: &Candidate, inc: &Profile) -> bool {
    c.failures >= EXPLAINS * d.excess && contains(&d.scope, &c.scope, inc)
}

/// The scope a change seen in several scopes (one template on an
/// endpoint, its host and all requests) is told at: the narrowest that
/// holds at least half of the broadest one's failures. Each other scope's
/// change of the same kind and thing goes under it.
fn homes(sig: &[(Candidate, f64)]) -> Vec<Option<usize>> {
    let mut under = vec![None; sig.len()];
    let counted = |c: &Candidate| {
        matches!(
            c.kind,
            ChangeKind::NewTemplate | ChangeKind::NewStatus | ChangeKind::ErrorRate
        ) && c.direction == Direction::Worse
    };
    let mut groups: std::collections::BTreeMap<(ChangeKind, &str), Vec<usize>> = Default::default();
    for (k, (c, _)) in sig.iter().enumerate().filter(|(_, (c, _))| counted(c)) {
        groups.entry((c.kind, c.what.as_str())).or_default().push(k);
    }
    for idx in groups.values().filter(|g| g.len() > 1) {
        let Some(&top) = idx
            .iter()
            .max_by_key(|&&k| (breadth(&sig[k].0.scope), std::cmp::Reverse(k)))
        else {
            continue;
        };
        let need = EXPLAINS * sig[top].0.failures;
        let home = idx
            .iter()
            .copied()
            .filter(|&k| sig[k].0.failures >= need)
            .min_by_key(|&k| (breadth(&sig[k].0.scope), k))
            .unwrap_or(top);
        for &k in idx {
            if k != home {
                under[k] = Some(home);
            }
        }
    }
    under
}

/// Correct, fold and order the tests' outcomes; the significant changes,
/// most telling first, and the number of tests.
pub fn rank(cands: Vec<Candidate>, alpha: f64, inc: &Profile) -> Vec<Ranked> {
    let p: Vec<f64> = cands.iter().map(|c| c.p).collect();
    let adj = holm(&p);
    let mut sig: Vec<(Candidate, f64)> = cands.into_iter().zip(adj).filter(|(_, q)| *q <= alpha).collect();
    // Causes before symptoms, narrow scopes before broad, strong before weak.
    sig.sort_by(|(a, qa), (b, qb)| {
        a.kind
            .cmp(&b.kind)
            .then(breadth(&a.scope).cmp(&breadth(&b.scope)))
            .then(qa.total_cmp(qb))
            .then(a.scope.cmp(&b.scope))
            .then(a.what.cmp(&b.what))
    });
    // A change seen in several scopes is told once, at its home scope;
    // then each change goes under the first earlier one that explains it
    // (and so under that one's root).
    let home = homes(&sig);
    let mut root: Vec<usize> = (0..sig.len()).map(|k| home[k].unwrap_or(k)).collect();
    for d in 0..sig.len() {
        if home[d].is_some() {
            continue;
        }
        if let Some(c) = (0..d).find(|&c| explains(&sig[c].0, &sig[d].0, inc)) {
            root[d] = root[c];
        }
    }
    // Follow each chain to its end: a home may itself have been folded.
    for k in 0..root.len() {
        let mut r = k;
        for _ in 0..root.len() {
            if root[r] == r {
                break;
            }
            r = root[r];
        }
        root[k] = r;
    }
    let mut out: Vec<Ranked> = Vec::new();
    let mut slot = vec![usize::MAX; sig.len()];
    for (k, (c, q)) in sig.iter().enumerate() {
        if root[k] == k {
            slot[k] = out.len();
            out.push(Ranked {
                change: c.clone(),
                p_adjusted: *q,
                explains: Vec::new(),
            });
        }
    }
    for (k, (c, q)) in sig.iter().enumerate() {
        if root[k] != k {
            out[slot[root[k]]].explains.push((c.clone(), *q));
        }
    }
    // For the worse first (or explaining what got worse), then what is
    // merely different, then what got better; by strength within each.
    let class = |r: &Ranked| match r.change.direction {
        Direction::Worse => 0,
        Direction::Different if r.explains.iter().any(|(c, _)| c.direction == Direction::Worse) => 0,
        Direction::Different => 1,
        Direction::Better => 2,
    };
    let score = |r: &Ranked| {
        let strongest = r
            .explains
            .iter()
            .map(|(_, q)| evidence(*q))
            .fold(evidence(r.p_adjusted), f64::max);
        weight(r.change.kind) * strongest
    };
    out.sort_by(|a, b| {
        class(a)
            .cmp(&class(b))
            .then(score(b).total_cmp(&score(a)))
            .then(a.change.kind.cmp(&b.change.kind))
            .then(breadth(&a.change.scope).cmp(&breadth(&b.change.scope)))
            .then(a.change.scope.cmp(&b.change.scope))
            .then(a.change.what.cmp(&b.change.what))
    });
    out
}
