//! The hostile-input suite: files as they come off broken systems
//! (truncated, corrupted, enormous, crafted), generated here at test time.
//! For each, the binary must finish without a panic, abort or hang, account
//! for every record, and name the file in any error; the other inputs of
//! the run are still analysed.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{arg, root};

/// How long any one run may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(120);

/// Run `logsleuth` with a watchdog: a run past [`HANG`] is killed and
/// fails the test.
fn run(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_logsleuth"))
        .args(args)
        .current_dir(root())
        .env_remove("RAYON_NUM_THREADS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn logsleuth");
    // Drain the pipes on threads so that a large report cannot block the child.
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut v).ok();
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > HANG {
            child.kill().ok();
            panic!("logsleuth {args:?} hung for over {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_t.join().expect("stdout thread"),
        stderr: err_t.join().expect("stderr thread"),
    }
}

/// A finished run: it exited (was not killed by a signal) with 0 or 2, and
/// printed no panic.
fn survived(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "exit {:?}; stderr: {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// The JSON report's entry for the input named `name`, after checking that
/// every record is accounted for.
fn input<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let inputs = report["inputs"].as_array().expect("inputs");
    let i = inputs
        .iter()
        .find(|i| i["path"].as_str().is_some_and(|p| p.ends_with(name)))
        .unwrap_or_else(|| panic!("{name} not among {inputs:?}"));
    let n = |k: &str| i[k].as_u64().unwrap_or_else(|| panic!("{k} in {i}"));
    let issues = i["issues"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(issues, n("skipped"), "{i}");
    assert!(n("events") + n("skipped") >= n("records"), "{i}");
    i
}

fn report(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Analyze `paths` as JSON, expecting a report.
fn analyze(paths: &[&Path]) -> (serde_json::Value, String) {
    let mut args = vec!["analyze".to_string(), "--format".into(), "json".into()];
    args.extend(paths.iter().map(|p| arg(p)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    let stderr = survived(&out);
    (report(&out), stderr)
}

const GOOD: &str = "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"status\":503,\"url\":\"/api/v1/x\",\"message\":\"upstream failed\"}\n";

/// Make a FIFO at `path`.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write input");
    p
}

#[test]
fn deep_nesting_is_a_skipped_record_not_a_stack_overflow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep_array = format!("{}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!("{}1{}\n", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let unclosed = format!("{}\n", "{\"a\":[".repeat(100_000));
    let jsonl = write(
        dir.path(),
        "deep.jsonl",
        format!("{deep_array}{deep_object}{unclosed}{GOOD}").as_bytes(),
    );
    let har = write(
        dir.path(),
        "deep.har",
        format!(
            "{{\"log\":{{\"version\":\"1.2\",\"entries\":[{{\"request\":{}1{}}}]}}}}",
            "{\"a\":".repeat(100_000),
            "}".repeat(100_000)
        )
        .as_bytes(),
    );
    let es = write(
        dir.path(),
        "deep-export.json",
        format!(
            "{{\"hits\":{{\"hits\":[{{\"_id\":\"1\",\"_source\":{}1{}}}]}}}}",
            "{\"a\":".repeat(100_000),
            "}".repeat(100_000)
        )
        .as_bytes(),
    );
    let (r, stderr) = analyze(&[&jsonl, &har, &es]);
    let i = input(&r, "deep.jsonl");
    assert_eq!(i["records"], 4, "{i}");
    assert!(i["events"].as_u64() >= Some(1), "the good line is read: {i}");
    assert_eq!(
        r["summary"]["failures"].as_u64().map(|n| n >= 1),
        Some(true),
        "{r}"
    );
    // The HAR and the export either give their (single) record as skipped,
    // or are rejected with an error that names them.
    for name in ["deep.har", "deep-export.json"] {
        let listed = r["inputs"].as_array().is_some_and(|a| {
            a.iter()
                .any(|i| i["path"].as_str().is_some_and(|p| p.ends_with(name)))
        });
        if listed {
            input(&r, name);
        } else {
            assert!(
                stderr.contains(name),
                "{name} neither analysed nor named: {stderr}"
            );
        }
    }
}

#[test]
fn a_one_gigabyte_line_and_a_100_mb_string_are_read_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("huge-line.jsonl");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).expect("create"));
        f.write_all(b"{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"status\":500,\"message\":\"")
            .expect("write");
        let block = "GET /api/v1/items/42 failed: upstream reset ".repeat(4096);
        let mut n = 0usize;
        while n < 1 << 30 {
            f.write_all(block.as_bytes()).expect("write");
            n += block.len();
        }
        f.write_all(b"\"}\n").expect("write");
        f.write_all(GOOD.as_bytes()).expect("write");
    }
    let s = write(
        dir.path(),
        "huge-string.jsonl",
        format!(
            "{{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"status\":500,\"error\":\"{}\"}}\n{GOOD}",
            "x".repeat(100 << 20)
        )
        .as_bytes(),
    );
    let out = run(&["analyze", "--format", "json", &arg(&p), &arg(&s)]);
    survived(&out);
    // The report holds the long values cut to a bounded size, marked.
    assert!(out.stdout.len() < 4 << 20, "report of {} bytes", out.stdout.len());
    let r = report(&out);
    for name in ["huge-line.jsonl", "huge-string.jsonl"] {
        let i = input(&r, name);
        assert_eq!(
            (i["records"].as_u64(), i["events"].as_u64()),
            (Some(2), Some(2)),
            "{i}"
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[cut: "), "long values are marked as cut");
}

#[test]
fn bad_bytes_and_odd_encodings_lose_no_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let latin1 = write(
        dir.path(),
        "latin1.jsonl",
        b"{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"status\":500,\"message\":\"caf\xe9 \xff\"}\n{\"status\":200}\n",
    );
    let mut nul = GOOD.as_bytes().to_vec();
    nul.extend_from_slice(&[0u8; 8192]);
    nul.extend_from_slice(b"\n");
    nul.extend_from_slice(GOOD.as_bytes());
    let nul = write(dir.path(), "nul-block.jsonl", &nul);
    let crlf = write(
        dir.path(),
        "crlf.jsonl",
        format!(
            "{}\r\n{}\n\r\n{}\r",
            GOOD.trim_end(),
            GOOD.trim_end(),
            GOOD.trim_end()
        )
        .as_bytes(),
    );
    let har_text = r#"{"log":{"version":"1.2","entries":[{"startedDateTime":"2024-05-01T10:00:00Z","time":5,"request":{"method":"GET","url":"https://a.example/ü","headers":[]},"response":{"status":502,"headers":[]}}]}}"#;
    let mut le = vec![0xFF, 0xFE];
    le.extend(har_text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(har_text.encode_utf16().flat_map(u16::to_be_bytes));
    let le = write(dir.path(), "utf16le.har", &le);
    let be = write(dir.path(), "utf16be.har", &be);
    let (r, _) = analyze(&[&latin1, &nul, &crlf, &le, &be]);
    let i = input(&r, "latin1.jsonl");
    assert_eq!(
        (i["records"].as_u64(), i["events"].as_u64()),
        (Some(2), Some(2)),
        "{i}"
    );
    assert!(i["notes"].to_string().contains("invalid UTF-8"), "{i}");
    let i = input(&r, "nul-block.jsonl");
    assert_eq!(
        (i["records"].as_u64(), i["events"].as_u64()),
        (Some(3), Some(2)),
        "{i}"
    );
    let i = input(&r, "crlf.jsonl");
    assert_eq!(
        (i["records"].as_u64(), i["events"].as_u64()),
        (Some(3), Some(3)),
        "{i}"
    );
    for name in ["utf16le.har", "utf16be.har"] {
        let i = input(&r, name);
        assert_eq!(
            (i["format"].as_str(), i["events"].as_u64()),
            (Some("har"), Some(1)),
            "{i}"
        );
        assert!(i["notes"].to_string().contains("UTF-16"), "{i}");
    }
}

#[test]
fn a_truncated_har_keeps_its_complete_entries_and_reports_the_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let entry = |i: usize| {
        format!(
            r#"{{"startedDateTime":"2024-05-01T10:00:0{i}Z","time":5,"request":{{"method":"GET","url":"https://a.example/{i}","headers":[]}},"response":{{"status":503,"headers":[],"content":{{"text":"{}"}}}}}}"#,
            "x".repeat(200)
        )
    };
    let entries: Vec<String> = (0..6).map(entry).collect();
    let full = format!(
        "{{\"log\":{{\"version\":\"1.2\",\"entries\":[{}]}}}}",
        entries.join(",")
    );
    // Cut inside the last entry's body.
    let cut = &full[..full.len() - 150];
    let p = write(dir.path(), "cut.har", cut.as_bytes());
    let (r, _) = analyze(&[&p]);
    let i = input(&r, "cut.har");
    assert_eq!(i["events"], 5, "{i}");
    assert!(i["notes"].to_string().contains("truncated"), "{i}");
}

#[test]
fn compressed_inputs_cut_joined_or_bombs() {
    use flate2::{write::GzEncoder, Compression};
    let dir = tempfile::tempdir().expect("tempdir");
    let body = GOOD.repeat(2000);
    let gz = |b: &[u8]| {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(b).expect("gzip");
        e.finish().expect("gzip")
    };
    let one = gz(body.as_bytes());
    let cut = write(dir.path(), "cut.jsonl.gz", &one[..one.len() / 2]);
    let mut two = one.clone();
    two.extend_from_slice(&one);
    let joined = write(dir.path(), "joined.jsonl.gz", &two);
    let (r, _) = analyze(&[&cut, &joined]);
    let i = input(&r, "cut.jsonl.gz");
    assert!(
        i["events"].as_u64() > Some(100),
        "the part before the cut is read: {i}"
    );
    assert!(i["notes"].to_string().contains("cut off or damaged"), "{i}");
    assert_eq!(input(&r, "joined.jsonl.gz")["events"], 4000);

    // 512 MiB of zeros in about half a MiB.
    let bomb = dir.path().join("bomb.jsonl.gz");
    {
        let mut e = GzEncoder::new(std::fs::File::create(&bomb).expect("create"), Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..512 {
            e.write_all(&zeros).expect("gzip");
        }
        e.finish().expect("gzip");
    }
    let good = write(dir.path(), "good.jsonl", GOOD.as_bytes());
    let out = run(&["analyze", "--format", "json", &arg(&bomb), &arg(&good)]);
    let stderr = survived(&out);
    assert_eq!(out.status.code(), Some(2), "a rejected input sets the exit code");
    assert!(
        stderr.contains("bomb.jsonl.gz: gzip content expands more than"),
        "{stderr}"
    );
    input(&report(&out), "good.jsonl");
}

#[test]
fn odd_json_values_are_read_or_skipped_with_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "odd.jsonl",
        concat!(
            "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"status\":500,\"bytes\":123456789012345678901234567890}\n",
            "{\"@timestamp\":\"2024-05-01T10:00:01Z\",\"status\":500,\"duration\":NaN}\n",
            "{\"@timestamp\":\"2024-05-01T10:00:02Z\",\"status\":500,\"duration\":Infinity}\n",
            "{\"@timestamp\":\"2024-05-01T10:00:03Z\",\"status\":200,\"status\":502,\"status\":503}\n",
            "{\"@timestamp\":\"0000-01-01T00:00:00Z\",\"status\":500,\"duration_ms\":-5}\n",
            "{\"@timestamp\":\"9999-12-31T23:59:59Z\",\"status\":500,\"duration_ms\":-1e308}\n",
            "{\"@timestamp\":-99999999999999999999,\"status\":504}\n",
            "{\"@timestamp\":\"2024-05-01T10:00:04Z\",\"status\":500,\"duration_ms\":-3}\n",
        )
        .as_bytes(),
    );
    for format in ["json", "text", "md", "html"] {
        let out = run(&["analyze", "--format", format, &arg(&p)]);
        survived(&out);
        assert_eq!(out.status.code(), Some(0), "{format}");
        if format == "json" {
            let r = report(&out);
            let i = input(&r, "odd.jsonl");
            assert_eq!(i["records"], 8, "{i}");
            // NaN and Infinity are not JSON: those two lines are skipped,
            // each with its reason; the others are read.
            assert_eq!(i["skipped"], 2, "{i}");
        }
    }
    let out = run(&["timeline", &arg(&p)]);
    survived(&out);
}

