//! The leak check refuses outputs (issue 28): with the redaction broken on
//! purpose (the test-only fault `LOGSLEUTH_TEST_FAULT=unredacted`, which
//! leaves every secret as it was), `sanitize`, `sanitize --dry-run`,
//! `analyze` and `export` must write nothing, remove a stale output, exit
//! with 3 and name where the secret is, never the secret. Without the
//! fault the same commands succeed, so the refusal is the check's doing.

mod common;

const FAULT: (&str, &str) = ("LOGSLEUTH_TEST_FAULT", "unredacted");
const TOKEN: &str = "qAccessTok-1a2B3c4D5e";
const PASSWORD: &str = "hunter2-Passw0rd!";

fn inputs(dir: &std::path::Path) -> (String, String) {
    let entries: Vec<_> = (0..6)
        .map(|i| {
            serde_json::json!({
                "startedDateTime": format!("2024-05-01T10:00:{:02}.000Z", i * 5),
                "time": 20.0,
                "request": {"method": "GET", "url": format!("https://api.example.com/v1/items?page={i}&access_token={TOKEN}"),
                    "headers": [], "queryString": [{"name": "access_token", "value": TOKEN}], "cookies": []},
                "response": {"status": if i > 2 { 500 } else { 200 }, "headers": [], "cookies": [],
                    "content": {"size": 2, "mimeType": "application/json", "text": "{}"}},
                "timings": {"wait": 18}
            })
        })
        .collect();
    let har = dir.join("client.har");
    std::fs::write(
        &har,
        serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}}).to_string(),
    )
    .expect("write");
    let log = dir.join("app.jsonl");
    let lines: String = (0..6)
        .map(|i| {
            serde_json::json!({"@timestamp": format!("2024-05-01T10:00:{:02}.500Z", i * 5), "status": 500,
                "message": format!("db login failed password={PASSWORD}")})
            .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&log, lines).expect("write");
    (har.display().to_string(), log.display().to_string())
}

fn assert_refused(what: &str, out: &std::process::Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{what}: {err}");
    assert!(err.contains("refused to write"), "{what}: {err}");
    for s in [TOKEN, PASSWORD] {
        assert!(!err.contains(s), "{what}: the error names the value: {err}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(s),
            "{what}: stdout holds it"
        );
    }
}

