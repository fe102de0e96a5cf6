//! Criterion benchmarks of the parsing stages, each beside the baselines
//! measured in the same run: a memchr newline count (what `wc -l` does) and
//! a parse-only pass with the same JSON parser (serde_json, every line into
//! `IgnoredAny`). Throughput is in bytes, so criterion prints MB/s for each
//! and the ratios can be read off one report.
//!
//! Run: `cargo bench --bench parse`. Input: the committed samples, repeated
//! in memory to about 32 MiB; nothing is written to disk except by the
//! end-to-end group, which uses a temporary file.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use logsleuth::app::{analyze, AnalyzeOptions};
use logsleuth::input::formats::{har, jsonl};
use logsleuth::input::Options;
use logsleuth::model::SourceId;

const TARGET: usize = 32 << 20;

fn repeated(path: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let one = std::fs::read(root.join(path)).expect("sample present");
    let mut out = Vec::with_capacity(TARGET + one.len());
    while out.len() < TARGET {
        out.extend_from_slice(&one);
    }
    out
}

fn jsonl_group(c: &mut Criterion) {
    let data = repeated("samples/server-errors/checkout.jsonl");
    let mut g = c.benchmark_group("jsonl");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("baseline/newline-count", |b| {
        b.iter(|| black_box(memchr::memchr_iter(b'\n', &data).count()))
    });
    g.bench_function("baseline/serde_json-parse-only", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for line in data.split(|&c| c == b'\n') {
                if serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok() {
                    ok += 1;
                }
            }
            black_box(ok)
        })
    });
    g.bench_function("logsleuth/parse+normalize", |b| {
        b.iter(|| black_box(jsonl::parse(SourceId(0), &data, &Options::default()).events.len()))
    });
    g.finish();
}

fn har_group(c: &mut Criterion) {
    let data =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/token-expiry/client.har"))
            .expect("sample present");
    let mut g = c.benchmark_group("har");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("baseline/serde_json-value-tree", |b| {
        b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(&data).is_ok()))
    });
    g.bench_function("logsleuth/parse+normalize", |b| {
        b.iter(|| black_box(har::parse(SourceId(0), "bench.har", &data).map(|o| o.events.len())))
    });
    g.finish();
}

/// Events per second: parsing alone against parsing plus every built-in
/// rule, on the same bytes, in the same run.
fn rules_group(c: &mut Criterion) {
    let data = repeated("samples/token-expiry/gateway.jsonl");
    let opts = Options::default();
    let events = jsonl::parse(SourceId(0), &data, &opts).events.len() as u64;
    let rules = logsleuth::rules::load(&[] as &[&std::path::Path]).expect("built-in rules");
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Elements(events));
    g.sample_size(10);
    g.bench_function("baseline/parse-only", |b| {
        b.iter(|| black_box(jsonl::parse(SourceId(0), &data, &opts).events.len()))
    });
    g.bench_function("logsleuth/parse+all-rules", |b| {
        b.iter(|| {
            let mut parsed = jsonl::parse(SourceId(0), &data, &opts);
            // Error templates feed a rule; they are part of the rules' cost.
            logsleuth::normalize::template::assign(&mut parsed.events);
            black_box(logsleuth::rules::evaluate(&rules, &parsed.events, &[]).len())
        })
    });
    g.finish();
}

fn end_to_end(c: &mut Criterion) {
    let data = repeated("samples/upstream-timeout/nginx.jsonl");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nginx.jsonl");
    std::fs::write(&path, &data).expect("write");
    let opts = AnalyzeOptions::of_inputs(vec![path.display().to_string()]);
    let mut g = c.benchmark_group("analyze");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("logsleuth/all-stages", |b| {
        b.iter(|| black_box(analyze(&opts).map(|a| a.report.root_causes.len())))
    });
    g.finish();
}

/// The cost of redaction: the same parse with redaction on and off, on a
/// gateway log whose lines carry bearer tokens and JWTs, in the same run;
/// and `sanitize` on the same bytes.
fn redaction(c: &mut Criterion) {
    let data = repeated("samples/token-expiry/gateway.jsonl");
    let mut g = c.benchmark_group("redaction");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("baseline/parse-without-redaction", |b| {
        logsleuth::redact::set_disabled(true);
        b.iter(|| black_box(jsonl::parse(SourceId(0), &data, &Options::default()).events.len()));
        logsleuth::redact::set_disabled(false);
    });
    g.bench_function("logsleuth/parse-with-redaction", |b| {
        b.iter(|| black_box(jsonl::parse(SourceId(0), &data, &Options::default()).events.len()))
    });
    g.bench_function("baseline/serde_json-roundtrip", |b| {
        b.iter(|| black_box(json_roundtrip(&data)))
    });
    g.bench_function("logsleuth/sanitize", |b| {
        b.iter(|| black_box(logsleuth::sanitize::json(&data, false).map(|s| s.bytes.len())))
    });
    g.finish();
    // A customer HAR: every entry with headers, cookies, a query string and
    // bodies; sanitize against a parse and pretty-print of the same bytes.
    let har =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/token-expiry/client.har"))
            .expect("sample present");
    let mut g = c.benchmark_group("redaction-har");
    g.throughput(Throughput::Bytes(har.len() as u64));
    g.bench_function("baseline/serde_json-roundtrip", |b| {
        b.iter(|| {
            black_box(
                serde_json::from_slice::<serde_json::Value>(&har)
                    .map(|v| serde_json::to_vec_pretty(&v).map(|o| o.len())),
            )
        })
    });
    g.bench_function("logsleuth/sanitize", |b| {
        b.iter(|| black_box(logsleuth::sanitize::har(&har).map(|s| s.bytes.len())))
    });
    g.finish();
}

/// Each line parsed into a JSON tree and written back: the least any
/// sanitizer that reads and rewrites values must do.
fn json_roundtrip(data: &[u8]) -> usize {
    let mut out = Vec::with_capacity(data.len());
    for line in data.split(|&c| c == b'\n') {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) {
            if serde_json::to_writer(&mut out, &v).is_ok() {
                out.push(b'\n');
            }
        }
    }
    out.len()
}

criterion_group!(
    benches,
    jsonl_group,
    har_group,
    rules_group,
    end_to_end,
    redaction
);
criterion_main!(benches);