/// Times at the very ends of what nanoseconds since 1970 can hold (1677
/// and 2262), events without a time, durations near f64::MAX and a
/// Retry-After in the year 9999, in one run: differences between such times
/// overflow i64, and a duration rounded past f64::MAX is infinite. Once,
/// these hung the HTML report for two minutes in 23 GB of memory and
/// panicked in debug builds.
#[test]
fn extreme_times_and_durations_render_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lines = String::new();
    for ts in [
        "1677-09-22T00:12:44Z",
        "2262-04-11T23:47:16Z",
        "1970-01-01T00:00:00Z",
        "2024-05-01T10:00:00Z",
    ] {
        for status in [500, 503, 429, 401, 200] {
            lines.push_str(&format!(
                "{{\"@timestamp\":\"{ts}\",\"status\":{status},\"url\":\"https://a.example/v1/x\",\"duration_ms\":1e308,\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"message\":\"upstream timed out\"}}\n"
            ));
        }
        lines.push_str("{\"status\":503,\"url\":\"/x\"}\n");
    }
    let jsonl = write(dir.path(), "extreme.jsonl", lines.repeat(3).as_bytes());
    let har = write(
        dir.path(),
        "extreme.har",
        concat!(
            r#"{"log":{"version":"1.2","entries":["#,
            r#"{"startedDateTime":"1677-09-22T00:12:44Z","time":1e308,"request":{"method":"GET","url":"https://a.example/x","headers":[]},"response":{"status":429,"headers":[{"name":"Retry-After","value":"Fri, 31 Dec 9999 23:59:59 GMT"}]}},"#,
            r#"{"startedDateTime":"2262-04-11T23:47:16Z","time":5,"request":{"method":"GET","url":"https://a.example/x","headers":[]},"response":{"status":429,"headers":[{"name":"Retry-After","value":"Fri, 31 Dec 9999 23:59:59 GMT"}]}}"#,
            "]}}"
        )
        .as_bytes(),
    );
    for format in ["json", "text", "md", "html"] {
        let out = run(&["analyze", "--format", format, &arg(&jsonl), &arg(&har)]);
        survived(&out);
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(out.stdout.len() < 4 << 20, "{format}: {} bytes", out.stdout.len());
    }
    survived(&run(&["timeline", &arg(&jsonl), &arg(&har)]));
    survived(&run(&[
        "trace",
        "4bf92f3577b34da6a3ce929d0e0e4736",
        &arg(&jsonl),
        &arg(&har),
    ]));
}

