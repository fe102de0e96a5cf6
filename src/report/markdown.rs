//! The Markdown renderer: a postmortem draft with the summary, the ranked
//! causes with their why-chains and evidence, the timeline and data quality.

use crate::model::report::{Time, TimeText};
use std::io::Write;

use super::{Cause, Evidence, Report};

/// The time from `a` to `b` as `3 min 58 s`.
fn duration(a: Time, b: Time) -> String {
    let s = b.ns().saturating_sub(a.ns()).max(0) / 1_000_000_000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// The first sentence of a text, whole.
fn first_sentence(t: &str) -> &str {
    t.find(". ").map_or(t, |i| &t[..=i])
}

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
    summary(r, w)?;
    if !r.root_causes.is_empty() {
        writeln!(w, "## Ranked causes")?;
        writeln!(w)?;
    }
    for c in &r.root_causes {
        cause(c, w)?;
    }
    if !r.timeline.is_empty() {
        writeln!(w, "## Timeline")?;
        writeln!(w)?;
        super::timeline::markdown(&r.timeline, w)?;
        writeln!(w)?;
    }
    if let Some(c) = &r.comparison {
        super::compare::markdown::section(c, "##", w)?;
        writeln!(w)?;
    }
    spike(r, w)?;
    clocks(r, w)?;
    affected(r, w)?;
    remediation(r, w)?;
    templates(r, w)?;
    inputs(r, w)
}

/// What broke, when, the impact and the window analyzed.
fn summary(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let s = &r.summary;
    writeln!(w, "# Incident analysis")?;
    writeln!(w)?;
    writeln!(w, "## Summary")?;
    writeln!(w)?;
    let top = r.root_causes.first();
    let kind_ts = |kind: &str| {
        r.timeline
            .iter()
            .find(|t| t.cause == Some(1) && t.kind == kind)
            .map(|t| t.ts)
    };
    match top {
        Some(c) => {
            let start = c.onset.or(c.first_seen);
            let end = kind_ts("recovery").or(c.last_seen);
            writeln!(w, "- **What broke:** {} on {}.", c.title, c.subject.describe())?;
            if let Some(culprit) = &c.culprit {
                writeln!(w, "- **Culprit:** {culprit}.")?;
            }
            writeln!(
                w,
                "- **When:** from {} to {}{}.",
                start.text().as_deref().unwrap_or("?"),
                end.text().as_deref().unwrap_or("?"),
                match (start, end) {
                    (Some(a), Some(b)) => format!(" ({})", duration(a, b)),
                    _ => String::new(),
                }
            )?;
            if kind_ts("recovery").is_none() {
                writeln!(w, "- **Status:** no recovery is visible before the inputs end.")?;
            }
        }
        None => writeln!(w, "- **What broke:** no rule fired on these inputs.")?,
    }
    writeln!(
        w,
        "- **Impact:** {} failed requests of {} events{}; {} traces.",
        s.failures,
        s.events,
        if r.affected.endpoints.is_empty() {
            String::new()
        } else {
            format!(
                ", on {} endpoint{} and {} client{} (top lists below)",
                r.affected.endpoints.len(),
                if r.affected.endpoints.len() == 1 { "" } else { "s" },
                r.affected.clients.len(),
                if r.affected.clients.len() == 1 { "" } else { "s" }
            )
        },
        s.traces
    )?;
    if let Some(c) = top {
        writeln!(
            w,
            "- **Root cause:** {} It explains {} of the {} failed requests ({}).",
            first_sentence(&c.explanation),
            c.explains_failures,
            s.failures,
            c.why_chain
        )?;
    }
    writeln!(
        w,
        "- **Window analyzed:** {} → {} (UTC)",
        s.first_ts.text().as_deref().unwrap_or("unknown"),
        s.last_ts.text().as_deref().unwrap_or("unknown")
    )?;
    writeln!(w)?;
    Ok(())
}

