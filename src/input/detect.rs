//! Format detection from content, never from the file name: a HAR is a JSON
//! object with a `log` member; JSON lines is one object per line. Anything
//! else is rejected with a one-line reason that names the file and says what
//! we saw.

use serde::de::IgnoredAny;

use super::scan::{self, MemberWalk};
use crate::error::{Error, Result};
use crate::model::Format;

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

/// Decide the format of an input.
pub fn detect(display: &str, bytes: &[u8]) -> Result<Format> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(reject(
            display,
            "UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)",
        ));
    }
    let head = &bytes[..bytes.len().min(4096)];
    if head.contains(&0) {
        return Err(reject(display, "binary content: not a HAR or JSON-lines file"));
    }
    let i = scan::skip_ws(bytes, 0);
    let Some(&first) = bytes.get(i) else {
        // Empty input: zero records of JSON lines.
        return Ok(Format::Jsonl);
    };
    let line_end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |k| i + k);
    let first_line = &bytes[i..line_end];
    match first {
        b'{' => {
            if is_json_object(first_line) {
                return Ok(if has_log_entries(first_line) {
                    Format::Har
                } else {
                    Format::Jsonl
                });
            }
            // A multi-line document (a pretty-printed HAR), or JSON lines
            // whose first line is broken.
            if has_log_member(&bytes[i..]) {
                return Ok(Format::Har);
            }
            let later_objects = bytes[line_end.min(bytes.len())..]
                .split(|&c| c == b'\n')
                .filter(|l| !l.trim_ascii().is_empty())
                .take(PROBE_LINES)
                .any(is_json_object);
            if later_objects {
                return Ok(Format::Jsonl);
            }
            Err(match serde_json::from_slice::<IgnoredAny>(bytes) {
                Ok(_) => reject(
                    display,
                    "JSON but not a HAR (no top-level \"log\") and not JSON lines",
                ),
                Err(e) => reject(display, format!("not valid JSON: {e}")),
            })
        }
        b'[' => Err(reject(
            display,
            "a JSON array document; logsleuth reads HAR and JSON lines (one object per line)",
        )),
        _ => Err(reject(
            display,
            format!(
                "not a HAR or JSON-lines file: the first line starts {:?}, not '{{'",
                preview(first_line)
            ),
        )),
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
        // docker json-file lines have a string "log", not a HAR object
        assert_eq!(
            detect("x", b"{\"log\":\"hi\\n\",\"stream\":\"stdout\"}\n").unwrap(),
            Format::Jsonl
        );
    }

    #[test]
    fn rejects_with_the_file_name() {
        let e = detect("f.log", b"caddy | {\"a\":1}\n").unwrap_err().to_string();
        assert!(e.starts_with("f.log: not a HAR or JSON-lines file"), "{e}");
        let e = detect("f.har", b"{\n \"x\": 1\n}\n").unwrap_err().to_string();
        assert!(e.contains("not a HAR"), "{e}");
        let e = detect("f.har", b"{\n \"x\": \n").unwrap_err().to_string();
        assert!(e.contains("not valid JSON"), "{e}");
        assert!(detect("b.har", b"\x00\x01\x02").is_err());
        assert!(!detect("f", b"[1]").unwrap_err().to_string().contains('\n'));
    }
}
