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

/// The dry-run report: would this file leak anything if forwarded, and
/// would the sanitized copy pass the leak check?
pub fn render_dry_run(
    input: &str,
    m: &Manifest,
    survivors: &[String],
    w: &mut dyn Write,
) -> std::io::Result<()> {
    if m.total == 0 {
        writeln!(w, "{input}: no secrets found in {} records.", m.records)?;
        writeln!(
            w,
            "Nothing logsleuth recognizes as a secret would leak; review it anyway before forwarding."
        )?;
    } else {
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
        writeln!(w, "By path:")?;
        for (k, n) in &m.by_location {
            writeln!(w, "  {n:>7}  {k}")?;
        }
    }
    if m.binary_bodies > 0 {
        writeln!(
            w,
            "\n{} base64 bodies are binary (images, protobuf): they were not searched and are copied as they are.",
            m.binary_bodies
        )?;
    }
    if m.too_deep > 0 {
        writeln!(
            w,
            "\n{} values are nested too deep to visit and are copied as they are.",
            m.too_deep
        )?;
    }
    writeln!(w)?;
    if survivors.is_empty() {
        writeln!(
            w,
            "Leak check: the sanitized copy holds none of the {} distinct secrets, in any encoding.",
            m.secrets_checked
        )?;
        if m.total > 0 {
            writeln!(w, "Run `logsleuth sanitize {input} -o FILE` to write a copy with each secret replaced by a fingerprint.")?;
        }
        Ok(())
    } else {
        writeln!(
            w,
            "Leak check FAILED: a redacted secret would survive in the sanitized copy at {} place(s):",
            survivors.len()
        )?;
        for p in survivors {
            writeln!(w, "  {p}")?;
        }
        writeln!(w, "sanitize will refuse to write this copy.")
    }
}
