//! Writes the sample incidents under `samples/`. Deterministic: the same
//! binary always writes the same bytes (a fixed-seed xorshift generator, no
//! clock), so the committed samples can be checked against a fresh run.
//!
//! Usage:
//! * `gen-samples [OUT_DIR]` writes the samples (default `samples`);
//! * `gen-samples suite OUT_DIR [SEED]` writes the labeled incident suite
//!   (one folder per scenario with a `truth.toml`), scored by `logsleuth
//!   eval`; other seeds give other names, onsets and noise;
//! * `gen-samples wild OUT_DIR [SEED]` writes the wild suite: the same
//!   kind of labeled folders, in dialects drawn at random (seeds 1000 and
//!   up are held out);
//! * `gen-samples compare OUT_DIR [SEED]` writes pairs of captures (a
//!   baseline and an incident) for `logsleuth compare`, each with the
//!   change planted in the incident in its `truth.toml`;
//! * `gen-samples bench-mixed FILE MIB` writes a heterogeneous JSON-lines
//!   log of about MIB mebibytes: five services' layouts in one file.
//! * `gen-samples bench-folder DIR MIB` writes an incident folder of about
//!   MIB mebibytes: a gateway's JSON lines, the backends' Elasticsearch
//!   export and a browser's HAR of the same requests.
//! * `gen-samples bench-jsonl|bench-es|bench-har FILE MIB` writes a large
//!   gateway log of about MIB mebibytes for benchmarks, with an incident in
//!   its middle: JSON lines, an Elasticsearch `_search` export, or a HAR with
//!   headers, cookies and JSON bodies. For these three, a SEED other than 0 draws the same
//!   kind of traffic anew (the second file `compare` is benchmarked on).

// The generator writes sample data: its scenario builders are long
// lists of records, exempt from the 120-line limit on functions.
#![allow(clippy::too_many_lines)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;

mod bench;
mod compare;
mod mixed;
mod suite;
mod wild;

