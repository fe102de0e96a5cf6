//! The labeled incident suite: scenarios of every root-cause category, each
//! a folder of inputs plus `truth.toml` (category, subject, onset), written
//! deterministically for `logsleuth eval`.
//!
//! Every scenario draws its names (hosts, services, routes, versions,
//! clients) from pools with a per-scenario seed, writes its logs in a
//! different format or field convention, and mixes in background noise and
//! red herrings (404s on static assets, scanners, sporadic 500s, an endpoint
//! that is always slow and times out all day), so a ranking that keys on
//! names or counts alone does not pass.

use std::fmt::Write as _;
use std::path::Path;

use super::{har, iso, json_str, jwt, HarEntry, Rng};

/// One request as it really happened; emitters write it in some format.
#[derive(Clone, Default)]
struct Req {
    ts: i64,
    method: &'static str,
    host: String,
    path: String,
    /// 0: no response.
    status: u16,
    dur_ms: f64,
    trace: String,
    span: String,
    parent: Option<String>,
    rid: String,
    client: String,
    ua: String,
    service: String,
    version: String,
    upstream: Option<String>,
    upstream_status: Option<u16>,
    error: Option<String>,
    req_headers: Vec<(String, String)>,
    resp_headers: Vec<(String, String)>,
    body: Option<String>,
}

/// How a file is written.
#[derive(Clone, Copy)]
enum Dialect {
    /// ECS JSON lines (`@timestamp`, `url.full`, `event.duration` in ns).
    Ecs,
    /// nginx `log_format` JSON (`time_iso8601`, `request_time` in s).
    Nginx,
    /// A Go service logging with zap/logrus names (`ts` epoch, `latency_ms`).
    App,
    /// pino/bunyan style nested `req`/`res`.
    Pino,
    /// An Elasticsearch `_search` response of ECS documents, newest first.
    EsSearch,
    /// nginx/Apache combined access log.
    Combined,
    /// Envoy's default access-log format.
    Envoy,
    /// A browser HAR.
    Har,
    /// AWS Application Load Balancer access log.
    Alb,
    /// A Kibana Discover CSV export (zone-less `Nov 1, 2024 @ 11:20:00.000`).
    KibanaCsv,
    /// An in-house JSON log with names no alias table knows, and Datadog's
    /// decimal 64-bit trace ids.
    Custom,
    /// ECS records inside docker's `{"log": "...", "stream": ...}` wrapper,
    /// with the failure only in the message text.
    DockerWrapped,
    /// An outbound HTTP client's log: nested `http.*`, status as a string.
    Outbound,
}

struct File {
    name: &'static str,
    dialect: Dialect,
    /// Milliseconds this source's clock runs ahead of true time.
    skew_ms: i64,
    reqs: Vec<Req>,
}

struct Scenario {
    name: &'static str,
    category: &'static str,
    /// What the subject is: host, route, service, field, version or client.
    subject_kind: &'static str,
    subject: String,
    onset: i64,
    files: Vec<File>,
    notes: &'static str,
}

const BRANDS: &[&str] = &[
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "vandelay",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
    "soylent",
    "wonka",
    "gringotts",
    "oscorp",
    "aperture",
    "massive",
    "nakatomi",
    "monarch",
];
const SERVICES: &[&str] = &[
    "orders",
    "billing",
    "ledger",
    "inventory",
    "catalog",
    "search",
    "profile",
    "payments",
    "shipping",
    "pricing",
    "accounts",
    "invoices",
    "quotes",
    "rewards",
    "tickets",
];
const NOUNS: &[&str] = &[
    "orders",
    "items",
    "carts",
    "invoices",
    "users",
    "accounts",
    "products",
    "quotes",
    "shipments",
    "tickets",
    "payments",
    "sessions",
    "documents",
    "reports",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
    "Go-http-client/2.0",
];

/// The names one scenario uses.
struct World {
    api: String,
    backend: String,
    service: String,
    nouns: Vec<&'static str>,
    clients: Vec<String>,
    version: String,
}

impl World {
    fn new(rng: &mut Rng) -> World {
        let brand = rng.pick(BRANDS);
        let tld = rng.pick(&["com", "io", "net", "dev", "co"]);
        let service = rng.pick(SERVICES).to_string();
        let mut nouns: Vec<&'static str> = Vec::new();
        while nouns.len() < 4 {
            let n = rng.pick(NOUNS);
            if !nouns.contains(&n) {
                nouns.push(n);
            }
        }
        let clients = (0..12)
            .map(|_| format!("10.{}.{}.{}", rng.below(250), rng.below(250), 1 + rng.below(250)))
            .collect();
        World {
            api: format!(
                "{}.{brand}.{tld}",
                rng.pick(&["api", "gateway", "edge", "public-api"])
            ),
            backend: format!(
                "{service}.{}",
                rng.pick(&["internal", "svc.cluster.local", "prod.lan"])
            ),
            service,
            nouns,
            clients,
            version: format!("{}.{}.{}", 1 + rng.below(4), rng.below(20), rng.below(10)),
        }
    }

    /// A normal request to one of the world's routes.
    fn request(&self, rng: &mut Rng, ts: i64) -> Req {
        let noun = self.nouns[rng.below(self.nouns.len() as u64) as usize];
        let (method, path) = match rng.below(5) {
            0 => ("POST", format!("/v1/{noun}")),
            1 => ("GET", format!("/v1/{noun}")),
            _ => ("GET", format!("/v1/{noun}/{}", 1000 + rng.below(90_000))),
        };
        Req {
            ts,
            method,
            host: self.api.clone(),
            path,
            status: 200,
            dur_ms: 15.0 + rng.below(120) as f64 + rng.below(1000) as f64 / 1000.0,
            trace: rng.hex(32),
            span: rng.hex(16),
            rid: rng.hex(20),
            client: self.clients[rng.below(self.clients.len() as u64) as usize].clone(),
            ua: rng.pick(AGENTS).to_string(),
            service: self.service.clone(),
            version: self.version.clone(),
            upstream: Some(format!("{}:8080", self.backend)),
            upstream_status: Some(200),
            ..Req::default()
        }
    }
}

/// Steady traffic from `t0` for `minutes`, about one request per `gap_ms`.
fn traffic(rng: &mut Rng, w: &World, t0: i64, minutes: i64, gap_ms: u64) -> Vec<Req> {
    let mut out = Vec::new();
    let mut t = t0;
    while t < t0 + minutes * 60_000 {
        out.push(w.request(rng, t));
        t += (gap_ms / 2 + rng.below(gap_ms)) as i64;
    }
    out
}

