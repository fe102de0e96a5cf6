//! Command-line arguments (clap derive). Raw flags only; `cli::options`
//! validates them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::timeline::TimelineFormat;
use crate::report::{ListFormat, OutputFormat};
use crate::rules::Severity;

/// Offline forensic analyzer for API failures: HAR and JSON-lines logs in,
/// ranked root causes out.
#[derive(Debug, Parser)]
#[command(name = "logsleuth", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze inputs and report ranked root causes (no input: a built-in demo incident).
    Analyze(AnalyzeArgs),
    /// Compare an incident capture with a baseline: what changed, ranked, with a CI gate.
    ///
    /// `logsleuth compare INCIDENT... --baseline GOOD...`, or `--baseline
    /// GOOD... -- INCIDENT...`. Either side may mix formats.
    Compare(CompareArgs),
    /// Write the normalized event table (Parquet, CSV or NDJSON, by extension).
    Export(ExportArgs),
    /// Write the incident timeline on its own (Markdown, CSV or JSON).
    Timeline(TimelineArgs),
    /// Show one trace (or request) across every input as a waterfall.
    Trace(TraceArgs),
    /// Write a copy of an input with every secret replaced by its fingerprint.
    Sanitize(SanitizeArgs),
    /// List or explain the rules.
    Rules {
        /// `list` or `explain`.
        #[command(subcommand)]
        action: RulesAction,
        /// Extra rule directories (repeatable); later ones override earlier ones by id.
        #[arg(long = "rules", value_name = "DIR", global = true)]
        rules: Vec<PathBuf>,
    },
    /// Score the ranking on a labeled incident suite: AC@1 and AC@3.
    ///
    /// DIR holds one folder per scenario with its inputs and a truth.toml
    /// (category, subject, onset); `gen-samples suite DIR` writes one.
    Eval {
        /// The suite directory.
        dir: PathBuf,
        /// `text` or `json`.
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
        /// Extra rule directories (repeatable).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
}

impl Command {
    /// The input options of a command that reads inputs through the pipeline.
    pub fn input_args(&self) -> Option<&InputArgs> {
        match self {
            Command::Analyze(a) => Some(&a.input),
            Command::Compare(a) => Some(&a.input),
            Command::Export(a) => Some(&a.input),
            Command::Timeline(a) => Some(&a.input),
            Command::Trace(a) => Some(&a.input),
            Command::Sanitize(_) | Command::Rules { .. } | Command::Eval { .. } => None,
        }
    }
}

/// `rules` actions.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// One line per rule (or a JSON array with `--format json`).
    List {
        /// `text` or `json`.
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// The runbook text of one rule.
    Explain {
        /// Rule id, e.g. auth.token_expired.
        id: String,
    },
    /// Validate rule files and run their fixtures (default: the built-in rules).
    Check {
        /// A directory of rule files to check instead of the built-in rules.
        dir: Option<PathBuf>,
    },
}

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// What every command that reads inputs accepts.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files, directories (walked recursively) or `-` for stdin. `.gz` and
    /// zlib content is decompressed. With no input, reads a demo incident.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Worker threads (default: one per core). Output is identical for any value.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Read files instead of memory-mapping them (for files still being written).
    #[arg(long)]
    pub no_mmap: bool,
    /// The most one input may take in memory once decompressed, or when read
    /// from a pipe (e.g. 512M, 16G). Setting it also turns off the
    /// decompression-bomb check. Default: 8G, and compressed content that
    /// expands more than 250 times past 256M is refused.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_decompressed: Option<u64>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print per-stage wall times, throughput and peak memory to stderr.
    #[arg(long)]
    pub stats: bool,
    /// Extra rule directories (repeatable); later ones override earlier ones by id.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Map a field of an in-house logger: `status=resp.code`, `ts=when`
    /// (repeatable). Names: ts, level, message, status, duration_ms, method,
    /// url, host, trace_id, span_id, request_id, error, error_type, service, …
    #[arg(long = "map", value_name = "NAME=PATH")]
    pub map: Vec<String>,
    /// A file of `NAME=PATH` mappings, one per line (`#` starts a comment).
    #[arg(long, value_name = "FILE")]
    pub map_file: Option<PathBuf>,
    /// Zone for timestamps that have none (Kibana CSV, naive log times):
    /// `UTC` (default) or an offset such as `+02:00` or `-0530`.
    #[arg(long, value_name = "OFFSET", default_value = "UTC")]
    pub tz: String,
    /// Keep only events at or after this time (RFC 3339, e.g. 2024-05-01T10:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Keep only events before this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Show secrets (tokens, cookies, API keys, passwords) as they are in the
    /// inputs instead of fingerprints. Never share such output.
    #[arg(long)]
    pub unsafe_include_secrets: bool,
    /// A TOML file of extra secret patterns (`deny = ["regex"]`) and values
    /// that are not secrets (`allow = ["demo-key"]`).
    #[arg(long, value_name = "FILE")]
    pub redact_config: Option<PathBuf>,
}

