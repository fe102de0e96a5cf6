//! Where events come from: a source's identity, detected format and dialect,
//! record locators, and the per-input accounting of records and skips.

use serde::Serialize;

/// Index of an input in the run's input list (stable: inputs are sorted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SourceId(pub u32);

/// The container format of an input, detected from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HTTP Archive 1.x: one JSON document with `log.entries`.
    Har,
    /// One JSON object per line.
    Jsonl,
    /// One or more JSON documents that are not a HAR: Elasticsearch or
    /// OpenSearch responses, arrays of hits or documents, ES|QL results.
    Json,
    /// A CSV export with a header row (Kibana Discover).
    Csv,
    /// A text access log of the given kind.
    Text(TextKind),
}

/// The text access-log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// nginx/Apache combined or common log format.
    Clf,
    /// AWS Application Load Balancer access log.
    Alb,
    /// W3C extended log (IIS), columns from `#Fields:`.
    W3c,
    /// HAProxy HTTP log (usually inside syslog lines).
    Haproxy,
    /// Envoy's default access-log format.
    Envoy,
    /// Zeek (Bro) `http.log`, columns from `#fields`.
    Zeek,
}

impl Format {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Har => "har",
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Text(_) => "text",
        }
    }
}

impl TextKind {
    /// The dialect name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            TextKind::Clf => "combined/common log format",
            TextKind::Alb => "aws-alb",
            TextKind::W3c => "w3c-extended",
            TextKind::Haproxy => "haproxy",
            TextKind::Envoy => "envoy",
            TextKind::Zeek => "zeek-http",
        }
    }
}

/// Where a record sits inside its input: the unit a user can jump to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Locator {
    /// 1-based line number in a line-oriented input.
    Line(u64),
    /// 0-based index into a HAR's `log.entries`.
    Entry(u64),
}

impl std::fmt::Display for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Locator::Line(n) => write!(f, "line {n}"),
            Locator::Entry(n) => write!(f, "entry {n}"),
        }
    }
}

impl Serialize for Locator {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A record that produced no event, with why and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseIssue {
    /// Where the record is.
    pub locator: Locator,
    /// Byte offset of the record in the (decompressed) input.
    pub offset: u64,
    /// Why it was skipped.
    pub reason: String,
}

/// What the parser learned about one input.
#[derive(Debug, Clone, Default)]
pub struct InputStats {
    /// Top-level units seen: lines or HAR entries.
    pub records: u64,
    /// Units that produced no event; each has an entry in `issues`.
    pub skipped: u64,
    /// Events produced (a unit may produce several: an OTel batch line).
    pub events: u64,
    /// Events dropped by `--since` / `--until`.
    pub filtered: u64,
    /// HAR entries whose request carries an `Authorization` or `Cookie`
    /// header or whose response sets a cookie (0 for other formats).
    pub credentialed: u64,
    /// Problems with the input that are not tied to one skipped record
    /// (for instance a HAR cut off after its last complete entry).
    pub notes: Vec<String>,
    /// The skipped records.
    pub issues: Vec<ParseIssue>,
}

/// A parsed input as the report describes it.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Its id.
    pub id: SourceId,
    /// The path as the user gave it (or `-`, or `demo:NAME`).
    pub display: String,
    /// Detected format.
    pub format: Format,
    /// Detected dialect: the HAR creator or the JSON-lines convention.
    pub dialect: String,
    /// Size in bytes after decompression.
    pub bytes: u64,
    /// Record accounting.
    pub stats: InputStats,
    /// Nanoseconds subtracted from this input's times to put it on the
    /// reference input's clock (see `correlate`); 0 when not corrected.
    pub clock_shift_ns: i64,
}

impl SourceInfo {
    /// An input with a name and format and nothing parsed yet.
    pub fn bare(id: SourceId, display: &str, format: Format) -> Self {
        SourceInfo {
            id,
            display: display.to_string(),
            format,
            dialect: String::new(),
            bytes: 0,
            stats: InputStats::default(),
            clock_shift_ns: 0,
        }
    }
}

/// What a finding or cause is about, in the input's own terms. Absent
/// fields are unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Subject {
    /// Service name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Route template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The client: the input a HAR came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// JSON field path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Service version, or the client release's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The upstream (address or cluster) the failing requests went to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
    /// The client product (`ShopApp`) or user agent the failures came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The request media type the failing requests sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Where the failure was seen, when the subject's host is a dependency
    /// named in the errors rather than the host that logged them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen_at: Option<String>,
}

impl Subject {
    /// One-line description, e.g. `checkout api.example.com /v1/orders`.
    /// The host where a dependency's failure was seen comes last.
    pub fn describe(&self) -> String {
        let upstream = self.upstream.as_ref().map(|u| format!("→ {u}"));
        let parts: Vec<&str> = [
            &self.service,
            &self.host,
            &self.endpoint,
            &upstream,
            &self.client,
            &self.agent,
            &self.field,
            &self.version,
            &self.content_type,
        ]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
        let mut out = if parts.is_empty() {
            "all requests".to_string()
        } else {
            parts.join(" ")
        };
        if let Some(at) = &self.seen_at {
            out.push_str(&format!(" (seen at {at})"));
        }
        out
    }
}
