//! The comparison's renderers: text for the terminal, Markdown for a
//! postmortem or a pull request, the JSON contract
//! (`docs/compare-schema.md`), and an HTML section with side-by-side bars
//! that stands alone or goes into the analysis report.

pub mod html;
pub mod markdown;
pub mod text;

use crate::model::comparison::{Change, ChangeKind, Comparison};
use crate::model::report::Evidence;
use crate::report::OutputFormat;

/// Render a comparison in a format.
pub fn render(
    c: &Comparison,
    format: OutputFormat,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, c).map_err(std::io::Error::other)?;
            out.write_all(b"\n")
        }
        OutputFormat::Md => markdown::render(c, out),
        OutputFormat::Text => text::render(c, color, out),
        OutputFormat::Html => html::render(c, out),
    }
}

/// A kind as a reader names it.
pub fn label(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::NewVersion => "New version",
        ChangeKind::ContentType => "Request content type",
        ChangeKind::AuthScheme => "Auth scheme",
        ChangeKind::HeaderSet => "Request headers",
        ChangeKind::RequestSize => "Request size",
        ChangeKind::ShapeChange => "Response shape",
        ChangeKind::NewTemplate => "New error",
        ChangeKind::NewStatus => "New status",
        ChangeKind::ErrorRate => "Error rate",
        ChangeKind::Latency => "Latency",
        ChangeKind::Traffic => "Traffic",
        ChangeKind::GoneTemplate => "Error gone",
        ChangeKind::GoneStatus => "Status gone",
        ChangeKind::GoneVersion => "Version gone",
    }
}

/// `+4.5pp`, `+240%`.
pub fn effect(c: &Change) -> String {
    let v = c.effect.value;
    let sign = if v > 0.0 { "+" } else { "" };
    match c.effect.unit {
        "%" => format!("{sign}{v:.0}%"),
        u => format!("{sign}{v:.1}{u}"),
    }
}

/// A p-value in few characters: `p < 1e-300`, `p = 3.2e-12`, `p = 0.004`.
pub fn p_text(p: f64) -> String {
    if p < 1e-300 {
        "p < 1e-300".into()
    } else if p < 0.001 {
        format!("p = {p:.1e}")
    } else {
        format!("p = {p:.3}")
    }
}

/// One line for a change: `GET /v1/orders/{id} — p95: 120 ms → 410 ms (+242%)`.
pub fn headline(c: &Change) -> String {
    format!(
        "{} — {}: {} → {} ({})",
        c.scope.name,
        c.what,
        c.baseline,
        c.incident,
        effect(c)
    )
}

/// Evidence as `file line 17`.
pub fn evidence_text(e: &[Evidence]) -> String {
    if e.is_empty() {
        return "—".into();
    }
    e.iter()
        .map(|e| format!("{} {}", e.path, e.locator))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `2.5%`.
pub fn rate(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// `120 ms` or `—`.
pub fn ms(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{v:.0} ms"))
}
