//! Snapshot tests of every renderer on every sample: a change to what
//! users read shows up as a diff to review (`cargo insta review`, or set
//! `INSTA_UPDATE=always` and inspect `git diff tests/snapshots`).

mod common;

const SAMPLES: &[&str] = &[
    "token-expiry",
    "upstream-timeout",
    "server-errors",
    "mixed-sources",
];

fn render(format: &str, sample: &str) -> String {
    let path = format!("samples/{sample}");
    let out = common::run(&["analyze", "-q", "--color", "never", "--format", format, &path]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn text_reports() {
    for s in SAMPLES {
        insta::assert_snapshot!(format!("text-{s}"), render("text", s));
    }
}

#[test]
fn markdown_reports() {
    for s in SAMPLES {
        insta::assert_snapshot!(format!("md-{s}"), render("md", s));
    }
}

#[test]
fn json_reports() {
    for s in SAMPLES {
        insta::assert_snapshot!(format!("json-{s}"), render("json", s));
    }
}

#[test]
fn html_reports() {
    for s in SAMPLES {
        insta::assert_snapshot!(format!("html-{s}"), render("html", s));
    }
}

#[test]
fn timeline_csv() {
    let out = common::run(&["timeline", "-q", "--format", "csv", "samples/token-expiry"]);
    insta::assert_snapshot!("timeline-csv-token-expiry", String::from_utf8_lossy(&out.stdout));
}
