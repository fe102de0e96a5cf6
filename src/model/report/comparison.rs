//! The comparison model: what `logsleuth compare` (and `analyze
//! --baseline`) found different between a baseline capture and an
//! incident capture, ready for the renderers. Its JSON form is a
//! documented contract (`docs/compare-schema.md`); bump
//! [`COMPARE_SCHEMA_VERSION`] on any breaking change.

use serde::Serialize;

use super::{Evidence, Time};

/// Version of the comparison's JSON contract.
pub const COMPARE_SCHEMA_VERSION: u32 = 1;

/// Baseline against incident: the changes, ranked, and the side-by-side
/// table they were found in.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// [`COMPARE_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The good capture.
    pub baseline: Side,
    /// The capture under suspicion.
    pub incident: Side,
    /// The family-wise error rate the significance tests are held to
    /// (Holm's correction over `tests`).
    pub alpha: f64,
    /// How many tests were made.
    pub tests: u64,
    /// Significant changes, most telling first; each holds the changes it
    /// explains.
    pub changes: Vec<Change>,
    /// Endpoints and hosts side by side, busiest first.
    pub scopes: Vec<ScopeRow>,
    /// Endpoints with too little traffic on a side for any test to reach
    /// significance: listed, not flagged.
    pub low_traffic: Vec<LowTraffic>,
}

/// One side of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// The inputs read.
    pub inputs: Vec<String>,
    /// Requests (records that are not context records).
    pub requests: u64,
    /// Failed requests.
    pub failures: u64,
    /// Earliest request time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<Time>,
    /// Latest request time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<Time>,
    /// Minutes covered (at least one): what per-minute rates divide by.
    pub minutes: f64,
}

/// What a scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// One endpoint: method and route template.
    Endpoint,
    /// One host.
    Host,
    /// All requests.
    All,
}

/// Where a change was seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Scope {
    /// Endpoint, host or all.
    pub kind: ScopeKind,
    /// `GET /v1/orders/{id}`, `api.example.com`, or `all requests`.
    pub name: String,
}

/// The kinds of change, from the most telling (what to fix) to the
/// broadest symptom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A client release or service version seen only in the incident,
    /// failing more than the baseline did.
    NewVersion,
    /// The request's media type changed.
    ContentType,
    /// The request's authentication scheme changed.
    AuthScheme,
    /// The set of request header names changed (a header added or
    /// dropped), where the inputs record every header.
    HeaderSet,
    /// Request bodies grew or shrank.
    RequestSize,
    /// A response field appeared, disappeared or changed type.
    ShapeChange,
    /// An error template seen only in the incident (or far more often).
    NewTemplate,
    /// A status code seen only in the incident (or far more often).
    NewStatus,
    /// The share of failed requests changed.
    ErrorRate,
    /// A latency quantile moved.
    Latency,
    /// An endpoint seen on one side only.
    Traffic,
    /// An error template of the baseline that the incident no longer has.
    GoneTemplate,
    /// A status code of the baseline that the incident no longer has.
    GoneStatus,
    /// A version or release of the baseline that the incident no longer has.
    GoneVersion,
}

impl ChangeKind {
    /// The name used in the JSON contract and in `--fail-on`.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::NewVersion => "new_version",
            ChangeKind::ContentType => "content_type",
            ChangeKind::AuthScheme => "auth_scheme",
            ChangeKind::HeaderSet => "header_set",
            ChangeKind::RequestSize => "request_size",
            ChangeKind::ShapeChange => "shape_change",
            ChangeKind::NewTemplate => "new_template",
            ChangeKind::NewStatus => "new_status",
            ChangeKind::ErrorRate => "error_rate",
            ChangeKind::Latency => "latency",
            ChangeKind::Traffic => "traffic",
            ChangeKind::GoneTemplate => "gone_template",
            ChangeKind::GoneStatus => "gone_status",
            ChangeKind::GoneVersion => "gone_version",
        }
    }
}

/// Whether a change is for the worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More failures, slower, or something new that fails.
    Worse,
    /// Fewer failures or faster.
    Better,
    /// Different, neither better nor worse by itself (a field type, a
    /// content type that does not fail).
    Different,
}

/// How big a change is, in its own unit.
#[derive(Debug, Clone, Serialize)]
pub struct Effect {
    /// The number: percentage points for rates, percent for quantiles and
    /// sizes, the share of the scope's requests for new things.
    pub value: f64,
    /// `pp`, `%` or `share`.
    pub unit: &'static str,
}

/// One significant difference between the captures.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// What kind.
    pub kind: ChangeKind,
    /// Where.
    pub scope: Scope,
    /// What exactly: the template, status, field, media type or version.
    pub what: String,
    /// The baseline's value, as written in reports (`0.4%`, `120 ms`,
    /// `absent`).
    pub baseline: String,
    /// The incident's value.
    pub incident: String,
    /// Its size.
    pub effect: Effect,
    /// For the worse, for the better, or just different.
    pub direction: Direction,
    /// Fisher's exact test, two-sided, before correction.
    pub p_value: f64,
    /// After Holm's correction over every test of the run; significant
    /// when at most `alpha`.
    pub p_adjusted: f64,
    /// Records showing it in the baseline (the same scope when the thing
    /// itself is new).
    pub baseline_evidence: Vec<Evidence>,
    /// Records showing it in the incident.
    pub incident_evidence: Vec<Evidence>,
    /// The changes this one explains (the error rate its new template
    /// raised), folded under it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explains: Vec<Change>,
}

/// One side of a scope's row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScopeStats {
    /// Requests.
    pub requests: u64,
    /// Requests a minute.
    pub per_minute: f64,
    /// Failed requests.
    pub failures: u64,
    /// Failed share, 0..1.
    pub error_rate: f64,
    /// Median latency of the successful requests, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<f64>,
    /// 95th percentile latency of the successful requests, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95_ms: Option<f64>,
    /// 99th percentile latency of the successful requests, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
}

/// A scope's figures on both sides.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeRow {
    /// Which.
    pub scope: Scope,
    /// Baseline.
    pub baseline: ScopeStats,
    /// Incident.
    pub incident: ScopeStats,
}

/// An endpoint too quiet on a side to judge.
#[derive(Debug, Clone, Serialize)]
pub struct LowTraffic {
    /// Which.
    pub scope: Scope,
    /// Its baseline requests.
    pub baseline_requests: u64,
    /// Its incident requests.
    pub incident_requests: u64,
}
