//! Where the commands' outputs go, through one gate: each output is
//! rendered into memory, cleared of every secret this run replaced that
//! it still holds in a form that can be replaced in place (a value
//! redacted in one field and repeated in another), searched for all of
//! them in every form ([`crate::redact::guard`]), and only then written to
//! its file or to stdout. An output in which a secret survives is not
//! written (a file already at its path is removed, so no stale copy stands
//! in for it) and the command fails with [`Error::Leak`], naming where,
//! never what.
//!
//! Renderers write into the buffer they are given; this module is the only
//! one that opens output files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::redact::{self, collect, guard::Guard};

/// Distinct secrets each parsing thread keeps for the check: past this
/// (a log with a new session token on every line), the rest are still
/// replaced but not searched for, and the run says so.
pub const SECRETS_PER_THREAD: usize = 1 << 18;

/// The run's guard, built from what was gathered when the first output is
/// checked (the analysis is complete by then).
static GUARD: Mutex<Option<Arc<(Guard, u64)>>> = Mutex::new(None);

/// Start gathering the secrets the run replaces.
pub fn begin() {
    if let Ok(mut g) = GUARD.lock() {
        *g = None;
    }
    collect::start(SECRETS_PER_THREAD);
}

fn guard() -> Arc<(Guard, u64)> {
    let build = || {
        let g = collect::take();
        Arc::new((Guard::new(&g.secrets), g.left_out))
    };
    match GUARD.lock() {
        Ok(mut slot) => Arc::clone(slot.get_or_insert_with(build)),
        Err(_) => build(),
    }
}

/// Replacements the check could not search for (see [`SECRETS_PER_THREAD`]).
pub fn unchecked() -> u64 {
    guard().1
}

/// Refuse `bytes` for `path` if a replaced secret survives in them.
fn check(path: &Path, bytes: &[u8]) -> Result<()> {
    if redact::is_disabled() {
        return Ok(());
    }
    let found = guard().0.survivors(bytes);
    if found.is_empty() {
        return Ok(());
    }
    let locations = found
        .iter()
        .take(20)
        .map(|s| {
            let (line, col) = redact::guard::line_col(bytes, s.offset);
            format!("line {line}, column {col} ({})", s.encoding.name())
        })
        .collect();
    Err(refuse(path, found.len(), locations))
}

/// Whether a replaced secret survives in `bytes` (false when redaction is
/// off).
pub fn leaks(bytes: &[u8]) -> bool {
    !redact::is_disabled() && guard().0.leaks(bytes)
}

/// `text` with the secrets this run replaced elsewhere replaced here too,
/// in the forms that can be replaced in place; `None` when it holds none
/// (or redaction is off).
pub fn scrub(text: &str) -> Option<String> {
    if redact::is_disabled() {
        return None;
    }
    guard().0.scrub(text)
}

/// The error for an output refused, after removing any file at `path`.
pub fn refuse(path: &Path, count: usize, locations: Vec<String>) -> Error {
    if path != Path::new("-") && path.is_file() {
        let _ = std::fs::remove_file(path);
    }
    Error::Leak {
        path: path.to_path_buf(),
        count,
        locations,
    }
}

/// How `path` (stdout when `None`) is named in messages.
fn shown(path: Option<&Path>) -> PathBuf {
    path.map_or_else(|| PathBuf::from("-"), Path::to_path_buf)
}

/// Render into memory, scrub, check, and write to `path` (stdout when
/// `None`).
pub fn emit(path: Option<&Path>, render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut buf = Vec::new();
    render(&mut buf).map_err(|source| Error::Output {
        path: shown(path),
        source,
    })?;
    // Only text is scrubbed; a rendering that is not UTF-8 is checked as it is.
    if let Some(clean) = std::str::from_utf8(&buf).ok().and_then(scrub) {
        buf = clean.into_bytes();
    }
    check(&shown(path), &buf)?;
    write(path, &buf)
}

/// Write `bytes` to `path` (stdout when `None`), unchecked: for bytes
/// already checked.
pub fn write(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    let result = match path {
        Some(p) => std::fs::write(p, bytes),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        }
    };
    result.map_err(|source| Error::Output {
        path: shown(path),
        source,
    })
}
