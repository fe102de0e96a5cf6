//! Issue 32's acceptance: `logsleuth compare` finds each kind of planted
//! change (a new 5xx template, a p95 shift on one route, a field turned
//! from number to string, a request content-type change, a new client
//! release failing) and ranks it first against background noise, in
//! HAR-vs-HAR, JSONL-vs-JSONL and HAR-vs-logs pairs; two healthy captures
//! of the same traffic (another seed), or a capture and itself, show no
//! significant change; `--fail-on` exits 1 or 0 as its conditions say; no
//! bearer token of the inputs reaches any output.

mod common;

use std::path::Path;
use std::process::Command;

fn generate(dir: &Path, seed: u64) {
    let st = Command::new(env!("CARGO_BIN_EXE_gen-samples"))
        .args(["compare", dir.to_str().expect("utf-8 path"), &seed.to_string()])
        .status()
        .expect("run gen-samples");
    assert!(st.success());
}

fn truth(case: &Path) -> (String, String, String) {
    let t = std::fs::read_to_string(case.join("truth.toml")).expect("truth.toml");
    let get = |k: &str| {
        t.lines()
            .find_map(|l| l.strip_prefix(&format!("{k} = \"")))
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or("")
            .to_string()
    };
    (get("kind"), get("scope"), get("what"))
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("side folder")
        .map(|e| e.expect("entry").path().display().to_string())
        .collect();
    v.sort();
    v
}

/// `compare` on a case folder, with extra arguments; (exit code, stdout, stderr).
fn compare(case: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args: Vec<String> = vec!["compare".into(), "-q".into()];
    args.extend(files(&case.join("incident")));
    args.push("--baseline".into());
    args.extend(files(&case.join("baseline")));
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = common::run(&refs);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(case: &Path) -> serde_json::Value {
    let (rc, out, err) = compare(case, &["--format", "json"]);
    assert_eq!(rc, 0, "{}: {err}", case.display());
    serde_json::from_str(&out).expect("compare JSON")
}

fn cases(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .expect("cases")
        .map(|e| e.expect("entry").path())
        .collect();
    v.sort();
    v
}

#[test]
fn every_planted_change_ranks_first_and_healthy_pairs_show_none() {
    let tmp = tempfile::tempdir().expect("tempdir");
    generate(tmp.path(), 0);
    let mut kinds = std::collections::BTreeSet::new();
    let all = cases(tmp.path());
    assert_eq!(all.len(), 18, "6 kinds × 3 pairs");
    for case in all {
        let (kind, scope, what) = truth(&case);
        let j = json(&case);
        let changes = j["changes"].as_array().expect("changes");
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        if kind == "none" {
            assert!(changes.is_empty(), "{name}: healthy pair shows {changes:#?}");
            continue;
        }
        let top = changes.first().unwrap_or_else(|| panic!("{name}: nothing found"));
        assert_eq!(top["kind"], kind.as_str(), "{name}: {top:#}");
        assert_eq!(top["scope"]["name"], scope.as_str(), "{name}: {top:#}");
        assert!(
            top["what"].as_str().is_some_and(|w| w.contains(&what)),
            "{name}: {top:#}"
        );
        assert!(top["p_adjusted"].as_f64().is_some_and(|p| p <= 0.01), "{name}");
        // Evidence on both sides, pointing into the right inputs.
        let b = &top["baseline_evidence"][0]["path"];
        let i = &top["incident_evidence"][0]["path"];
        assert!(
            b.as_str().is_some_and(|p| p.contains("/baseline/")),
            "{name}: {b}"
        );
        assert!(
            i.as_str().is_some_and(|p| p.contains("/incident/")),
            "{name}: {i}"
        );
        kinds.insert(kind);
    }
    assert_eq!(kinds.len(), 5, "{kinds:?}");
}

#[test]
fn a_capture_compared_with_itself_shows_no_change() {
    let tmp = tempfile::tempdir().expect("tempdir");
    generate(tmp.path(), 1);
    for case in ["new-5xx-template.jsonl-vs-jsonl", "p95-shift.har-vs-har"] {
        let inc = files(&tmp.path().join(case).join("incident"));
        let mut args = vec!["compare", "-q", "--format", "json"];
        args.extend(inc.iter().map(String::as_str));
        args.push("--baseline");
        args.extend(inc.iter().map(String::as_str));
        let out = common::run(&args);
        assert!(out.status.success());
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(j["changes"], serde_json::json!([]), "{case}");
        assert_eq!(j["tests"], 0, "{case}: identical sides need no test");
    }
}

#[test]
fn fail_on_exits_one_when_a_condition_holds_and_zero_when_none_does() {
    let tmp = tempfile::tempdir().expect("tempdir");
    generate(tmp.path(), 0);
    let case = |n: &str| tmp.path().join(n);
    let (rc, _, err) = compare(
        &case("new-5xx-template.jsonl-vs-jsonl"),
        &["--fail-on", "new-template"],
    );
    assert_eq!(rc, 1, "{err}");
    assert!(err.contains("fail-on: new-template: POST /v1/orders"), "{err}");
    let (rc, _, err) = compare(&case("p95-shift.jsonl-vs-jsonl"), &["--fail-on", "p95:+20%"]);
    assert_eq!(rc, 1, "{err}");
    // The same shift under a higher threshold, or conditions it does not meet.
    let (rc, _, err) = compare(
        &case("p95-shift.jsonl-vs-jsonl"),
        &["--fail-on", "p95:+900%,new-template"],
    );
    assert_eq!(rc, 0, "{err}");
    let (rc, _, err) = compare(&case("healthy.har-vs-logs"), &["--fail-on", "any"]);
    assert_eq!(rc, 0, "{err}");
    let (rc, _, err) = compare(&case("field-type.har-vs-har"), &["--fail-on", "shape-change"]);
    assert_eq!(rc, 1, "{err}");
    let (rc, _, err) = compare(&case("healthy.har-vs-logs"), &["--fail-on", "error-rate:lots"]);
    assert_eq!(rc, 2, "a bad condition is a usage error: {err}");
    assert!(err.contains("--fail-on error-rate:lots"), "{err}");
}

#[test]
fn every_format_renders_and_no_token_leaks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    generate(tmp.path(), 0);
    let case = tmp.path().join("content-type.har-vs-har");
    let har = std::fs::read_to_string(case.join("incident/bad.har")).expect("har");
    let token = har
        .split("Bearer ")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("a bearer token in the HAR")
        .to_string();
    assert!(token.len() > 20);
    for (format, marker) in [
        ("text", "Compared with baseline"),
        ("md", "# Compared with baseline"),
        ("html", "<h2 id=\"compared\">Compared with baseline</h2>"),
        ("json", "\"schema_version\": 1"),
    ] {
        let (rc, out, err) = compare(&case, &["--format", format]);
        assert_eq!(rc, 0, "{format}: {err}");
        assert!(out.contains(marker), "{format}");
        assert!(out.contains("text/plain"), "{format}: the change is named");
        assert!(!out.contains(&token), "{format}: a bearer token leaked");
    }
}

