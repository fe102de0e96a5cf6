//! The start of an input as detection's claims read it ([`Probe`]), and
//! the tests of JSON lines that several formats' claims share.

use serde::de::IgnoredAny;

use crate::input::json::scan;

/// How many leading non-empty lines we try before calling a file "not JSON lines".
pub const PROBE_LINES: usize = 64;

/// Whether a line is one JSON object on its own.
pub fn is_json_object(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.first() == Some(&b'{') && serde_json::from_slice::<IgnoredAny>(t).is_ok()
}

/// Whether the input is JSON lines whose first line holds a value of its
/// own: later lines are JSON objects, and the value at `i` ends on its line
/// (`line_end`) or is broken there (NaN, nesting too deep, a stray byte)
/// rather than cut off. The cheap test on later lines comes first, so that
/// a large document is not scanned here.
pub fn lines_after_first_value(bytes: &[u8], i: usize, line_end: usize) -> bool {
    if !later_objects(&bytes[line_end..]) {
        return false;
    }
    match scan::skip_value(bytes, i) {
        Ok(end) => end <= line_end,
        // Unbalanced to the end: a document cut off, unless its first line
        // is already not JSON.
        Err(scan::ScanError::Eof) => {
            serde_json::from_slice::<IgnoredAny>(&bytes[i..line_end]).is_err_and(|e| !e.is_eof())
        }
        Err(_) => true,
    }
}

/// Whether any of the first [`PROBE_LINES`] non-blank lines of `b` is a
/// JSON object on its own.
pub fn later_objects(b: &[u8]) -> bool {
    b.split(|&c| c == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .take(PROBE_LINES)
        .any(is_json_object)
}

/// The start of an input, as the claims read it.
#[derive(Debug, Clone)]
pub struct Probe<'a> {
    /// The whole input.
    pub bytes: &'a [u8],
    /// Where its first non-blank byte is.
    pub start: usize,
    /// That byte.
    pub first: u8,
    /// Where the first line ends, found when a claim first asks: a HAR or
    /// an export written on one line is that line, and looking for its end
    /// would read the whole input before its claim (which reads the
    /// leading members) is even tried.
    line_end: std::cell::OnceCell<usize>,
}

impl<'a> Probe<'a> {
    /// The probe of `bytes`, whose first non-blank byte `first` is at
    /// `start`.
    pub fn new(bytes: &'a [u8], start: usize, first: u8) -> Probe<'a> {
        Probe {
            bytes,
            start,
            first,
            line_end: std::cell::OnceCell::new(),
        }
    }

    /// From the first byte on.
    pub fn rest(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    /// Where the first line ends (the input's end when it has one line).
    pub fn line_end(&self) -> usize {
        *self.line_end.get_or_init(|| {
            memchr::memchr(b'\n', &self.bytes[self.start..]).map_or(self.bytes.len(), |k| self.start + k)
        })
    }

    /// The line the first non-blank byte starts.
    pub fn first_line(&self) -> &'a [u8] {
        &self.bytes[self.start..self.line_end()]
    }

    /// Whether later lines are JSON objects and the first value ends on its
    /// line or is broken there (see [`lines_after_first_value`]).
    pub fn lines_after_first_value(&self) -> bool {
        lines_after_first_value(self.bytes, self.start, self.line_end())
    }
}