#[test]
fn a_broken_redaction_is_caught_before_anything_is_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (har, log) = inputs(tmp.path());
    let out = tmp.path().join("clean.har");
    let out_s = out.display().to_string();

    // The control: without the fault, sanitize writes a clean copy.
    let ok = common::run(&["sanitize", &har, "-o", &out_s]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(!std::fs::read_to_string(&out).expect("written").contains(TOKEN));

    // With it, the stale copy is removed and nothing takes its place.
    let bad = common::run_env(&["sanitize", &har, "-o", &out_s], &[FAULT]);
    assert_refused("sanitize", &bad);
    assert!(!out.exists(), "the output was left in place");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("log.entries[0].request.queryString[0].value")
            && err.contains("log.entries[0].request.url"),
        "the JSON paths are named: {err}"
    );

    let dry = common::run_env(&["sanitize", "--dry-run", &har], &[FAULT]);
    assert_refused("sanitize --dry-run", &dry);
    let listed = String::from_utf8_lossy(&dry.stdout);
    assert!(
        listed.contains("Leak check FAILED") && listed.contains("queryString[0].value"),
        "{listed}"
    );

    let dry_ok = common::run(&["sanitize", "--dry-run", &har]);
    assert_eq!(dry_ok.status.code(), Some(1), "secrets found, none survive");
    assert!(String::from_utf8_lossy(&dry_ok.stdout).contains("Leak check: the sanitized copy holds none"));

    // Every format either refuses, or holds no secret at all (the HTML
    // report shows neither URLs nor messages); most must refuse.
    let mut refused = 0;
    for format in ["text", "json", "md", "html"] {
        let report = tmp.path().join(format!("report.{format}"));
        let r = common::run_env(
            &[
                "analyze",
                "-q",
                "--format",
                format,
                "-o",
                &report.display().to_string(),
                &har,
                &log,
            ],
            &[FAULT],
        );
        if r.status.code() == Some(3) {
            refused += 1;
            assert_refused(&format!("analyze --format {format}"), &r);
            assert!(!report.exists(), "analyze wrote {format}");
            let to_stdout = common::run_env(&["analyze", "-q", "--format", format, &har, &log], &[FAULT]);
            assert_refused(&format!("analyze --format {format} to stdout"), &to_stdout);
            assert!(to_stdout.stdout.is_empty(), "analyze printed part of the report");
        } else {
            assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
            let written = std::fs::read_to_string(&report).expect("report");
            for s in [TOKEN, PASSWORD] {
                for f in common::secret_forms(s) {
                    assert!(!written.contains(&f), "analyze --format {format} wrote {f}");
                }
            }
        }
        let fine = common::run(&["analyze", "-q", "--format", format, &har, &log]);
        assert!(fine.status.success(), "{}", String::from_utf8_lossy(&fine.stderr));
    }
    assert!(refused >= 3, "only {refused} report formats refused");
    for ext in ["csv", "ndjson", "parquet"] {
        let table = tmp.path().join(format!("events.{ext}"));
        let t = table.display().to_string();
        let r = common::run_env(&["export", "-q", "-o", &t, &har, &log], &[FAULT]);
        assert_refused(&format!("export .{ext}"), &r);
        assert!(!table.exists(), "export wrote .{ext}");
        let fine = common::run(&["export", "-q", "-o", &t, &har, &log]);
        assert!(fine.status.success(), "{}", String::from_utf8_lossy(&fine.stderr));
    }
}

#[test]
fn a_har_without_credentials_is_said_to_be_blind_for_auth_rules() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (har, _) = inputs(tmp.path());
    let notes = |path: &str| -> String {
        let out = common::run(&["analyze", "-q", "--format", "json", path]);
        common::json(&out)["notes"].to_string()
    };
    assert!(notes(&har).contains("no entry carries an Authorization, Cookie or Set-Cookie header"));
    // The same HAR with one cookie anywhere is not.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&har).expect("har")).expect("json");
    doc["log"]["entries"][3]["response"]["headers"] =
        serde_json::json!([{"name": "Set-Cookie", "value": "sid=x1; HttpOnly"}]);
    let with = tmp.path().join("with-cookie.har");
    std::fs::write(&with, doc.to_string()).expect("write");
    assert!(!notes(&with.display().to_string()).contains("no entry carries"));
}

#[test]
fn a_secret_repeated_where_it_does_not_look_secret_is_replaced_there_too() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let echoed = "Rp4ssWord-77xq";
    let log = tmp.path().join("app.jsonl");
    let lines: String = (0..6)
        .map(|i| {
            let record = if i % 2 == 0 {
                serde_json::json!({"@timestamp": format!("2024-05-01T10:00:{:02}Z", i), "status": 500,
                    "message": format!("login failed password={echoed}")})
            } else {
                // The same value under a name that marks nothing.
                serde_json::json!({"@timestamp": format!("2024-05-01T10:00:{:02}Z", i), "status": 502,
                    "url": format!("https://api.example.com/v1/login?note={echoed}")})
            };
            record.to_string() + "\n"
        })
        .collect();
    std::fs::write(&log, lines).expect("write");
    let log = log.display().to_string();
    let csv = tmp.path().join("events.csv");
    let out = common::run(&["export", "-q", "-o", &csv.display().to_string(), &log]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = std::fs::read_to_string(&csv).expect("csv");
    assert!(!table.contains(echoed), "{table}");
    assert!(table.contains("note=tok:"), "the echo is fingerprinted: {table}");
    for format in ["text", "json"] {
        let out = common::run(&["analyze", "-q", "--format", format, &log]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(!String::from_utf8_lossy(&out.stdout).contains(echoed));
    }
}
