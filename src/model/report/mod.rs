//! The report model: one serializable structure that every renderer reads.
//! The analysis stages fill it and `report` renders it. The JSON form is a
//! documented contract (`docs/report-schema.md`); bump [`SCHEMA_VERSION`]
//! on any breaking change.

use serde::Serialize;

pub mod comparison;

pub use super::Subject;

/// A time in the report: UTC, to the millisecond, kept as a number until
/// a renderer writes it. Written (and serialized, for the JSON contract)
/// as RFC 3339 with milliseconds: `2024-05-01T10:00:00.123Z`. Times
/// compare as they are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(i64);

impl Time {
    /// The time of UTC nanoseconds since the epoch.
    pub fn from_ns(ns: i64) -> Time {
        Time(ns.div_euclid(1_000_000))
    }

    /// UTC nanoseconds since the epoch.
    pub fn ns(self) -> i64 {
        self.0.saturating_mul(1_000_000)
    }

    /// The time as `2024-05-01 10:00:00.123`, for tables and terminals.
    pub fn spaced(self) -> String {
        self.to_string()
            .replace('T', " ")
            .trim_end_matches('Z')
            .to_string()
    }
}

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (secs, ms) = (self.0.div_euclid(1000), self.0.rem_euclid(1000) as u32);
        match chrono::DateTime::from_timestamp(secs, ms * 1_000_000) {
            Some(dt) => write!(f, "{}", dt.format("%Y-%m-%dT%H:%M:%S%.3fZ")),
            None => write!(f, "@{}ms", self.0),
        }
    }
}

/// An optional time as the text a renderer writes.
pub trait TimeText {
    /// RFC 3339, when there is a time.
    fn text(&self) -> Option<String>;
}

impl TimeText for Option<Time> {
    fn text(&self) -> Option<String> {
        self.map(|t| t.to_string())
    }
}

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Version of the JSON report contract.
pub const SCHEMA_VERSION: u32 = 1;

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
    /// Joins across inputs and clock skew.
    pub correlation: Correlation,
    /// Field values over-represented among the incident's failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spike: Option<Spike>,
    /// Requests per interval by status class, with latency percentiles.
    pub series: Series,
    /// The endpoints and clients with most failures.
    pub affected: Affected,
    /// Failed requests in time order (at most `failed_requests_listed`).
    pub failed_requests: Vec<FailedRequest>,
    /// Failed requests in all.
    pub failed_requests_total: u64,
    /// The incident in time order.
    pub timeline: Vec<TimelineEntry>,
    /// The most frequent error templates among the failures.
    pub error_templates: Vec<ErrorTemplate>,
    /// Data-quality notes: what could not be analysed and why.
    pub notes: Vec<String>,
    /// What differs from the good capture, with `analyze --baseline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<comparison::Comparison>,
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
    pub first_ts: Option<Time>,
    /// Latest event time.
    pub last_ts: Option<Time>,
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
    /// Milliseconds added to this input's times to put it on the reference
    /// clock, when its clock was corrected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_corrected_ms: Option<i64>,
    /// The same request's records in other inputs (shared trace or request id).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<Evidence>,
}

/// Why a cause has its score: each factor in 0..1, and the weights that
/// combine them (`score = 100 × Σ weight × factor`).
#[derive(Debug, Clone, Serialize)]
pub struct Factors {
    /// Severity weight × the rule's prior.
    pub severity: f64,
    /// Confidence against the baseline: how far the matches stand out from
    /// the same group's history (0.5 when there is no history, 0.25 for a
    /// chronic pattern present from the start in repeated bursts).
    pub baseline: f64,
    /// Share of all failures this cause and its symptoms explain.
    pub impact: f64,
    /// 1 for the earliest onset (change point, clock-skew tolerant), 0 for the latest.
    pub earliness: f64,
    /// Position in the blame graph: the share of its traced failures that
    /// are the deepest failing hop of their trace, blended with how much of
    /// the graph is folded under it.
    pub causal: f64,
    /// Share of its group's requests in its span that match.
    pub specificity: f64,
    /// The weights, in the same order.
    pub weights: Weights,
}

/// Weights of the score's factors; they sum to 1.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Weights {
    /// Of severity.
    pub severity: f64,
    /// Of baseline.
    pub baseline: f64,
    /// Of impact.
    pub impact: f64,
    /// Of earliness.
    pub earliness: f64,
    /// Of causal.
    pub causal: f64,
    /// Of specificity.
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
    pub first_seen: Option<Time>,
    /// End.
    pub last_seen: Option<Time>,
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
    /// What sets its failures apart from the successful traffic, in a
    /// sentence ("every failing request went to upstream 10.2.3.4:8080").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub culprit: Option<String>,
    /// The same, one attribute at a time.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub culprits: Vec<crate::model::Attribute>,
    /// First matching event of the first window over the rule's thresholds.
    pub first_seen: Option<Time>,
    /// When the matches began to rise (change point); at or before `first_seen`.
    pub onset: Option<Time>,
    /// End.
    pub last_seen: Option<Time>,
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
    /// The example trace's hops across services and inputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace_hops: Vec<Hop>,
    /// Failing traces whose deepest failing hop is one of this cause's events.
    pub deepest_in_traces: u64,
    /// This cause's and its symptoms' events per interval of `series`.
    pub sparkline: Vec<u32>,
    /// Symptoms folded under it.
    pub symptoms: Vec<Symptom>,
    /// What happened, in words.
    pub explanation: String,
    /// What to do.
    pub remediation: String,
}