#[test]
fn empty_unreadable_and_special_files_give_clear_errors_not_hangs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = write(dir.path(), "empty.jsonl", b"");
    let no_entries = write(
        dir.path(),
        "none.har",
        br#"{"log":{"version":"1.2","entries":[]}}"#,
    );
    let mut garbage = Vec::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        garbage.push(x as u8);
    }
    let garbage = write(dir.path(), "garbage.har", &garbage);
    let good = write(dir.path(), "good.jsonl", GOOD.as_bytes());
    let looped = dir.path().join("looped");
    std::fs::create_dir_all(looped.join("inner")).expect("mkdir");
    write(&looped, "a.jsonl", GOOD.as_bytes());
    #[cfg(unix)]
    std::os::unix::fs::symlink(&looped, looped.join("inner/up")).expect("symlink");
    let out = run(&[
        "analyze",
        "--format",
        "json",
        &arg(&empty),
        &arg(&no_entries),
        &arg(&garbage),
        &arg(&looped),
        &arg(&good),
    ]);
    let stderr = survived(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("garbage.har: binary content"),
        "the bad file is named: {stderr}"
    );
    if cfg!(unix) {
        assert!(stderr.contains("File system loop"), "{stderr}");
    }
    // Every error is one line naming a file.
    for line in stderr.lines() {
        assert!(
            line.starts_with("error: ") || line.starts_with("warning: "),
            "{line}"
        );
    }
    let r = report(&out);
    assert_eq!(input(&r, "empty.jsonl")["records"], 0);
    assert_eq!(input(&r, "none.har")["records"], 0);
    input(&r, "looped/a.jsonl");
    input(&r, "good.jsonl");

    #[cfg(unix)]
    {
        // A FIFO nobody writes to reads as empty; /dev/zero is binary.
        let fifo = dir.path().join("fifo.jsonl");
        mkfifo(&fifo);
        let out = run(&[
            "analyze",
            "--format",
            "json",
            &arg(&fifo),
            "/dev/zero",
            &arg(&good),
        ]);
        let stderr = survived(&out);
        assert!(stderr.contains("/dev/zero: binary content"), "{stderr}");
        let r = report(&out);
        assert_eq!(input(&r, "fifo.jsonl")["records"], 0);
        input(&r, "good.jsonl");
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_named_and_the_rest_analysed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let locked = write(dir.path(), "locked.jsonl", GOOD.as_bytes());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&locked).is_ok() {
        eprintln!("skipping: running as a user who can read any file (root)");
        return;
    }
    let good = write(dir.path(), "good.jsonl", GOOD.as_bytes());
    let out = run(&["analyze", "--format", "json", &arg(&locked), &arg(&good)]);
    let stderr = survived(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("locked.jsonl"), "{stderr}");
    input(&report(&out), "good.jsonl");
}