/// Background noise every real log has: 404s for static assets and from
/// scanners probing random paths, and the odd 500.
fn noise(rng: &mut Rng, w: &World, reqs: &mut Vec<Req>, t0: i64, minutes: i64) {
    let end = t0 + minutes * 60_000;
    let mut t = t0 + rng.below(20_000) as i64;
    while t < end {
        let mut r = w.request(rng, t);
        r.method = "GET";
        r.path = rng
            .pick(&[
                "/favicon.ico",
                "/robots.txt",
                "/apple-touch-icon.png",
                "/static/app.js.map",
            ])
            .to_string();
        r.status = 404;
        reqs.push(r);
        t += 15_000 + rng.below(30_000) as i64;
    }
    // A scanner: one burst of probes, each path once.
    let scan_at = t0 + rng.below((minutes * 60_000) as u64) as i64;
    for (i, p) in [
        "/wp-login.php",
        "/.env",
        "/admin.php",
        "/phpmyadmin/",
        "/.git/config",
        "/cgi-bin/luci",
        "/actuator/env",
        "/server-status",
        "/config.json",
        "/api/v1/../../etc/passwd",
    ]
    .iter()
    .enumerate()
    {
        let mut r = w.request(rng, scan_at + i as i64 * 300);
        r.method = "GET";
        r.path = (*p).to_string();
        r.status = 404;
        r.client = "198.51.100.23".into();
        r.ua = "zgrab/0.x".into();
        reqs.push(r);
    }
    for r in reqs.iter_mut() {
        if r.status == 200 && rng.below(400) == 0 {
            r.status = 500;
            r.upstream_status = Some(500);
            r.error = Some("unexpected EOF".into());
        }
    }
}

/// An endpoint that is always slow and times out in small bursts all day.
fn always_slow(rng: &mut Rng, w: &World, reqs: &mut Vec<Req>, t0: i64, minutes: i64) {
    let host = format!(
        "reports.{}",
        w.api.split_once('.').map_or("example.com", |(_, d)| d)
    );
    let mut t = t0 + 5_000;
    let mut n = 0;
    while t < t0 + minutes * 60_000 {
        let mut r = w.request(rng, t);
        r.method = "GET";
        r.host.clone_from(&host);
        r.path = format!("/v1/exports/{}", 100 + rng.below(900));
        r.dur_ms = 18_000.0 + rng.below(11_000) as f64;
        if n % 7 < 3 {
            r.status = 504;
            r.dur_ms = 30_000.0;
            r.upstream_status = Some(504);
            r.error = Some(
                "upstream timed out (110: Connection timed out) while reading response header from upstream"
                    .into(),
            );
        }
        reqs.push(r);
        n += 1;
        t += 12_000 + rng.below(8_000) as i64;
    }
}

fn sort(reqs: &mut [Req]) {
    reqs.sort_by_key(|r| r.ts);
}

fn level(r: &Req) -> &'static str {
    if r.status >= 500 || r.status == 0 || r.error.is_some() {
        "error"
    } else if r.status >= 400 {
        "warn"
    } else {
        "info"
    }
}