/// Requests per interval.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Series {
    /// Interval length in seconds.
    pub interval_s: u64,
    /// Start of the first interval (ns), for placing events.
    #[serde(skip)]
    pub start_ns: i64,
    /// One per interval, in time order.
    pub buckets: Vec<Bucket>,
}

/// One interval.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Bucket {
    /// Interval start (RFC 3339, UTC).
    pub ts: Time,
    /// Responses below 400 that are not failures.
    pub ok: u64,
    /// 4xx responses.
    pub client_errors: u64,
    /// 5xx responses.
    pub server_errors: u64,
    /// Failures without a status (transport errors, failed log records).
    pub other_failures: u64,
    /// Records with neither a status nor a failure (log lines).
    pub other: u64,
    /// Median duration (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<f64>,
    /// 95th percentile duration (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95_ms: Option<f64>,
    /// 99th percentile duration (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
}

/// What the failures hit.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Affected {
    /// Endpoints (host and route) by failures, most first.
    pub endpoints: Vec<AffectedEndpoint>,
    /// Clients by failures, most first.
    pub clients: Vec<AffectedClient>,
}

/// One endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct AffectedEndpoint {
    /// Host, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Route template.
    pub route: String,
    /// Failed requests.
    pub failures: u64,
    /// All requests.
    pub requests: u64,
}

/// One client.
#[derive(Debug, Clone, Serialize)]
pub struct AffectedClient {
    /// Client address (or the HAR it came from).
    pub client: String,
    /// Failed requests.
    pub failures: u64,
    /// All requests.
    pub requests: u64,
}

/// One failed request, for the HTML table.
#[derive(Debug, Clone, Serialize)]
pub struct FailedRequest {
    /// When.
    pub ts: Option<Time>,
    /// Method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Route template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Error class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Duration (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// Client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The record.
    pub evidence: Evidence,
}

/// One hop of a trace.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    /// Nesting depth: 0 for the outermost hop.
    pub depth: u32,
    /// Start (RFC 3339, UTC, on the reference clock).
    pub ts: Option<Time>,
    /// Service, when logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `METHOD host route`.
    pub request: String,
    /// HTTP status; absent when there was no response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Error class, for failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Duration in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// The deepest failing hop of the trace.
    pub deepest_failure: bool,
    /// The record.
    pub evidence: Evidence,
}

/// Which inputs were joined and how their clocks compare.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Correlation {
    /// The input whose clock the others were put on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Requests or traces seen in more than one input.
    pub joined_requests: u64,
    /// One entry per input joined to the reference (directly or through another).
    pub clocks: Vec<ClockSkew>,
}

/// One input's clock against the reference.
#[derive(Debug, Clone, Serialize)]
pub struct ClockSkew {
    /// The input.
    pub input: String,
    /// The input it was matched with.
    pub against: String,
    /// Matched requests.
    pub pairs: u64,
    /// `trace id`, `request id`, or both.
    pub matched_on: String,
    /// How far its clock runs ahead of the reference, in seconds.
    pub offset_s: f64,
    /// Median absolute deviation of the pairwise offsets, in ms.
    pub spread_ms: f64,
    /// Whether its times were corrected.
    pub corrected: bool,
    /// The sentence for people.
    pub text: String,
    /// Matched pairs: the record in `against`, then the record in `input`.
    pub examples: Vec<[Evidence; 2]>,
}

/// Explain the spike: field values over-represented among the incident's
/// failures against the baseline before it.
#[derive(Debug, Clone, Serialize)]
pub struct Spike {
    /// Incident window start.
    pub window_start: Time,
    /// Incident window end.
    pub window_end: Time,
    /// Failures in the window.
    pub failures: u64,
    /// Events in the baseline (before the window).
    pub baseline_events: u64,
    /// The most over-represented values, strongest first.
    pub fields: Vec<SpikeField>,
}

/// One over-represented value.
#[derive(Debug, Clone, Serialize)]
pub struct SpikeField {
    /// host, route, client, user_agent, version, upstream, service, template, token, status.
    pub field: String,
    /// The value (redacted where it is a secret).
    pub value: String,
    /// Failures in the window with this value.
    pub count: u64,
    /// Share of the window's failures with it.
    pub share: f64,
    /// Share of the baseline's events with it.
    pub baseline_share: f64,
    /// Difference of shares (percentage points / 100).
    pub effect: f64,
    /// Ratio of shares (with add-one smoothing).
    pub lift: f64,
}

/// An error message template (variables masked) and how often it occurred.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorTemplate {
    /// The template, with `<*>` for the parts that vary.
    pub template: String,
    /// Failures with this template.
    pub count: u64,
    /// First occurrence.
    pub first_seen: Option<Time>,
    /// Last occurrence.
    pub last_seen: Option<Time>,
    /// The first record with it.
    pub evidence: Evidence,
}

/// One moment of the incident.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// When (RFC 3339, UTC).
    pub ts: Time,
    /// `first_failure`, `onset`, `first_bad_event`, `seen_in`, `symptom`,
    /// `new_template`, `peak`, `mitigation`, `last_seen`, `recovery`, `last_failure`.
    pub kind: String,
    /// The rank of the cause the entry belongs to; absent for overall entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<u32>,
    /// What happened.
    pub text: String,
    /// The record behind it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}