/// Arguments of `analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Inputs and how to read them.
    #[command(flatten)]
    pub input: InputArgs,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Write the report here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a root cause at or above this severity is found.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Show every cause's score factors in text output.
    #[arg(long)]
    pub explain: bool,
    /// A good capture (any formats) to judge the findings against, and to
    /// compare with in the report. Takes every name up to the next option
    /// or `--`.
    #[arg(long, num_args = 1.., value_name = "INPUT")]
    pub baseline: Vec<String>,
}

/// Arguments of `compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The incident's inputs and how to read both sides.
    #[command(flatten)]
    pub input: InputArgs,
    /// The baseline's inputs: files, directories or `-`, in any format
    /// analyze reads. Takes every name up to the next option or `--`.
    #[arg(long, required = true, num_args = 1.., value_name = "INPUT")]
    pub baseline: Vec<String>,
    /// Compare only this slice of the incident: `FROM..TO` (RFC 3339; either
    /// end may be left out).
    #[arg(long, value_name = "FROM..TO")]
    pub window: Option<String>,
    /// Compare only this slice of the baseline: `FROM..TO`.
    #[arg(long, value_name = "FROM..TO")]
    pub baseline_window: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Write the comparison here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a significant change meets one of these conditions:
    /// `error-rate:+2pp,p95:+20%,new-template,new-status,shape-change,
    /// request-change,new-version,any`.
    #[arg(long, value_name = "CONDITIONS")]
    pub fail_on: Option<String>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

/// Arguments of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Inputs and how to read them.
    #[command(flatten)]
    pub input: InputArgs,
    /// The file to write; its extension picks the format: `.parquet`, `.csv`,
    /// `.ndjson` or `.jsonl`.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
}

/// Arguments of `timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Inputs and how to read them.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "md")]
    pub format: TimelineFormat,
    /// Write here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// A trace id (32 or 16 hex digits, or a decimal Datadog id) or a request id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Inputs and how to read them.
    #[command(flatten)]
    pub input: InputArgs,
    /// Colour.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

/// Arguments of `sanitize`.
#[derive(Debug, Args)]
pub struct SanitizeArgs {
    /// The HAR, JSON-lines log or Elasticsearch export to sanitize (`.gz` and
    /// zstd are read).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Where to write the sanitized copy (same format as the input).
    #[arg(long, short = 'o', value_name = "FILE", required_unless_present = "dry_run")]
    pub output: Option<PathBuf>,
    /// Where to write the manifest (default: OUTPUT.manifest.json).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Write nothing; print what would leak if the file were forwarded as it is.
    #[arg(long)]
    pub dry_run: bool,
    /// A TOML file of extra secret patterns (`deny = ["regex"]`) and values
    /// that are not secrets (`allow = ["demo-key"]`).
    #[arg(long, value_name = "FILE")]
    pub redact_config: Option<PathBuf>,
}

/// A size such as `4096`, `512K`, `512M` or `16G` (binary units).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 10),
        Some((i, 'm' | 'M')) => (&t[..i], 20),
        Some((i, 'g' | 'G')) => (&t[..i], 30),
        Some((i, 't' | 'T')) => (&t[..i], 40),
        _ => (t, 0),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1u64 << shift))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{s:?} is not a size: give bytes or a number with K, M, G or T, e.g. 16G"))
}
