//! The parse-only baseline for `benches/compare.sh`: the same JSON parser
//! logsleuth uses (serde_json, borrowed structs), the same memory map and
//! the same chunked rayon split, but nothing else: each line is parsed into
//! a struct holding only the ECS status, and statuses are counted. No
//! normalization, rules, ranking or report. Run:
//!
//! `cargo run --release --example parse_only -- FILE [THREADS]`

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    http: Option<Http>,
}

#[derive(Deserialize)]
struct Http {
    #[serde(default)]
    response: Option<Resp>,
}

#[derive(Deserialize)]
struct Resp {
    #[serde(default)]
    status_code: Option<u16>,
}

/// Chunk boundaries on newlines, about `size` bytes each.
fn chunks(b: &[u8], size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let mut end = (start + size).min(b.len());
        if end < b.len() {
            end = memchr::memchr(b'\n', &b[end..]).map_or(b.len(), |k| end + k + 1);
        }
        out.push((start, end));
        start = end;
    }
    out
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: parse_only FILE [THREADS]");
        return std::process::ExitCode::from(2);
    };
    let threads = args.get(1).and_then(|t| t.parse().ok()).unwrap_or(0);
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    // SAFETY: a benchmark over a file nobody is writing to.
    let map = match unsafe { memmap2::Mmap::map(&file) } {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let b: &[u8] = &map;
    let counts = pool.install(|| {
        chunks(b, 4 << 20)
            .into_par_iter()
            .map(|(s, e)| {
                let mut counts: BTreeMap<Option<u16>, u64> = BTreeMap::new();
                for line in b[s..e].split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                    let status = serde_json::from_slice::<Line>(line)
                        .ok()
                        .and_then(|l| l.http?.response?.status_code);
                    *counts.entry(status).or_default() += 1;
                }
                counts
            })
            .reduce(BTreeMap::new, |mut a, b| {
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
                a
            })
    });
    for (status, n) in counts {
        println!(
            "{}\t{n}",
            status.map_or_else(|| "-".to_string(), |s| s.to_string())
        );
    }
    std::process::ExitCode::SUCCESS
}
