//! `logsleuth sanitize`: a copy of an input with every secret replaced by
//! its fingerprint, and a manifest of what was replaced.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::args::SanitizeArgs;
use crate::cli::options::redact_config;
use crate::cli::Outcome;
use crate::error::{Error, Result};
use crate::input::{self, InputSpec};
use crate::report;

/// `logsleuth sanitize INPUT -o FILE`: a copy with every secret replaced,
/// plus a manifest of what was replaced; `--dry-run` prints that manifest
/// as a "what would leak" report instead.
pub fn run_sanitize(args: &SanitizeArgs, out: &mut dyn Write) -> Result<Outcome> {
    redact_config(args.redact_config.as_deref())?;
    let spec = InputSpec::Path(args.input.clone());
    let display = args.input.display().to_string();
    let loaded = input::load::open(&spec, &input::OpenOptions::default())?;
    let bytes = loaded.data.bytes();
    crate::redact::set_key(&input::load::key_material(std::slice::from_ref(&spec)));
    let reject = |reason: String| Error::UnsupportedFormat {
        path: args.input.clone(),
        reason,
    };
    let detected = input::detect::detect(&display, bytes)?;
    let format = input::formats::by_name(detected.name)
        .ok_or_else(|| reject(format!("no sanitizer for the format {:?}", detected.name)))?;
    let clean = format.sanitize(bytes).map_err(reject)?;
    let werr = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| Error::Output { path, source }
    };
    let refused = |path: &std::path::Path| {
        crate::report::output::refuse(path, clean.survivors.len(), clean.survivors.clone())
    };
    if args.dry_run {
        report::sanitize::render_dry_run(&display, &clean.manifest, &clean.survivors, out)
            .map_err(werr(std::path::Path::new("-")))?;
        if !clean.survivors.is_empty() {
            return Err(refused(std::path::Path::new("-")));
        }
        return Ok(if clean.manifest.total > 0 {
            Outcome::FailOn
        } else {
            Outcome::Clean
        });
    }
    let Some(path) = args.output.as_deref() else {
        return Err(Error::Usage("sanitize needs --output FILE (or --dry-run)".into()));
    };
    if !clean.survivors.is_empty() {
        return Err(refused(path));
    }
    crate::report::output::write(Some(path), &clean.bytes)?;
    let manifest_path = args
        .manifest
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.manifest.json", path.display())));
    crate::report::output::emit(Some(&manifest_path), |w| {
        report::sanitize::render_manifest(&display, &clean.manifest, w)
    })?;
    Ok(Outcome::Clean)
}
