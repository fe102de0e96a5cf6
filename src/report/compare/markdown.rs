//! The comparison as Markdown: for a postmortem or a pull request's
//! comment. The ranked changes in a table with evidence on both sides,
//! then the scopes side by side.

use std::io::Write;

use super::{effect, evidence_text, label, ms, p_text, rate};
use crate::model::comparison::{Change, Comparison};

/// Scope rows shown.
const ROWS: usize = 30;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn row(w: &mut dyn Write, rank: &str, c: &Change) -> std::io::Result<()> {
    writeln!(
        w,
        "| {rank} | {} | {} | {} | {} → {} | {} | {} | {} | {} |",
        label(c.kind),
        cell(&c.scope.name),
        cell(&c.what),
        cell(&c.baseline),
        cell(&c.incident),
        effect(c),
        p_text(c.p_adjusted),
        cell(&evidence_text(&c.baseline_evidence)),
        cell(&evidence_text(&c.incident_evidence)),
    )
}

/// Write the comparison as Markdown.
pub fn render(c: &Comparison, w: &mut dyn Write) -> std::io::Result<()> {
    section(c, "#", w)
}

/// The comparison under a heading of `level` (`#`, `##`): on its own, or
/// as a section of the analysis report.
pub fn section(c: &Comparison, level: &str, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "{level} Compared with baseline\n")?;
    for (name, s) in [("Baseline", &c.baseline), ("Incident", &c.incident)] {
        writeln!(
            w,
            "- **{name}**: {} — {} requests over {:.0} min, {} failed",
            cell(&s.inputs.join(", ")),
            s.requests,
            s.minutes,
            s.failures
        )?;
    }
    writeln!(
        w,
        "- {} tests (Fisher's exact, Holm-corrected at α = {}), {} significant change(s)\n",
        c.tests,
        c.alpha,
        c.changes.len()
    )?;
    if c.changes.is_empty() {
        writeln!(w, "No significant change.\n")?;
    } else {
        writeln!(w, "{level}# Changes, most telling first\n")?;
        writeln!(w, "| # | kind | scope | what | baseline → incident | effect | adjusted p | baseline evidence | incident evidence |")?;
        writeln!(w, "|---|---|---|---|---|---:|---:|---|---|")?;
        for (k, ch) in c.changes.iter().enumerate() {
            row(w, &(k + 1).to_string(), ch)?;
            for x in &ch.explains {
                row(w, "↳", x)?;
            }
        }
        writeln!(w, "\n↳: explained by the change above it.\n")?;
    }
    writeln!(w, "{level}# Side by side\n")?;
    writeln!(w, "| scope | requests/min | error rate | p50 | p95 | p99 |")?;
    writeln!(w, "|---|---:|---:|---:|---:|---:|")?;
    for r in c.scopes.iter().take(ROWS) {
        let (b, i) = (&r.baseline, &r.incident);
        writeln!(
            w,
            "| {} | {:.1} → {:.1} | {} → {} | {} → {} | {} → {} | {} → {} |",
            cell(&r.scope.name),
            b.per_minute,
            i.per_minute,
            rate(b.error_rate),
            rate(i.error_rate),
            ms(b.p50_ms),
            ms(i.p50_ms),
            ms(b.p95_ms),
            ms(i.p95_ms),
            ms(b.p99_ms),
            ms(i.p99_ms)
        )?;
    }
    if c.scopes.len() > ROWS {
        writeln!(w, "\n{} more scopes in the JSON output.", c.scopes.len() - ROWS)?;
    }
    if !c.low_traffic.is_empty() {
        writeln!(w, "\n{level}# Too little traffic to judge\n")?;
        for l in &c.low_traffic {
            writeln!(
                w,
                "- {}: {} baseline, {} incident requests",
                cell(&l.scope.name),
                l.baseline_requests,
                l.incident_requests
            )?;
        }
    }
    Ok(())
}
