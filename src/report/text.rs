//! The terminal renderer: the answer first, in at most 100 columns, with
//! colour only when asked for (the caller decides from `--color`, `NO_COLOR`
//! and whether stdout is a terminal).

use crate::model::report::Time;
use std::io::Write;

use super::{Cause, Evidence, Hop, Report, Spike};

const WIDTH: usize = 100;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn sev(&self, sev: &str) -> String {
        let code = match sev {
            "critical" => "1;31",
            "high" => "31",
            "medium" => "33",
            _ => "36",
        };
        self.paint(code, sev)
    }
}

/// Word-wrap `text` to `width` columns, each line prefixed with `indent`.
pub fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    let room = width.saturating_sub(indent.chars().count()).max(20);
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn short_ts(ts: Option<Time>) -> String {
    ts.map_or_else(|| "?".into(), Time::spaced)
}

/// `a.har entries 0, 1, 2; b.jsonl line 7`: evidence grouped by input.
fn evidence_list(ev: &[Evidence]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for e in ev {
        match groups.iter_mut().find(|(p, _)| *p == e.path) {
            Some((_, locs)) => locs.push(&e.locator),
            None => groups.push((&e.path, vec![&e.locator])),
        }
    }
    groups
        .iter()
        .map(|(path, locs)| {
            let kind = locs
                .first()
                .and_then(|l| l.split_once(' '))
                .map_or("", |(k, _)| k);
            let nums: Vec<&str> = locs
                .iter()
                .map(|l| l.split_once(' ').map_or(*l, |(_, n)| n))
                .collect();
            let plural = if nums.len() > 1 {
                match kind {
                    "entry" => "entries",
                    "line" => "lines",
                    k => k,
                }
            } else {
                kind
            };
            format!("{path} {plural} {}", nums.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One hop of a trace waterfall, indented by depth.
fn hop_line(h: &Hop) -> String {
    let outcome = match (h.status, h.error.as_deref()) {
        (Some(s), _) => s.to_string(),
        (None, Some(e)) => e.to_string(),
        _ => "-".into(),
    };
    let dur = h.duration_ms.map(|d| format!(" {d:.0} ms")).unwrap_or_default();
    let mark = if h.deepest_failure {
        "  ◀ deepest failure"
    } else {
        ""
    };
    let indent = format!("    {}", "  ".repeat(h.depth.min(6) as usize));
    let text = format!(
        "└ {} → {outcome}{dur}  ({} {}){mark}",
        h.request, h.evidence.path, h.evidence.locator
    );
    wrap(&text, &indent, WIDTH)
}

/// The most over-represented field values among the failures.
fn spike(w: &mut dyn Write, st: &Style, s: &Spike) -> std::io::Result<()> {
    if s.fields.is_empty() {
        return Ok(());
    }
    writeln!(w, "{}", st.bold("WHAT THE FAILURES HAVE IN COMMON"))?;
    writeln!(
        w,
        "  {} failures {} → {} against {} earlier events",
        s.failures,
        short_ts(Some(s.window_start)),
        short_ts(Some(s.window_end)),
        s.baseline_events
    )?;
    for f in s.fields.iter().take(6) {
        let line = format!(
            "{}={}  {:.0}% of failures vs {:.0}% before  (+{:.0} pts)",
            f.field,
            f.value,
            f.share * 100.0,
            f.baseline_share * 100.0,
            f.effect * 100.0
        );
        write!(w, "{}", wrap(&line, "  ", WIDTH))?;
    }
    writeln!(w)
}

fn cause(
    w: &mut dyn Write,
    st: &Style,
    c: &Cause,
    total_failures: u64,
    explain: bool,
) -> std::io::Result<()> {
    let head = if c.rank == 1 { "ROOT CAUSE" } else { "CAUSE" };
    writeln!(
        w,
        "{} #{}  {}  {}  score {:.1}  confidence {:.2}",
        st.bold(head),
        c.rank,
        st.bold(&c.category),
        st.sev(&c.severity),
        c.score,
        c.confidence
    )?;
    let title = wrap(&format!("{} — {}", c.title, c.subject.describe()), "  ", WIDTH);
    write!(w, "{}", st.bold(title.trim_end()))?;
    writeln!(w)?;
    write!(
        w,
        "{}",
        wrap(
            &format!(
                "explains {} of {} failed requests: {}",
                c.explains_failures, total_failures, c.why_chain
            ),
            "  ",
            WIDTH
        )
    )?;
    writeln!(
        w,
        "  {} → {}  ·  {} events",
        short_ts(c.first_seen),
        short_ts(c.last_seen),
        c.events
    )?;
    write!(w, "{}", wrap(&c.explanation, "  ", WIDTH))?;
    if let Some(culprit) = &c.culprit {
        write!(w, "{}", wrap(&format!("culprit: {culprit}."), "  ", WIDTH))?;
    }
    write!(
        w,
        "{}",
        st.dim(&wrap(
            &format!("evidence: {}", evidence_list(&c.evidence)),
            "  ",
            WIDTH
        ))
    )?;
    if explain {
        let f = &c.factors;
        let line = format!(
            "why #{}: severity {:.2} · baseline {:.2} · impact {:.2} · earliness {:.2} · causal {:.2} · specificity {:.2}",
            c.rank, f.severity, f.baseline, f.impact, f.earliness, f.causal, f.specificity
        );
        write!(w, "{}", st.dim(&wrap(&line, "  ", WIDTH)))?;
    }
    if let Some(t) = &c.example_trace {
        writeln!(w, "  {}", st.dim(&format!("example trace: {t}")))?;
        for h in c.trace_hops.iter().take(8) {
            write!(w, "{}", st.dim(&hop_line(h)))?;
        }
    }
    if !c.symptoms.is_empty() {
        writeln!(w, "  symptoms:")?;
        for s in &c.symptoms {
            write!(
                w,
                "{}",
                wrap(
                    &format!(
                        "└ {} — {} ({} events from {})",
                        s.title,
                        s.subject.describe(),
                        s.events,
                        short_ts(s.first_seen)
                    ),
                    "    ",
                    WIDTH
                )
            )?;
        }
    }
    write!(w, "{}", wrap(&format!("fix: {}", c.remediation), "  ", WIDTH))?;
    writeln!(w)
}

/// One trace (or request) as a waterfall: each hop with its depth, status,
/// duration, a bar placed on the trace's time span, and its record.
pub fn render_trace(id: &str, hops: &[Hop], color: bool, w: &mut dyn Write) -> std::io::Result<()> {
    let st = Style { on: color };
    if hops.is_empty() {
        return writeln!(w, "No record of {id} in these inputs.");
    }
    let span = |h: &Hop| {
        let t = h.ts.map(|t| t.ns() as f64 / 1e6);
        (t, h.duration_ms.unwrap_or(0.0))
    };
    let start = hops.iter().filter_map(|h| span(h).0).fold(f64::MAX, f64::min);
    let end = hops
        .iter()
        .filter_map(|h| {
            let (t, d) = span(h);
            t.map(|t| t + d)
        })
        .fold(f64::MIN, f64::max);
    let total = (end - start).max(1.0);
    writeln!(
        w,
        "{} {id}  ·  {} records  ·  {:.0} ms  ·  from {}",
        st.bold("trace"),
        hops.len(),
        total,
        short_ts(hops.iter().find_map(|h| h.ts))
    )?;
    const BAR: usize = 30;
    for h in hops {
        let (t, d) = span(h);
        let (from, len) = match t {
            Some(t) => {
                let a = (((t - start) / total) * BAR as f64).floor() as usize;
                let l = ((d / total) * BAR as f64).ceil().max(1.0) as usize;
                (a.min(BAR - 1), l.min(BAR - a.min(BAR - 1)))
            }
            None => (0, 0),
        };
        let bar = format!(
            "{}{}{}",
            " ".repeat(from),
            "█".repeat(len),
            " ".repeat(BAR - from - len)
        );
        let outcome = match (h.status, h.error.as_deref()) {
            (Some(s), _) => s.to_string(),
            (None, Some(e)) => e.to_string(),
            _ => "-".into(),
        };
        let failed = h.status.is_some_and(|s| s >= 400) || (h.status.is_none() && h.error.is_some());
        let bar = if h.deepest_failure {
            st.paint("1;31", &bar)
        } else if failed {
            st.paint("33", &bar)
        } else {
            st.paint("32", &bar)
        };
        let mark = if h.deepest_failure {
            " ◀ deepest failure"
        } else {
            ""
        };
        let indent = "  ".repeat(h.depth.min(6) as usize);
        // Keep the line within the terminal's 100 columns.
        let room = WIDTH.saturating_sub(BAR + 1 + indent.len() + outcome.len() + mark.chars().count() + 14);
        let request: String = if h.request.chars().count() > room {
            let mut r: String = h.request.chars().take(room.saturating_sub(1)).collect();
            r.push('…');
            r
        } else {
            h.request.clone()
        };
        writeln!(
            w,
            "{bar} {indent}{} → {outcome} {}{mark}",
            request,
            h.duration_ms.map(|d| format!("{d:.0} ms")).unwrap_or_default()
        )?;
        writeln!(
            w,
            "{} {indent}{}",
            " ".repeat(BAR),
            st.dim(&format!(
                "{} {}  {}{}",
                h.evidence.path,
                h.evidence.locator,
                short_ts(h.ts),
                h.service.as_deref().map(|s| format!("  {s}")).unwrap_or_default()
            ))
        )?;
    }
    Ok(())
}

/// Write the report for a terminal.
pub fn render(r: &Report, color: bool, explain: bool, w: &mut dyn Write) -> std::io::Result<()> {
    let st = Style { on: color };
    let s = &r.summary;
    let inputs = if r.inputs.len() == 1 { "input" } else { "inputs" };
    writeln!(
        w,
        "{} · {} {inputs} · {} events · {} failures · {} traces",
        st.bold("logsleuth"),
        r.inputs.len(),
        s.events,
        s.failures,
        s.traces
    )?;
    writeln!(w, "window {} → {} UTC", short_ts(s.first_ts), short_ts(s.last_ts))?;
    if let Some(reference) = &r.correlation.reference {
        writeln!(
            w,
            "{} requests joined across inputs; times on {reference}'s clock",
            r.correlation.joined_requests
        )?;
    }
    writeln!(w)?;
    if r.root_causes.is_empty() {
        writeln!(w, "No failure pattern found: no rule fired on these inputs.")?;
        writeln!(w)?;
    }
    for c in &r.root_causes {
        cause(w, &st, c, s.failures, explain)?;
    }
    if !r.timeline.is_empty() {
        writeln!(w, "{}", st.bold("TIMELINE"))?;
        for t in &r.timeline {
            let clock = t
                .evidence
                .as_ref()
                .and_then(|e| e.clock_corrected_ms)
                .map(|ms| format!("  [clock {:+.1} s]", ms as f64 / 1000.0))
                .unwrap_or_default();
            let line = format!("{}  {}{clock}", short_ts(Some(t.ts)), t.text);
            write!(w, "{}", wrap(&line, "  ", WIDTH))?;
        }
        writeln!(w)?;
    }
    if let Some(sp) = &r.spike {
        spike(w, &st, sp)?;
    }
    if !r.error_templates.is_empty() {
        writeln!(w, "{}", st.bold("TOP ERROR TEMPLATES"))?;
        for t in r.error_templates.iter().take(5) {
            let line = format!(
                "{:>6}×  {}  (from {})",
                t.count,
                t.template,
                short_ts(t.first_seen)
            );
            write!(w, "{}", wrap(&line, "  ", WIDTH))?;
        }
        writeln!(w)?;
    }
    writeln!(w, "{}", st.bold("INPUTS"))?;
    for i in &r.inputs {
        let line = format!(
            "{}  {} ({})  {} records, {} events, {} skipped",
            i.path, i.format, i.dialect, i.records, i.events, i.skipped
        );
        write!(w, "{}", wrap(&line, "  ", WIDTH))?;
        for is in i.issues.iter().take(3) {
            write!(
                w,
                "{}",
                st.dim(&wrap(
                    &format!("skipped {} (byte {}): {}", is.locator, is.offset, is.reason),
                    "    ",
                    WIDTH
                ))
            )?;
        }
        if i.issues.len() > 3 {
            writeln!(
                w,
                "    {}",
                st.dim(&format!("… and {} more (see --format json)", i.issues.len() - 3))
            )?;
        }
        for n in &i.notes {
            write!(w, "{}", wrap(&format!("note: {n}"), "    ", WIDTH))?;
        }
    }
    if !r.notes.is_empty() {
        writeln!(w)?;
        writeln!(w, "{}", st.bold("NOTES"))?;
        for n in &r.notes {
            write!(w, "{}", wrap(&format!("- {n}"), "  ", WIDTH))?;
        }
    }
    if let Some(c) = &r.comparison {
        writeln!(w)?;
        super::compare::text::render(c, st.on, w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_within_width() {
        let text = "word ".repeat(100);
        for line in wrap(&text, "  ", 40).lines() {
            assert!(line.chars().count() <= 40);
        }
    }
}
