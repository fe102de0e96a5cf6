//! Criterion benchmarks per pipeline stage, each with `Throughput::Bytes`
//! of the input it stands for, so criterion prints MB/s for every stage:
//!
//! * `parse/<format>`: detection plus parsing and normalizing one input of
//!   each format (JSON lines, access log, Kibana CSV, Elasticsearch
//!   `_search` export, HAR), from the same requests;
//! * `normalize`: the JSON-lines field walk alone against the walk plus
//!   building the normalized event, on the same lines;
//! * `rules`: every built-in rule over the events;
//! * `rank`: trace links, blame and ranking of the findings;
//! * `render`: the finished report in each output format.
//!
//! Inputs are built in memory from the committed samples (about 16 MiB
//! each); nothing is written to disk except the file the render group
//! analyzes. Run: `cargo bench --bench stages`. Event strings live in
//! per-process arenas, so memory grows with the number of iterations.

use logsleuth::input::json::extract;
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use logsleuth::analyze::correlate::Links;
use logsleuth::analyze::evidence::Ctx;
use logsleuth::app::{analyze, AnalyzeOptions};
use logsleuth::input::{self, record, Data, Loaded, Options};
use logsleuth::model::{Locator, SourceId};
use logsleuth::report::OutputFormat;
use serde_json::Value;

const TARGET: usize = 16 << 20;

fn sample(path: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)).expect("sample present")
}

/// The nginx sample's requests, repeated to about `TARGET` bytes of JSON lines.
fn jsonl() -> Vec<u8> {
    let one = sample("samples/upstream-timeout/nginx.jsonl");
    let mut out = Vec::with_capacity(TARGET + one.len());
    while out.len() < TARGET {
        out.extend_from_slice(&one);
    }
    out
}

/// The same requests as `(fields of each line)`.
fn records(lines: &[u8]) -> Vec<Value> {
    lines
        .split(|&c| c == b'\n')
        .filter_map(|l| serde_json::from_slice::<Value>(l).ok())
        .collect()
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "-".into(),
    }
}

/// nginx combined log format.
fn access_log(recs: &[Value]) -> Vec<u8> {
    let mut out = String::new();
    for r in recs {
        out.push_str(&format!(
            "{} - - [{}] \"{}\" {} {} \"-\" \"Mozilla/5.0\"\n",
            text(r, "remote_addr"),
            text(r, "time_local"),
            text(r, "request"),
            text(r, "status"),
            text(r, "body_bytes_sent"),
        ));
    }
    out.into_bytes()
}

/// A Kibana Discover CSV export with ECS column names.
fn kibana_csv(recs: &[Value]) -> Vec<u8> {
    let mut out = String::from(
        "@timestamp,http.request.method,url.path,http.response.status_code,client.ip,url.domain\n",
    );
    for r in recs {
        let request = text(r, "request");
        let mut parts = request.split(' ');
        let (method, path) = (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
        out.push_str(&format!(
            "\"{}\",{method},{path},{},{},{}\n",
            text(r, "time_local"),
            text(r, "status"),
            text(r, "remote_addr"),
            text(r, "http_host"),
        ));
    }
    out.into_bytes()
}

/// One `_search` response with every line as a hit.
fn es_export(lines: &[u8]) -> Vec<u8> {
    let mut out =
        b"{\"took\":3,\"timed_out\":false,\"hits\":{\"total\":{\"value\":0,\"relation\":\"gte\"},\"hits\":["
            .to_vec();
    for (i, l) in lines.split(|&c| c == b'\n').filter(|l| !l.is_empty()).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(format!("{{\"_index\":\"logs\",\"_id\":\"{i}\",\"_source\":").as_bytes());
        out.extend_from_slice(l);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}}\n");
    out
}

/// The token-expiry HAR's entries, repeated to about `TARGET` bytes.
fn har() -> Vec<u8> {
    let doc: Value = serde_json::from_slice(&sample("samples/token-expiry/client.har")).expect("sample HAR");
    let entries = doc["log"]["entries"].as_array().cloned().unwrap_or_default();
    let one: usize = entries
        .iter()
        .map(|e| e.to_string().len() + 1)
        .sum::<usize>()
        .max(1);
    let mut all = Vec::new();
    for _ in 0..TARGET.div_ceil(one) {
        all.extend(entries.iter().cloned());
    }
    let mut out = doc.clone();
    out["log"]["entries"] = Value::Array(all);
    serde_json::to_vec(&out).expect("serializable")
}