fn header<'a>(hs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    hs.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn ecs_doc(r: &Req, ts: i64) -> String {
    let mut s = format!(
        r#"{{"@timestamp":"{}","log.level":"{}","message":{},"service.name":"{}","service.version":"{}","url.full":{},"http.request.method":"{}","event.duration":{},"trace.id":"{}","span.id":"{}","client.ip":"{}","user_agent.original":{}"#,
        iso(ts),
        level(r),
        json_str(&format!("{} {} {}", r.method, r.path, r.status)),
        r.service,
        r.version,
        json_str(&format!("https://{}{}", r.host, r.path)),
        r.method,
        (r.dur_ms * 1e6) as i64,
        r.trace,
        r.span,
        r.client,
        json_str(&r.ua),
    );
    if r.status != 0 {
        let _ = write!(s, r#","http.response.status_code":{}"#, r.status);
    }
    if let Some(p) = &r.parent {
        let _ = write!(s, r#","parent.id":"{p}""#);
    }
    if let Some(e) = &r.error {
        let _ = write!(s, r#","error.message":{}"#, json_str(e));
    }
    for (name, key) in [
        ("retry-after", "http.response.headers.retry-after"),
        ("www-authenticate", "http.response.headers.www-authenticate"),
    ] {
        if let Some(v) = header(&r.resp_headers, name) {
            let _ = write!(s, r#","{key}":{}"#, json_str(v));
        }
    }
    if let Some(b) = &r.body {
        let _ = write!(s, r#","http.response.body.content":{}"#, json_str(b));
    }
    s.push('}');
    s
}

fn emit_line(d: Dialect, r: &Req, ts: i64) -> String {
    match d {
        Dialect::Ecs | Dialect::EsSearch => ecs_doc(r, ts),
        Dialect::Nginx => {
            let mut s = format!(
                r#"{{"time_iso8601":"{}","remote_addr":"{}","request_method":"{}","http_host":"{}","request_uri":{},"status":{},"request_time":{:.3},"upstream_addr":"{}","upstream_status":"{}","http_user_agent":{},"request_id":"{}","http_traceparent":"00-{}-{}-01""#,
                iso(ts).replace('Z', "+00:00"),
                r.client,
                r.method,
                r.host,
                json_str(&r.path),
                if r.status == 0 { 499 } else { r.status },
                r.dur_ms / 1000.0,
                r.upstream.as_deref().unwrap_or("-"),
                r.upstream_status.map_or("-".to_string(), |s| s.to_string()),
                json_str(&r.ua),
                r.rid,
                r.trace,
                r.parent.as_deref().unwrap_or(&r.span),
            );
            if let Some(v) = header(&r.resp_headers, "retry-after") {
                let _ = write!(s, r#","retry_after":{}"#, json_str(v));
            }
            s.push('}');
            s
        }
        Dialect::App => {
            let mut s = format!(
                r#"{{"ts":{:.6},"level":"{}","msg":{},"app":"{}","app_version":"{}","method":"{}","url":{},"latency_ms":{:.1},"trace_id":"{}","span_id":"{}","req_id":"{}""#,
                ts as f64 / 1000.0,
                level(r),
                json_str(if r.error.is_some() {
                    "request failed"
                } else {
                    "request completed"
                }),
                r.service,
                r.version,
                r.method,
                json_str(&format!("https://{}{}", r.host, r.path)),
                r.dur_ms,
                r.trace,
                r.span,
                r.rid,
            );
            if r.status != 0 {
                let _ = write!(s, r#","status_code":{}"#, r.status);
            }
            if let Some(p) = &r.parent {
                let _ = write!(s, r#","parent_span_id":"{p}""#);
            }
            if let Some(e) = &r.error {
                let _ = write!(s, r#","error":{}"#, json_str(e));
            }
            s.push('}');
            s
        }
        Dialect::Pino => {
            let lvl = match level(r) {
                "error" => 50,
                "warn" => 40,
                _ => 30,
            };
            let mut s = format!(
                r#"{{"level":{lvl},"time":{ts},"pid":7,"hostname":"{}-7d9f","name":"{}","req":{{"id":"{}","method":"{}","url":{},"headers":{{"host":"{}","user-agent":{}}},"remoteAddress":"{}"}},"res":{{"statusCode":{}}},"responseTime":{:.0},"msg":{}"#,
                r.service,
                r.service,
                r.rid,
                r.method,
                json_str(&r.path),
                r.host,
                json_str(&r.ua),
                r.client,
                r.status,
                r.dur_ms,
                json_str(if r.status >= 400 {
                    "request errored"
                } else {
                    "request completed"
                }),
            );
            if let Some(e) = &r.error {
                let _ = write!(s, r#","err":{{"type":"Error","message":{}}}"#, json_str(e));
            }
            s.push('}');
            s
        }
        Dialect::Combined => format!(
            "{} - - [{}] \"{} {} HTTP/1.1\" {} {} \"-\" \"{}\"",
            r.client,
            chrono::DateTime::from_timestamp_millis(ts)
                .map(|d| d.format("%d/%b/%Y:%H:%M:%S +0000").to_string())
                .unwrap_or_default(),
            r.method,
            r.path,
            if r.status == 0 { 499 } else { r.status },
            r.body.as_ref().map_or(512, String::len),
            r.ua
        ),
        Dialect::Envoy => format!(
            "[{}] \"{} {} HTTP/2\" {} {} 0 {} {} - \"{}\" \"{}\" \"{}\" \"{}\" \"{}\"",
            iso(ts),
            r.method,
            r.path,
            r.status,
            match (r.status, r.error.as_deref()) {
                (503, Some(_)) => "UH",
                (504, _) => "UT",
                _ => "-",
            },
            r.body.as_ref().map_or(0, String::len),
            r.dur_ms as i64,
            r.client,
            r.ua,
            r.rid,
            r.host,
            r.upstream.as_deref().unwrap_or("-"),
        ),
        Dialect::Alb => {
            let secs = |ms: f64| format!("{:.3}", ms / 1000.0);
            let (target, target_time, target_status) = if r.status == 504 || r.status == 0 {
                ("-".to_string(), "-1".to_string(), "-".to_string())
            } else {
                (
                    format!(
                        "{}:8080",
                        r.upstream
                            .as_deref()
                            .unwrap_or("10.0.3.7")
                            .split(':')
                            .next()
                            .unwrap_or("10.0.3.7")
                    ),
                    secs(r.dur_ms),
                    r.status.to_string(),
                )
            };
            format!(
                "https {} app/{}-alb/50dc6c495c0c9188 {}:{} {} 0.000 {} 0.000 {} {} 310 {} \"{} https://{}:443{} HTTP/1.1\" \"{}\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{}/73e2d6bc24d8a067 \"Root=1-{}-{}\" \"{}\" \"-\" 0 {} \"forward\" \"-\" \"-\" \"{}\" \"{}\" \"-\" \"-\"",
                iso(ts).replace('Z', "000Z"),
                r.service,
                r.client,
                40_000 + (ts % 20_000),
                target,
                target_time,
                if r.status == 0 { 504 } else { r.status },
                target_status,
                r.body.as_ref().map_or(512, String::len),
                r.method,
                r.host,
                r.path,
                r.ua,
                r.service,
                &r.trace[..8],
                &r.trace[8..],
                r.host,
                iso(ts).replace('Z', "000Z"),
                target,
                target_status,
            )
        }
        Dialect::KibanaCsv => {
            let t = chrono::DateTime::from_timestamp_millis(ts)
                .map(|d| d.format("%b %-d, %Y @ %H:%M:%S%.3f").to_string())
                .unwrap_or_default();
            let q = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
            format!(
                "{},{},{},{},{},{},{},{}",
                q(&t),
                q(&r.service),
                q(&r.version),
                q(&format!("https://{}{}", r.host, r.path)),
                q(r.method),
                if r.status == 0 {
                    "-".to_string()
                } else {
                    r.status.to_string()
                },
                q(&format!("{}", (r.dur_ms * 1e6) as i64)),
                q(r.error.as_deref().unwrap_or("-")),
            )
        }
        Dialect::Custom => {
            let low64 = u64::from_str_radix(&r.trace[16..], 16).unwrap_or(1);
            let mut s = format!(
                r#"{{"when":"{}","severity":"{}","verb":"{}","endpoint":{},"origin":{{"hostname":"{}"}},"resp":{{"code":{}}},"timing":{{"total_ms":{:.2}}},"dd":{{"trace_id":"{low64}"}}"#,
                iso(ts).replace('T', " ").replace('Z', "+00:00"),
                level(r).to_ascii_uppercase(),
                r.method,
                json_str(&r.path),
                r.host,
                r.status,
                r.dur_ms,
            );
            if let Some(e) = &r.error {
                let _ = write!(s, r#","err_detail":{}"#, json_str(e));
            }
            s.push('}');
            s
        }
        Dialect::DockerWrapped => {
            let message = match &r.error {
                Some(e) => format!("Request to https://{}{} failed: {e}", r.host, r.path),
                None => format!("{} {} {}", r.method, r.path, r.status),
            };
            let inner = format!(
                r#"{{"@timestamp":"{}","log.level":"{}","message":{},"service.name":"{}"}}"#,
                iso(ts),
                if r.error.is_some() { "ERROR" } else { "INFO" },
                json_str(&message),
                r.service
            );
            format!(
                r#"{{"log":{},"stream":"stdout","time":"{}"}}"#,
                json_str(&(inner + "\n")),
                iso(ts)
            )
        }
        Dialect::Outbound => {
            let mut s = format!(
                r#"{{"timestamp":"{}","level":"{}","logger":"HttpClient","message":"outbound call","http":{{"url":{},"method":"{}","status_code":"{}"}}"#,
                iso(ts),
                if r.status >= 400 { "WARN" } else { "INFO" },
                json_str(&format!("https://{}{}", r.host, r.path)),
                r.method,
                r.status
            );
            if let Some(v) = header(&r.resp_headers, "retry-after") {
                let _ = write!(s, r#","retry_after":{}"#, json_str(v));
            }
            s.push('}');
            s
        }
        Dialect::Har => String::new(),
    }
}

fn render(f: &File) -> String {
    match f.dialect {
        Dialect::Har => {
            let entries: Vec<HarEntry> = f
                .reqs
                .iter()
                .map(|r| {
                    let mut req_headers = vec![
                        ("traceparent".to_string(), format!("00-{}-{}-01", r.trace, r.span)),
                        ("user-agent".to_string(), r.ua.clone()),
                    ];
                    req_headers.extend(r.req_headers.iter().cloned());
                    let mut resp_headers = r.resp_headers.clone();
                    if r.status != 0 {
                        resp_headers.push(("x-request-id".into(), r.rid.clone()));
                    }
                    HarEntry {
                        start_ms: r.ts + f.skew_ms,
                        method: r.method,
                        url: format!("https://{}{}", r.host, r.path),
                        status: i64::from(r.status),
                        time_ms: r.dur_ms,
                        req_headers,
                        resp_headers,
                        body: r.body.clone().unwrap_or_default(),
                        error: r.error.clone().filter(|_| r.status == 0),
                    }
                })
                .collect();
            har(&entries)
        }
        Dialect::EsSearch => {
            let mut hits: Vec<(i64, String)> = f
                .reqs
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let ts = r.ts + f.skew_ms;
                    (
                        ts,
                        format!(
                            r#"{{"_index":"logs-{}-000001","_id":"d{i}","_score":null,"_source":{},"sort":[{ts}]}}"#,
                            r.service,
                            ecs_doc(r, ts)
                        ),
                    )
                })
                .collect();
            hits.sort_by_key(|h| std::cmp::Reverse(h.0));
            let text: Vec<String> = hits.into_iter().map(|(_, h)| h).collect();
            format!(
                "{{\"took\":31,\"timed_out\":false,\"_shards\":{{\"total\":3,\"successful\":3,\"skipped\":0,\"failed\":0}},\"hits\":{{\"total\":{{\"value\":{},\"relation\":\"eq\"}},\"max_score\":null,\"hits\":[\n{}\n]}}}}\n",
                text.len(),
                text.join(",\n")
            )
        }
        d => {
            let mut out = String::new();
            if matches!(d, Dialect::KibanaCsv) {
                out.push_str("\"@timestamp\",\"service.name\",\"service.version\",\"url.full\",\"http.request.method\",\"http.response.status_code\",\"event.duration\",\"error.message\"\n");
            }
            for r in &f.reqs {
                out.push_str(&emit_line(d, r, r.ts + f.skew_ms));
                out.push('\n');
            }
            out
        }
    }
}

fn write(dir: &Path, s: &Scenario) -> std::io::Result<()> {
    let d = dir.join(s.name);
    std::fs::create_dir_all(&d)?;
    for f in &s.files {
        std::fs::write(d.join(f.name), render(f))?;
    }
    let truth = format!(
        "# Ground truth for `logsleuth eval`.\n# {}\ncategory = \"{}\"\nsubject_kind = \"{}\"\nsubject = {}\nonset = \"{}\"\n",
        s.notes,
        s.category,
        s.subject_kind,
        json_str(&s.subject),
        iso(s.onset)
    );
    std::fs::write(d.join("truth.toml"), truth)
}

const T0: i64 = 1_730_460_000_000; // 2024-11-01T11:20:00Z
const MINUTES: i64 = 30;

/// Base traffic plus noise and the always-slow red herring.
fn base(rng: &mut Rng, w: &World, gap_ms: u64) -> Vec<Req> {
    let mut reqs = traffic(rng, w, T0, MINUTES, gap_ms);
    noise(rng, w, &mut reqs, T0, MINUTES);
    always_slow(rng, w, &mut reqs, T0, MINUTES);
    sort(&mut reqs);
    reqs
}

fn onset(rng: &mut Rng) -> i64 {
    T0 + (10 + rng.below(8) as i64) * 60_000 + rng.below(60_000) as i64
}

/// Retries of a failed request by the same client: `n` more attempts.
fn retries(rng: &mut Rng, r: &Req, n: u64) -> Vec<Req> {
    (1..=n)
        .map(|k| {
            let mut x = r.clone();
            x.ts = r.ts + (k * (200 + rng.below(400))) as i64;
            x.trace = rng.hex(32);
            x.span = rng.hex(16);
            x.rid = rng.hex(20);
            x
        })
        .collect()
}

fn token_expiry(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let recover = on + 6 * 60_000;
    let browser = "172.16.4.20".to_string();
    let mut har_reqs: Vec<Req> = Vec::new();
    let mut gateway = base(rng, &w, 700);
    let token_exp_s = on / 1000;
    let old = jwt(rng, "user-8812", token_exp_s - 3600, token_exp_s);
    let fresh = jwt(rng, "user-8812", recover / 1000, recover / 1000 + 3600);
    let mut t = T0 + 2_000;
    let mut served_in_minute: std::collections::BTreeMap<i64, u32> = Default::default();
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        r.client.clone_from(&browser);
        r.ua = AGENTS[0].into();
        let token = if t >= recover { &fresh } else { &old };
        r.req_headers = vec![("authorization".into(), format!("Bearer {token}"))];
        let mut batch = vec![r.clone()];
        if t >= on && t < recover {
            batch.extend(retries(rng, &r, 3));
        }
        for mut x in batch {
            if t >= on && t < recover {
                let minute = x.ts / 60_000;
                let n = served_in_minute.entry(minute).or_insert(0);
                *n += 1;
                if *n > 12 {
                    x.status = 429;
                    x.resp_headers = vec![("retry-after".into(), "30".into())];
                    x.upstream_status = None;
                    x.upstream = None;
                } else {
                    x.status = 401;
                    x.upstream_status = Some(401);
                    x.resp_headers = vec![(
                        "www-authenticate".into(),
                        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token expired\"".into(),
                    )];
                }
                x.body = Some(r#"{"error":"unauthorized"}"#.into());
            } else {
                x.body = Some(r#"{"ok":true}"#.into());
            }
            har_reqs.push(x.clone());
            gateway.push(x);
        }
        t += 2_500 + rng.below(2_500) as i64;
    }
    sort(&mut gateway);
    sort(&mut har_reqs);
    Scenario {
        name: "token-expiry-har-gateway",
        category: "auth.token_expired",
        subject_kind: "host",
        subject: w.api.clone(),
        onset: on,
        files: vec![
            File { name: "customer.har", dialect: Dialect::Har, skew_ms: 0, reqs: har_reqs },
            File { name: "gateway.jsonl", dialect: Dialect::Nginx, skew_ms: 3_000, reqs: gateway },
        ],
        notes: "A browser's token expires; retries with the same token draw 429s that outnumber the 401s. The gateway clock runs 3 s ahead of the HAR.",
    }
}

fn rate_limit(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut reqs = base(rng, &w, 400);
    let batch_client = "10.99.7.42".to_string();
    let mut t = on;
    while t < on + 7 * 60_000 {
        let mut r = w.request(rng, t);
        r.client.clone_from(&batch_client);
        r.ua = "python-requests/2.32.3".into();
        r.status = 429;
        r.upstream_status = None;
        r.resp_headers = vec![("retry-after".into(), "10".into())];
        reqs.push(r);
        t += 80 + rng.below(150) as i64;
    }
    sort(&mut reqs);
    Scenario {
        name: "rate-limit-batch-client",
        category: "rate_limit.exceeded",
        subject_kind: "host",
        subject: w.api.clone(),
        onset: on,
        files: vec![File {
            name: "edge.ndjson",
            dialect: Dialect::Ecs,
            skew_ms: 0,
            reqs,
        }],
        notes: "A batch job floods the API and is throttled with 429 + Retry-After.",
    }
}

/// A backend fault seen at the gateway as 5xx, with client retries; the
/// backend's own log is a separate input joined by trace id.
fn backend_fault(
    rng: &mut Rng,
    w: &World,
    on: i64,
    len_ms: i64,
    fail: &mut dyn FnMut(&mut Rng, &mut Req) -> bool,
) -> (Vec<Req>, Vec<Req>) {
    let mut gateway = base(rng, w, 500);
    let mut backend = Vec::new();
    let mut extra = Vec::new();
    for g in gateway.iter_mut() {
        if g.host != w.api || g.status != 200 {
            continue;
        }
        let mut b = g.clone();
        b.host.clone_from(&w.backend);
        b.parent = Some(g.span.clone());
        b.span = rng.hex(16);
        b.ts = g.ts + 2;
        b.dur_ms = (g.dur_ms - 4.0).max(1.0);
        b.upstream = None;
        if g.ts >= on && g.ts < on + len_ms && fail(rng, &mut b) {
            g.status = if b.status == 504 || b.status == 0 {
                504
            } else {
                502
            };
            g.upstream_status = Some(b.status);
            g.dur_ms = b.dur_ms + 3.0;
            g.error = None;
            let n = 1 + rng.below(3);
            extra.extend(retries(rng, g, n));
        }
        backend.push(b);
    }
    gateway.extend(extra);
    sort(&mut gateway);
    sort(&mut backend);
    (gateway, backend)
}

fn server_error_cascade(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let (gateway, backend) = backend_fault(rng, &w, on, 8 * 60_000, &mut |rng, b| {
        if rng.below(10) < 7 {
            b.status = 500;
            b.error = Some(format!(
                "java.lang.NullPointerException: Cannot invoke \"Customer.getTier()\" because \"c\" is null (order {})",
                rng.below(100_000)
            ));
            true
        } else {
            false
        }
    });
    Scenario {
        name: "server-error-cascade",
        category: "upstream.server_error",
        subject_kind: "host",
        subject: w.backend.clone(),
        onset: on,
        files: vec![
            File {
                name: "gateway.ndjson",
                dialect: Dialect::Ecs,
                skew_ms: 0,
                reqs: gateway,
            },
            File {
                name: "backend-export.json",
                dialect: Dialect::EsSearch,
                skew_ms: -1_200,
                reqs: backend,
            },
        ],
        notes: "A backend throws 500s; the gateway reports more 502s (with retries) than the backend's 500s.",
    }
}

/// The same cascade with nothing to join on: the backend's log (pino) has
/// no trace ids, and the gateway's (ECS) no request ids.
fn cascade_without_ids(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let (gateway, backend) = backend_fault(rng, &w, on, 6 * 60_000, &mut |rng, b| {
        if rng.below(10) < 6 {
            b.status = 500;
            b.error = Some("SequelizeConnectionError: remaining connection slots are reserved".into());
            true
        } else {
            false
        }
    });
    Scenario {
        name: "cascade-without-trace-ids",
        category: "upstream.server_error",
        subject_kind: "host",
        subject: w.backend.clone(),
        onset: on,
        files: vec![
            File {
                name: "gateway.ndjson",
                dialect: Dialect::Ecs,
                skew_ms: 0,
                reqs: gateway,
            },
            File {
                name: "backend.log",
                dialect: Dialect::Pino,
                skew_ms: 0,
                reqs: backend,
            },
        ],
        notes:
            "A backend's 500s reach clients as the gateway's 502s (with retries); no ids join the two logs.",
    }
}

fn upstream_timeout(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let (gateway, backend) = backend_fault(rng, &w, on, 6 * 60_000, &mut |rng, b| {
        if rng.below(10) < 6 {
            b.status = 504;
            b.dur_ms = 10_000.0 + rng.below(50) as f64;
            b.error = Some(
                "context deadline exceeded (Client.Timeout exceeded while awaiting headers) calling postgres"
                    .into(),
            );
            true
        } else {
            false
        }
    });
    Scenario {
        name: "upstream-timeout-db",
        category: "upstream.timeout",
        subject_kind: "host",
        subject: w.backend.clone(),
        onset: on,
        files: vec![
            File { name: "nginx.jsonl", dialect: Dialect::Nginx, skew_ms: 0, reqs: gateway },
            File { name: "app.log.jsonl", dialect: Dialect::App, skew_ms: 700, reqs: backend },
        ],
        notes: "The backend's database calls hang; the gateway returns 504s; an export endpoint that always times out is a red herring.",
    }
}

fn unavailable(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut reqs = base(rng, &w, 500);
    let cluster = format!("{}-v2", w.service);
    for r in reqs.iter_mut() {
        r.upstream = Some(format!("{cluster}.mesh:9000"));
        if r.host == w.api && r.ts >= on && r.ts < on + 5 * 60_000 && r.status == 200 && rng.below(10) < 8 {
            r.status = 503;
            r.dur_ms = 0.0;
            r.upstream = None;
            r.error = Some("no healthy upstream".into());
        }
    }
    Scenario {
        name: "unavailable-envoy",
        category: "upstream.unavailable",
        subject_kind: "host",
        subject: w.api.clone(),
        onset: on,
        files: vec![File {
            name: "envoy-access.log",
            dialect: Dialect::Envoy,
            skew_ms: 0,
            reqs,
        }],
        notes: "Every endpoint of a mesh cluster is ejected; Envoy answers 503 UH.",
    }
}

/// Outbound calls from a service to a dependency that fail with `error`.
fn dependency_failure(
    rng: &mut Rng,
    name: &'static str,
    category: &'static str,
    dialect: Dialect,
    error: &dyn Fn(&str, &mut Rng) -> String,
    notes: &'static str,
) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let dep = format!(
        "{}.{}",
        rng.pick(&["payments-gw", "partner-api", "kyc", "geo", "fx-rates", "mailer"]),
        rng.pick(&["example.net", "vendor.io", "partners.org"])
    );
    let mut inbound = base(rng, &w, 600);
    let mut out = Vec::new();
    for r in inbound.iter_mut() {
        if r.host != w.api || r.status != 200 || rng.below(3) != 0 {
            continue;
        }
        let mut c = r.clone();
        c.host.clone_from(&dep);
        c.path = format!("/v2/{}", rng.pick(&["charge", "verify", "lookup", "send"]));
        c.method = "POST";
        c.parent = Some(r.span.clone());
        c.span = rng.hex(16);
        c.ts = r.ts + 5;
        c.upstream = None;
        if r.ts >= on && r.ts < on + 7 * 60_000 {
            c.status = 0;
            c.error = Some(error(&dep, rng));
            c.dur_ms = 3.0 + rng.below(20) as f64;
            r.status = 502;
            r.error = Some("dependency call failed".into());
        }
        out.push(c);
    }
    inbound.extend(out);
    sort(&mut inbound);
    Scenario {
        name,
        category,
        subject_kind: "host",
        subject: dep,
        onset: on,
        files: vec![File {
            name: "service.jsonl",
            dialect,
            skew_ms: 0,
            reqs: inbound,
        }],
        notes,
    }
}

fn client_offline(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut reqs = Vec::new();
    let mut t = T0 + 1_000;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        if t >= on && t < on + 90_000 {
            r.status = 0;
            r.dur_ms = 0.0;
            r.error = Some("net::ERR_INTERNET_DISCONNECTED".into());
        }
        r.body = Some(r#"{"ok":true}"#.into());
        reqs.push(r);
        t += 1_500 + rng.below(3_000) as i64;
    }
    // A few unrelated 404s on static assets, the classic red herring.
    for k in 0..4 {
        let mut r = w.request(rng, T0 + 60_000 * (3 + 5 * k));
        r.path = "/assets/logo@2x.png".into();
        r.status = 404;
        reqs.push(r);
    }
    sort(&mut reqs);
    Scenario {
        name: "client-offline-har",
        category: "network.client_offline",
        subject_kind: "client",
        subject: "laptop.har".into(),
        onset: on,
        files: vec![File { name: "laptop.har", dialect: Dialect::Har, skew_ms: 0, reqs }],
        notes: "The customer's laptop lost its network for 90 s; every call failed with ERR_INTERNET_DISCONNECTED.",
    }
}

fn schema_drift(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let noun = w.nouns[0];
    let field = rng.pick(&["price", "amount", "total", "quantity", "balance"]);
    let mut reqs = Vec::new();
    let mut t = T0 + 1_000;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        r.method = "GET";
        r.path = format!("/v1/{noun}/{}", 1000 + rng.below(9000));
        let v = rng.below(10_000);
        r.body = Some(if t >= on {
            format!(
                r#"{{"id":{},"{field}":"{}.{:02}","currency":"EUR"}}"#,
                rng.below(9999),
                v / 100,
                v % 100
            )
        } else {
            format!(
                r#"{{"id":{},"{field}":{}.{:02},"currency":"EUR"}}"#,
                rng.below(9999),
                v / 100,
                v % 100
            )
        });
        reqs.push(r);
        t += 2_000 + rng.below(4_000) as i64;
    }
    Scenario {
        name: "schema-drift-har",
        category: "payload.schema_drift",
        subject_kind: "field",
        subject: format!(".{field}"),
        onset: on,
        files: vec![File {
            name: "session.har",
            dialect: Dialect::Har,
            skew_ms: 0,
            reqs,
        }],
        notes: "A response field changes from number to string in a backend release; no status changes.",
    }
}

/// One route starts failing with `status` (and optionally an error) at onset.
fn route_failure(
    rng: &mut Rng,
    name: &'static str,
    category: &'static str,
    status: u16,
    error: Option<&'static str>,
    dialect: Dialect,
    notes: &'static str,
) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut reqs = base(rng, &w, 500);
    let noun = w.nouns[1];
    let route = match category {
        "config.endpoint_missing" => format!("/v2/{noun}"),
        "payload.too_large" => format!("/v1/{noun}/attachments"),
        _ => format!("/v1/{noun}"),
    };
    let mut t = T0 + 3_000;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        r.method = if category == "auth.forbidden" {
            "GET"
        } else {
            "POST"
        };
        r.path.clone_from(&route);
        if t >= on && rng.below(10) < 8 {
            r.status = status;
            r.upstream_status = Some(status);
            r.error = error.map(str::to_string);
            if status == 413 {
                r.dur_ms = 2.0;
            }
            // Clients retry some of them, which piles symptoms on top.
            if rng.below(2) == 0 {
                let n = 1 + rng.below(2);
                reqs.extend(retries(rng, &r, n));
            }
        }
        reqs.push(r);
        t += 3_000 + rng.below(4_000) as i64;
    }
    sort(&mut reqs);
    Scenario {
        name,
        category,
        subject_kind: "route",
        subject: route,
        onset: on,
        files: vec![File {
            name: "access.log",
            dialect,
            skew_ms: 0,
            reqs,
        }],
        notes,
    }
}

fn deploy_regression(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let new_version = {
        let mut p = w
            .version
            .split('.')
            .map(|x| x.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>();
        p.resize(3, 0);
        format!("{}.{}.0", p[0], p[1] + 1)
    };
    let mut reqs = base(rng, &w, 400);
    for r in reqs.iter_mut() {
        if r.host == w.api && r.ts >= on && rng.below(2) == 0 {
            r.version.clone_from(&new_version);
            if r.status == 200 && rng.below(10) < 5 {
                r.status = 500;
                r.error = Some(format!(
                    "TypeError: Cannot read properties of undefined (reading '{}')",
                    rng.pick(&["id", "total", "lines"])
                ));
            }
        }
    }
    Scenario {
        name: "deploy-regression-canary",
        category: "deploy.regression",
        subject_kind: "version",
        subject: new_version,
        onset: on,
        files: vec![File { name: "service-logs.json", dialect: Dialect::EsSearch, skew_ms: 0, reqs }],
        notes: "A canary of the new version takes half the traffic and fails half its requests; the old version stays healthy.",
    }
}

fn invalid_credentials(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut reqs = base(rng, &w, 500);
    let integration = "10.44.0.9".to_string();
    let mut t = T0 + 1_000;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        r.client.clone_from(&integration);
        r.ua = "acme-sync/3.4 (+integration)".into();
        if t >= on {
            r.status = 401;
            r.error = Some("invalid api key".into());
            r.upstream_status = Some(401);
        }
        reqs.push(r);
        t += 1_000 + rng.below(2_000) as i64;
    }
    sort(&mut reqs);
    Scenario {
        name: "revoked-api-key",
        category: "auth.invalid_credentials",
        subject_kind: "host",
        subject: w.api.clone(),
        onset: on,
        files: vec![File {
            name: "api.log",
            dialect: Dialect::Pino,
            skew_ms: 0,
            reqs,
        }],
        notes:
            "An integration's API key is revoked; every call it makes is refused with 401 (no expiry signal).",
    }
}

/// Some API nodes' clocks fall behind the token issuer's: their JWT checks
/// refuse fresh tokens as not yet valid.
fn clock_skew(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut reqs = base(rng, &w, 500);
    for r in reqs.iter_mut() {
        if r.host == w.api && r.ts >= on && r.status == 200 && rng.below(3) == 0 {
            r.status = 401;
            r.error = Some("JsonWebTokenError: jwt not active (nbf in the future)".into());
        }
    }
    Scenario {
        name: "clock-skew-node",
        category: "auth.clock_skew",
        subject_kind: "host",
        subject: w.api.clone(),
        onset: on,
        files: vec![File { name: "api.json.log", dialect: Dialect::App, skew_ms: 0, reqs }],
        notes: "After a VM migration one node's clock is 90 s behind; it refuses a third of the tokens as not yet valid.",
    }
}

/// A browser session where one host stops working at the network level.
fn har_network(
    rng: &mut Rng,
    name: &'static str,
    category: &'static str,
    error: &'static str,
    notes: &'static str,
) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let broken = format!(
        "{}.{}",
        rng.pick(&["assets", "api-v2", "media", "auth", "files"]),
        w.api.split_once('.').map_or("example.com", |(_, d)| d)
    );
    let mut reqs = Vec::new();
    let mut t = T0 + 2_000;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        r.body = Some(r#"{"ok":true}"#.into());
        if rng.below(3) == 0 {
            r.host.clone_from(&broken);
            r.method = "GET";
            if t >= on {
                r.status = 0;
                r.dur_ms = 2.0 + rng.below(30) as f64;
                r.error = Some(error.into());
                r.body = None;
            }
        }
        reqs.push(r);
        t += 1_000 + rng.below(3_000) as i64;
    }
    Scenario {
        name,
        category,
        subject_kind: "host",
        subject: broken,
        onset: on,
        files: vec![File {
            name: "support-ticket.har",
            dialect: Dialect::Har,
            skew_ms: 0,
            reqs,
        }],
        notes,
    }
}

/// Behind a load balancer, one route's backend hangs; only the ALB log exists.
fn alb_timeouts(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut reqs = base(rng, &w, 400);
    let noun = w.nouns[2];
    for r in reqs.iter_mut() {
        if r.host == w.api
            && r.ts >= on
            && r.ts < on + 5 * 60_000
            && r.path.starts_with(&format!("/v1/{noun}"))
            && rng.below(10) < 8
        {
            r.status = 504;
            r.dur_ms = 60_000.0;
        }
    }
    Scenario {
        name: "alb-target-timeouts",
        category: "upstream.timeout",
        subject_kind: "host",
        subject: w.api.clone(),
        onset: on,
        files: vec![File { name: "alb-access.log", dialect: Dialect::Alb, skew_ms: 0, reqs }],
        notes: "A backend route hangs; the ALB answers 504 after its 60 s idle timeout. Only the ALB log was captured.",
    }
}

/// A bad release in a Kibana CSV export: the new version fails on one route.
fn deploy_csv(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let new_version = format!("{}-rc{}", w.version, 1 + rng.below(5));
    let mut reqs = base(rng, &w, 600);
    for r in reqs.iter_mut() {
        if r.host == w.api && r.ts >= on {
            r.version.clone_from(&new_version);
            if r.status == 200 && rng.below(10) < 4 {
                r.status = 502;
                r.error = Some(format!(
                    "panic: runtime error: index out of range [{}] with length 0",
                    rng.below(8)
                ));
            }
        }
    }
    Scenario {
        name: "deploy-rollout-kibana-csv",
        category: "deploy.regression",
        subject_kind: "version",
        subject: new_version,
        onset: on,
        files: vec![File { name: "discover-export.csv", dialect: Dialect::KibanaCsv, skew_ms: 0, reqs }],
        notes: "A full rollout replaces the version at once; 40% of its requests fail. Exported from Kibana Discover as CSV.",
    }
}

/// A SPA gets throttled by the API with 503 + Retry-After.
fn throttled_har(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut reqs = Vec::new();
    let mut t = T0 + 1_000;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        r.body = Some(r#"{"ok":true}"#.into());
        let busy = t >= on && t < on + 4 * 60_000;
        if busy && rng.below(10) < 7 {
            r.status = 503;
            r.resp_headers = vec![("retry-after".into(), "20".into())];
            r.body = Some(r#"{"error":"slow down"}"#.into());
        }
        reqs.push(r);
        t += if busy {
            300 + rng.below(500) as i64
        } else {
            1_500 + rng.below(2_500) as i64
        };
    }
    Scenario {
        name: "throttled-spa-har",
        category: "rate_limit.exceeded",
        subject_kind: "host",
        subject: w.api.clone(),
        onset: on,
        files: vec![File {
            name: "customer-session.har",
            dialect: Dialect::Har,
            skew_ms: 0,
            reqs,
        }],
        notes: "A single-page app polls too fast and is throttled with 503 + Retry-After.",
    }
}

/// A browser HAR and an in-house service log (unknown field names, decimal
/// 64-bit trace ids, clock 2 s behind): the service's connection pool runs
/// dry and it answers 503.
fn inhouse_unavailable(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut browser = Vec::new();
    let mut service = base(rng, &w, 900);
    let mut t = T0 + 1_500;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        r.body = Some(r#"{"ok":true}"#.into());
        if t >= on && t < on + 5 * 60_000 && rng.below(10) < 7 {
            r.status = 503;
            r.error = Some(format!(
                "pool exhausted: 0 of {} connections available",
                20 + rng.below(5) * 10
            ));
            r.body = Some(r#"{"error":"service unavailable"}"#.into());
        }
        browser.push(r.clone());
        service.push(r);
        t += 2_000 + rng.below(3_000) as i64;
    }
    sort(&mut service);
    Scenario {
        name: "inhouse-log-unavailable",
        category: "upstream.unavailable",
        subject_kind: "host",
        subject: w.api.clone(),
        onset: on,
        files: vec![
            File { name: "browser.har", dialect: Dialect::Har, skew_ms: 0, reqs: browser },
            File { name: "service.log", dialect: Dialect::Custom, skew_ms: -2_000, reqs: service },
        ],
        notes: "A service log with in-house field names (inferred) joined to a browser HAR through Datadog 64-bit trace ids; the service clock is 2 s behind.",
    }
}

/// A browser session where one API host answers a mix of 500 and 503 while
/// the CDN and the auth host stay healthy (and a few assets are missing).
fn har_mixed_5xx(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let domain = w
        .api
        .split_once('.')
        .map_or("example.com", |(_, d)| d)
        .to_string();
    let cdn = format!("cdn.{domain}");
    let mut reqs = Vec::new();
    let mut t = T0 + 1_000;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        r.body = Some(r#"{"ok":true}"#.into());
        if rng.below(3) == 0 {
            r.host.clone_from(&cdn);
            r.method = "GET";
            r.path = rng
                .pick(&["/img/hero.png", "/js/app.js", "/fonts/inter.woff2"])
                .to_string();
            if rng.below(20) == 0 {
                r.status = 404;
            }
        } else if t >= on && t < on + 5 * 60_000 && rng.below(10) < 7 {
            r.status = if rng.below(3) == 0 { 503 } else { 500 };
            r.body = Some(r#"{"error":"internal"}"#.into());
        }
        reqs.push(r);
        t += 700 + rng.below(1_800) as i64;
    }
    Scenario {
        name: "har-mixed-5xx",
        category: "upstream.server_error",
        subject_kind: "host",
        subject: w.api.clone(),
        onset: on,
        files: vec![File {
            name: "capture.har",
            dialect: Dialect::Har,
            skew_ms: 0,
            reqs,
        }],
        notes: "One API host answers a mix of 500 and 503; the CDN's occasional 404s are noise.",
    }
}

/// A worker's outbound calls to a third-party API are throttled.
fn outbound_throttled(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let vendor = format!(
        "api.{}.com",
        rng.pick(&["stripe", "twilio", "sendgrid", "shopify", "hubspot"])
    );
    let mut reqs = Vec::new();
    let mut t = T0 + 500;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        r.host.clone_from(&vendor);
        r.method = "POST";
        r.path = format!(
            "/v1/{}",
            rng.pick(&["charges", "messages", "mail/send", "orders"])
        );
        if t >= on && t < on + 8 * 60_000 && rng.below(10) < 8 {
            r.status = 429;
            r.resp_headers = vec![("retry-after".into(), "2".into())];
        }
        reqs.push(r);
        t += 300 + rng.below(1_200) as i64;
    }
    Scenario {
        name: "outbound-api-throttled",
        category: "rate_limit.exceeded",
        subject_kind: "host",
        subject: vendor,
        onset: on,
        files: vec![File {
            name: "worker.log",
            dialect: Dialect::Outbound,
            skew_ms: 0,
            reqs,
        }],
        notes: "A worker's calls to a vendor API are throttled; the status is logged as a string.",
    }
}

/// Container logs (docker's JSON wrapper) of a service whose calls to a
/// dependency time out; the dependency is named only in the message.
fn wrapped_read_timeouts(rng: &mut Rng) -> Scenario {
    let w = World::new(rng);
    let on = onset(rng);
    let mut reqs = Vec::new();
    let mut t = T0 + 500;
    while t < T0 + MINUTES * 60_000 {
        let mut r = w.request(rng, t);
        if t >= on && t < on + 6 * 60_000 && rng.below(10) < 6 {
            r.host.clone_from(&w.backend);
            r.path = format!("/api/{}", w.nouns[0]);
            r.error = Some("java.net.SocketTimeoutException: Read timed out".into());
        }
        reqs.push(r);
        t += 400 + rng.below(1_200) as i64;
    }
    Scenario {
        name: "container-log-read-timeouts",
        category: "upstream.timeout",
        subject_kind: "host",
        subject: w.backend.clone(),
        onset: on,
        files: vec![File { name: "orders-7c9f.log", dialect: Dialect::DockerWrapped, skew_ms: 0, reqs }],
        notes: "docker-wrapped ECS lines; a dependency's read timeouts appear only as exception text naming its URL.",
    }
}

/// Every scenario, in a fixed order; `seed` varies names, onsets and noise.
fn scenarios(seed: u64) -> Vec<Scenario> {
    let mut rng = Rng(0x00c0_ffee_5eed_0005 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    // Let the first draws settle away from the seed's bit pattern.
    for _ in 0..8 {
        rng.next();
    }
    let mut out = vec![
        token_expiry(&mut rng),
        rate_limit(&mut rng),
        server_error_cascade(&mut rng),
        upstream_timeout(&mut rng),
        unavailable(&mut rng),
    ];
    out.push(dependency_failure(
        &mut rng,
        "dns-dependency",
        "network.dns",
        Dialect::App,
        &|h, _| format!("dial tcp: lookup {h} on 10.0.0.2:53: no such host"),
        "A dependency's DNS record disappears; the service's outbound calls fail to resolve it.",
    ));
    out.push(dependency_failure(
        &mut rng,
        "tls-expired-partner",
        "network.tls",
        Dialect::Ecs,
        &|h, _| format!("Post \"https://{h}/v2/charge\": x509: certificate has expired or is not yet valid"),
        "A partner's certificate expires; outbound TLS handshakes fail.",
    ));
    out.push(dependency_failure(
        &mut rng,
        "connection-refused-dependency",
        "network.connection",
        Dialect::Pino,
        &|_, rng| {
            format!(
                "connect ECONNREFUSED 10.3.{}.{}:443",
                rng.below(200),
                rng.below(200)
            )
        },
        "A dependency's pods are gone; outbound connections are refused.",
    ));
    out.push(client_offline(&mut rng));
    out.push(schema_drift(&mut rng));
    out.push(route_failure(
        &mut rng,
        "validation-after-client-release",
        "payload.validation",
        422,
        Some("validation failed: field 'currency' is required"),
        Dialect::Ecs,
        "A client release stops sending a required field; the route answers 422.",
    ));
    out.push(route_failure(
        &mut rng,
        "content-type-change",
        "payload.content_type",
        415,
        None,
        Dialect::Combined,
        "A client starts sending text/plain; the route answers 415.",
    ));
    out.push(route_failure(
        &mut rng,
        "payload-too-large",
        "payload.too_large",
        413,
        None,
        Dialect::Nginx,
        "A proxy's body-size limit is lowered; uploads get 413.",
    ));
    out.push(route_failure(
        &mut rng,
        "endpoint-missing-after-config",
        "config.endpoint_missing",
        404,
        None,
        Dialect::Combined,
        "A gateway config drops a route; calls get 404 while scanners probe random paths.",
    ));
    out.push(route_failure(
        &mut rng,
        "forbidden-after-scope-change",
        "auth.forbidden",
        403,
        Some("insufficient_scope"),
        Dialect::App,
        "A role change removes a scope; one route answers 403.",
    ));
    out.push(deploy_regression(&mut rng));
    out.push(invalid_credentials(&mut rng));
    out.push(clock_skew(&mut rng));
    out.push(har_network(
        &mut rng,
        "dns-har-host",
        "network.dns",
        "net::ERR_NAME_NOT_RESOLVED",
        "A DNS record is deleted; the browser cannot resolve one of the app's hosts.",
    ));
    out.push(har_network(
        &mut rng,
        "tls-har-expired-cert",
        "network.tls",
        "net::ERR_CERT_DATE_INVALID",
        "One host's certificate expires; the browser refuses it.",
    ));
    out.push(alb_timeouts(&mut rng));
    out.push(deploy_csv(&mut rng));
    out.push(throttled_har(&mut rng));
    out.push(inhouse_unavailable(&mut rng));
    out.push(cascade_without_ids(&mut rng));
    out.push(har_mixed_5xx(&mut rng));
    out.push(outbound_throttled(&mut rng));
    out.push(wrapped_read_timeouts(&mut rng));
    out
}

/// Write every scenario under `dir`.
pub fn write_all(dir: &Path, seed: u64) -> std::io::Result<()> {
    for s in scenarios(seed) {
        write(dir, &s)?;
    }
    Ok(())
}
