//! The comparison for the terminal: the two sides, the changes ranked with
//! what each explains and its evidence on both sides, then the busiest
//! scopes side by side.

use std::io::Write;

use super::{evidence_text, headline, label, ms, p_text, rate};
use crate::model::comparison::{Comparison, Side};

/// Scope rows shown; the JSON output has them all.
const ROWS: usize = 15;

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn side_line(name: &str, s: &Side) -> String {
    let span = match (s.first, s.last) {
        (Some(a), Some(b)) => format!(", {} → {}", a.spaced(), b.spaced()),
        _ => String::new(),
    };
    format!(
        "{name:<9} {} input(s), {} requests ({:.1}/min), {} failed ({}){span}",
        s.inputs.len(),
        s.requests,
        s.requests as f64 / s.minutes,
        s.failures,
        rate(if s.requests == 0 {
            0.0
        } else {
            s.failures as f64 / s.requests as f64
        })
    )
}

/// Write the comparison as text.
pub fn render(c: &Comparison, color: bool, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "{}", paint(color, "1", "Compared with baseline"))?;
    writeln!(w, "  {}", side_line("baseline", &c.baseline))?;
    writeln!(w, "  {}", side_line("incident", &c.incident))?;
    writeln!(
        w,
        "  {} tests, Fisher's exact, Holm-corrected at α = {}: {} significant change(s)\n",
        c.tests,
        c.alpha,
        c.changes.len()
    )?;
    if c.changes.is_empty() {
        writeln!(w, "No significant change.\n")?;
    }
    for (k, ch) in c.changes.iter().enumerate() {
        let dir = match ch.direction {
            crate::model::comparison::Direction::Worse => paint(color, "31", "worse"),
            crate::model::comparison::Direction::Better => paint(color, "32", "better"),
            crate::model::comparison::Direction::Different => paint(color, "33", "different"),
        };
        writeln!(
            w,
            "{}. {} [{}] {}",
            k + 1,
            paint(color, "1", label(ch.kind)),
            dir,
            headline(ch)
        )?;
        writeln!(w, "   {}, adjusted {}", p_text(ch.p_value), p_text(ch.p_adjusted))?;
        writeln!(w, "   baseline: {}", evidence_text(&ch.baseline_evidence))?;
        writeln!(w, "   incident: {}", evidence_text(&ch.incident_evidence))?;
        for x in &ch.explains {
            writeln!(
                w,
                "   {} {}: {} ({})",
                paint(color, "2", "explains"),
                label(x.kind),
                headline(x),
                p_text(x.p_adjusted)
            )?;
        }
        writeln!(w)?;
    }
    writeln!(
        w,
        "{}",
        paint(color, "1", "Side by side (requests/min, error rate, p95)")
    )?;
    writeln!(w, "  {:<44} {:>28}   {:>28}", "scope", "baseline", "incident")?;
    for r in c.scopes.iter().take(ROWS) {
        let cell = |s: &crate::model::comparison::ScopeStats| {
            format!(
                "{:>8.1}/min {:>6} {:>9}",
                s.per_minute,
                rate(s.error_rate),
                ms(s.p95_ms)
            )
        };
        let mut name = r.scope.name.clone();
        if name.chars().count() > 44 {
            name = name.chars().take(43).collect::<String>() + "…";
        }
        writeln!(
            w,
            "  {:<44} {:>28}   {:>28}",
            name,
            cell(&r.baseline),
            cell(&r.incident)
        )?;
    }
    if c.scopes.len() > ROWS {
        writeln!(w, "  … {} more in --format json", c.scopes.len() - ROWS)?;
    }
    if !c.low_traffic.is_empty() {
        let list: Vec<String> = c
            .low_traffic
            .iter()
            .take(10)
            .map(|l| {
                format!(
                    "{} ({} vs {})",
                    l.scope.name, l.baseline_requests, l.incident_requests
                )
            })
            .collect();
        writeln!(
            w,
            "\nToo little traffic to judge ({} endpoint(s)): {}{}",
            c.low_traffic.len(),
            list.join(", "),
            if c.low_traffic.len() > 10 { ", …" } else { "" }
        )?;
    }
    Ok(())
}
