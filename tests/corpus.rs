//! Every file of `../shared/corpus` is either analyzed with the record count
//! that `MANIFEST.tsv` gives, or (where the manifest says it is not a HAR or
//! not JSON) rejected with exit 2 and a one-line error naming the file.
//! Nothing panics, and nothing depends on the file's name. A file whose
//! failures stand out always gets at least one root cause.

mod common;

use common::{arg, corpus, json, run};

struct Row {
    path: String,
    kind: String,
    records: u64,
    valid: u64,
    invalid: u64,
}

fn manifest(corpus: &std::path::Path) -> Vec<Row> {
    let text = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() >= 5).then(|| Row {
                path: c[0].to_string(),
                kind: c[1].to_string(),
                records: c[2].parse().expect("records"),
                valid: c[3].parse().expect("valid"),
                invalid: c[4].parse().expect("invalid"),
            })
        })
        .collect()
}

#[test]
fn every_corpus_file_is_analyzed_or_cleanly_rejected() {
    let Some(corpus) = corpus() else { return };
    let rows = manifest(&corpus);
    assert!(rows.len() >= 75, "manifest rows: {}", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let path = arg(&corpus.join(&row.path));
        let out = run(&["analyze", "--format", "json", "--quiet", &path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{}: panicked: {stderr}", row.path);
        let should_reject = row.valid == 0 && row.invalid > 0;
        if should_reject {
            let lines: Vec<&str> = stderr.lines().collect();
            let ok = out.status.code() == Some(2)
                && lines.len() == 1
                && lines[0].starts_with(&format!("error: {path}: "))
                && out.stdout.is_empty();
            if !ok {
                failures.push(format!(
                    "{}: expected rejection, got {:?} {stderr}",
                    row.path,
                    out.status.code()
                ));
            }
            continue;
        }
        if out.status.code() != Some(0) {
            failures.push(format!("{}: exit {:?}: {stderr}", row.path, out.status.code()));
            continue;
        }
        let report = json(&out);
        let input = &report["inputs"][0];
        let records = input["records"].as_u64().unwrap_or(u64::MAX);
        let skipped = input["skipped"].as_u64().unwrap_or(u64::MAX);
        let events = input["events"].as_u64().unwrap_or(0);
        let issues = input["issues"].as_array().map_or(0, Vec::len) as u64;
        // Every unit either produced an event (some produce several: OTel
        // batch lines) or is listed as skipped.
        let accounted = events + skipped >= records && issues == skipped;
        // JSON records are skipped only when the manifest says they are invalid;
        // text logs may also skip directive lines.
        let skips_ok = row.kind == "text" || skipped == row.invalid;
        if records != row.records || !accounted || !skips_ok {
            failures.push(format!(
                "{}: records {records} (want {}), skipped {skipped} (manifest invalid {}), events {events}, issues {issues}",
                row.path, row.records, row.invalid
            ));
        }
        let want: &[&str] = match row.kind.as_str() {
            "har" => &["har"],
            "jsonl" => &["jsonl"],
            "json-array" => &["json"],
            _ => &["text", "jsonl", "csv"],
        };
        let got = input["format"].as_str().unwrap_or("");
        if !want.contains(&got) {
            failures.push(format!("{}: format {got} (want one of {want:?})", row.path));
        }
        // Failures that stand out (3 or more and 2% of all events, or a
        // quarter of them) never end with no answer (issue 29).
        let failed = report["summary"]["failures"].as_u64().unwrap_or(0);
        let all = report["summary"]["events"].as_u64().unwrap_or(0).max(1);
        let stand_out = (failed >= 3 && failed * 50 >= all) || (failed > 0 && failed * 4 >= all);
        let causes = report["root_causes"].as_array().map_or(0, Vec::len);
        if stand_out && causes == 0 {
            failures.push(format!(
                "{}: {failed} of {all} events failed, and no root cause",
                row.path
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn offline_har_blames_the_client_not_a_server() {
    let Some(corpus) = corpus() else { return };
    let path = arg(&corpus.join("har/mitmproxy-2023-timed_out.har"));
    let out = run(&["analyze", "--format", "json", &path]);
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    let causes = report["root_causes"].as_array().expect("root_causes");
    assert_eq!(causes[0]["category"], "network.client_offline");
    for c in causes {
        let cat = c["category"].as_str().unwrap_or("");
        assert!(!cat.starts_with("upstream."), "blames a server: {cat}");
    }
    assert!(causes[0]["evidence"][0]["locator"]
        .as_str()
        .unwrap_or("")
        .starts_with("entry "));
}

#[test]
fn many_corpus_inputs_in_one_run_keep_going_past_bad_files() {
    let Some(corpus) = corpus() else { return };
    let out = run(&[
        "analyze",
        "--format",
        "json",
        "--quiet",
        &arg(&corpus.join("har")),
    ]);
    // The files the manifest calls "not a HAR" each get an error line; the
    // rest are analyzed in the same run.
    let rows: Vec<Row> = manifest(&corpus)
        .into_iter()
        .filter(|r| r.path.starts_with("har/"))
        .collect();
    let bad = rows.iter().filter(|r| r.valid == 0).count();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), bad, "{stderr}");
    let report = json(&out);
    assert_eq!(report["inputs"].as_array().map_or(0, Vec::len), rows.len() - bad);
}

/// Reports of one file under two names, with the name taken out.
fn report_without_path(out: &std::process::Output, path: &str) -> String {
    String::from_utf8_lossy(&out.stdout).replace(path, "INPUT")
}

#[test]
fn detection_never_depends_on_the_file_name() {
    let Some(corpus) = corpus() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let renamed = dir.path().join("data.bin");
    let renamed_arg = arg(&renamed);
    let mut differ = Vec::new();
    for row in manifest(&corpus) {
        let original = arg(&corpus.join(&row.path));
        std::fs::copy(&original, &renamed).expect("copy");
        let a = run(&["analyze", "--format", "json", "--quiet", &original]);
        let b = run(&["analyze", "--format", "json", "--quiet", &renamed_arg]);
        let same_exit = a.status.code() == b.status.code();
        let same_report = report_without_path(&a, &original) == report_without_path(&b, &renamed_arg);
        if !same_exit || !same_report {
            differ.push(row.path.clone());
        }
    }
    assert!(differ.is_empty(), "results change with the name: {differ:?}");
}

#[test]
fn every_corpus_har_sanitizes_to_a_valid_har_with_the_same_entries() {
    let Some(corpus) = common::corpus() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    let mut dir: Vec<_> = std::fs::read_dir(corpus.join("har"))
        .expect("har dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    dir.sort();
    for path in dir {
        let src = std::fs::read(&path).expect("read");
        let Ok(orig) = serde_json::from_slice::<serde_json::Value>(&src) else {
            continue;
        };
        let Some(entries) = orig["log"]["entries"].as_array() else {
            continue;
        };
        let out = tmp.path().join("clean.har");
        let run = common::run(&[
            "sanitize",
            &path.display().to_string(),
            "-o",
            &out.display().to_string(),
        ]);
        assert!(
            run.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&run.stderr)
        );
        let clean: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).expect("out")).expect("the sanitized HAR is JSON");
        let cleaned = clean["log"]["entries"].as_array().expect("entries");
        assert_eq!(cleaned.len(), entries.len(), "{}", path.display());
        for (a, b) in entries.iter().zip(cleaned) {
            assert_eq!(
                a["response"]["status"],
                b["response"]["status"],
                "{}",
                path.display()
            );
            for field in [
                &["startedDateTime"][..],
                &["time"],
                &["timings"],
                &["request", "method"],
                &["request", "bodySize"],
                &["response", "bodySize"],
                &["response", "content", "size"],
                &["response", "content", "mimeType"],
            ] {
                let get = |v: &serde_json::Value| field.iter().fold(v.clone(), |v, k| v[*k].clone());
                assert_eq!(get(a), get(b), "{}: {field:?}", path.display());
            }
            // The same headers, in the same order, by name.
            let names = |v: &serde_json::Value| -> Vec<String> {
                v["request"]["headers"]
                    .as_array()
                    .map(|h| h.iter().map(|h| h["name"].to_string()).collect())
                    .unwrap_or_default()
            };
            assert_eq!(names(a), names(b), "{}", path.display());
        }
        checked += 1;
    }
    assert!(checked > 10, "only {checked} HARs checked");
}
