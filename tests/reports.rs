//! The reports as their users get them: the HTML report opened in a real
//! headless Chromium with the network cut off, the Parquet export read back
//! by DuckDB, and the `timeline` and `trace` commands.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .ok()?;
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            (!p.is_empty()).then(|| PathBuf::from(p))
        })
}

/// A listener that counts connections: passed to Chromium as its proxy,
/// it sees every attempt to reach the network.
type Seen = Arc<std::sync::Mutex<Vec<String>>>;

fn trap() -> (String, Arc<AtomicUsize>, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (h, s) = (hits.clone(), seen.clone());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            h.fetch_add(1, Ordering::SeqCst);
            let mut c = conn;
            let _ = c.set_read_timeout(Some(std::time::Duration::from_millis(500)));
            let mut buf = [0u8; 512];
            let n = c.read(&mut buf).unwrap_or(0);
            if let Ok(mut v) = s.lock() {
                v.push(
                    String::from_utf8_lossy(&buf[..n])
                        .lines()
                        .next()
                        .unwrap_or("")
                        .to_string(),
                );
            }
        }
    });
    (addr, hits, seen)
}

fn browser(bin: &Path, proxy: &str, extra: &[&str], url: &str) -> std::process::Output {
    let profile = tempfile::tempdir().expect("profile dir");
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
            "--metrics-recording-only",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--proxy-server=http://{proxy}"),
            "--proxy-bypass-list=<-loopback>",
            "--virtual-time-budget=3000",
        ])
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs")
}

