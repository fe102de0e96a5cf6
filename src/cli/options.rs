//! From flags to options: the thread pool, the input options (`--map`,
//! `--map-file`, `--tz`, `--since`, `--until`), redaction settings and
//! whether to colour. Every bad value is a usage error naming its flag.

use std::io::{IsTerminal, Write};

use crate::app::AnalyzeOptions;
use crate::cli::args::{ColorChoice, InputArgs};
use crate::error::{Error, Result};
use crate::input::{self, read::Request};
use crate::rules::{self, Severity};

pub fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Load `--redact-config`.
pub fn redact_config(path: Option<&std::path::Path>) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let config: crate::redact::Config =
        toml::from_str(&text).map_err(|e| Error::Usage(format!("{}: {}", path.display(), e.message())))?;
    crate::redact::configure(&config).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
}

/// The thread pool and options of a command that reads inputs.
pub fn prepare(args: &InputArgs, errors_out: &mut dyn Write) -> Result<(rayon::ThreadPool, AnalyzeOptions)> {
    redact_config(args.redact_config.as_deref())?;
    crate::redact::set_disabled(args.unsafe_include_secrets);
    if args.unsafe_include_secrets {
        // The one warning that must not be missed; stderr, never the report.
        let _ = writeln!(
            errors_out,
            "warning: --unsafe-include-secrets: tokens, cookies, API keys and passwords from the inputs \
             will appear in the output; do not share it"
        );
    }
    if args.threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", args.threads.unwrap_or(0))))?;
    let opts = AnalyzeOptions {
        read: Request {
            inputs: args.inputs.clone(),
            open: input::OpenOptions {
                mmap: !args.no_mmap,
                max_in_memory: args.max_decompressed,
            },
            parse: input_options(args)?,
            since: args
                .since
                .as_deref()
                .map(|t| parse_time_arg("--since", t))
                .transpose()?,
            until: args
                .until
                .as_deref()
                .map(|t| parse_time_arg("--until", t))
                .transpose()?,
            quiet: args.quiet,
        },
        rule_dirs: rules::dirs_with_project(&args.rules),
        baseline: None,
    };
    Ok((pool, opts))
}

/// Parse `--tz`: `UTC`, `Z`, or an offset like `+02:00`, `-0530`, `+2`.
pub fn parse_tz(s: &str) -> Option<i32> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
        return Some(0);
    }
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("utc"))
        .unwrap_or(t);
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => (rest.get(..2)?, rest.get(2..)?),
        None => (rest, "0"),
    };
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

fn parse_time_arg(flag: &str, s: &str) -> Result<i64> {
    crate::normalize::time::parse_text(s)
        .map(|p| p.ns)
        .ok_or_else(|| Error::Usage(format!("{flag}: {s:?} is not a time like 2024-05-01T10:00:00Z")))
}

/// Build the input options from `--map`, `--map-file` and `--tz`.
fn input_options(args: &InputArgs) -> Result<input::Options> {
    let mut pairs: Vec<(String, String, String)> = args
        .map
        .iter()
        .map(|m| (m.clone(), "--map".to_string(), m.clone()))
        .collect();
    if let Some(path) = &args.map_file {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        for (n, line) in text.lines().enumerate() {
            let l = line.split('#').next().unwrap_or("").trim();
            if !l.is_empty() {
                pairs.push((
                    l.to_string(),
                    format!("{}:{}", path.display(), n + 1),
                    l.to_string(),
                ));
            }
        }
    }
    let mut user = Vec::new();
    for (text, origin, _) in &pairs {
        let (name, path) = text.split_once('=').ok_or_else(|| {
            Error::Usage(format!(
                "{origin}: {text:?} is not NAME=PATH, e.g. status=resp.code"
            ))
        })?;
        user.push((name.trim().to_string(), path.trim().to_string()));
    }
    let map = input::json::fields::FieldMap::with_user(&user).map_err(|name| {
        let known: Vec<&str> = input::json::fields::Slot::ALL.iter().map(|s| s.name()).collect();
        Error::Usage(format!(
            "--map: unknown field name {name:?}; known names: {}",
            known.join(", ")
        ))
    })?;
    let tz_offset_s = parse_tz(&args.tz)
        .ok_or_else(|| Error::Usage(format!("--tz: {:?} is not UTC or an offset like +02:00", args.tz)))?;
    Ok(input::Options {
        map,
        tz_offset_s,
        backing: None,
    })
}

pub fn severity_of(name: &str) -> Option<Severity> {
    [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ]
    .into_iter()
    .find(|s| s.name() == name)
}

/// Parse a `--window` slice, `FROM..TO` (RFC 3339; either end may be
/// left out): the `since` and `until` it sets.
pub fn parse_window(flag: &str, s: &str) -> Result<(Option<i64>, Option<i64>)> {
    let (from, to) = s.split_once("..").ok_or_else(|| {
        Error::Usage(format!(
            "{flag}: {s:?} is not FROM..TO (e.g. 2024-05-01T10:00:00Z..)"
        ))
    })?;
    let end = |t: &str| {
        let t = t.trim();
        (!t.is_empty()).then(|| parse_time_arg(flag, t)).transpose()
    };
    let (since, until) = (end(from)?, end(to)?);
    if let (Some(a), Some(b)) = (since, until) {
        if a >= b {
            return Err(Error::Usage(format!("{flag}: {s:?} ends before it begins")));
        }
    }
    Ok((since, until))
}