/// xorshift64*: small, fast, and reproducible everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn hex(&mut self, digits: usize) -> String {
        let mut s = String::new();
        while s.len() < digits {
            let _ = write!(s, "{:016x}", self.next());
        }
        s.truncate(digits);
        s
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let sub = ms.rem_euclid(1000) as u32 * 1_000_000;
    chrono::DateTime::from_timestamp(secs, sub)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn jwt(rng: &mut Rng, sub: &str, iat: i64, exp: i64) -> String {
    let header = b64(br#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
    let payload = b64(format!(
        r#"{{"iss":"https://auth.example.com","sub":"{sub}","aud":"api","iat":{iat},"exp":{exp}}}"#
    )
    .as_bytes());
    let sig = b64(rng.hex(64).as_bytes());
    format!("{header}.{payload}.{sig}")
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

struct HarEntry {
    start_ms: i64,
    method: &'static str,
    url: String,
    status: i64,
    time_ms: f64,
    req_headers: Vec<(String, String)>,
    resp_headers: Vec<(String, String)>,
    body: String,
    error: Option<String>,
}

fn har(entries: &[HarEntry]) -> String {
    let mut out = String::from(
        "{\n  \"log\": {\n    \"version\": \"1.2\",\n    \"creator\": {\"name\": \"WebInspector\", \"version\": \"537.36\"},\n    \"pages\": [],\n    \"entries\": [\n",
    );
    for (i, e) in entries.iter().enumerate() {
        let headers = |h: &[(String, String)]| {
            h.iter()
                .map(|(n, v)| format!("{{\"name\": {}, \"value\": {}}}", json_str(n), json_str(v)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let error = e
            .error
            .as_ref()
            .map(|t| format!(", \"_error\": {}", json_str(t)))
            .unwrap_or_default();
        let (http_version, status_text) = if e.status == 0 { ("", "") } else { ("http/2.0", "") };
        let _ = write!(
            out,
            "      {{\"startedDateTime\": \"{}\", \"time\": {:.3}, \"_resourceType\": \"fetch\",\n        \
             \"request\": {{\"method\": \"{}\", \"url\": {}, \"httpVersion\": \"http/2.0\", \"headers\": [{}], \
             \"queryString\": [], \"cookies\": [], \"headersSize\": -1, \"bodySize\": 0}},\n        \
             \"response\": {{\"status\": {}, \"statusText\": \"{}\", \"httpVersion\": \"{}\", \"headers\": [{}], \
             \"cookies\": [], \"content\": {{\"size\": {}, \"mimeType\": \"application/json\", \"text\": {}}}, \
             \"redirectURL\": \"\", \"headersSize\": -1, \"bodySize\": -1{}}},\n        \
             \"cache\": {{}}, \"timings\": {{\"blocked\": 1.2, \"dns\": -1, \"ssl\": -1, \"connect\": -1, \"send\": 0.2, \"wait\": {:.3}, \"receive\": 0.4}}}}{}\n",
            iso(e.start_ms),
            e.time_ms,
            e.method,
            json_str(&e.url),
            headers(&e.req_headers),
            e.status,
            status_text,
            http_version,
            headers(&e.resp_headers),
            e.body.len(),
            json_str(&e.body),
            error,
            (e.time_ms - 1.8).max(0.0),
            if i + 1 < entries.len() { "," } else { "" }
        );
    }
    out.push_str("    ]\n  }\n}\n");
    out
}

/// Token expiry: a single-page app's token expires; every call then gets 401
/// invalid_token; the client retries with the same token and trips the
/// gateway's rate limit, so 429s soon outnumber the 401s.
fn token_expiry(dir: &Path) -> std::io::Result<()> {
    let mut rng = Rng(0x5eed_0001);
    let t0: i64 = 1_714_557_600_000; // 2024-05-01T10:00:00Z
    let exp_s = t0 / 1000 + 300; // expires at 10:05:00
    let token = jwt(&mut rng, "user-4821", exp_s - 3600, exp_s);
    let routes = [
        "/v1/orders",
        "/v1/orders/{}",
        "/v1/cart",
        "/v1/profile",
        "/v1/recommendations",
    ];
    let mut entries = Vec::new();
    let mut gateway = Vec::new();
    let mut t = t0;
    let mut limited_until = 0i64;
    let mut window: Vec<i64> = Vec::new();
    while t < t0 + 9 * 60_000 {
        let route = rng
            .pick(&routes)
            .replace("{}", &(10_000 + rng.below(90_000)).to_string());
        let method = if route == "/v1/cart" && rng.below(3) == 0 {
            "POST"
        } else {
            "GET"
        };
        let attempts = if t / 1000 >= exp_s { 4 } else { 1 };
        for attempt in 0..attempts {
            let start = t + attempt * (150 + rng.below(100) as i64);
            let trace = rng.hex(32);
            let span = rng.hex(16);
            window.retain(|w| start - w < 10_000);
            window.push(start);
            let expired = start / 1000 >= exp_s;
            let (status, mut resp_headers, body) = if start < limited_until || (expired && window.len() > 12)
            {
                if start >= limited_until {
                    limited_until = start + 30_000;
                }
                (
                    429,
                    vec![("Retry-After".to_string(), "30".to_string())],
                    r#"{"error":"rate_limited","message":"Too many requests"}"#.to_string(),
                )
            } else if expired {
                (
                    401,
                    vec![(
                        "WWW-Authenticate".to_string(),
                        r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#.to_string(),
                    )],
                    r#"{"error":"invalid_token"}"#.to_string(),
                )
            } else {
                (200, vec![], format!(r#"{{"ok":true,"items":{}}}"#, rng.below(20)))
            };
            resp_headers.push(("content-type".into(), "application/json".into()));
            let dur = match status {
                200 => 40.0 + rng.below(160) as f64,
                _ => 8.0 + rng.below(20) as f64,
            } + rng.below(1000) as f64 / 1000.0;
            let url = format!("https://api.example.com{route}");
            entries.push(HarEntry {
                start_ms: start,
                method,
                url: url.clone(),
                status,
                time_ms: dur,
                req_headers: vec![
                    ("Authorization".into(), format!("Bearer {token}")),
                    ("traceparent".into(), format!("00-{trace}-{span}-01")),
                    ("accept".into(), "application/json".into()),
                ],
                resp_headers,
                body,
                error: None,
            });
            // The gateway logs the same request; its clock runs 1.2 s ahead.
            let mut line = format!(
                r#"{{"@timestamp":"{}","log.level":"{}","message":"{} {} {}","service":{{"name":"api-gateway","version":"3.8.2"}},"http":{{"request":{{"method":"{}"}},"response":{{"status_code":{}}}}},"url":{{"path":"{}"}},"host":{{"name":"api.example.com"}},"event":{{"duration":{}}},"trace":{{"id":"{}"}},"client":{{"ip":"203.0.113.7"}}"#,
                iso(start + 1200),
                if status >= 400 { "warn" } else { "info" },
                method,
                route,
                status,
                method,
                status,
                route,
                (dur * 1e6) as i64,
                trace
            );
            if status == 429 {
                line.push_str(r#","http.response.headers.retry-after":"30""#);
            }
            if status == 401 {
                line.push_str(r#","error":{"type":"TokenExpiredError","message":"jwt expired"}"#);
            }
            line.push('}');
            gateway.push((start + 1200, line));
        }
        t += 2_000 + rng.below(4_000) as i64;
    }
    // Other clients' healthy traffic through the same gateway.
    let mut t = t0;
    while t < t0 + 9 * 60_000 {
        let route = rng
            .pick(&["/v1/catalog", "/v1/search", "/v1/catalog/{}"])
            .replace("{}", &rng.below(5000).to_string());
        let dur = 20.0 + rng.below(80) as f64;
        gateway.push((
            t,
            format!(
                r#"{{"@timestamp":"{}","log.level":"info","message":"GET {} 200","service":{{"name":"api-gateway","version":"3.8.2"}},"http":{{"request":{{"method":"GET"}},"response":{{"status_code":200}}}},"url":{{"path":"{}"}},"host":{{"name":"api.example.com"}},"event":{{"duration":{}}},"trace":{{"id":"{}"}},"client":{{"ip":"198.51.100.{}"}}}}"#,
                iso(t),
                route,
                route,
                (dur * 1e6) as i64,
                rng.hex(32),
                rng.below(200)
            ),
        ));
        t += 700 + rng.below(1500) as i64;
    }
    gateway.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let lines: String = gateway.into_iter().map(|(_, l)| l + "\n").collect();
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("client.har"), har(&entries))?;
    std::fs::write(dir.join("gateway.jsonl"), lines)
}

/// Upstream timeout: nginx in front of three upstreams; the reports service
/// hangs, nginx answers 504 after 30 s, and a few 502s follow as the pool
/// drains. Other routes stay healthy.
fn upstream_timeout(dir: &Path) -> std::io::Result<()> {
    let mut rng = Rng(0x5eed_0002);
    let t0: i64 = 1_717_236_000_000; // 2024-06-01T10:00:00Z
    let onset = t0 + 6 * 60_000;
    let recovery = t0 + 14 * 60_000;
    let mut lines = Vec::new();
    let mut t = t0;
    while t < t0 + 20 * 60_000 {
        let (host, path) = match rng.below(10) {
            0..=3 => ("shop.example.com", format!("/api/products/{}", rng.below(900))),
            4..=6 => ("shop.example.com", "/api/cart".to_string()),
            _ => (
                "reports.example.com",
                format!("/api/reports/{}/export", rng.below(50)),
            ),
        };
        let broken = host.starts_with("reports") && t >= onset && t < recovery;
        let (status, req_time, upstream_status) = if broken {
            if rng.below(8) == 0 {
                (502, 0.003 + rng.below(10) as f64 / 1000.0, "502".to_string())
            } else {
                (504, 30.0 + rng.below(50) as f64 / 1000.0, "504".to_string())
            }
        } else {
            (200, 0.02 + rng.below(300) as f64 / 1000.0, "200".to_string())
        };
        // nginx logs at the end of the request.
        let end = t + (req_time * 1000.0) as i64;
        let secs = end / 1000;
        let local = chrono::DateTime::from_timestamp(secs, 0)
            .map(|d| d.format("%d/%b/%Y:%H:%M:%S +0000").to_string())
            .unwrap_or_default();
        lines.push((
            end,
            format!(
                r#"{{"time_local":"{}","remote_addr":"10.1.{}.{}","request":"GET {} HTTP/1.1","status":{},"body_bytes_sent":{},"request_time":"{:.3}","upstream_status":"{}","upstream_response_time":"{:.3}","http_host":"{}","request_id":"{}","http_user_agent":"Mozilla/5.0"}}"#,
                local,
                rng.below(4),
                rng.below(250),
                path,
                status,
                if status == 200 { 512 + rng.below(20_000) } else { 167 },
                req_time,
                upstream_status,
                req_time,
                host,
                rng.hex(32)
            ),
        ));
        t += 300 + rng.below(900) as i64;
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let text: String = lines.into_iter().map(|(_, l)| l + "\n").collect();
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("nginx.jsonl"), text)
}

/// Server errors: a checkout service starts failing with 500s caused by a
/// database connection pool running dry; the logs carry stack traces.
/// Includes a few malformed lines, as real logs do.
fn server_errors(dir: &Path) -> std::io::Result<()> {
    let mut rng = Rng(0x5eed_0003);
    let t0: i64 = 1_719_828_000_000; // 2024-07-01T10:00:00Z
    let onset = t0 + 4 * 60_000;
    let mut lines = Vec::new();
    let mut t = t0;
    let mut n = 0u64;
    while t < t0 + 12 * 60_000 {
        n += 1;
        let failing = t >= onset && rng.below(10) < 7;
        let route = rng.pick(&["/checkout", "/checkout/confirm", "/payments/authorize"]);
        let status = if failing { 500 } else { 200 };
        let mut line = format!(
            r#"{{"@timestamp":"{}","log":{{"level":"{}","logger":"com.example.checkout.Api"}},"message":"{} {} -> {}","ecs":{{"version":"8.11.0"}},"service":{{"name":"checkout","version":"2.4.1"}},"http":{{"request":{{"method":"POST","id":"{}"}},"response":{{"status_code":{}}}}},"url":{{"full":"https://checkout.internal{}"}},"event":{{"duration":{}}},"trace":{{"id":"{}"}},"span":{{"id":"{}"}}"#,
            iso(t),
            if failing { "ERROR" } else { "INFO" },
            "POST",
            route,
            status,
            rng.hex(12),
            status,
            route,
            (5 + rng.below(60)) * 1_000_000,
            rng.hex(32),
            rng.hex(16)
        );
        if failing {
            line.push_str(r#","error":{"type":"org.springframework.jdbc.CannotGetJdbcConnectionException","message":"Failed to obtain JDBC Connection","stack_trace":"org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection\n\tat com.example.checkout.Repo.save(Repo.java:42)\nCaused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms."}"#);
        }
        line.push('}');
        lines.push(line);
        if n % 97 == 0 {
            // A line cut off by log rotation.
            let cut = lines
                .last()
                .map(|l| l[..l.len() / 2].to_string())
                .unwrap_or_default();
            lines.push(cut);
        }
        t += 400 + rng.below(1200) as i64;
    }
    let text: String = lines.into_iter().map(|l| l + "\n").collect();
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("checkout.jsonl"), text)
}

/// The same incident seen from three places: a customer's browser HAR, the
/// API gateway's JSON lines, and the backend's logs exported from
/// Elasticsearch as a `_search` response (newest first, as Kibana exports
/// are). The orders service's database pool runs dry; it answers 500, the
/// gateway turns that into 502, and the browser sees 502s. The three
/// sources share trace ids, and their clocks differ slightly.
fn mixed_sources(dir: &Path) -> std::io::Result<()> {
    let mut rng = Rng(0x5eed_0004);
    let t0: i64 = 1_722_506_400_000; // 2024-08-01T10:00:00Z
    let onset = t0 + 3 * 60_000;
    let recovery = t0 + 8 * 60_000;
    let mut entries = Vec::new();
    let mut gateway = Vec::new();
    let mut hits = Vec::new();
    let mut t = t0;
    let mut n = 0u64;
    while t < t0 + 10 * 60_000 {
        n += 1;
        let trace = rng.hex(32);
        let span = rng.hex(16);
        let order = 100_000 + rng.below(900_000);
        let (method, route) = if rng.below(3) == 0 {
            ("POST", "/v1/orders".to_string())
        } else {
            ("GET", format!("/v1/orders/{order}"))
        };
        let failing = t >= onset && t < recovery && rng.below(10) < 8;
        let backend_ms = if failing {
            5_000 + rng.below(100) as i64
        } else {
            20 + rng.below(80) as i64
        };
        let backend_status = if failing { 500 } else { 200 };
        let gateway_status = if failing { 502 } else { 200 };
        // Backend (Elasticsearch export): clock 0.4 s behind the gateway.
        let mut src = format!(
            r#"{{"@timestamp":"{}","log":{{"level":"{}"}},"message":"{} {} {}","service":{{"name":"orders-api","version":"2.3.0"}},"host":{{"name":"orders-7f9c"}},"http":{{"request":{{"method":"{}"}},"response":{{"status_code":{}}}}},"url":{{"path":"{}","domain":"orders.internal"}},"event":{{"duration":{}}},"trace":{{"id":"{}"}},"span":{{"id":"{}"}}"#,
            iso(t + 30 - 400),
            if failing { "error" } else { "info" },
            method,
            route,
            backend_status,
            method,
            backend_status,
            route,
            backend_ms * 1_000_000,
            trace,
            rng.hex(16)
        );
        if failing {
            src.push_str(r#","error":{"type":"java.sql.SQLTransientConnectionException","message":"HikariPool-1 - Connection is not available, request timed out after 5000ms."}"#);
        }
        src.push('}');
        hits.push((t, format!(r#"{{"_index":"logs-orders-2024.08.01","_id":"o{n}","_score":null,"_source":{src},"sort":[{}]}}"#, t + 30 - 400)));
        // Gateway (JSON lines): the reference clock.
        gateway.push(format!(
            r#"{{"time":"{}","level":"{}","msg":"proxied","method":"{}","host":"api.example.com","path":"{}","status":{},"upstream_status":"{}","duration_ms":{},"trace_id":"{}","request_id":"{}"}}"#,
            iso(t + 10),
            if failing { "error" } else { "info" },
            method,
            route,
            gateway_status,
            backend_status,
            backend_ms + 3,
            trace,
            rng.hex(16)
        ));
        // Browser (HAR): clock 1.1 s ahead of the gateway.
        entries.push(HarEntry {
            start_ms: t + 1_100,
            method,
            url: format!("https://api.example.com{route}"),
            status: gateway_status,
            time_ms: (backend_ms + 25) as f64 + rng.below(1000) as f64 / 1000.0,
            req_headers: vec![
                ("traceparent".into(), format!("00-{trace}-{span}-01")),
                ("accept".into(), "application/json".into()),
            ],
            resp_headers: vec![],
            body: if failing {
                r#"{"error":"bad_gateway"}"#.to_string()
            } else {
                r#"{"ok":true}"#.to_string()
            },
            error: None,
        });
        t += 1_500 + rng.below(2_500) as i64;
    }
    // Kibana and `_search` exports are usually sorted newest first.
    hits.sort_by_key(|h| std::cmp::Reverse(h.0));
    let hit_text: Vec<String> = hits.into_iter().map(|(_, h)| h).collect();
    let es = format!(
        "{{\n  \"took\": 12,\n  \"timed_out\": false,\n  \"_shards\": {{\"total\": 1, \"successful\": 1, \"skipped\": 0, \"failed\": 0}},\n  \"hits\": {{\n    \"total\": {{\"value\": {}, \"relation\": \"eq\"}},\n    \"max_score\": null,\n    \"hits\": [\n      {}\n    ]\n  }}\n}}\n",
        hit_text.len(),
        hit_text.join(",\n      ")
    );
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("browser.har"), har(&entries))?;
    std::fs::write(dir.join("gateway.jsonl"), gateway.join("\n") + "\n")?;
    std::fs::write(dir.join("backend-search.json"), es)
}

/// A large gateway log in ECS form: steady traffic across many routes and
/// hosts, a 503 burst on one upstream and a token-expiry burst midway.
const USAGE: &str = "usage: gen-samples [OUT_DIR]                 the samples (default samples/)
       gen-samples suite|wild OUT_DIR [SEED]   a labeled incident suite
       gen-samples compare OUT_DIR [SEED]      baseline/incident pairs for compare
       gen-samples bench-jsonl|bench-es|bench-har|bench-mixed FILE MIB [SEED]
       gen-samples bench-folder DIR MIB        benchmark inputs";

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // A flag is not an output folder: `gen-samples --help` once wrote the
    // samples into a folder named `--help`.
    if let Some(flag) = args.first().filter(|a| a.starts_with('-')) {
        if matches!(flag.as_str(), "-h" | "--help") {
            println!("{USAGE}");
            return std::process::ExitCode::SUCCESS;
        }
        eprintln!("error: unknown option {flag}\n{USAGE}");
        return std::process::ExitCode::from(2);
    }
    if let Some(kind) = args
        .first()
        .and_then(|a| a.strip_prefix("bench-"))
        .and_then(bench::Kind::from_name)
    {
        let (Some(path), Some(mib)) = (args.get(1), args.get(2).and_then(|m| m.parse::<u64>().ok())) else {
            eprintln!("usage: gen-samples bench-jsonl|bench-es|bench-har|bench-mixed FILE MIB [SEED], or bench-folder DIR MIB");
            return std::process::ExitCode::from(2);
        };
        let Ok(seed) = args.get(3).map_or(Ok(0), |s| s.parse::<u64>()) else {
            eprintln!("error: SEED must be a whole number");
            return std::process::ExitCode::from(2);
        };
        return match bench::write(kind, Path::new(path), mib, seed) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {path}: {e}");
                std::process::ExitCode::from(2)
            }
        };
    }
    if let Some(which @ ("suite" | "wild" | "compare")) = args.first().map(String::as_str) {
        let Some(dir) = args.get(1) else {
            eprintln!("usage: gen-samples {which} OUT_DIR [SEED]");
            return std::process::ExitCode::from(2);
        };
        let Ok(seed) = args.get(2).map_or(Ok(0), |s| s.parse::<u64>()) else {
            eprintln!("error: SEED must be a whole number");
            return std::process::ExitCode::from(2);
        };
        let written = match which {
            "wild" => wild::write_all(Path::new(dir), seed),
            "compare" => compare::write_all(Path::new(dir), seed),
            _ => suite::write_all(Path::new(dir), seed),
        };
        return match written {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write the suite under {dir}: {e}");
                std::process::ExitCode::from(2)
            }
        };
    }
    let out = args
        .first()
        .map_or_else(|| PathBuf::from("samples"), PathBuf::from);
    let result = token_expiry(&out.join("token-expiry"))
        .and_then(|()| upstream_timeout(&out.join("upstream-timeout")))
        .and_then(|()| server_errors(&out.join("server-errors")))
        .and_then(|()| mixed_sources(&out.join("mixed-sources")));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write samples under {}: {e}", out.display());
            std::process::ExitCode::from(2)
        }
    }
}