/// One ranked cause: score, why-chain, evidence, example trace,
/// symptoms, explanation and remediation.
fn cause(c: &Cause, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        w,
        "### {}. {} (`{}`, {})",
        c.rank, c.title, c.category, c.severity
    )?;
    writeln!(w)?;
    let f = &c.factors;
    writeln!(
        w,
        "- **Score:** {:.1} (severity {:.2}, baseline {:.2}, impact {:.2}, earliness {:.2}, causal {:.2}, specificity {:.2}); confidence {:.2}",
        c.score, f.severity, f.baseline, f.impact, f.earliness, f.causal, f.specificity, c.confidence
    )?;
    writeln!(w, "- **Why-chain:** {}", c.why_chain)?;
    writeln!(
        w,
        "- **When:** {} → {}, {} events{}",
        c.first_seen.text().as_deref().unwrap_or("?"),
        c.last_seen.text().as_deref().unwrap_or("?"),
        c.events,
        match (&c.onset, &c.first_seen) {
            (Some(o), Some(f)) if o != f => format!(" (rising from {o})"),
            _ => String::new(),
        }
    )?;
    writeln!(w, "- **Evidence:** {}", ev(&c.evidence))?;
    if let Some(t) = &c.example_trace {
        writeln!(w, "- **Example trace:** `{t}`")?;
        for h in &c.trace_hops {
            writeln!(
                w,
                "  {}- {} → {}{}{} (`{}` {}){}",
                "  ".repeat(h.depth.min(6) as usize),
                h.request,
                h.status
                    .map_or_else(|| h.error.clone().unwrap_or_default(), |s| s.to_string()),
                h.duration_ms.map(|d| format!(", {d:.0} ms")).unwrap_or_default(),
                h.service.as_deref().map(|s| format!(", {s}")).unwrap_or_default(),
                h.evidence.path,
                h.evidence.locator,
                if h.deepest_failure {
                    " — **deepest failure**"
                } else {
                    ""
                }
            )?;
        }
    }
    for sy in &c.symptoms {
        writeln!(
            w,
            "- **Symptom:** {} — {}: {} events from {} ({})",
            sy.title,
            sy.subject.describe(),
            sy.events,
            sy.first_seen.text().as_deref().unwrap_or("?"),
            ev(&sy.evidence)
        )?;
    }
    writeln!(w)?;
    writeln!(w, "{}", c.explanation)?;
    writeln!(w)?;
    writeln!(w, "**Remediation.** {}", c.remediation)?;
    writeln!(w)?;
    Ok(())
}

/// What the failures have in common.
fn spike(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    if let Some(sp) = r.spike.as_ref().filter(|sp| !sp.fields.is_empty()) {
        writeln!(w, "## What the failures have in common")?;
        writeln!(w)?;
        writeln!(
            w,
            "{} failures from {} to {}, against {} events before.",
            sp.failures, sp.window_start, sp.window_end, sp.baseline_events
        )?;
        writeln!(w)?;
        writeln!(w, "| Field | Value | Share of failures | Share before | Effect |")?;
        writeln!(w, "|---|---|---:|---:|---:|")?;
        for f in &sp.fields {
            writeln!(
                w,
                "| {} | `{}` | {:.0}% | {:.0}% | +{:.0} pts |",
                f.field,
                cell(&f.value).replace('`', "'"),
                f.share * 100.0,
                f.baseline_share * 100.0,
                f.effect * 100.0
            )?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Joins across inputs and clock corrections.
fn clocks(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    if !r.correlation.clocks.is_empty() {
        writeln!(w, "## Joins and clocks")?;
        writeln!(w)?;
        writeln!(
            w,
            "{} requests were found in more than one input. Times are on the clock of `{}`.",
            r.correlation.joined_requests,
            r.correlation.reference.as_deref().unwrap_or("?")
        )?;
        writeln!(w)?;
        for c in &r.correlation.clocks {
            let ex = c
                .examples
                .iter()
                .take(2)
                .map(|[a, b]| format!("`{}` {} ↔ `{}` {}", a.path, a.locator, b.path, b.locator))
                .collect::<Vec<_>>()
                .join("; ");
            writeln!(w, "- {} For example: {ex}.", c.text)?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// The endpoints and clients that failed.
fn affected(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    if !r.affected.endpoints.is_empty() {
        writeln!(w, "## Affected endpoints and clients")?;
        writeln!(w)?;
        writeln!(w, "| Endpoint | Failed | Requests |")?;
        writeln!(w, "|---|---:|---:|")?;
        for e in &r.affected.endpoints {
            writeln!(
                w,
                "| `{}{}` | {} | {} |",
                cell(e.host.as_deref().unwrap_or("")),
                cell(&e.route),
                e.failures,
                e.requests
            )?;
        }
        writeln!(w)?;
        if !r.affected.clients.is_empty() {
            writeln!(w, "| Client | Failed | Requests |")?;
            writeln!(w, "|---|---:|---:|")?;
            for c in &r.affected.clients {
                writeln!(w, "| `{}` | {} | {} |", cell(&c.client), c.failures, c.requests)?;
            }
            writeln!(w)?;
        }
    }
    Ok(())
}

/// The top three causes' remediations as a checklist.
fn remediation(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    if !r.root_causes.is_empty() {
        writeln!(w, "## Remediation")?;
        writeln!(w)?;
        for c in r.root_causes.iter().take(3) {
            writeln!(
                w,
                "- [ ] **{}** ({}): {}",
                c.title,
                c.subject.describe(),
                c.remediation
            )?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// The most frequent error templates.
fn templates(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
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
                t.first_seen.text().as_deref().unwrap_or("?"),
                cell(&t.evidence.path),
                t.evidence.locator
            )?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Every input's accounting, and the notes on data quality.
fn inputs(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
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
