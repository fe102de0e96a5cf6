//! The rule file format and its validation. A rule file is TOML with
//! `deny_unknown_fields` everywhere: a typo is an error naming the file, the
//! line and the key, never a silently ignored setting. `compile` turns a
//! checked spec into a [`CompiledRule`] with its regexes built once.

use std::collections::BTreeSet;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::category;
pub use super::matching::Condition;
use super::matching::StatusRange;
use crate::error::{Error, Result};
use crate::model::{ErrorClass, Event};

/// How bad a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Minor.
    Low,
    /// Degrades service.
    Medium,
    /// Breaks a feature.
    High,
    /// Breaks the service.
    Critical,
}

impl Severity {
    /// Weight used in scoring.
    pub fn weight(self) -> f64 {
        match self {
            Severity::Info => 0.2,
            Severity::Low => 0.4,
            Severity::Medium => 0.6,
            Severity::High => 0.8,
            Severity::Critical => 1.0,
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A status pattern: `429`, `"5xx"` or `"500-504"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum StatusPat {
    Code(u16),
    Text(String),
}

/// One `[[match]]` block: every condition given must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchSpec {
    status: Option<Vec<StatusPat>>,
    error_class: Option<Vec<String>>,
    error_text: Option<Vec<String>>,
    method: Option<Vec<String>>,
    has_retry_after: Option<bool>,
    has_response: Option<bool>,
    level: Option<String>,
    message_regex: Option<String>,
    text: Option<Vec<String>>,
    route_regex: Option<String>,
    failed: Option<bool>,
    jwt_not_yet_valid: Option<bool>,
    has_client: Option<bool>,
    has_release: Option<bool>,
}

/// The `[aggregate]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum GroupSpec {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AggregateSpec {
    #[serde(default = "default_group")]
    group_by: GroupSpec,
    #[serde(default = "default_window")]
    window: String,
    #[serde(default = "default_min_events")]
    min_events: u64,
    #[serde(default)]
    min_share: f64,
    #[serde(default)]
    min_concentration: f64,
    #[serde(default)]
    new_group_only: bool,
    #[serde(default)]
    min_rate: f64,
    distinct: Option<String>,
    #[serde(default)]
    min_distinct: u64,
    #[serde(default)]
    min_zscore: f64,
    #[serde(default)]
    share_ignores_status: Vec<u16>,
}

fn default_group() -> GroupSpec {
    GroupSpec::One("none".into())
}
fn default_window() -> String {
    "60s".into()
}
fn default_min_events() -> u64 {
    3
}

impl Default for AggregateSpec {
    fn default() -> Self {
        AggregateSpec {
            group_by: default_group(),
            window: default_window(),
            min_events: default_min_events(),
            min_share: 0.0,
            min_concentration: 0.0,
            new_group_only: false,
            min_rate: 0.0,
            distinct: None,
            min_distinct: 0,
            min_zscore: 0.0,
            share_ignores_status: Vec::new(),
        }
    }
}

/// A rule file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    #[serde(default = "yes")]
    enabled: bool,
    category: Option<String>,
    title: Option<String>,
    severity: Option<Severity>,
    #[serde(default = "half")]
    prior: f64,
    #[serde(default)]
    explains: Vec<String>,
    explanation: Option<String>,
    remediation: Option<String>,
    #[serde(default)]
    role: Role,
    #[serde(default)]
    doc: Option<DocSpec>,
    #[serde(default, rename = "match")]
    matches: Vec<MatchSpec>,
    #[serde(default)]
    selection: std::collections::BTreeMap<String, toml::Table>,
    condition: Option<String>,
    #[serde(default)]
    exclude: Vec<MatchSpec>,
    #[serde(default)]
    aggregate: Option<AggregateSpec>,
    #[serde(default, rename = "fixture")]
    fixtures: Vec<Fixture>,
    sequence: Option<SequenceSpec>,
    drift: Option<DriftSpec>,
}

/// The `[drift]` table: learn each group's response shape from its own
/// first responses, and match the later responses whose shape differs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DriftSpec {
    #[serde(default = "default_baseline")]
    baseline: f64,
}

fn default_baseline() -> f64 {
    0.3
}

/// The `[sequence]` table: ordered steps per key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SequenceSpec {
    by: Vec<String>,
    steps: Vec<String>,
    within: String,
    before_elapsed: Option<String>,
}

/// A compiled sequence: events of one key (e.g. client + URL) that match the
/// steps' selections in order, within a span.
#[derive(Debug, Clone)]
pub struct Sequence {
    /// Fields that make the key.
    pub by: Vec<super::selection::Field>,
    /// Selection index of each step, in order.
    pub steps: Vec<usize>,
    /// Longest span from the first step to the last, in ns.
    pub within_ns: i64,
    /// Each next step must come before this many seconds (a field of the
    /// previous step's event, e.g. its Retry-After) had elapsed.
    pub before_elapsed: Option<super::selection::Field>,
}

fn compile_sequence(origin: &str, q: &SequenceSpec, names: &[String]) -> Result<Sequence> {
    let field = |n: &str, key: &str| {
        super::selection::field_by_name(n)
            .ok_or_else(|| bad(origin, format!("key `sequence.{key}`: unknown field {n:?}")))
    };
    if q.steps.len() < 2 {
        return Err(bad(
            origin,
            "key `sequence.steps`: a sequence needs at least two steps",
        ));
    }
    if q.by.is_empty() {
        return Err(bad(
            origin,
            "key `sequence.by`: name the fields that tie the steps together",
        ));
    }
    let steps = q
        .steps
        .iter()
        .map(|s| {
            names
                .iter()
                .position(|n| n == s)
                .ok_or_else(|| bad(origin, format!("key `sequence.steps`: unknown selection {s:?}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Sequence {
        by: q.by.iter().map(|n| field(n, "by")).collect::<Result<Vec<_>>>()?,
        steps,
        within_ns: parse_duration(&q.within).ok_or_else(|| {
            bad(
                origin,
                format!("key `sequence.within`: {:?} is not a duration like 5m", q.within),
            )
        })?,
        before_elapsed: q
            .before_elapsed
            .as_deref()
            .map(|n| field(n, "before_elapsed"))
            .transpose()?,
    })
}

/// Whether a rule names a root cause or a symptom of one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Usually the thing that broke.
    #[default]
    Cause,
    /// Usually the consequence of something else (retries, 429s).
    Symptom,
}

/// The runbook text of a rule (`logsleuth rules explain`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocSpec {
    /// What it detects.
    pub detects: String,
    /// Why it matters.
    pub why: String,
    /// An example of the evidence.
    pub example: String,
    /// Likely false positives.
    pub false_positives: String,
}

/// A test case carried in the rule file: JSON lines and whether the rule
/// must fire on them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// Short name.
    pub name: String,
    /// `fire` or `quiet`.
    pub expect: Expect,
    /// JSON lines; `{i}` is replaced by the repetition number.
    pub lines: Vec<String>,
    /// How many times to repeat `lines` (default 1).
    #[serde(default = "one")]
    pub repeat: u32,
}

/// What a fixture expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// At least one finding.
    Fire,
    /// No finding.
    Quiet,
}

