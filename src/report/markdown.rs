//! The Markdown renderer: a postmortem draft with the summary, the ranked
//! causes with their why-chains and evidence, the timeline and data quality.

use std::io::Write;

use super::{Evidence, Report};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn ev(e: &[Evidence]) -> String {
    e.iter()
        .map(|e| format!("`{}` {}", e.path, e.locator))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Write the report as Markdown.
pub fn render(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let s = &r.summary;
    writeln!(w, "# Incident analysis")?;
    writeln!(w)?;
    writeln!(w, "## Summary")?;
    writeln!(w)?;
    writeln!(
        w,
        "- **Window:** {} → {} (UTC)",
        s.first_ts.as_deref().unwrap_or("unknown"),
        s.last_ts.as_deref().unwrap_or("unknown")
    )?;
    writeln!(
        w,
        "- **Impact:** {} failed of {} events; {} traces",
        s.failures, s.events, s.traces
    )?;
    match r.root_causes.first() {
        Some(c) => writeln!(
            w,
            "- **Root cause:** {} on {} — explains {} of {} failures ({}).",
            c.title,
            c.subject.describe(),
            c.explains_failures,
            s.failures,
            c.why_chain
        )?,
        None => writeln!(w, "- **Root cause:** none found: no rule fired on these inputs.")?,
    }
    writeln!(w)?;
    if !r.root_causes.is_empty() {
        writeln!(w, "## Ranked causes")?;
        writeln!(w)?;
    }
    for c in &r.root_causes {
        writeln!(
            w,
            "### {}. {} (`{}`, {})",
            c.rank, c.title, c.category, c.severity
        )?;
        writeln!(w)?;
        writeln!(
            w,
            "- **Score:** {:.1} (severity {:.2}, impact {:.2}, earliness {:.2}, causal {:.2}, specificity {:.2}); confidence {:.2}",
            c.score, c.factors.severity, c.factors.impact, c.factors.earliness, c.factors.causal, c.factors.specificity, c.confidence
        )?;
        writeln!(w, "- **Why-chain:** {}", c.why_chain)?;
        writeln!(
            w,
            "- **When:** {} → {}, {} events{}",
            c.first_seen.as_deref().unwrap_or("?"),
            c.last_seen.as_deref().unwrap_or("?"),
            c.events,
            match (&c.onset, &c.first_seen) {
                (Some(o), Some(f)) if o != f => format!(" (rising from {o})"),
                _ => String::new(),
            }
        )?;
        writeln!(w, "- **Evidence:** {}", ev(&c.evidence))?;
        if let Some(t) = &c.example_trace {
            writeln!(w, "- **Example trace:** `{t}`")?;
        }
        for sy in &c.symptoms {
            writeln!(
                w,
                "- **Symptom:** {} — {} events from {} ({})",
                sy.title,
                sy.events,
                sy.first_seen.as_deref().unwrap_or("?"),
                ev(&sy.evidence)
            )?;
        }
        writeln!(w)?;
        writeln!(w, "{}", c.explanation)?;
        writeln!(w)?;
        writeln!(w, "**Remediation.** {}", c.remediation)?;
        writeln!(w)?;
    }
    if !r.timeline.is_empty() {
        writeln!(w, "## Timeline")?;
        writeln!(w)?;
        writeln!(w, "| Time (UTC) | Event | Evidence |")?;
        writeln!(w, "|---|---|---|")?;
        for t in &r.timeline {
            let e = t
                .evidence
                .as_ref()
                .map(|e| format!("`{}` {}", cell(&e.path), e.locator))
                .unwrap_or_default();
            writeln!(w, "| {} | {} | {} |", t.ts, cell(&t.text), e)?;
        }
        writeln!(w)?;
    }
    if !r.error_templates.is_empty() {
        writeln!(w, "## Top error templates")?;
        writeln!(w)?;
        writeln!(w, "| Count | Template | First seen | Evidence |")?;
        writeln!(w, "|---:|---|---|---|")?;
        for t in &r.error_templates {
            writeln!(
                w,
                "| {} | `{}` | {} | `{}` {} |",
                t.count,
                cell(&t.template).replace('`', "'"),
                t.first_seen.as_deref().unwrap_or("?"),
                cell(&t.evidence.path),
                t.evidence.locator
            )?;
        }
        writeln!(w)?;
    }
    writeln!(w, "## Inputs and data quality")?;
    writeln!(w)?;
    writeln!(w, "| Input | Format | Dialect | Records | Events | Skipped |")?;
    writeln!(w, "|---|---|---|---:|---:|---:|")?;
    for i in &r.inputs {
        writeln!(
            w,
            "| `{}` | {} | {} | {} | {} | {} |",
            cell(&i.path),
            i.format,
            cell(&i.dialect),
            i.records,
            i.events,
            i.skipped
        )?;
    }
    writeln!(w)?;
    let notes: Vec<String> = r
        .inputs
        .iter()
        .flat_map(|i| i.notes.iter().map(move |n| format!("`{}`: {n}", i.path)))
        .chain(r.notes.iter().cloned())
        .collect();
    for n in notes {
        writeln!(w, "- {n}")?;
    }
    Ok(())
}
