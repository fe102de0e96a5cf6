//! Format detection from content, never from the file name: a HAR is a JSON
//! object with a `log` member; JSON lines is one object per line. Anything
//! else is rejected with a one-line reason that names the file and says what
//! we saw.

use serde::de::IgnoredAny;

use crate::error::{Error, Result};
use crate::input::formats::text;
use crate::input::json::scan::{self, MemberWalk};
use crate::model::{Format, TextKind};

/// How many leading non-empty lines we try before calling a file "not JSON lines".
const PROBE_LINES: usize = 64;

fn reject(display: &str, reason: impl Into<String>) -> Error {
    Error::UnsupportedFormat {
        path: display.into(),
        reason: reason.into(),
    }
}

/// A short, printable, secret-free preview of the start of a line.
fn preview(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(&line[..line.len().min(24)]);
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect();
    crate::redact::text(&clean).into_owned()
}

/// Whether the object at the start of `obj` has a `log` member whose value is
/// an object (a docker `{"log": "text"}` line is not a HAR).
fn has_log_member(obj: &[u8]) -> bool {
    let Some(mut walk) = MemberWalk::new(obj, 0) else {
        return false;
    };
    while let Some((key, vstart)) = walk.next_key() {
        if key == b"log" && obj.get(vstart) == Some(&b'{') {
            return true;
        }
        if walk.skip_value().is_none() {
            return false;
        }
    }
    false
}

/// Whether a complete one-line object is a minified HAR: `log` is an object
/// with an `entries` member. (ECS logs have a `log` object too, with `level`.)
fn has_log_entries(obj: &[u8]) -> bool {
    let Some(mut walk) = MemberWalk::new(obj, 0) else {
        return false;
    };
    while let Some((key, vstart)) = walk.next_key() {
        if key == b"log" {
            let Some(mut log) = MemberWalk::new(obj, vstart) else {
                return false;
            };
            while let Some((k, _)) = log.next_key() {
                if k == b"entries" {
                    return true;
                }
                if log.skip_value().is_none() {
                    return false;
                }
            }
            return false;
        }
        // An Elasticsearch export's hits can be the whole file: not skipped
        // over here, since the export check reads them anyway.
        if matches!(key, b"hits" | b"response" | b"responses") {
            return false;
        }
        if walk.skip_value().is_none() {
            return false;
        }
    }
    false
}

fn is_json_object(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.first() == Some(&b'{') && serde_json::from_slice::<IgnoredAny>(t).is_ok()
}

/// Whether an input is binary content, judged by its first 4 KiB: they
/// hold NUL bytes and no JSON-lines record. (A log whose writer crashed
/// leaves NUL-filled blocks among its records: those lines are skipped,
/// each with its reason, and the rest is read.)
pub fn looks_binary(b: &[u8]) -> bool {
    let head = &b[..b.len().min(4096)];
    head.contains(&0) && !later_objects(head)
}