fn one() -> u32 {
    1
}

impl Fixture {
    /// The fixture's JSON lines, repeated and numbered.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for i in 0..self.repeat.max(1) {
            for l in &self.lines {
                out.push_str(&l.replace("{i}", &i.to_string()));
                out.push('\n');
            }
        }
        out
    }
}

fn yes() -> bool {
    true
}
fn half() -> f64 {
    0.5
}

/// A field events are grouped by before counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupField {
    /// Host.
    Host,
    /// Route template.
    Route,
    /// HTTP method.
    Method,
    /// Service.
    Service,
    /// Service version.
    Version,
    /// The client release its user agent names (`ShopApp/7.2.0`).
    Release,
    /// The input the event came from (one HAR is one client).
    Source,
    /// Client address (for a HAR, the HAR itself).
    Client,
    /// The full request URL (credentials redacted): the same request repeated.
    Url,
    /// The error template of a failure.
    Template,
    /// The fingerprint of the request's credential (`tok:…`).
    Token,
}

impl GroupField {
    /// Whether the field is part of the request's [`crate::model::Origin`],
    /// which events share by id.
    pub fn in_origin(self) -> bool {
        matches!(
            self,
            GroupField::Host
                | GroupField::Route
                | GroupField::Method
                | GroupField::Service
                | GroupField::Version
        )
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "host" => GroupField::Host,
            "route" => GroupField::Route,
            "method" => GroupField::Method,
            "service" => GroupField::Service,
            "version" => GroupField::Version,
            "release" => GroupField::Release,
            "source" => GroupField::Source,
            "client" => GroupField::Client,
            "url" => GroupField::Url,
            "template" => GroupField::Template,
            "token" => GroupField::Token,
            _ => return None,
        })
    }
}

