//! Writes the normalized event table with polars' writers, in the format
//! the output file's extension names: Parquet, CSV or NDJSON. The columns
//! are `table::COLUMNS`, documented in `docs/report-schema.md`.

use std::path::Path;

use polars::prelude::*;

/// A table format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Apache Parquet (zstd-compressed columns).
    Parquet,
    /// CSV with a header row; times in RFC 3339.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

impl ExportFormat {
    /// The format a file name asks for, if any.
    pub fn of(path: &Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" | "pq" => Some(ExportFormat::Parquet),
            "csv" => Some(ExportFormat::Csv),
            "ndjson" | "jsonl" => Some(ExportFormat::Ndjson),
            _ => None,
        }
    }
}

/// Write `df` to `out` in `format`.
pub fn write(df: &mut DataFrame, format: ExportFormat, out: &mut std::fs::File) -> PolarsResult<()> {
    match format {
        ExportFormat::Parquet => ParquetWriter::new(out)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(df)
            .map(|_| ()),
        ExportFormat::Csv => CsvWriter::new(out).include_header(true).finish(df),
        ExportFormat::Ndjson => JsonWriter::new(out)
            .with_json_format(JsonFormat::JsonLines)
            .finish(df),
    }
}
