//! End-to-end behaviour of the `logsleuth` binary on the bundled samples:
//! ranking, determinism across thread counts, exit codes, inputs from
//! stdin, gzip and directories, and that secrets never reach a report.

mod common;

use std::io::Write;

use common::{arg, json, root, run, run_with_stdin, sample_dirs};

fn top(report: &serde_json::Value) -> (&str, Vec<&str>) {
    let c = &report["root_causes"][0];
    let symptoms = c["symptoms"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["category"].as_str()).collect())
        .unwrap_or_default();
    (c["category"].as_str().unwrap_or(""), symptoms)
}

#[test]
fn demo_runs_with_no_input() {
    let out = run(&["analyze", "--color", "never"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ROOT CAUSE #1  auth.token_expired"), "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "line over 100 columns: {line}");
    }
}

#[test]
fn token_expiry_is_the_cause_and_429s_its_symptom() {
    let out = run(&["analyze", "--format", "json", "samples/token-expiry"]);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    let (cause, symptoms) = top(&r);
    assert_eq!(cause, "auth.token_expired");
    assert!(symptoms.contains(&"rate_limit.exceeded"), "{symptoms:?}");
    // The 429s outnumber nothing here by accident: the ranking must hold
    // even though rate limiting is a large share of the failures.
    assert_eq!(r["root_causes"].as_array().map_or(0, Vec::len), 1);
    let c = &r["root_causes"][0];
    assert_eq!(c["explains_failures"], r["summary"]["failures"]);
    assert_eq!(c["subject"]["host"], "api.example.com");
}

#[test]
fn upstream_timeout_sample_names_the_host() {
    let r = json(&run(&["analyze", "--format", "json", "samples/upstream-timeout"]));
    let (cause, _) = top(&r);
    assert_eq!(cause, "upstream.timeout");
    assert_eq!(r["root_causes"][0]["subject"]["host"], "reports.example.com");
}

#[test]
fn server_error_sample_counts_its_broken_lines() {
    let r = json(&run(&["analyze", "--format", "json", "samples/server-errors"]));
    assert_eq!(top(&r).0, "upstream.server_error");
    let input = &r["inputs"][0];
    assert!(input["skipped"].as_u64().unwrap_or(0) > 0);
    assert_eq!(
        input["records"].as_u64().unwrap_or(0),
        input["events"].as_u64().unwrap_or(0) + input["skipped"].as_u64().unwrap_or(0)
    );
    let issue = &input["issues"][0];
    assert!(issue["locator"].as_str().unwrap_or("").starts_with("line "));
    assert!(issue["offset"].as_u64().is_some());
}

#[test]
fn json_is_byte_identical_for_any_thread_count() {
    let mut targets: Vec<String> = sample_dirs().iter().map(|p| arg(p)).collect();
    targets.push(String::new()); // the demo
    for t in targets {
        let mut outs = Vec::new();
        for threads in ["1", "2", "3"] {
            let mut args = vec!["analyze", "--format", "json", "--threads", threads];
            if !t.is_empty() {
                args.push(&t);
            }
            let out = run(&args);
            assert_eq!(out.status.code(), Some(0));
            outs.push(out.stdout);
        }
        assert_eq!(outs[0], outs[1], "{t}: --threads 1 vs 2");
        assert_eq!(outs[0], outs[2], "{t}: --threads 1 vs 3");
    }
}

#[test]
fn secrets_never_reach_any_report() {
    let har = std::fs::read_to_string(root().join("samples/token-expiry/client.har")).expect("sample");
    let start = har.find("Bearer ").expect("a bearer token in the sample") + 7;
    let token: String = har[start..].chars().take_while(|c| *c != '"').collect();
    assert!(token.len() > 100);
    let signature = token.rsplit('.').next().expect("jwt signature");
    for format in ["text", "json", "md"] {
        let out = run(&["analyze", "--format", format, "samples/token-expiry"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains(&token), "{format}: token leaked");
        assert!(!text.contains(signature), "{format}: signature leaked");
        assert!(
            !text.to_lowercase().contains("bearer ey"),
            "{format}: bearer value leaked"
        );
    }
}

#[test]
fn fail_on_sets_exit_code_one() {
    let out = run(&["analyze", "--fail-on", "high", "samples/token-expiry"]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["analyze", "--fail-on", "critical", "samples/token-expiry"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn usage_and_input_errors_exit_two_with_one_line() {
    let out = run(&["analyze", "no/such/file.har"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: no/such/file.har: cannot read"), "{err}");
    let out = run(&["analyze", "--threads", "0", "samples/token-expiry"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["analyze", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn stdin_gzip_and_output_file() {
    let data = std::fs::read(root().join("samples/upstream-timeout/nginx.jsonl")).expect("sample");
    let plain = run(&[
        "analyze",
        "--format",
        "json",
        "samples/upstream-timeout/nginx.jsonl",
    ]);
    let from_stdin = run_with_stdin(&["analyze", "--format", "json", "-"], Some(&data));
    assert_eq!(from_stdin.status.code(), Some(0));
    let a = json(&plain);
    let b = json(&from_stdin);
    let key = |r: &serde_json::Value| {
        r["root_causes"].as_array().map(|c| {
            c.iter()
                .map(|x| (x["category"].to_string(), x["events"].to_string()))
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(key(&a), key(&b));
    assert_eq!(b["inputs"][0]["path"], "-");

    let dir = tempfile::tempdir().expect("tempdir");
    let gz = dir.path().join("nginx.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&data).expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write gz");
    let report_path = dir.path().join("report.json");
    let out = run(&[
        "analyze",
        "--format",
        "json",
        "-o",
        &arg(&report_path),
        "--no-mmap",
        &arg(&gz),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let c: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).expect("report")).expect("json");
    assert_eq!(key(&c), key(&a));
    assert_eq!(c["inputs"][0]["records"], a["inputs"][0]["records"]);
}

#[test]
fn markdown_has_the_postmortem_sections() {
    let out = run(&["analyze", "--format", "md", "samples/token-expiry"]);
    let md = String::from_utf8_lossy(&out.stdout);
    for section in [
        "# Incident analysis",
        "## Summary",
        "## Ranked causes",
        "## Timeline",
        "## Inputs and data quality",
    ] {
        assert!(md.contains(section), "missing {section}");
    }
    let chain = md
        .lines()
        .find(|l| l.starts_with("- **Why-chain:**"))
        .expect("a why-chain line");
    assert!(
        chain.starts_with("- **Why-chain:** Access tokens expired → "),
        "{chain}"
    );
    assert!(chain.contains("Requests were rate limited (429)"), "{chain}");
}

#[test]
fn samples_are_reproduced_by_the_generator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_gen-samples"))
        .arg(dir.path())
        .status()
        .expect("run gen-samples");
    assert!(status.success());
    for sample in sample_dirs() {
        let name = sample.file_name().expect("name");
        for entry in std::fs::read_dir(&sample).expect("read") {
            let p = entry.expect("entry").path();
            let fresh = dir.path().join(name).join(p.file_name().expect("file"));
            assert_eq!(
                std::fs::read(&p).expect("committed"),
                std::fs::read(&fresh).expect("generated"),
                "{} differs from the generator's output; run `cargo run --bin gen-samples`",
                p.display()
            );
        }
    }
}

#[test]
fn rules_list_and_explain() {
    let out = run(&["rules", "list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for id in [
        "auth.token_expired",
        "rate_limit.exceeded",
        "upstream.timeout",
        "upstream.server_error",
        "network.client_offline",
    ] {
        assert!(text.contains(id), "{id} missing");
    }
    let out = run(&["rules", "explain", "auth.token_expired"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("What to do:"));
    let out = run(&["rules", "explain", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_user_rule_names_file_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("mine.toml"),
        "id = \"mine\"\ncategory = \"upstream.timeout\"\ntitle = \"t\"\nseverity = \"high\"\nexplanation = \"e\"\nremediation = \"r\"\nwindoww = \"1m\"\n[[match]]\nstatus = [504]\n",
    )
    .expect("write rule");
    let out = run(&["analyze", "--rules", &arg(dir.path()), "samples/upstream-timeout"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mine.toml") && err.contains("windoww") && err.contains("line 7"),
        "{err}"
    );
}

#[test]
fn a_har_a_jsonl_log_and_an_es_export_share_one_timeline() {
    let r = json(&run(&["analyze", "--format", "json", "samples/mixed-sources"]));
    let formats: Vec<&str> = r["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|i| i["format"].as_str())
        .collect();
    assert_eq!(formats, vec!["json", "har", "jsonl"]);
    // One timeline, in time order, with entries from all three inputs.
    let timeline = r["timeline"].as_array().expect("timeline");
    let ts: Vec<&str> = timeline.iter().filter_map(|t| t["ts"].as_str()).collect();
    let mut sorted = ts.clone();
    sorted.sort();
    assert_eq!(ts, sorted);
    for file in ["backend-search.json", "browser.har", "gateway.jsonl"] {
        assert!(
            timeline
                .iter()
                .any(|t| t["evidence"]["path"].as_str().is_some_and(|p| p.ends_with(file))),
            "no timeline entry from {file}"
        );
    }
    // The backend's timeouts are the cause; the gateway's and browser's 5xx
    // for the same traces fold under them.
    let c = &r["root_causes"][0];
    assert_eq!(c["category"], "upstream.timeout");
    assert_eq!(c["subject"]["service"], "orders-api");
    let explained = c["explains_failures"].as_u64().unwrap_or(0) as f64;
    let failures = r["summary"]["failures"].as_u64().unwrap_or(1) as f64;
    assert!(explained / failures > 0.95, "{explained} of {failures}");
    // The three sources share trace ids: one trace per request, not three.
    assert_eq!(r["summary"]["traces"], r["inputs"][1]["records"]);
}

#[test]
fn field_mappings_time_window_and_zone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("inhouse.log");
    let mut text = String::new();
    for i in 0..20 {
        let code = if i >= 10 { 503 } else { 200 };
        text.push_str(&format!(
            "{{\"when\":\"2024-05-01 10:00:{i:02}\",\"resp\":{{\"code\":{code}}},\"where\":\"https://api.example.com/v1/x\"}}\n"
        ));
    }
    std::fs::write(&log, text).expect("write");
    let p = arg(&log);
    let plain = json(&run(&["analyze", "--format", "json", &p]));
    // Unknown names are inferred from their values, and the report says so.
    assert_eq!(
        plain["summary"]["failures"], 10,
        "resp.code is inferred as the status"
    );
    let notes = plain["inputs"][0]["notes"].to_string();
    assert!(
        notes.contains("status ← resp.code") && notes.contains("ts ← when"),
        "{notes}"
    );
    let mapped = json(&run(&[
        "analyze",
        "--format",
        "json",
        "--map",
        "ts=when",
        "--map",
        "status=resp.code",
        "--map",
        "url=where",
        "--tz",
        "+02:00",
        &p,
    ]));
    assert_eq!(mapped["summary"]["failures"], 10);
    assert_eq!(
        mapped["summary"]["first_ts"], "2024-05-01T08:00:00.000Z",
        "read in +02:00"
    );
    assert_eq!(
        mapped["root_causes"][0]["category"], "upstream.unavailable",
        "503s without Retry-After"
    );
    assert!(mapped["notes"][0].as_str().unwrap_or("").contains("UTC+02:00"));
    let windowed = json(&run(&[
        "analyze",
        "--format",
        "json",
        "--map",
        "ts=when",
        "--map",
        "status=resp.code",
        "--since",
        "2024-05-01T10:00:05Z",
        "--until",
        "2024-05-01T10:00:15Z",
        &p,
    ]));
    assert_eq!(windowed["inputs"][0]["events"], 10);
    assert_eq!(windowed["inputs"][0]["filtered"], 10);
    assert_eq!(windowed["inputs"][0]["records"], 20);
    let bad = run(&["analyze", "--map", "nonsense=x", &p]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("known names"));
    let bad = run(&["analyze", "--tz", "Mars/Olympus", &p]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn rules_list_json_covers_every_category_and_check_passes() {
    let out = run(&["rules", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let cats: std::collections::BTreeSet<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["category"].as_str())
        .collect();
    assert_eq!(cats.len(), 20, "{cats:?}");
    for r in list.as_array().expect("array") {
        for key in ["id", "category", "severity", "title"] {
            assert!(r[key].is_string(), "{key} missing in {r}");
        }
    }
    let check = run(&["rules", "check", "rules"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("all passed"));
}

#[test]
fn a_user_rule_is_reported_by_the_next_analyze() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("reports.toml"),
        r#"id = "acme.report_export_slow"
category = "upstream.timeout"
title = "Report exports time out (ACME rule)"
severity = "critical"
prior = 0.99
explanation = "{events} report exports timed out on {subject}."
remediation = "Page the reporting team."

[doc]
detects = "Report exports that time out at the gateway."
why = "Customers cannot download their monthly reports."
example = "A 504 on /api/reports/1/export."
false_positives = "A single slow export during a backfill."

[[match]]
status = [504]
route_regex = '^/api/reports/'

[aggregate]
group_by = ["host", "route"]
window = "5m"
min_events = 3

[[fixture]]
name = "fires"
expect = "fire"
repeat = 3
lines = ['{"@timestamp":"2024-05-01T10:00:00Z","url.full":"https://r.example/api/reports/1/export","http.response.status_code":504}']

[[fixture]]
name = "quiet"
expect = "quiet"
repeat = 3
lines = ['{"@timestamp":"2024-05-01T10:00:00Z","url.full":"https://r.example/api/other","http.response.status_code":504}']
"#,
    )
    .expect("write rule");
    let d = arg(dir.path());
    let check = run(&["rules", "check", &d]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let r = json(&run(&[
        "analyze",
        "--format",
        "json",
        "--rules",
        &d,
        "samples/upstream-timeout",
    ]));
    let ids: Vec<&str> = r["root_causes"]
        .as_array()
        .expect("causes")
        .iter()
        .filter_map(|c| c["rule"].as_str())
        .collect();
    assert!(ids.contains(&"acme.report_export_slow"), "{ids:?}");
    let listed = run(&["rules", "list", "--rules", &d]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("acme.report_export_slow"));
    // A failing fixture makes `rules check` exit 1.
    let text = std::fs::read_to_string(dir.path().join("reports.toml")).expect("read");
    std::fs::write(
        dir.path().join("reports.toml"),
        text.replace("expect = \"quiet\"", "expect = \"fire\""),
    )
    .expect("write");
    let check = run(&["rules", "check", &d]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stdout).contains("FAIL"));
}

#[test]
fn a_project_local_rule_directory_is_loaded_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join(".logsleuth/rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    std::fs::write(
        rules.join("off.toml"),
        "id = \"upstream.timeout\"\nenabled = false\n",
    )
    .expect("write");
    let sample = arg(&root().join("samples/upstream-timeout"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_logsleuth"))
        .args(["analyze", "--format", "json", &sample])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = r["root_causes"]
        .as_array()
        .expect("causes")
        .iter()
        .filter_map(|c| c["rule"].as_str())
        .collect();
    assert!(
        !ids.contains(&"upstream.timeout"),
        "the project-local file disables it: {ids:?}"
    );
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_logsleuth"))
        .args(["rules", "list"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&listed.stdout).contains("upstream.timeout "));
}

/// Large inputs take the memory-mapped path: the map is kept and events
/// refer to its text, and a HAR is parsed in batches whose pages are handed
/// back. The report must not depend on any of it: the same bytes for 1 or
/// 2 threads and with `--no-mmap`, and every record accounted for.
#[test]
fn mapped_inputs_give_the_same_report_as_read_ones() {
    let dir = tempfile::tempdir().unwrap();
    let gen = env!("CARGO_BIN_EXE_gen-samples");
    // 40 MiB of HAR is three parse batches; the others are over the map threshold.
    for (kind, name, mib) in [
        ("har", "big.har", "40"),
        ("jsonl", "big.jsonl", "4"),
        ("es", "big.json", "4"),
    ] {
        let path = dir.path().join(name);
        let status = std::process::Command::new(gen)
            .args([&format!("bench-{kind}"), arg(&path).as_str(), mib])
            .status()
            .unwrap();
        assert!(status.success(), "gen-samples bench-{kind}");
        let p = arg(&path);
        let runs: Vec<Vec<u8>> = [
            vec!["analyze", "--format", "json", "--threads", "1", p.as_str()],
            vec!["analyze", "--format", "json", "--threads", "2", p.as_str()],
            vec!["analyze", "--format", "json", "--no-mmap", p.as_str()],
        ]
        .iter()
        .map(|args| {
            let out = run(args);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        })
        .collect();
        assert!(runs[0] == runs[1], "{name}: --threads 1 vs 2 differ");
        assert!(runs[0] == runs[2], "{name}: mapped vs --no-mmap differ");
        let r: serde_json::Value = serde_json::from_slice(&runs[0]).unwrap();
        let input = &r["inputs"][0];
        assert!(input["events"].as_u64().unwrap() > 1000, "{name}: {input}");
        assert_eq!(
            input["records"].as_u64().unwrap(),
            input["events"].as_u64().unwrap() + input["skipped"].as_u64().unwrap(),
            "{name}: accounting"
        );
        assert!(
            !r["root_causes"].as_array().unwrap().is_empty(),
            "{name}: the planted incident"
        );
    }
}

#[test]
fn stats_go_to_stderr_and_leave_the_report_unchanged() {
    let plain = run(&["analyze", "--format", "json", "samples/mixed-sources"]);
    let with = run(&["analyze", "--format", "json", "--stats", "samples/mixed-sources"]);
    assert_eq!(with.status.code(), Some(0));
    assert_eq!(plain.stdout, with.stdout, "--stats changed the report");
    let err = String::from_utf8_lossy(&with.stderr);
    for want in [
        "stats: read+parse",
        "stats: rules",
        "stats: total",
        "MB/s",
        "peak RSS",
        "peak RssAnon",
    ] {
        assert!(err.contains(want), "{want} missing from:\n{err}");
    }
    assert!(!String::from_utf8_lossy(&plain.stderr).contains("stats:"));
}