/// At most this many group-by fields.
pub const MAX_GROUP_FIELDS: usize = 4;

/// A validated, ready-to-run rule.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// Stable id.
    pub id: String,
    /// Category from the fixed vocabulary.
    pub category: String,
    /// Short title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// How often this pattern is the true cause when it fires (0..1).
    pub prior: f64,
    /// Categories this one can cause.
    pub explains: Vec<String>,
    /// Explanation template (`{events}`, `{subject}`, `{first_seen}`, `{last_seen}`, `{retry_after}`).
    pub explanation: String,
    /// What to do about it.
    pub remediation: String,
    /// Cause or symptom.
    pub role: Role,
    /// Runbook text.
    pub doc: DocSpec,
    /// Event conditions (any block).
    pub conditions: Vec<Condition>,
    /// Named selections, for `condition`.
    pub selections: Vec<super::selection::Selection>,
    /// A boolean expression over the selections, instead of `[[match]]`.
    pub condition: Option<super::condition::Expr>,
    /// Ordered steps; the events that complete a sequence are the matches.
    pub sequence: Option<Sequence>,
    /// Response-shape drift: the share of each group's first responses that
    /// forms its baseline.
    pub drift: Option<f64>,
    /// Events matching any of these never match.
    pub exclusions: Vec<Condition>,
    /// Grouping fields (empty: all matches together).
    pub group_by: Vec<GroupField>,
    /// Only groups that first appear after the input's start (a new version).
    pub new_group_only: bool,
    /// Minimum matches per second in a window.
    pub min_rate: f64,
    /// Count distinct values of this field among a window's matches.
    pub distinct: Option<super::selection::Field>,
    /// Minimum distinct values (with `distinct`).
    pub min_distinct: u64,
    /// Minimum robust z-score of a window's match count against the group's
    /// earlier windows (median and MAD); 0 turns it off.
    pub min_zscore: f64,
    /// Test cases.
    pub fixtures: Vec<Fixture>,
    /// Burst gap in nanoseconds.
    pub window_ns: i64,
    /// Minimum matching events per finding.
    pub min_events: u64,
    /// Minimum share of the group's events (in the burst span) that match.
    pub min_share: f64,
    /// Responses with these statuses do not count among the group's
    /// events for `min_share` (a limiter's 429s never reached the check
    /// whose failures the rule counts).
    pub share_ignores_status: Vec<u16>,
    /// Minimum share of all matching events that fall in this group.
    pub min_concentration: f64,
    /// Where it came from.
    pub origin: String,
}

impl CompiledRule {
    /// Whether an event counts among its group's events for `min_share`.
    pub fn counts_in_share(&self, e: &Event) -> bool {
        self.share_ignores_status.is_empty()
            || e.status.is_none_or(|s| !self.share_ignores_status.contains(&s))
    }

    /// Whether an event matches any condition block.
    pub fn matches(&self, e: &Event) -> bool {
        let hit = match &self.condition {
            Some(expr) => expr.eval(&|i| self.selections[i].matches(e)),
            None => self.conditions.iter().any(|c| c.matches(e)),
        };
        hit && !self.exclusions.iter().any(|c| c.matches(e))
    }
}