/// A file truncated while it is mapped, after its parse and before the
/// report: the process survives, the report is written, and the file is
/// named as changed with exit code 2. The run is paused at the right moment
/// by a FIFO given as the second input: logsleuth blocks reading it while
/// the test truncates the first.
#[cfg(unix)]
#[test]
fn a_mapped_file_truncated_during_the_run_is_survived_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.jsonl");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).expect("create"));
        for i in 0..60_000 {
            writeln!(
                f,
                "{{\"@timestamp\":\"2024-05-01T10:{:02}:{:02}Z\",\"status\":503,\"url\":\"/api/v1/orders/{i}\",\"message\":\"upstream connect error {i}\",\"trace_id\":\"{:032x}\"}}",
                (i / 60) % 60,
                i % 60,
                i + 1
            )
            .expect("write");
        }
    }
    assert!(
        std::fs::metadata(&big).expect("meta").len() > 2 << 20,
        "big enough to be mapped"
    );
    let fifo = dir.path().join("pause.jsonl");
    mkfifo(&fifo);
    let (big2, fifo2) = (big.clone(), fifo.clone());
    let writer = std::thread::spawn(move || {
        // Blocks until logsleuth opens the FIFO, i.e. after big.jsonl's parse.
        let mut w = std::fs::OpenOptions::new()
            .write(true)
            .open(&fifo2)
            .expect("open fifo");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&big2)
            .expect("open big")
            .set_len(0)
            .expect("truncate");
        w.write_all(GOOD.as_bytes()).expect("write fifo");
    });
    std::thread::sleep(Duration::from_millis(300));
    let out = run(&["analyze", "--format", "json", &arg(&big), &arg(&fifo)]);
    writer.join().expect("writer");
    let stderr = survived(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("big.jsonl: the file changed while it was being read"),
        "{stderr}"
    );
    let r = report(&out);
    assert_eq!(input(&r, "pause.jsonl")["events"], 1);
}

/// The same truncation during the parse itself: the input is rejected with
/// the same clear error, and its events are not used.
#[cfg(unix)]
#[test]
fn a_mapped_file_truncated_before_its_parse_is_rejected() {
    use logsleuth::input::{self, InputSpec, OpenOptions, Options};
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "shrinks.jsonl", GOOD.repeat(40_000).as_bytes());
    let loaded = input::load::open(&InputSpec::Path(p.clone()), &OpenOptions::default()).expect("open");
    assert!(
        matches!(loaded.data, input::Data::Mapped(_)),
        "the file is mapped"
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .expect("open")
        .set_len(100)
        .expect("truncate");
    let err = input::parse(logsleuth::model::SourceId(0), &loaded, &Options::default())
        .expect_err("a changed file is rejected");
    assert!(
        err.to_string()
            .contains("the file changed while it was being read"),
        "{err}"
    );
}
