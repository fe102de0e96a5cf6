//! Renders the incident timeline on its own (`logsleuth timeline`): a
//! Markdown table to paste into a postmortem, CSV for spreadsheets, or the
//! JSON entries of the report contract.

use std::io::Write;

use super::TimelineEntry;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn evidence(t: &TimelineEntry) -> (String, String, String) {
    t.evidence.as_ref().map_or_else(Default::default, |e| {
        (
            e.path.clone(),
            e.locator.clone(),
            e.clock_corrected_ms
                .map(|ms| format!("{:+.3}", ms as f64 / 1000.0))
                .unwrap_or_default(),
        )
    })
}

/// The Markdown table (also used by the postmortem).
pub fn markdown(entries: &[TimelineEntry], w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "| Time (UTC) | Event | Evidence |")?;
    writeln!(w, "|---|---|---|")?;
    for t in entries {
        let (path, locator, clock) = evidence(t);
        let ev = if path.is_empty() {
            String::new()
        } else {
            format!("`{}` {locator}", cell(&path))
        };
        let clock = if clock.is_empty() {
            String::new()
        } else {
            format!(" (clock corrected {clock} s)")
        };
        writeln!(w, "| {} | {} | {ev}{clock} |", t.ts, cell(&t.text))?;
    }
    Ok(())
}

/// Formats of `timeline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TimelineFormat {
    /// A Markdown table.
    Md,
    /// CSV with a header row.
    Csv,
    /// A JSON array of entries.
    Json,
}

/// Write the timeline in `format`.
pub fn render(entries: &[TimelineEntry], format: TimelineFormat, w: &mut dyn Write) -> std::io::Result<()> {
    match format {
        TimelineFormat::Md => markdown(entries, w),
        TimelineFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, entries).map_err(std::io::Error::other)?;
            writeln!(w)
        }
        TimelineFormat::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "ts",
                "kind",
                "cause",
                "text",
                "path",
                "locator",
                "clock_corrected_s",
            ])
            .map_err(std::io::Error::other)?;
            for t in entries {
                let (path, locator, clock) = evidence(t);
                let cause = t.cause.map(|c| c.to_string()).unwrap_or_default();
                let ts = t.ts.to_string();
                c.write_record([ts.as_str(), &t.kind, &cause, &t.text, &path, &locator, &clock])
                    .map_err(std::io::Error::other)?;
            }
            c.flush()
        }
    }
}