/// Parse a duration like `500ms`, `60s`, `5m`, `1h`.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = s.split_at(split);
    let v: f64 = num.parse().ok()?;
    let mult = match unit {
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return None,
    };
    let ns = v * mult;
    (ns.is_finite() && ns > 0.0 && ns < 9e18).then_some(ns as i64)
}

fn bad(origin: &str, message: impl Into<String>) -> Error {
    Error::Rule {
        path: origin.to_string(),
        message: message.into(),
    }
}

fn compile_status(origin: &str, p: &StatusPat) -> Result<StatusRange> {
    let range = match p {
        StatusPat::Code(c) => Some((*c, *c)),
        StatusPat::Text(t) => {
            let t = t.trim().to_ascii_lowercase();
            if let Some(d) = t.strip_suffix("xx").and_then(|d| d.parse::<u16>().ok()) {
                Some((d * 100, d * 100 + 99))
            } else if let Some((a, b)) = t.split_once('-') {
                a.trim().parse().ok().zip(b.trim().parse().ok())
            } else {
                t.parse().ok().map(|c| (c, c))
            }
        }
    };
    match range {
        Some((lo, hi)) if lo <= hi && (100..1000).contains(&lo) && hi < 1000 => {
            Ok(StatusRange::Range(lo, hi))
        }
        _ => Err(bad(
            origin,
            format!("key `match.status`: {p:?} is not a status, `5xx` or `500-504`"),
        )),
    }
}

fn compile_condition(origin: &str, m: MatchSpec) -> Result<Condition> {
    let status = m
        .status
        .map(|v| {
            v.iter()
                .map(|p| compile_status(origin, p))
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    let error_class = m
        .error_class
        .map(|v| {
            v.iter()
                .map(|n| {
                    ErrorClass::from_name(n)
                        .ok_or_else(|| bad(origin, format!("key `match.error_class`: unknown class {n:?}")))
                })
                .collect::<Result<BTreeSet<_>>>()
        })
        .transpose()?;
    let level = m
        .level
        .map(|l| {
            crate::normalize::level::from_name(&l)
                .ok_or_else(|| bad(origin, format!("key `match.level`: unknown level {l:?}")))
        })
        .transpose()?;
    let message_regex = m
        .message_regex
        .map(|r| Regex::new(&r).map_err(|e| bad(origin, format!("key `match.message_regex`: {e}"))))
        .transpose()?;
    let route_regex = m
        .route_regex
        .map(|r| Regex::new(&r).map_err(|e| bad(origin, format!("key `match.route_regex`: {e}"))))
        .transpose()?;
    Ok(Condition {
        status,
        error_class,
        error_text: m
            .error_text
            .map(|v| v.iter().map(|s| s.to_ascii_lowercase()).collect()),
        method: m
            .method
            .map(|v| v.iter().map(|s| s.to_ascii_uppercase()).collect()),
        has_retry_after: m.has_retry_after,
        has_response: m.has_response,
        level,
        message_regex,
        text: m.text.map(|v| v.iter().map(|s| s.to_ascii_lowercase()).collect()),
        route_regex,
        failed: m.failed,
        jwt_not_yet_valid: m.jwt_not_yet_valid,
        has_client: m.has_client,
        has_release: m.has_release,
    })
}

/// Validate and compile one rule file. Returns the id and the rule, or
/// `None` when the file disables the rule. Errors name the file, the key and,
/// where it can be found, the line.
pub fn compile(origin: &str, text: &str) -> Result<(String, Option<CompiledRule>)> {
    compile_inner(origin, text).map_err(|e| match e {
        Error::Rule { path, message } if !message.contains("line ") => {
            let line = key_line(text, &message);
            Error::Rule {
                path,
                message: match line {
                    Some(n) => format!("line {n}: {message}"),
                    None => message,
                },
            }
        }
        other => other,
    })
}

/// The line of the key an error message names (`key `a.b``), if it is in the text.
fn key_line(text: &str, message: &str) -> Option<usize> {
    let start = message.find("key `")? + 5;
    let key = &message[start..start + message[start..].find('`')?];
    // `selection.s.status|gt` → look for `status|gt`; `aggregate.window` → `window`.
    let last = if key.starts_with("selection.") {
        key.splitn(3, '.').nth(2).unwrap_or(key)
    } else {
        key.rsplit('.').next().unwrap_or(key)
    };
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches('"');
            t.starts_with(last)
                && t[last.len()..]
                    .trim_start_matches('"')
                    .trim_start()
                    .starts_with('=')
        })
        .map(|i| i + 1)
}

