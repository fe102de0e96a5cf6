//! The report's renderers: the report model ([`crate::model::report`])
//! written as text, Markdown, JSON (the contract in
//! `docs/report-schema.md`) or HTML, the timeline and eval tables, the
//! event table export and sanitized inputs. Only this module writes output.

pub mod build;
pub mod compare;
pub mod eval;
#[cfg(feature = "export")]
pub mod export;
pub mod html;
pub mod json;
pub mod markdown;
pub mod output;
pub mod rules;
pub mod sanitize;
pub mod style;
#[cfg(feature = "export")]
pub mod table;
pub mod text;
pub mod timeline;

pub use crate::model::report::*;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Terminal text.
    Text,
    /// The JSON contract.
    Json,
    /// Markdown for postmortems.
    Md,
    /// One self-contained HTML file with charts.
    Html,
}

/// Output of `rules list` and `eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Text,
    /// An array of objects with id, category, severity, role, title.
    Json,
}

/// Render a report in a format.
pub fn render(
    report: &Report,
    format: OutputFormat,
    color: bool,
    explain: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Json => json::render(report, out),
        OutputFormat::Md => markdown::render(report, out),
        OutputFormat::Text => text::render(report, color, explain, out),
        OutputFormat::Html => html::render(report, out),
    }
}