/// Whether the input is JSON lines whose first line holds a value of its
/// own: later lines are JSON objects, and the value at `i` ends on its line
/// (`line_end`) or is broken there (NaN, nesting too deep, a stray byte)
/// rather than cut off. The cheap test on later lines comes first, so that
/// a large document is not scanned here.
fn lines_after_first_value(bytes: &[u8], i: usize, line_end: usize) -> bool {
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
fn later_objects(b: &[u8]) -> bool {
    b.split(|&c| c == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .take(PROBE_LINES)
        .any(is_json_object)
}

/// Whether the first line is a CSV header: at least two identifier-like
/// column names, one of which is a field we know.
fn is_csv_header(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let delim = char::from(crate::input::formats::kibana::delimiter(line));
    let cols: Vec<&str> = text
        .trim()
        .split(delim)
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    cols.len() >= 2
        && cols.iter().all(|c| {
            !c.is_empty()
                && c.len() <= 128
                && c.chars()
                    .all(|ch| ch.is_alphanumeric() || "_@.-:/() ".contains(ch))
        })
        && cols.iter().any(|c| {
            crate::input::json::fields::BUILTIN.knows(c) || matches!(*c, "_id" | "_index" | "@timestamp")
        })
}

/// The text access-log kind most of the first lines match.
fn text_kind(bytes: &[u8]) -> Option<TextKind> {
    let lines: Vec<String> = bytes
        .split(|&c| c == b'\n')
        .map(|l| String::from_utf8_lossy(l).trim_end_matches('\r').to_string())
        .filter(|l| !l.trim().is_empty())
        .take(PROBE_LINES)
        .collect();
    let first = lines.first()?;
    for kind in [TextKind::W3c, TextKind::Zeek] {
        if text::matches(kind, first) {
            return Some(kind);
        }
    }
    let (kind, hits) = text::KINDS
        .iter()
        .map(|&k| (k, lines.iter().filter(|l| text::matches(k, l)).count()))
        .max_by_key(|&(k, n)| (n, std::cmp::Reverse(text::KINDS.iter().position(|x| *x == k))))?;
    (hits > 0 && hits * 3 >= lines.len()).then_some(kind)
}

/// Decide the format of an input.
pub fn detect(display: &str, bytes: &[u8]) -> Result<Format> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(reject(
            display,
            "UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)",
        ));
    }
    if looks_binary(bytes) {
        return Err(reject(
            display,
            "binary content: not a HAR, JSON, CSV or text log",
        ));
    }
    let i = scan::skip_ws(bytes, 0);
    let Some(&first) = bytes.get(i) else {
        // Empty input: zero records of JSON lines.
        return Ok(Format::Jsonl);
    };
    // A HAR or an Elasticsearch export, minified or not, is told by its
    // first members, before any line is looked for or validated: both can be
    // one line of gigabytes, which the parser will read anyway.
    if first == b'{' && has_log_entries(&bytes[i..]) {
        return Ok(Format::Har);
    }
    if first == b'{' && crate::input::formats::esdoc::is_export(&bytes[i..]) {
        return Ok(Format::Json);
    }
    let line_end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |k| i + k);
    let first_line = &bytes[i..line_end];
    match first {
        b'{' => {
            if is_json_object(first_line) {
                return Ok(Format::Jsonl);
            }
            // A multi-line document: a pretty-printed HAR or Elasticsearch
            // export, or JSON lines whose first line is broken.
            if has_log_member(&bytes[i..]) {
                return Ok(Format::Har);
            }
            if lines_after_first_value(bytes, i, line_end) {
                return Ok(Format::Jsonl);
            }
            if scan::skip_value(bytes, i).is_ok() {
                return Ok(Format::Json);
            }
            match serde_json::from_slice::<IgnoredAny>(bytes) {
                Ok(_) => Ok(Format::Json),
                // A cut-off export still holds complete records.
                Err(e) if e.is_eof() => Ok(Format::Json),
                Err(e) => Err(reject(display, format!("not valid JSON: {e}"))),
            }
        }
        // A JSON array, unless the line is a bracketed-timestamp text log
        // (Envoy's default format starts `[2024-05-01T10:00:00.000Z] "GET`).
        b'[' => match text_kind(&bytes[i..]) {
            Some(kind) if serde_json::from_slice::<IgnoredAny>(first_line).is_err_and(|e| !e.is_eof()) => {
                Ok(Format::Text(kind))
            }
            _ if lines_after_first_value(bytes, i, line_end) => Ok(Format::Jsonl),
            _ => Ok(Format::Json),
        },
        _ => {
            if crate::input::formats::jsonl::compose_prefix(first_line).is_some() {
                return Ok(Format::Jsonl);
            }
            if is_csv_header(first_line) {
                return Ok(Format::Csv);
            }
            if let Some(kind) = text_kind(&bytes[i..]) {
                return Ok(Format::Text(kind));
            }
            Err(reject(
                display,
                format!(
                    "not a HAR, JSON, CSV or known access-log format: the first line starts {:?}",
                    preview(first_line)
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(detect("x", b"{\"a\":1}\n{\"a\":2}\n").unwrap(), Format::Jsonl);
        assert_eq!(detect("x", b"{\"log\":{\"entries\":[]}}").unwrap(), Format::Har);
        assert_eq!(
            detect("x", b"{\n \"log\": {\n\"entries\": []}}\n").unwrap(),
            Format::Har
        );
        assert_eq!(detect("x", b"{broken\n{\"a\":2}\n").unwrap(), Format::Jsonl);
        assert_eq!(detect("x", b"").unwrap(), Format::Jsonl);
        // ECS logs have a `log` object with `level`, not `entries`
        assert_eq!(
            detect("x", b"{\"log\":{\"level\":\"info\"},\"message\":\"m\"}\n{}\n").unwrap(),
            Format::Jsonl
        );
        // A minified HAR, even cut off mid-entry, is told by its first members.
        assert_eq!(
            detect("x", br#"{"log":{"version":"1.2","entries":[{"request":{"url":"#).unwrap(),
            Format::Har
        );
        // docker json-file lines have a string "log", not a HAR object
        assert_eq!(
            detect("x", b"{\"log\":\"hi\\n\",\"stream\":\"stdout\"}\n").unwrap(),
            Format::Jsonl
        );
    }

    #[test]
    fn detects_documents_csv_text_and_prefixed_lines() {
        assert_eq!(detect("x", b"[{\"a\":1}]").unwrap(), Format::Json);
        assert_eq!(
            detect("x", b"{\n \"hits\": {\"hits\": []}\n}\n").unwrap(),
            Format::Json
        );
        assert_eq!(
            detect("x", b"{\"took\":3,\"hits\":{\"hits\":[{\"_source\":{}}]}}\n").unwrap(),
            Format::Json
        );
        assert_eq!(detect("x", b"caddy  | {\"a\":1}\n").unwrap(), Format::Jsonl);
        assert_eq!(
            detect(
                "x",
                b"\"@timestamp\",status\n\"Aug 1, 2024 @ 10:00:00.000\",200\n"
            )
            .unwrap(),
            Format::Csv
        );
        assert_eq!(
            detect(
                "x",
                b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n"
            )
            .unwrap(),
            Format::Text(TextKind::Clf)
        );
        assert_eq!(
            detect("x", b"#Software: IIS\n#Fields: date time\n").unwrap(),
            Format::Text(TextKind::W3c)
        );
    }

    #[test]
    fn rejects_with_the_file_name() {
        let e = detect("f.log", b"hello world\nthis is prose\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("f.log: not a HAR, JSON, CSV or known access-log format"),
            "{e}"
        );
        assert!(detect("b.har", b"\x00\x01\x02").is_err());
        assert!(!detect("f", b"\x00garbage")
            .unwrap_err()
            .to_string()
            .contains('\n'));
    }
}
