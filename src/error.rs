//! Errors that stop an input or the whole run.
//!
//! Bad *records* are not errors: they become [`crate::model::ParseIssue`]s and the
//! run goes on. This module owns the failures that reject a whole input (a file
//! that is not HAR or JSON lines, an unreadable path) or the run itself (a bad
//! rule file, an output that cannot be written). Every variant names the path
//! it concerns, so the one-line message a user sees says which file to look at.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can reject an input or abort a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path could not be opened, read or mapped.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The input path as the user gave it.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A compressed input could not be decompressed.
    #[error("{path}: cannot decompress {codec} data: {source}")]
    Decompress {
        /// The input path.
        path: PathBuf,
        /// `gzip`, `zstd` or `zlib`.
        codec: &'static str,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// A memory-mapped input changed while it was being read.
    #[error(
        "{path}: the file changed while it was being read (truncated or rewritten under its memory map); \
         results from it are incomplete: analyse a copy, or pass --no-mmap"
    )]
    Changed {
        /// The input path.
        path: PathBuf,
    },
    /// Compressed content that expands like a decompression bomb.
    #[error(
        "{path}: {codec} content expands more than {ratio} times: refused as a likely decompression bomb \
         (if you trust the file, set a limit with --max-decompressed SIZE)"
    )]
    Bomb {
        /// The input path.
        path: PathBuf,
        /// `gzip`, `zstd` or `zlib`.
        codec: &'static str,
        /// The expansion ratio refused.
        ratio: u64,
    },
    /// An input larger than the in-memory cap.
    #[error(
        "{path}: {what} content is larger than {} MiB (raise the cap with --max-decompressed SIZE, \
         or decompress it to a file, which is memory-mapped instead)", limit >> 20
    )]
    TooLarge {
        /// The input path.
        path: PathBuf,
        /// `decompressed` or `read from a stream`.
        what: &'static str,
        /// The cap, in bytes.
        limit: u64,
    },
    /// Memory for an input could not be had.
    #[error(
        "{path}: not enough memory to hold {} MiB (let it be memory-mapped: a plain file, without --no-mmap)",
        bytes >> 20
    )]
    OutOfMemory {
        /// The input path.
        path: PathBuf,
        /// The bytes asked for.
        bytes: u64,
    },
    /// The content is neither a HAR nor JSON lines.
    #[error("{path}: {reason}")]
    UnsupportedFormat {
        /// The input path.
        path: PathBuf,
        /// Why it was rejected, and what to do about it.
        reason: String,
    },
    /// A directory walk failed part-way.
    #[error("{path}: cannot walk directory: {source}")]
    Walk {
        /// The directory.
        path: PathBuf,
        /// The walker's error.
        #[source]
        source: walkdir::Error,
    },
    /// A rule file is invalid.
    #[error("{path}: invalid rule: {message}")]
    Rule {
        /// The rule file (or `builtin:NAME` for embedded rules).
        path: String,
        /// What is wrong, with line and key where known.
        message: String,
    },
    /// The report could not be written.
    #[error("{path}: cannot write report: {source}")]
    Output {
        /// Where we tried to write (`-` for stdout).
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Building the columnar event table failed.
    #[cfg(feature = "export")]
    #[error("cannot build the event table: {0}")]
    Table(#[from] polars::error::PolarsError),
    /// An output in which a secret that was redacted would have survived:
    /// it was not written. A logsleuth bug, reported by where, never what.
    #[error(
        "{path}: refused to write: a redacted secret would survive in it at {count} place(s): {}; \
         nothing was written (a logsleuth bug: please report these locations, never the values)",
        locations.join("; ")
    )]
    Leak {
        /// The output refused (`-` for stdout).
        path: PathBuf,
        /// In how many places a secret survived.
        count: usize,
        /// Where: JSON paths or lines and columns, at most a few dozen.
        locations: Vec<String>,
    },
    /// A usage error found after argument parsing (e.g. bad `--threads`).
    #[error("{0}")]
    Usage(String),
}
