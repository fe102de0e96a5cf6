//! Format detection from content, never from the file name: each format
//! in the registry ([`crate::input::formats::FORMATS`]) claims an input by
//! what its start holds (a HAR's `log.entries`, a JSON object per line, a
//! CSV header, an access-log line), and the strongest claim wins. Anything
//! no format claims is rejected with a one-line reason that names the file
//! and says what we saw. The helpers here are shared by the claims.

use serde::de::IgnoredAny;

use crate::error::{Error, Result};
use crate::input::formats::{jsonl, Claim, Tier, FORMATS};
use crate::input::json::scan;
use crate::input::probe::{later_objects, Probe};
use crate::model::Format;

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

/// Whether an input is binary content, judged by its first 4 KiB: they
/// hold NUL bytes and no JSON-lines record. (A log whose writer crashed
/// leaves NUL-filled blocks among its records: those lines are skipped,
/// each with its reason, and the rest is read.)
pub fn looks_binary(b: &[u8]) -> bool {
    let head = &b[..b.len().min(4096)];
    head.contains(&0) && !later_objects(head)
}

/// Decide the format of an input: every registered format's claims, in
/// tier order (registry order within a tier); the first that passes names
/// it. An empty input is zero records of JSON lines.
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
    let start = scan::skip_ws(bytes, 0);
    let Some(&first) = bytes.get(start) else {
        return Ok(jsonl::FORMAT);
    };
    let probe = Probe::new(bytes, start, first);
    let mut claims: Vec<(Tier, usize, Claim)> = FORMATS
        .iter()
        .enumerate()
        .flat_map(|(k, f)| f.claims().iter().map(move |c| (c.tier, k, *c)))
        .collect();
    claims.sort_by_key(|&(tier, k, _)| (tier, k));
    if let Some(format) = claims.iter().find_map(|(_, _, c)| (c.test)(&probe)) {
        return Ok(format);
    }
    if first == b'{' {
        if let Err(e) = serde_json::from_slice::<IgnoredAny>(bytes) {
            return Err(reject(display, format!("not valid JSON: {e}")));
        }
    }
    Err(reject(
        display,
        format!(
            "not a HAR, JSON, CSV or known access-log format: the first line starts {:?}",
            preview(probe.first_line())
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::formats::{esdoc, har, kibana, text};

    #[test]
    fn detects_by_content() {
        assert_eq!(detect("x", b"{\"a\":1}\n{\"a\":2}\n").unwrap(), jsonl::FORMAT);
        assert_eq!(detect("x", b"{\"log\":{\"entries\":[]}}").unwrap(), har::FORMAT);
        assert_eq!(
            detect("x", b"{\n \"log\": {\n\"entries\": []}}\n").unwrap(),
            har::FORMAT
        );
        assert_eq!(detect("x", b"{broken\n{\"a\":2}\n").unwrap(), jsonl::FORMAT);
        assert_eq!(detect("x", b"").unwrap(), jsonl::FORMAT);
        // ECS logs have a `log` object with `level`, not `entries`
        assert_eq!(
            detect("x", b"{\"log\":{\"level\":\"info\"},\"message\":\"m\"}\n{}\n").unwrap(),
            jsonl::FORMAT
        );
        // A minified HAR, even cut off mid-entry, is told by its first members.
        assert_eq!(
            detect("x", br#"{"log":{"version":"1.2","entries":[{"request":{"url":"#).unwrap(),
            har::FORMAT
        );
        // docker json-file lines have a string "log", not a HAR object
        assert_eq!(
            detect("x", b"{\"log\":\"hi\\n\",\"stream\":\"stdout\"}\n").unwrap(),
            jsonl::FORMAT
        );
    }

    #[test]
    fn detects_documents_csv_text_and_prefixed_lines() {
        assert_eq!(detect("x", b"[{\"a\":1}]").unwrap(), esdoc::FORMAT);
        assert_eq!(
            detect("x", b"{\n \"hits\": {\"hits\": []}\n}\n").unwrap(),
            esdoc::FORMAT
        );
        assert_eq!(
            detect("x", b"{\"took\":3,\"hits\":{\"hits\":[{\"_source\":{}}]}}\n").unwrap(),
            esdoc::FORMAT
        );
        assert_eq!(detect("x", b"caddy  | {\"a\":1}\n").unwrap(), jsonl::FORMAT);
        assert_eq!(
            detect(
                "x",
                b"\"@timestamp\",status\n\"Aug 1, 2024 @ 10:00:00.000\",200\n"
            )
            .unwrap(),
            kibana::FORMAT
        );
        assert_eq!(
            detect(
                "x",
                b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n"
            )
            .unwrap(),
            text::format(text::TextKind::Clf)
        );
        assert_eq!(
            detect("x", b"#Software: IIS\n#Fields: date time\n").unwrap(),
            text::format(text::TextKind::W3c)
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
