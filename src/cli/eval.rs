//! Scoring the ranking against labeled incidents: a suite is a directory of
//! scenario folders, each holding its inputs and a `truth.toml` (category,
//! subject, onset). A scenario counts as found at rank k when the k-th root
//! cause has the true category and its subject names the true subject.
//! AC@k is the share of scenarios found within the first k causes.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::app::{self, AnalyzeOptions};
use crate::error::{Error, Result};
use crate::report::eval::{EvalReport, ScenarioResult};
use crate::report::{Cause, ListFormat};

/// The file that labels a scenario.
pub const TRUTH_FILE: &str = "truth.toml";

/// Ground truth of one scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Truth {
    /// The root cause's category.
    pub category: String,
    /// What the subject is: host, route, service, field, version or client.
    #[serde(default)]
    pub subject_kind: Option<String>,
    /// The host, route, service, field, version or input that is at fault.
    pub subject: String,
    /// When the incident began (RFC 3339).
    #[serde(default)]
    pub onset: Option<String>,
    /// Where a hand-written incident comes from (a public postmortem).
    #[serde(default)]
    pub source: Option<String>,
}

/// Whether a cause's subject names the true subject.
pub fn subject_matches(cause: &Cause, truth: &str) -> bool {
    let s = &cause.subject;
    // Field paths match with or without a leading `.` or `$.`.
    let bare = |v: &str| v.trim_start_matches('$').trim_start_matches('.').to_string();
    let exact = [
        &s.host,
        &s.endpoint,
        &s.service,
        &s.version,
        &s.upstream,
        &s.agent,
        &s.content_type,
    ]
    .into_iter()
    .flatten()
    .any(|v| v == truth)
        || s.field.as_deref().is_some_and(|f| bare(f) == bare(truth));
    // A client named by its input: match the file name.
    let client = s
        .client
        .as_deref()
        .is_some_and(|c| c == truth || Path::new(c).file_name().and_then(|f| f.to_str()) == Some(truth));
    exact || client
}

/// The entries of a directory, sorted.
fn entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        out.push(entry.map_err(io)?.path());
    }
    out.sort();
    Ok(out)
}

fn scenario_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let out: Vec<PathBuf> = entries(dir)?
        .into_iter()
        .filter(|p| p.join(TRUTH_FILE).is_file())
        .collect();
    if out.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no scenario folders (sub-folders with a {TRUTH_FILE}) found",
            dir.display()
        )));
    }
    Ok(out)
}

/// A scenario's inputs: its files but the truth and hidden files.
fn inputs_of(dir: &Path) -> Result<Vec<String>> {
    Ok(entries(dir)?
        .into_iter()
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            p.is_file() && name != TRUTH_FILE && !name.starts_with('.')
        })
        .map(|p| p.display().to_string())
        .collect())
}

/// Analyze every scenario under `dir` and score the rankings.
pub fn run(dir: &Path, rule_dirs: &[PathBuf]) -> Result<EvalReport> {
    let mut scenarios = Vec::new();
    for sdir in scenario_dirs(dir)? {
        let truth_path = sdir.join(TRUTH_FILE);
        let text = std::fs::read_to_string(&truth_path).map_err(|source| Error::Io {
            path: truth_path.clone(),
            source,
        })?;
        let truth: Truth = toml::from_str(&text)
            .map_err(|e| Error::Usage(format!("{}: {}", truth_path.display(), e.message())))?;
        let opts = AnalyzeOptions {
            read: crate::input::read::Request {
                inputs: inputs_of(&sdir)?,
                quiet: true,
                ..Default::default()
            },
            rule_dirs: rule_dirs.to_vec(),
            baseline: None,
        };
        let analysis = app::analyze(&opts)?;
        let causes = &analysis.report.root_causes;
        let hit = causes
            .iter()
            .find(|c| c.category == truth.category && subject_matches(c, &truth.subject));
        let onset_error_s = hit.and_then(|c| {
            let t = crate::normalize::time::parse_rfc3339(truth.onset.as_deref()?)?.ns;
            let o = c.onset.or(c.first_seen)?.ns();
            Some(((o - t) as f64 / 1e9 * 10.0).round() / 10.0)
        });
        scenarios.push(ScenarioResult {
            name: sdir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            category: truth.category,
            subject: truth.subject,
            rank: hit.map(|c| c.rank),
            top: causes
                .first()
                .map(|c| format!("{} {}", c.category, c.subject.describe())),
            onset_error_s,
        });
    }
    let n = scenarios.len().max(1) as f64;
    let at = |k: u32| {
        scenarios
            .iter()
            .filter(|s| s.rank.is_some_and(|r| r <= k))
            .count() as f64
            / n
    };
    let avg_at_5 = (1..=5).map(at).sum::<f64>() / 5.0;
    Ok(EvalReport {
        ac_at_1: at(1),
        ac_at_3: at(3),
        avg_at_5,
        scenarios,
    })
}

/// `logsleuth eval DIR`: score the ranking on a labeled suite and print
/// the table.
pub fn run_eval(
    dir: &Path,
    format: ListFormat,
    rule_dirs: &[PathBuf],
    out: &mut dyn std::io::Write,
) -> Result<()> {
    let result = run(dir, &crate::rules::dirs_with_project(rule_dirs))?;
    match format {
        ListFormat::Text => crate::report::eval::render_text(&result, out),
        ListFormat::Json => crate::report::eval::render_json(&result, out),
    }
    .map_err(|source| Error::Output {
        path: PathBuf::from("-"),
        source,
    })
}
