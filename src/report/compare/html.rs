//! The comparison in HTML: a "compared with baseline" section (the ranked
//! changes as cards with evidence on both sides, and the busiest scopes
//! with side-by-side bars of error rate and p95 latency), on its own page
//! or inside the analysis report. No script, nothing loaded from anywhere.

use std::fmt::Write as _;
use std::io::Write;

use super::{effect, evidence_text, headline, label, ms, p_text, rate};
use crate::model::comparison::{Comparison, Direction, ScopeStats};
use crate::report::style::{esc, CSS};

/// Scope rows with bars.
const ROWS: usize = 20;

const STYLE: &str = ".bars{display:grid;grid-template-columns:64px 1fr;gap:2px 6px;align-items:center;font-size:12px}\
.bar{height:10px;border-radius:2px;min-width:1px}.bar.b{background:#8fa3b8}.bar.i{background:var(--c5)}\
.chg.worse{border-left:5px solid var(--c5)}.chg.better{border-left:5px solid var(--ok)}.chg.different{border-left:5px solid var(--c4)}";

fn bar(o: &mut String, label: &str, class: &str, value: f64, max: f64, text: &str) {
    let pct = if max > 0.0 {
        (value / max * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    };
    let _ = write!(
        o,
        "<span class=\"mute\">{label}</span><span><span class=\"bar {class}\" style=\"display:inline-block;width:{pct:.1}%\"></span> {}</span>",
        esc(text)
    );
}

/// A cell with the baseline's and the incident's bars, scaled to the larger.
fn pair(o: &mut String, b: f64, i: f64, tb: &str, ti: &str) {
    let max = b.max(i);
    o.push_str("<td><div class=\"bars\">");
    bar(o, "baseline", "b", b, max, tb);
    bar(o, "incident", "i", i, max, ti);
    o.push_str("</div></td>");
}

/// The "compared with baseline" section.
pub fn section(o: &mut String, c: &Comparison) {
    let _ = write!(
        o,
        "<style>{STYLE}</style><h2 id=\"compared\">Compared with baseline</h2><p class=\"mute\">Baseline: {} — {} requests, {} failed. Incident: {} — {} requests, {} failed. {} tests, Fisher's exact, Holm-corrected at α = {}.</p>",
        esc(&c.baseline.inputs.join(", ")),
        c.baseline.requests,
        c.baseline.failures,
        esc(&c.incident.inputs.join(", ")),
        c.incident.requests,
        c.incident.failures,
        c.tests,
        c.alpha
    );
    if c.changes.is_empty() {
        o.push_str("<p><b>No significant change.</b></p>");
    }
    for (k, ch) in c.changes.iter().enumerate() {
        let class = match ch.direction {
            Direction::Worse => "worse",
            Direction::Better => "better",
            Direction::Different => "different",
        };
        let _ = write!(
            o,
            "<div class=\"card chg {class}\"><h3>{}. {} — {}</h3><p>{} <span class=\"mute\">({}, adjusted {})</span></p><div class=\"kv\"><span class=\"mute\">baseline</span><span class=\"mono\">{}</span><span class=\"mute\">incident</span><span class=\"mono\">{}</span></div>",
            k + 1,
            esc(label(ch.kind)),
            esc(&effect(ch)),
            esc(&headline(ch)),
            esc(&p_text(ch.p_value)),
            esc(&p_text(ch.p_adjusted)),
            esc(&evidence_text(&ch.baseline_evidence)),
            esc(&evidence_text(&ch.incident_evidence))
        );
        if !ch.explains.is_empty() {
            o.push_str("<p class=\"mute\">Explains:</p><ul>");
            for x in &ch.explains {
                let _ = write!(o, "<li>{}: {}</li>", esc(label(x.kind)), esc(&headline(x)));
            }
            o.push_str("</ul>");
        }
        o.push_str("</div>");
    }
    o.push_str("<h3>Side by side</h3><table><thead><tr><th>scope</th><th>requests/min</th><th>error rate</th><th>p95 latency</th></tr></thead><tbody>");
    for r in c.scopes.iter().take(ROWS) {
        let (b, i): (&ScopeStats, &ScopeStats) = (&r.baseline, &r.incident);
        let _ = write!(o, "<tr><td class=\"mono\">{}</td>", esc(&r.scope.name));
        pair(
            o,
            b.per_minute,
            i.per_minute,
            &format!("{:.1}", b.per_minute),
            &format!("{:.1}", i.per_minute),
        );
        pair(
            o,
            b.error_rate,
            i.error_rate,
            &rate(b.error_rate),
            &rate(i.error_rate),
        );
        pair(
            o,
            b.p95_ms.unwrap_or(0.0),
            i.p95_ms.unwrap_or(0.0),
            &ms(b.p95_ms),
            &ms(i.p95_ms),
        );
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
    if c.scopes.len() > ROWS {
        let _ = write!(
            o,
            "<p class=\"mute\">{} more scopes in the JSON output.</p>",
            c.scopes.len() - ROWS
        );
    }
    if !c.low_traffic.is_empty() {
        o.push_str("<p class=\"mute\">Too little traffic to judge: ");
        let list: Vec<String> = c
            .low_traffic
            .iter()
            .map(|l| {
                format!(
                    "{} ({} vs {})",
                    esc(&l.scope.name),
                    l.baseline_requests,
                    l.incident_requests
                )
            })
            .collect();
        o.push_str(&list.join(", "));
        o.push_str("</p>");
    }
}

/// The comparison as one self-contained HTML page.
pub fn render(c: &Comparison, w: &mut dyn Write) -> std::io::Result<()> {
    let mut o = String::with_capacity(32 * 1024);
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>logsleuth: compared with baseline</title><style>{CSS}</style></head><body><main><h1>Baseline comparison</h1>"
    );
    section(&mut o, c);
    o.push_str("<p class=\"mute\">Generated by logsleuth — offline; this file loads nothing from the network.</p></main></body></html>\n");
    w.write_all(o.as_bytes())
}
