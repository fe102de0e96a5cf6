//! Renders an [`EvalReport`]: a table of scenarios with the rank at which
//! each true root cause was found, then AC@1, AC@3 and Avg@5.

use std::io::Write;

use serde::Serialize;

/// How one scenario scored.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// Folder name.
    pub name: String,
    /// True category.
    pub category: String,
    /// True subject.
    pub subject: String,
    /// Rank of the first matching cause (1 is best); `None` when not found.
    pub rank: Option<u32>,
    /// The top cause, as `category subject`.
    pub top: Option<String>,
    /// Seconds between the matching cause's onset and the true onset.
    pub onset_error_s: Option<f64>,
}

/// The whole suite's score.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// One row per scenario, in folder order.
    pub scenarios: Vec<ScenarioResult>,
    /// Share found at rank 1.
    pub ac_at_1: f64,
    /// Share found within the first 3.
    pub ac_at_3: f64,
    /// Mean of AC@1..AC@5.
    pub avg_at_5: f64,
}

/// Plain-text table.
pub fn render_text(r: &EvalReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<36} {:<26} {:>4}  {:>8}  top cause",
        "scenario", "true category", "rank", "onset Δ"
    )?;
    for s in &r.scenarios {
        let rank = s.rank.map_or_else(|| "-".to_string(), |k| k.to_string());
        let onset = s
            .onset_error_s
            .map_or_else(|| "-".to_string(), |d| format!("{d:+.1}s"));
        writeln!(
            out,
            "{:<36} {:<26} {:>4}  {:>8}  {}",
            s.name,
            s.category,
            rank,
            onset,
            s.top.as_deref().unwrap_or("(none)")
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} scenarios  AC@1 {:.3}  AC@3 {:.3}  Avg@5 {:.3}",
        r.scenarios.len(),
        r.ac_at_1,
        r.ac_at_3,
        r.avg_at_5
    )
}

/// JSON.
pub fn render_json(r: &EvalReport, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, r).map_err(std::io::Error::other)?;
    writeln!(out)
}
