//! Renders what `sanitize` replaced: the manifest as JSON next to the
//! sanitized copy, or a "what would leak" report for `--dry-run`. Counts
//! only; values never appear.

use std::io::Write;

use crate::sanitize::Manifest;

/// The manifest as JSON.
pub fn render_manifest(input: &str, m: &Manifest, w: &mut dyn Write) -> std::io::Result<()> {
    let doc = serde_json::json!({ "input": input, "manifest": m });
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(std::io::Error::other)?;
    writeln!(w)
}

/// The dry-run report: would this file leak anything if forwarded?
pub fn render_dry_run(input: &str, m: &Manifest, w: &mut dyn Write) -> std::io::Result<()> {
    if m.total == 0 {
        writeln!(w, "{input}: no secrets found in {} records.", m.records)?;
        return writeln!(
            w,
            "Nothing logsleuth recognizes as a secret would leak; review it anyway before forwarding."
        );
    }
    writeln!(
        w,
        "{input}: NOT safe to forward as it is: {} secrets in {} of {} records.",
        m.total, m.records_with_secrets, m.records
    )?;
    writeln!(w)?;
    writeln!(w, "By kind:")?;
    for (k, n) in &m.by_kind {
        writeln!(w, "  {n:>7}  {k}")?;
    }
    writeln!(w, "By location:")?;
    for (k, n) in &m.by_location {
        writeln!(w, "  {n:>7}  {k}")?;
    }
    writeln!(w)?;
    writeln!(w, "Run `logsleuth sanitize {input} -o FILE` to write a copy with each secret replaced by a fingerprint.")
}