/// What a rule matches besides its `[[match]]` blocks: named selections
/// and the expression over them, a sequence, or response-shape drift;
/// and that it matches something, one way.
struct Matching {
    selections: Vec<super::selection::Selection>,
    condition: Option<super::condition::Expr>,
    sequence: Option<Sequence>,
    drift: Option<f64>,
}

fn compile_matching(origin: &str, spec: &RuleSpec) -> Result<Matching> {
    let names: Vec<String> = spec.selection.keys().cloned().collect();
    let selections = spec
        .selection
        .iter()
        .map(|(n, t)| super::selection::compile(n, t).map_err(|m| bad(origin, m)))
        .collect::<Result<Vec<_>>>()?;
    let condition = spec
        .condition
        .as_deref()
        .map(|c| super::condition::parse(c, &names).map_err(|m| bad(origin, format!("key `condition`: {m}"))))
        .transpose()?;
    let sequence = spec
        .sequence
        .as_ref()
        .map(|q| compile_sequence(origin, q, &names))
        .transpose()?;
    let drift = spec.drift.as_ref().map(|d| d.baseline);
    if drift.is_some_and(|b| !(0.05..=0.9).contains(&b)) {
        return Err(bad(origin, "key `drift.baseline`: must be between 0.05 and 0.9"));
    }
    match (&condition, &sequence, spec.matches.is_empty()) {
        (Some(_), _, false) | (_, Some(_), false) => {
            return Err(bad(
                origin,
                "key `condition`: use either `[[match]]` blocks or `[selection.NAME]` tables with `condition`/`[sequence]`, not both",
            ))
        }
        (None, None, true) if drift.is_none() => {
            return Err(bad(origin, "missing `[[match]]` block, `condition`, `[sequence]` or `[drift]`"))
        }
        (None, None, false) if !selections.is_empty() => {
            return Err(bad(origin, "missing key `condition` for the `[selection.NAME]` tables"))
        }
        _ => {}
    }
    Ok(Matching {
        selections,
        condition,
        sequence,
        drift,
    })
}