fn loaded(name: &str, bytes: Vec<u8>) -> Loaded {
    Loaded {
        display: name.into(),
        data: Data::Owned(bytes),
        notes: Vec::new(),
    }
}

fn parse_group(c: &mut Criterion) {
    let lines = jsonl();
    let recs = records(&lines);
    let inputs = [
        loaded("gateway.jsonl", lines.clone()),
        loaded("access.log", access_log(&recs)),
        loaded("discover.csv", kibana_csv(&recs)),
        loaded("export.json", es_export(&lines)),
        loaded("client.har", har()),
    ];
    let opts = Options::default();
    let mut g = c.benchmark_group("parse");
    g.sample_size(10);
    for (name, input) in ["jsonl", "access-log", "kibana-csv", "es-export", "har"]
        .iter()
        .zip(&inputs)
    {
        let parsed = input::parse(SourceId(0), input, &opts).expect("bench input parses");
        assert!(!parsed.events.is_empty(), "{name}: no events");
        g.throughput(Throughput::Bytes(input.data.bytes().len() as u64));
        g.bench_function(*name, |b| {
            b.iter(|| black_box(input::parse(SourceId(0), input, &opts).map(|p| p.events.len())))
        });
    }
    g.finish();
}

fn normalize_group(c: &mut Criterion) {
    let data = jsonl();
    let opts = Options::default();
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("baseline/field-walk-only", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for line in data.split(|&c| c == b'\n') {
                if let Ok(f) = extract::extract_with(&opts.map, line) {
                    found += f.found();
                }
            }
            black_box(found)
        })
    });
    g.bench_function("logsleuth/field-walk+event", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (i, line) in data.split(|&c| c == b'\n').enumerate() {
                if let Ok(f) = extract::extract_with(&opts.map, line) {
                    let ev = record::to_event(SourceId(0), Locator::Line(i as u64 + 1), 0, &f, &opts);
                    n += usize::from(ev.is_failure());
                }
            }
            black_box(n)
        })
    });
    g.finish();
}

/// Parsed, sorted events with templates assigned, as the pipeline has them
/// before the rules run.
fn events() -> (Vec<u8>, input::Parsed) {
    let data = jsonl();
    let input = loaded("gateway.jsonl", data.clone());
    let mut parsed = input::parse(SourceId(0), &input, &Options::default()).expect("parses");
    parsed.events.sort_by_key(|e| (e.ts_ns().is_none(), e.ts_ns()));
    logsleuth::normalize::template::assign(&mut parsed.events);
    (data, parsed)
}

fn rules_and_rank(c: &mut Criterion) {
    let (data, parsed) = events();
    let sources = [parsed.info];
    let events = parsed.events;
    let rules = logsleuth::rules::load(&[] as &[&std::path::Path]).expect("built-in rules");
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("all-built-in-rules", |b| {
        b.iter(|| black_box(logsleuth::rules::evaluate(&rules, &events, &sources).len()))
    });
    g.finish();

    let findings = logsleuth::rules::evaluate(&rules, &events, &sources);
    assert!(!findings.is_empty(), "the bench incident has findings");
    let mut g = c.benchmark_group("rank");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("links+blame+rank", |b| {
        b.iter(|| {
            let links = Links::build(&events);
            let blame = logsleuth::analyze::traces::blame(&events, &sources, &links);
            let ctx = Ctx {
                events: &events,
                sources: &sources,
                links: Some(&links),
            };
            black_box(logsleuth::analyze::rank::rank(&rules, &findings, &ctx, &links, &blame).len())
        })
    });
    g.finish();
}

fn render_group(c: &mut Criterion) {
    let data = jsonl();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("gateway.jsonl");
    std::fs::write(&path, &data).expect("write");
    let opts = AnalyzeOptions::of_inputs(vec![path.display().to_string()]);
    let report = analyze(&opts).expect("analyzes").report;
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Bytes(data.len() as u64));
    for (name, format) in [
        ("text", OutputFormat::Text),
        ("json", OutputFormat::Json),
        ("markdown", OutputFormat::Md),
        ("html", OutputFormat::Html),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut out = Vec::new();
                logsleuth::report::render(&report, format, false, false, &mut out).expect("renders");
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    parse_group,
    normalize_group,
    rules_and_rank,
    render_group
);
criterion_main!(benches);
