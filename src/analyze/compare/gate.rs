//! The CI gate of `compare --fail-on`: conditions such as
//! `error-rate:+2pp,p95:+20%,new-template,shape-change`, parsed once, and
//! checked against a comparison's significant changes (folded ones
//! included). Only significant changes trip a condition: noise between two
//! healthy captures never fails a pipeline.

use crate::model::comparison::{Change, ChangeKind, Comparison, Direction};

/// One condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The error rate of any scope rose by at least this many percentage points.
    ErrorRate(f64),
    /// A latency quantile (`p50`, `p95`, `p99`) of any scope rose by at least this many percent.
    Latency(&'static str, f64),
    /// A new error template.
    NewTemplate,
    /// A new failing status code.
    NewStatus,
    /// A response field added, removed or retyped.
    ShapeChange,
    /// A request's media type, authentication scheme, header set or size changed.
    RequestChange,
    /// A new version or release that fails more.
    NewVersion,
    /// Any significant change for the worse.
    Any,
}

/// The names `--fail-on` accepts, for its help and errors.
pub const NAMES: &str = "error-rate[:+Npp], p50|p95|p99[:+N%], new-template, new-status, \
                         shape-change, request-change, new-version, any";

/// Parse a `--fail-on` list.
pub fn parse(spec: &str) -> Result<Vec<Condition>, String> {
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, arg) = match part.split_once(':') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (part, None),
        };
        let number = |unit: &str| -> Result<f64, String> {
            let Some(a) = arg else { return Ok(0.0) };
            let t = a.trim_start_matches('+').trim_end_matches(unit).trim();
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("--fail-on {part}: expected a threshold like +2{unit}"))
        };
        let no_arg = |c: Condition| match arg {
            None => Ok(c),
            Some(_) => Err(format!("--fail-on {part}: {name} takes no threshold")),
        };
        out.push(match name {
            "error-rate" => Condition::ErrorRate(number("pp")?),
            "p50" => Condition::Latency("p50", number("%")?),
            "p95" => Condition::Latency("p95", number("%")?),
            "p99" => Condition::Latency("p99", number("%")?),
            "new-template" => no_arg(Condition::NewTemplate)?,
            "new-status" => no_arg(Condition::NewStatus)?,
            "shape-change" => no_arg(Condition::ShapeChange)?,
            "request-change" => no_arg(Condition::RequestChange)?,
            "new-version" => no_arg(Condition::NewVersion)?,
            "any" => no_arg(Condition::Any)?,
            _ => return Err(format!("--fail-on {part}: unknown condition; use {NAMES}")),
        });
    }
    if out.is_empty() {
        return Err(format!("--fail-on: no condition given; use {NAMES}"));
    }
    Ok(out)
}

impl Condition {
    /// Whether a significant change meets the condition.
    fn met_by(&self, c: &Change) -> bool {
        let worse = c.direction == Direction::Worse;
        match self {
            Condition::ErrorRate(pp) => c.kind == ChangeKind::ErrorRate && worse && c.effect.value >= *pp,
            Condition::Latency(q, pct) => {
                c.kind == ChangeKind::Latency && c.what == *q && worse && c.effect.value >= *pct
            }
            Condition::NewTemplate => c.kind == ChangeKind::NewTemplate,
            Condition::NewStatus => c.kind == ChangeKind::NewStatus && worse,
            Condition::ShapeChange => c.kind == ChangeKind::ShapeChange,
            Condition::RequestChange => matches!(
                c.kind,
                ChangeKind::ContentType
                    | ChangeKind::AuthScheme
                    | ChangeKind::HeaderSet
                    | ChangeKind::RequestSize
            ),
            Condition::NewVersion => c.kind == ChangeKind::NewVersion && worse,
            Condition::Any => worse,
        }
    }
}

/// The changes that trip a condition, one line each (`error-rate:+2pp:
/// GET /v1/orders/{id} error rate 0.4% → 12.0%`).
pub fn tripped(conditions: &[Condition], cmp: &Comparison) -> Vec<String> {
    let mut out = Vec::new();
    let all = cmp
        .changes
        .iter()
        .flat_map(|c| std::iter::once(c).chain(&c.explains));
    for c in all {
        if let Some(cond) = conditions.iter().find(|k| k.met_by(c)) {
            out.push(format!(
                "{}: {} {} {} → {}",
                name(cond),
                c.scope.name,
                c.what,
                c.baseline,
                c.incident
            ));
        }
    }
    out
}

fn name(c: &Condition) -> String {
    match c {
        Condition::ErrorRate(pp) => format!("error-rate:+{pp}pp"),
        Condition::Latency(q, pct) => format!("{q}:+{pct}%"),
        Condition::NewTemplate => "new-template".into(),
        Condition::NewStatus => "new-status".into(),
        Condition::ShapeChange => "shape-change".into(),
        Condition::RequestChange => "request-change".into(),
        Condition::NewVersion => "new-version".into(),
        Condition::Any => "any".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let c = parse("error-rate:+2pp, p95:+20%,new-template,shape-change").unwrap();
        assert_eq!(
            c,
            vec![
                Condition::ErrorRate(2.0),
                Condition::Latency("p95", 20.0),
                Condition::NewTemplate,
                Condition::ShapeChange
            ]
        );
        assert_eq!(parse("error-rate").unwrap(), vec![Condition::ErrorRate(0.0)]);
        assert_eq!(parse("p99:35").unwrap(), vec![Condition::Latency("p99", 35.0)]);
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for bad in [
            "",
            "error-rate:lots",
            "p95:-5%",
            "new-template:3",
            "latency",
            "p95:+NaN%",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