/// The aggregate step's settings, checked: the group fields, the window
/// and the field counted for distinct values.
fn compile_aggregate(
    origin: &str,
    agg: &AggregateSpec,
) -> Result<(Vec<GroupField>, i64, Option<super::selection::Field>)> {
    let names: Vec<String> = match &agg.group_by {
        GroupSpec::One(n) if n == "none" => Vec::new(),
        GroupSpec::One(n) => vec![n.clone()],
        GroupSpec::Many(v) => v.clone(),
    };
    if names.len() > MAX_GROUP_FIELDS {
        return Err(bad(
            origin,
            format!("key `aggregate.group_by`: at most {MAX_GROUP_FIELDS} fields"),
        ));
    }
    let group_by = names
        .iter()
        .map(|n| {
            GroupField::parse(n).ok_or_else(|| {
                bad(
                    origin,
                    format!("key `aggregate.group_by`: {n:?} is not one of host, route, method, service, version, source, client, url, template, token"),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let window_ns = parse_duration(&agg.window).ok_or_else(|| {
        bad(
            origin,
            format!(
                "key `aggregate.window`: {:?} is not a duration like 60s",
                agg.window
            ),
        )
    })?;
    for (k, v) in [
        ("min_share", agg.min_share),
        ("min_concentration", agg.min_concentration),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return Err(bad(
                origin,
                format!("key `aggregate.{k}`: must be between 0 and 1"),
            ));
        }
    }
    let distinct = agg
        .distinct
        .as_deref()
        .map(|n| {
            super::selection::field_by_name(n)
                .ok_or_else(|| bad(origin, format!("key `aggregate.distinct`: unknown field {n:?}")))
        })
        .transpose()?;
    if agg.min_rate < 0.0 || agg.min_zscore < 0.0 || !agg.min_rate.is_finite() || !agg.min_zscore.is_finite()
    {
        return Err(bad(
            origin,
            "key `aggregate.min_rate`/`min_zscore`: must be a non-negative number",
        ));
    }
    if distinct.is_some() != (agg.min_distinct > 0) {
        return Err(bad(
            origin,
            "key `aggregate.min_distinct`: set `distinct` and `min_distinct` together",
        ));
    }
    Ok((group_by, window_ns, distinct))
}

/// The runbook text every rule carries (`rules explain` prints it): a
/// rule without it, or with a part empty, is refused.
fn compile_doc(origin: &str, doc: Option<DocSpec>) -> Result<DocSpec> {
    let doc = doc.ok_or_else(|| {
        bad(
            origin,
            "missing `[doc]` table (detects, why, example, false_positives): the runbook text `rules explain` shows",
        )
    })?;
    for (key, v) in [
        ("detects", &doc.detects),
        ("why", &doc.why),
        ("example", &doc.example),
        ("false_positives", &doc.false_positives),
    ] {
        if v.trim().is_empty() {
            return Err(bad(origin, format!("key `doc.{key}`: must not be empty")));
        }
    }
    Ok(doc)
}

fn compile_inner(origin: &str, text: &str) -> Result<(String, Option<CompiledRule>)> {
    let spec: RuleSpec =
        toml::from_str(text).map_err(|e| bad(origin, e.to_string().trim_end().replace('\n', " ")))?;
    if spec.id.trim().is_empty() {
        return Err(bad(origin, "key `id`: must not be empty"));
    }
    if !spec.enabled {
        return Ok((spec.id, None));
    }
    let need = |v: Option<String>, key: &str| v.ok_or_else(|| bad(origin, format!("missing key `{key}`")));
    let category = need(spec.category.clone(), "category")?;
    if !category::is_known(&category) {
        return Err(bad(
            origin,
            format!("key `category`: unknown category {category:?}"),
        ));
    }
    for c in &spec.explains {
        if !category::is_known(c) {
            return Err(bad(origin, format!("key `explains`: unknown category {c:?}")));
        }
    }
    if !(0.0..=1.0).contains(&spec.prior) {
        return Err(bad(origin, "key `prior`: must be between 0 and 1"));
    }
    let Matching {
        selections,
        condition,
        sequence,
        drift,
    } = compile_matching(origin, &spec)?;
    let agg = spec.aggregate.unwrap_or_default();
    let (group_by, window_ns, distinct) = compile_aggregate(origin, &agg)?;
    let doc = compile_doc(origin, spec.doc)?;
    let conditions = spec
        .matches
        .into_iter()
        .map(|m| compile_condition(origin, m))
        .collect::<Result<Vec<_>>>()?;
    let exclusions = spec
        .exclude
        .into_iter()
        .map(|m| compile_condition(origin, m))
        .collect::<Result<Vec<_>>>()?;
    let rule = CompiledRule {
        id: spec.id.clone(),
        category,
        title: need(spec.title, "title")?,
        severity: spec
            .severity
            .ok_or_else(|| bad(origin, "missing key `severity`"))?,
        prior: spec.prior,
        explains: spec.explains,
        explanation: need(spec.explanation, "explanation")?,
        remediation: need(spec.remediation, "remediation")?,
        role: spec.role,
        doc,
        conditions,
        selections,
        condition,
        sequence,
        drift,
        exclusions,
        group_by,
        new_group_only: agg.new_group_only,
        min_rate: agg.min_rate,
        distinct,
        min_distinct: agg.min_distinct,
        min_zscore: agg.min_zscore,
        fixtures: spec.fixtures,
        window_ns,
        min_events: agg.min_events.max(1),
        min_share: agg.min_share,
        share_ignores_status: agg.share_ignores_status,
        min_concentration: agg.min_concentration,
        origin: origin.to_string(),
    };
    Ok((spec.id, Some(rule)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
id = "x.test"
category = "upstream.server_error"
title = "t"
severity = "high"
explanation = "e"
remediation = "r"
[doc]
detects = "d"
why = "w"
example = "e"
false_positives = "f"
[[match]]
status = ["5xx", 429, "400-401"]
"#;

    #[test]
    fn compiles_status_patterns() {
        let (_, r) = compile("f.toml", OK).unwrap();
        let r = r.unwrap();
        let mut e = Event::default();
        for (s, want) in [(503, true), (429, true), (401, true), (404, false)] {
            e.status = Some(s);
            assert_eq!(r.matches(&e), want, "{s}");
        }
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let text = OK.replace("title = \"t\"", "title = \"t\"\ntitel = \"typo\"");
        let err = compile("rules/x.toml", &text).unwrap_err().to_string();
        assert!(err.starts_with("rules/x.toml: invalid rule:"), "{err}");
        assert!(err.contains("titel") && err.contains("line 5"), "{err}");
    }

    #[test]
    fn a_rule_without_its_runbook_text_is_refused() {
        let e = compile("f", &OK.replace("[doc]", "[docs]"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("docs"), "{e}");
        let no_doc = OK.replace(
            "[doc]\ndetects = \"d\"\nwhy = \"w\"\nexample = \"e\"\nfalse_positives = \"f\"\n",
            "",
        );
        let e = compile("f", &no_doc).unwrap_err().to_string();
        assert!(e.contains("missing `[doc]`"), "{e}");
        let e = compile("f", &OK.replace("why = \"w\"", "why = \" \""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("doc.why"), "{e}");
    }

    #[test]
    fn bad_values_are_errors() {
        let e = compile("f", &OK.replace("\"5xx\"", "\"9zz\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("match.status"), "{e}");
        let e = compile("f", &format!("{OK}\n[aggregate]\nwindow = \"soon\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("aggregate.window"), "{e}");
        let e = compile("f", &format!("{OK}message_regex = \"(\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("message_regex"), "{e}");
    }

    #[test]
    fn selections_and_conditions() {
        let text = r#"
id = "x.sel"
category = "upstream.server_error"
title = "t"
severity = "high"
explanation = "e"
remediation = "r"
condition = "server and not (health or internal)"
[doc]
detects = "d"
why = "w"
example = "e"
false_positives = "f"

[selection.server]
"status|gte" = 500
[selection.health]
"route|endswith" = "/healthz"
[selection.internal]
"client|cidr" = "10.0.0.0/8"
"#;
        let r = compile("f.toml", text).unwrap().1.unwrap();
        let mut e = Event {
            status: Some(502),
            ..Event::default()
        };
        e.set_origin(&crate::model::Origin {
            route: Some("/v1/x".into()),
            ..Default::default()
        });
        e.client = Some("203.0.113.9".into());
        assert!(r.matches(&e));
        e.client = Some("10.9.9.9".into());
        assert!(!r.matches(&e));
        let err = compile("f.toml", &text.replace("not (health", "not (healthy"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown selection \"healthy\""), "{err}");
        let err = compile("f.toml", &text.replace("\"status|gte\"", "\"status|between\""))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 16") && err.contains("selection.server.status|between"),
            "{err}"
        );
    }

    #[test]
    fn semantic_errors_carry_the_line() {
        let e = compile("f.toml", &format!("{OK}\n[aggregate]\nwindow = \"soon\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 17") && e.contains("aggregate.window"), "{e}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(500_000_000));
        assert_eq!(parse_duration("2m"), Some(120_000_000_000));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("0s"), None);
    }
}
