//! Where events come from: a source's identity, detected format and dialect,
//! record locators, and the per-input accounting of records and skips.

use serde::Serialize;

/// Index of an input in the run's input list (stable: inputs are sorted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SourceId(pub u32);

/// The format of an input, as detection named it: the entry of the input
/// format registry (`input::formats::FORMATS`) that parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The registry's name for it: `har`, `jsonl`, `json`, `csv`, `text`.
    pub name: &'static str,
    /// Which of the format's variants detection found (the text-log
    /// kinds), by the format's own numbering; 0 for a format with one.
    pub variant: u8,
    /// Whether the records are the client's own view of its requests (a
    /// HAR): the reference clock, and where trace blame starts.
    pub client_view: bool,
}

impl Format {
    /// A format with one variant.
    pub const fn named(name: &'static str, client_view: bool) -> Format {
        Format {
            name,
            variant: 0,
            client_view,
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
