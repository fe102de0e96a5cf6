//! The JSON renderer: the report structure, pretty-printed, newline-terminated.

use super::Report;

/// Write the report as JSON.
pub fn render(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