#[test]
fn the_html_report_renders_offline_in_chromium() {
    let Some(bin) = chromium() else {
        eprintln!("skipping: no chromium on PATH (.ci/run installs Debian's chromium)");
        return;
    };
    let dir = common::root().join("target/html-test");
    std::fs::create_dir_all(&dir).expect("dir");
    let html = dir.join("report.html");
    let out = common::run(&[
        "analyze",
        "-q",
        "--format",
        "html",
        "-o",
        &html.display().to_string(),
        "samples/mixed-sources",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&html).expect("html");
    // Self-contained: nothing that would load from elsewhere.
    for needle in [
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(http",
        "<iframe",
    ] {
        assert!(!text.contains(needle), "the report references {needle}");
    }
    let url = format!("file://{}", html.display());
    let (proxy, hits, seen) = trap();
    let dom = browser(&bin, &proxy, &["--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&dom.stdout).to_string();
    assert!(
        dom.contains("id=\"chart-requests\""),
        "no request chart in the DOM"
    );
    assert!(dom.matches("<rect").count() > 20, "the request chart has no bars");
    assert!(
        dom.contains("id=\"chart-latency\"") && dom.contains("<polyline"),
        "no latency chart"
    );
    assert!(dom.contains("id=\"chart-waterfall\""), "no waterfall");
    assert!(dom.contains("class=\"spark\""), "no sparkline");
    assert!(
        dom.contains("id=\"top-cause\"") && dom.contains("Upstream timed out"),
        "the top cause is not rendered"
    );
    assert!(dom.contains("class=\"js\""), "the table script did not run");
    let shot = dir.join("report.png");
    let _ = std::fs::remove_file(&shot);
    browser(
        &bin,
        &proxy,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1366,1800",
            "--hide-scrollbars",
        ],
        &url,
    );
    let png = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(png > 20_000, "screenshot is {png} bytes");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let _ = hits.load(Ordering::SeqCst);
    let page = page_requests(&seen);
    assert!(page.is_empty(), "the report fetched from the network: {page:?}");

    // Control: the trap does see a page that fetches something.
    let control = dir.join("control.html");
    std::fs::write(
        &control,
        "<!doctype html><img src=\"http://logsleuth-canary.test/x.png\">",
    )
    .expect("write");
    let (proxy, _, seen) = trap();
    browser(
        &bin,
        &proxy,
        &["--dump-dom"],
        &format!("file://{}", control.display()),
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    let page = page_requests(&seen);
    assert!(
        page.iter().any(|r| r.contains("logsleuth-canary.test")),
        "the network trap missed a page request: {page:?}"
    );
}

/// Requests the proxy saw, without the browser's own housekeeping
/// (component updates, network time, account checks), which Chromium makes
/// whatever page it shows.
fn page_requests(seen: &std::sync::Mutex<Vec<String>>) -> Vec<String> {
    const BROWSER_SERVICES: &[&str] = &["google.com", "googleapis.com", "gvt1.com", "gvt2.com"];
    seen.lock()
        .map(|v| v.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|line| {
            let target = line.split_whitespace().nth(1).unwrap_or("");
            let host = target
                .trim_start_matches("http://")
                .trim_start_matches("https://")
                .split(['/', ':'])
                .next()
                .unwrap_or("");
            !BROWSER_SERVICES
                .iter()
                .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        })
        .collect()
}

#[test]
fn a_parquet_export_reads_back_in_duckdb() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pq = tmp.path().join("events.parquet");
    let out = common::run(&[
        "export",
        "-q",
        "-o",
        &pq.display().to_string(),
        "samples/token-expiry",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let venv = tmp.path().join("venv");
    let ok = Command::new("python3")
        .args(["-m", "venv", &venv.display().to_string()])
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check", "duckdb"])
            .status()
            .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipping: could not install duckdb from PyPI");
        return;
    }
    let script = format!(
        "import duckdb, json\n\
         c = duckdb.connect()\n\
         n = c.execute(\"select count(*) from read_parquet('{p}')\").fetchone()[0]\n\
         types = {{r[0]: r[1] for r in c.execute(\"describe select * from read_parquet('{p}')\").fetchall()}}\n\
         fails = c.execute(\"select count(*) from read_parquet('{p}') where error_class is not null\").fetchone()[0]\n\
         print(json.dumps({{'rows': n, 'types': types, 'failures': fails}}))\n",
        p = pq.display()
    );
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", &script])
        .output()
        .expect("python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let report: serde_json::Value = serde_json::from_slice(
        &common::run(&["analyze", "-q", "--format", "json", "samples/token-expiry"]).stdout,
    )
    .expect("report");
    assert_eq!(got["rows"], report["summary"]["events"]);
    assert_eq!(got["failures"], report["summary"]["failures"]);
    let t = &got["types"];
    assert_eq!(t["ts"], "TIMESTAMP_NS");
    assert_eq!(t["status"], "INTEGER");
    assert_eq!(t["duration_ms"], "DOUBLE");
    assert_eq!(t["offset"], "UBIGINT");
    assert_eq!(t["route"], "VARCHAR");
}

#[test]
fn csv_and_ndjson_exports_have_every_event() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in ["events.csv", "events.ndjson"] {
        let p = tmp.path().join(name);
        let out = common::run(&[
            "export",
            "-q",
            "-o",
            &p.display().to_string(),
            "samples/server-errors",
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(&p).expect("export");
        let rows = text.lines().count() - usize::from(name.ends_with(".csv"));
        let report: serde_json::Value = serde_json::from_slice(
            &common::run(&["analyze", "-q", "--format", "json", "samples/server-errors"]).stdout,
        )
        .expect("report");
        assert_eq!(
            rows as u64,
            report["summary"]["events"].as_u64().expect("events"),
            "{name}"
        );
    }
    let bad = common::run(&["export", "-o", "events.xlsx", "samples/server-errors"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains(".parquet, .csv, .ndjson"));
}

#[test]
fn timeline_and_trace_commands() {
    let md = common::run(&["timeline", "-q", "samples/mixed-sources"]);
    assert!(md.status.success());
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.starts_with("| Time (UTC) | Event | Evidence |"), "{md}");
    assert!(md.contains("recovered"), "{md}");
    let csv = common::run(&["timeline", "-q", "--format", "csv", "samples/mixed-sources"]);
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(csv.starts_with("ts,kind,cause,text,path,locator,clock_corrected_s"));
    let json = common::run(&["timeline", "-q", "--format", "json", "samples/mixed-sources"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert!(v
        .as_array()
        .is_some_and(|a| a.iter().any(|e| e["kind"] == "onset")));
    // The example trace of the report, followed through all three inputs.
    let report: serde_json::Value = serde_json::from_slice(
        &common::run(&["analyze", "-q", "--format", "json", "samples/mixed-sources"]).stdout,
    )
    .expect("report");
    let id = report["root_causes"][0]["example_trace"]
        .as_str()
        .expect("trace")
        .to_string();
    let out = common::run(&["trace", "-q", "--color", "never", &id, "samples/mixed-sources"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for file in ["browser.har", "gateway.jsonl", "backend-search.json"] {
        assert!(text.contains(file), "{file} missing from\n{text}");
    }
    assert!(text.contains("deepest failure"), "{text}");
    let missing = common::run(&["trace", "-q", "ffffffffffffffff", "samples/mixed-sources"]);
    assert_eq!(missing.status.code(), Some(1));
}
