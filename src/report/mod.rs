//! The report: one serializable structure that every renderer reads, and the
//! renderers themselves. Only this module writes output. The JSON form is a
//! documented contract (`docs/report-schema.md`); bump [`SCHEMA_VERSION`] on
//! any breaking change.

pub mod json;
pub mod markdown;
pub mod text;

use serde::Serialize;

pub use crate::model::Subject;

/// Version of the JSON report contract.
pub const SCHEMA_VERSION: u32 = 1;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Terminal text.
    Text,
    /// The JSON contract.
    Json,
    /// Markdown for postmortems.
    Md,
}

/// The whole analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Contract version.
    pub schema_version: u32,
    /// Tool name and version.
    pub generator: String,
    /// One entry per input, in input order.
    pub inputs: Vec<InputReport>,
    /// Whole-run figures.
    pub summary: Summary,
    /// Root causes, best first, symptoms folded under them.
    pub root_causes: Vec<Cause>,
    /// The incident in time order.
    pub timeline: Vec<TimelineEntry>,
    /// The most frequent error templates among the failures.
    pub error_templates: Vec<ErrorTemplate>,
    /// Data-quality notes: what could not be analysed and why.
    pub notes: Vec<String>,
}

/// One input.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    /// Path as given.
    pub path: String,
    /// `har` or `jsonl`.
    pub format: String,
    /// Producer or logging convention.
    pub dialect: String,
    /// Size after decompression.
    pub bytes: u64,
    /// Top-level units: lines or HAR entries.
    pub records: u64,
    /// Events produced and kept (a unit may produce several, e.g. an OTel batch line).
    pub events: u64,
    /// Units that produced no event.
    pub skipped: u64,
    /// Events dropped by `--since` / `--until`.
    pub filtered: u64,
    /// Each skipped unit with where and why.
    pub issues: Vec<Issue>,
    /// Input-level notes (truncation, ...).
    pub notes: Vec<String>,
}

/// A skipped record.
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    /// `line N` or `entry N`.
    pub locator: String,
    /// Byte offset.
    pub offset: u64,
    /// Why it was skipped.
    pub reason: String,
}

/// Whole-run figures.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Events across all inputs.
    pub events: u64,
    /// Events that are failures.
    pub failures: u64,
    /// Earliest event time (RFC 3339, UTC).
    pub first_ts: Option<String>,
    /// Latest event time.
    pub last_ts: Option<String>,
    /// Distinct trace ids.
    pub traces: u64,
}

/// A pointer to one record.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// Input path.
    pub path: String,
    /// `line N` or `entry N`.
    pub locator: String,
    /// Byte offset.
    pub offset: u64,
    /// Trace id, when the record has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// Why a cause has its score: each factor in 0..1.
#[derive(Debug, Clone, Serialize)]
pub struct Factors {
    /// Severity weight × prior.
    pub severity: f64,
    /// Share of all failures this cause and its symptoms explain.
    pub impact: f64,
    /// 1 for the earliest onset, 0 for the latest.
    pub earliness: f64,
    /// How much of the blame graph sits under it (folded symptoms).
    pub causal: f64,
    /// Share of its group's requests in its span that match.
    pub specificity: f64,
}

/// A symptom folded under a cause.
#[derive(Debug, Clone, Serialize)]
pub struct Symptom {
    /// Category.
    pub category: String,
    /// Rule id.
    pub rule: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// What it is about.
    pub subject: Subject,
    /// Onset.
    pub first_seen: Option<String>,
    /// End.
    pub last_seen: Option<String>,
    /// Matching events.
    pub events: u64,
    /// Key records.
    pub evidence: Vec<Evidence>,
}

/// A ranked root cause.
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    /// 1 is the most likely root cause.
    pub rank: u32,
    /// Category from the fixed vocabulary.
    pub category: String,
    /// Rule id.
    pub rule: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Score, 0..100.
    pub score: f64,
    /// Confidence, 0..1.
    pub confidence: f64,
    /// The score's factors.
    pub factors: Factors,
    /// What is at fault.
    pub subject: Subject,
    /// First matching event of the first window over the rule's thresholds.
    pub first_seen: Option<String>,
    /// When the matches began to rise (change point); at or before `first_seen`.
    pub onset: Option<String>,
    /// End.
    pub last_seen: Option<String>,
    /// Matching events.
    pub events: u64,
    /// Failed events this cause and its symptoms account for.
    pub explains_failures: u64,
    /// "401 burst → 429s".
    pub why_chain: String,
    /// Key records.
    pub evidence: Vec<Evidence>,
    /// One trace through the failure, when traces are present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example_trace: Option<String>,
    /// Symptoms folded under it.
    pub symptoms: Vec<Symptom>,
    /// What happened, in words.
    pub explanation: String,
    /// What to do.
    pub remediation: String,
}

/// An error message template (variables masked) and how often it occurred.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorTemplate {
    /// The template, with `<*>` for the parts that vary.
    pub template: String,
    /// Failures with this template.
    pub count: u64,
    /// First occurrence.
    pub first_seen: Option<String>,
    /// Last occurrence.
    pub last_seen: Option<String>,
    /// The first record with it.
    pub evidence: Evidence,
}

/// One moment of the incident.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// When (RFC 3339, UTC).
    pub ts: String,
    /// `first_failure`, `onset`, `symptom`, `last_seen`, `last_failure`.
    pub kind: String,
    /// What happened.
    pub text: String,
    /// The record behind it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Render a report in a format.
pub fn render(
    report: &Report,
    format: OutputFormat,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Json => json::render(report, out),
        OutputFormat::Md => markdown::render(report, out),
        OutputFormat::Text => text::render(report, color, out),
    }
}
