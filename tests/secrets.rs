//! Secrets in the inputs stay out of every output unless the user asks
//! for them: a HAR and a gateway log with credentials in headers, URLs and
//! messages go through analyze (every format), export, timeline and trace,
//! and the raw, base64 and URL-encoded forms of each secret are searched for.

mod common;

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1LTg4MTIiLCJleHAiOjE3MTQ1NTc2MDB9.Zm9vYmFyc2lnbmF0dXJlMTIz";
const SECRETS: &[&str] = &[
    JWT,
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "S3ssionCookieValue9f8e7d",
    "hunter2-Passw0rd!",
    "AKIAIOSFODNN7EXAMPLEQQ",
    "refreshTok-7741bbd0",
];

fn write_inputs(dir: &std::path::Path) -> (String, String) {
    let mut entries = Vec::new();
    for i in 0..12 {
        let status = if i >= 4 { 401 } else { 200 };
        entries.push(serde_json::json!({
            "startedDateTime": format!("2024-05-01T10:00:{:02}.000Z", i * 3),
            "time": 40.0,
            "request": {
                "method": "GET",
                "url": format!("https://api.example.com/v1/orders?access_token={}&page={i}", SECRETS[5]),
                "httpVersion": "h2",
                "headers": [
                    {"name": "Authorization", "value": format!("Bearer {JWT}")},
                    {"name": "Cookie", "value": format!("session={}", SECRETS[2])},
                    {"name": "X-Api-Key", "value": SECRETS[1]},
                    {"name": "traceparent", "value": format!("00-{:032x}-00f067aa0ba902b7-01", i + 1)}
                ],
                "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0
            },
            "response": {
                "status": status, "statusText": "", "httpVersion": "h2",
                "headers": if status == 401 {
                    serde_json::json!([{"name": "WWW-Authenticate", "value": "Bearer error=\"invalid_token\""}])
                } else { serde_json::json!([]) },
                "cookies": [], "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                "redirectURL": "", "headersSize": -1, "bodySize": 2
            },
            "cache": {}, "timings": {"send": 0, "wait": 38, "receive": 1}
        }));
    }
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}});
    let har_path = dir.join("client.har");
    std::fs::write(&har_path, serde_json::to_string_pretty(&har).expect("har")).expect("write");
    let mut log = String::new();
    for i in 0..12 {
        let status = if i >= 4 { 401 } else { 200 };
        log.push_str(&serde_json::json!({
            "@timestamp": format!("2024-05-01T10:00:{:02}.010Z", i * 3),
            "url.full": format!("https://api.example.com/v1/orders?access_token={}&page={i}", SECRETS[5]),
            "http.response.status_code": status,
            "trace.id": format!("{:032x}", i + 1),
            "message": format!("auth check failed password={} key {} Authorization: Bearer {JWT}", SECRETS[3], SECRETS[4]),
            "error.message": if status == 401 { format!("jwt expired for Bearer {JWT}") } else { String::new() },
        }).to_string());
        log.push('\n');
    }
    let log_path = dir.join("gateway.jsonl");
    std::fs::write(&log_path, log).expect("write");
    (har_path.display().to_string(), log_path.display().to_string())
}

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for s in SECRETS {
        for f in common::secret_forms(s) {
            assert!(!text.contains(&f), "{what} leaks {f}");
        }
    }
}