#[test]
fn usage_errors_name_what_is_missing() {
    let out = common::run(&["compare", "--baseline", "samples/token-expiry/client.har"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no incident inputs"));
    let out = common::run(&[
        "compare",
        "samples/token-expiry/client.har",
        "--baseline",
        "samples/token-expiry/client.har",
        "--window",
        "2024-05-01T10:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FROM..TO"));
}

#[test]
fn a_window_slices_the_incident() {
    let tmp = tempfile::tempdir().expect("tempdir");
    generate(tmp.path(), 0);
    let case = tmp.path().join("new-5xx-template.jsonl-vs-jsonl");
    // The change begins 6 minutes in: the first five minutes of the
    // incident look like the baseline.
    let (rc, out, err) = compare(
        &case,
        &[
            "--format",
            "json",
            "--window",
            "2025-05-01T09:00:00Z..2025-05-01T09:05:00Z",
        ],
    );
    assert_eq!(rc, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(j["changes"], serde_json::json!([]));
    let full = json(&case);
    assert!(j["incident"]["requests"].as_u64() < full["incident"]["requests"].as_u64());
}

#[test]
fn analyze_with_a_baseline_judges_causes_against_the_good_capture() {
    // Against itself, every cause was as frequent in the "good" capture:
    // no confidence from the baseline, and nothing to report as changed.
    let out = common::run(&[
        "analyze",
        "-q",
        "--format",
        "json",
        "samples/upstream-timeout",
        "--baseline",
        "samples/upstream-timeout",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let causes = j["root_causes"].as_array().expect("causes");
    assert!(!causes.is_empty());
    for c in causes {
        assert_eq!(c["factors"]["baseline"], 0.0, "{}", c["rule"]);
    }
    assert_eq!(j["comparison"]["changes"], serde_json::json!([]));
    // Without --baseline the contract is unchanged: no comparison member.
    let plain = common::run(&["analyze", "-q", "--format", "json", "samples/upstream-timeout"]);
    let p: serde_json::Value = serde_json::from_slice(&plain.stdout).expect("json");
    assert!(p.get("comparison").is_none());

    // Against a good capture without the failure: certain, and the
    // comparison in every format.
    let tmp = tempfile::tempdir().expect("tempdir");
    generate(tmp.path(), 0);
    let case = tmp.path().join("new-5xx-template.har-vs-logs");
    let (inc, base) = (case.join("incident"), case.join("baseline"));
    let args = |format: &'static str| {
        vec![
            "analyze".to_string(),
            "-q".into(),
            "--format".into(),
            format.into(),
            inc.display().to_string(),
            "--baseline".into(),
            base.display().to_string(),
        ]
    };
    let run = |format| {
        let a = args(format);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        common::run(&refs)
    };
    let j: serde_json::Value = serde_json::from_slice(&run("json").stdout).expect("json");
    assert_eq!(j["comparison"]["changes"][0]["kind"], "new_template");
    let top = &j["root_causes"][0];
    assert!(
        top["factors"]["baseline"].as_f64().is_some_and(|b| b >= 0.99),
        "{top:#}"
    );
    for (format, marker) in [
        ("text", "Compared with baseline"),
        ("md", "## Compared with baseline"),
        ("html", "id=\"compared\""),
    ] {
        let out = run(format);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains(marker), "{format}");
    }
}

#[test]
fn the_comparison_is_the_same_for_any_thread_count() {
    let tmp = tempfile::tempdir().expect("tempdir");
    generate(tmp.path(), 2);
    for case in ["new-client-version.jsonl-vs-jsonl", "field-type.har-vs-logs"] {
        let c = tmp.path().join(case);
        let (_, one, _) = compare(&c, &["--format", "json", "--threads", "1"]);
        let (_, two, _) = compare(&c, &["--format", "json", "--threads", "2"]);
        assert!(!one.is_empty());
        assert_eq!(one, two, "{case}");
    }
}

/// A HAR of `n` GET requests, each with these extra request headers.
fn har_with_headers(n: usize, extra: &[(&str, &str)]) -> String {
    let entries: Vec<serde_json::Value> = (0..n)
        .map(|k| {
            let mut headers = vec![
                serde_json::json!({"name": "Accept", "value": "application/json"}),
                serde_json::json!({"name": "User-Agent", "value": "curl/8.5.0"}),
            ];
            headers.extend(extra.iter().map(|(n, v)| serde_json::json!({"name": n, "value": v})));
            serde_json::json!({
                "startedDateTime": format!("2025-05-01T09:{:02}:{:02}.000Z", k / 60, k % 60),
                "time": 20.0 + (k % 7) as f64,
                "request": {"method": "GET", "url": format!("https://api.example.com/v1/items/{k}"), "headers": headers},
                "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": "{\"ok\":true}"}},
            })
        })
        .collect();
    serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}).to_string()
}

#[test]
fn a_header_added_to_every_request_is_a_change_where_headers_are_recorded() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let good = tmp.path().join("good.har");
    let bad = tmp.path().join("bad.har");
    std::fs::write(&good, har_with_headers(40, &[])).expect("write");
    std::fs::write(&bad, har_with_headers(40, &[("X-Api-Version", "2")])).expect("write");
    let out = common::run(&[
        "compare",
        "-q",
        "--format",
        "json",
        bad.to_str().expect("path"),
        "--baseline",
        good.to_str().expect("path"),
    ]);
    assert!(out.status.success());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let top = &j["changes"][0];
    assert_eq!(top["kind"], "header_set", "{j:#}");
    assert_eq!(top["what"], "headers +x-api-version");
    assert_eq!(top["scope"]["name"], "GET /v1/items/{id}");
}

#[test]
fn a_side_without_requests_is_an_error_not_a_clean_comparison() {
    let out = common::run(&[
        "compare",
        "-q",
        "samples/upstream-timeout/",
        "--baseline",
        "samples/upstream-timeout/",
        "--baseline-window",
        "..2020-01-01T00:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the baseline holds no request"), "{err}");
    assert!(err.contains("--baseline-window"), "{err}");
}