#[test]
fn no_output_contains_a_secret() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (har, log) = write_inputs(tmp.path());
    for format in ["text", "json", "md", "html"] {
        let out = common::run(&["analyze", "-q", "--format", format, "--explain", &har, &log]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_clean(&format!("analyze --format {format}"), &out.stdout);
        assert_clean("stderr", &out.stderr);
    }
    let json: serde_json::Value =
        serde_json::from_slice(&common::run(&["analyze", "-q", "--format", "json", &har, &log]).stdout)
            .expect("json");
    assert!(
        json.to_string().contains("tok:"),
        "secrets are fingerprinted, not dropped"
    );
    for ext in ["csv", "ndjson", "parquet"] {
        let p = tmp.path().join(format!("events.{ext}"));
        let out = common::run(&["export", "-q", "-o", &p.display().to_string(), &har, &log]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_clean(&format!("export .{ext}"), &std::fs::read(&p).expect("export"));
    }
    for format in ["md", "csv", "json"] {
        let out = common::run(&["timeline", "-q", "--format", format, &har, &log]);
        assert_clean(&format!("timeline {format}"), &out.stdout);
    }
    let out = common::run(&[
        "trace",
        "-q",
        "--color",
        "never",
        "00000000000000000000000000000005",
        &har,
        &log,
    ]);
    assert!(out.status.success());
    assert_clean("trace", &out.stdout);
}

#[test]
fn unsafe_include_secrets_shows_them_with_a_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (har, log) = write_inputs(tmp.path());
    let csv = tmp.path().join("events.csv");
    let out = common::run(&[
        "export",
        "-q",
        "--unsafe-include-secrets",
        "-o",
        &csv.display().to_string(),
        &har,
        &log,
    ]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert!(text.contains(SECRETS[5]), "the URL's token is shown");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--unsafe-include-secrets"));
}

#[test]
fn fingerprints_are_stable_for_the_same_inputs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (har, log) = write_inputs(tmp.path());
    let a = common::run(&["analyze", "-q", "--format", "json", &har, &log]).stdout;
    let b = common::run(&["analyze", "-q", "--format", "json", "--threads", "1", &har, &log]).stdout;
    assert_eq!(a, b);
}

#[test]
fn sanitized_copies_hold_no_secret_and_analyze_the_same() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (har, log) = write_inputs(tmp.path());
    let clean_har = tmp.path().join("clean.har");
    let clean_log = tmp.path().join("clean.jsonl");
    for (src, dst) in [(&har, &clean_har), (&log, &clean_log)] {
        let out = common::run(&["sanitize", src, "-o", &dst.display().to_string()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_clean("sanitize output", &std::fs::read(dst).expect("sanitized"));
        let manifest = std::fs::read(format!("{}.manifest.json", dst.display())).expect("manifest");
        assert_clean("sanitize manifest", &manifest);
        let m: serde_json::Value = serde_json::from_slice(&manifest).expect("manifest JSON");
        assert!(m["manifest"]["total"].as_u64().unwrap_or(0) >= 12, "{m}");
    }
    let causes = |a: &str, b: &str| -> Vec<(String, String)> {
        let r: serde_json::Value =
            serde_json::from_slice(&common::run(&["analyze", "-q", "--format", "json", a, b]).stdout)
                .expect("json");
        r["root_causes"]
            .as_array()
            .expect("causes")
            .iter()
            .map(|c| (c["category"].to_string(), c["subject"].to_string()))
            .collect()
    };
    let before = causes(&har, &log);
    assert!(!before.is_empty());
    assert_eq!(
        before,
        causes(&clean_har.display().to_string(), &clean_log.display().to_string())
    );
    // The dry run says what would leak, without values, and exits 1.
    let dry = common::run(&["sanitize", "--dry-run", &har]);
    assert_eq!(dry.status.code(), Some(1));
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        text.contains("NOT safe to forward") && text.contains("request.headers"),
        "{text}"
    );
    assert_clean("dry run", &dry.stdout);
}

#[test]
fn a_redaction_config_adds_patterns_and_allows_values() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("app.jsonl");
    std::fs::write(
        &log,
        "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"url.full\":\"https://a.example/x?api_key=public-demo-key\",\"message\":\"issued acme_tok_77f00d for user\",\"http.response.status_code\":200}\n",
    )
    .expect("write");
    let config = tmp.path().join("redact.toml");
    std::fs::write(
        &config,
        "deny = ['acme_tok_[0-9a-f]+']\nallow = ['public-demo-key']\n",
    )
    .expect("write");
    let csv = tmp.path().join("out.csv");
    let out = common::run(&[
        "export",
        "-q",
        "--redact-config",
        &config.display().to_string(),
        "-o",
        &csv.display().to_string(),
        &log.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&csv).expect("csv");
    assert!(!text.contains("acme_tok_77f00d"), "{text}");
    assert!(text.contains("public-demo-key"), "{text}");
    std::fs::write(&config, "deny = ['(unclosed']\n").expect("write");
    let bad = common::run(&[
        "export",
        "-q",
        "--redact-config",
        &config.display().to_string(),
        "-o",
        &csv.display().to_string(),
        &log.display().to_string(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("deny pattern"));
}
