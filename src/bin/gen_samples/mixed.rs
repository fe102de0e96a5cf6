//! A heterogeneous JSON-lines log for the benchmarks, shaped like the logs
//! people really have rather than one producer's: five services in one
//! file, each with its own field names, nesting, time format and key
//! order; optional fields; a JSON request body kept as an escaped string
//! on about a fifth of the records; multi-line stack traces inside
//! messages; hundreds of user agents; thousands of distinct routes; and a
//! few percent of failures spread over several rules' triggers (an
//! upstream's 503s, a 429 storm, timeouts, expired tokens, stray 500s).
//! Deterministic: a fixed seed, no clock.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::{iso, Rng};

const RESOURCES: [&str; 24] = [
    "orders",
    "carts",
    "users",
    "payments",
    "invoices",
    "products",
    "reviews",
    "shipments",
    "coupons",
    "addresses",
    "sessions",
    "wishlists",
    "returns",
    "refunds",
    "stores",
    "inventory",
    "prices",
    "categories",
    "brands",
    "notifications",
    "subscriptions",
    "tickets",
    "reports",
    "exports",
];
const ACTIONS: [&str; 12] = [
    "",
    "/items",
    "/history",
    "/status",
    "/lines",
    "/events",
    "/notes",
    "/attachments",
    "/audit",
    "/preview",
    "/summary",
    "/settings",
];
const METHODS: [&str; 5] = ["GET", "GET", "GET", "POST", "PUT"];
const BROWSERS: [&str; 6] = ["Chrome", "Firefox", "Safari", "Edg", "OPR", "SamsungBrowser"];
const PLATFORMS: [&str; 5] = [
    "Windows NT 10.0; Win64; x64",
    "Macintosh; Intel Mac OS X 10_15_7",
    "X11; Linux x86_64",
    "iPhone; CPU iPhone OS 17_4 like Mac OS X",
    "Linux; Android 14; Pixel 8",
];

/// One request, before a service writes it in its own layout.
struct Request {
    ts_ms: i64,
    method: &'static str,
    path: String,
    status: u16,
    duration_ms: u64,
    trace: String,
    agent: String,
    upstream: String,
    body: Option<String>,
    error: Option<&'static str>,
}

fn agent(rng: &mut Rng) -> String {
    let browser = rng.pick(&BROWSERS);
    let platform = rng.pick(&PLATFORMS);
    if rng.below(5) == 0 {
        return format!(
            "ShopApp/{}.{}.{} ({platform}) okhttp/4.{}.0",
            7 + rng.below(2),
            rng.below(10),
            rng.below(20),
            rng.below(12)
        );
    }
    format!(
        "Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) {browser}/{}.0.{}.{} Safari/537.36",
        100 + rng.below(26),
        rng.below(7000),
        rng.below(200)
    )
}

fn body(rng: &mut Rng) -> String {
    let mut b = String::from(r#"{"items":["#);
    for k in 0..1 + rng.below(4) {
        if k > 0 {
            b.push(',');
        }
        let _ = write!(
            b,
            r#"{{"sku":"SKU-{:06}","qty":{},"price":{}.{:02}}}"#,
            rng.below(1_000_000),
            1 + rng.below(5),
            rng.below(300),
            rng.below(100)
        );
    }
    let _ = write!(b, r#"],"currency":"EUR","note":"{}"}}"#, rng.hex(8));
    b
}

/// The request at `frac` of the way through the log, with the incident's
/// failures in their windows and background noise elsewhere.
fn request(rng: &mut Rng, ts_ms: i64, frac: f64, service: usize) -> Request {
    let resource = RESOURCES[rng.below(RESOURCES.len() as u64) as usize];
    let action = ACTIONS[rng.below(ACTIONS.len() as u64) as usize];
    let path = format!(
        "/v{}/{resource}/{}{action}",
        1 + rng.below(2),
        rng.below(1_000_000)
    );
    let upstream = format!("10.8.{}.{}:8080", service, 10 + rng.below(4));
    let (mut status, mut error) = match rng.below(1000) {
        0..=5 => (404, None),
        6 => (500, Some("NullPointerException")),
        _ => (200, None),
    };
    let in_window = |a: f64, b: f64| (a..b).contains(&frac);
    if service == 2 && in_window(0.40, 0.43) && upstream.ends_with(".11:8080") {
        (status, error) = (
            503,
            Some("upstream connect error or disconnect/reset before headers"),
        );
    } else if service == 0 && in_window(0.60, 0.61) && rng.below(3) == 0 {
        (status, error) = (429, Some("rate limit exceeded"));
    } else if service == 3 && in_window(0.70, 0.72) && rng.below(2) == 0 {
        (status, error) = (401, Some("jwt expired"));
    } else if service == 1 && in_window(0.80, 0.82) && rng.below(4) == 0 {
        (status, error) = (504, Some("context deadline exceeded"));
    }
    let duration_ms = if status == 504 { 30_000 } else { 1 + rng.below(600) };
    let method = rng.pick(&METHODS);
    let body = (method != "GET" || rng.below(8) == 0).then(|| body(rng));
    Request {
        ts_ms,
        method,
        path,
        status,
        duration_ms,
        trace: rng.hex(32),
        agent: agent(rng),
        upstream,
        body,
        error,
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn stack(rng: &mut Rng, class: &str) -> String {
    let mut s = format!("{class}: request failed\n");
    for i in 0..4 + rng.below(8) {
        let _ = writeln!(
            s,
            "\tat com.shop.{}.Handler{i}.handle(Handler{i}.java:{})",
            RESOURCES[rng.below(RESOURCES.len() as u64) as usize],
            10 + rng.below(400)
        );
    }
    s
}

/// One record in the layout of service `service`, without a newline.
fn write_record(r: &Request, service: usize, rng: &mut Rng, out: &mut String) {
    let body = r.body.as_deref().map(json_string);
    let err = r.error.map(json_string);
    match service {
        // An ECS gateway, nested, with optional fields.
        0 => {
            let _ = write!(
                out,
                r#"{{"@timestamp":"{}","log":{{"level":"{}"}},"service":{{"name":"edge-gateway","version":"3.4.1"}},"http":{{"request":{{"method":"{}"{}}},"response":{{"status_code":{}}}}},"url":{{"path":"{}"}},"user_agent":{{"original":{}}},"event":{{"duration":{}}},"trace":{{"id":"{}"}}"#,
                iso(r.ts_ms),
                if r.status >= 500 { "error" } else { "info" },
                r.method,
                body.as_deref()
                    .map(|b| format!(r#","body":{{"content":{b}}}"#))
                    .unwrap_or_default(),
                r.status,
                r.path,
                json_string(&r.agent),
                r.duration_ms * 1_000_000,
                r.trace
            );
            if let Some(e) = &err {
                let _ = write!(out, r#","error":{{"message":{e}}}"#);
            }
            out.push('}');
        }
        // pino: epoch ms, numeric levels, req/res objects.
        1 => {
            let _ = write!(
                out,
                r#"{{"level":{},"time":{},"pid":{},"hostname":"orders-{}","req":{{"id":"{}","method":"{}","url":"{}","headers":{{"user-agent":{},"x-request-id":"{}"}}}},"res":{{"statusCode":{}}},"responseTime":{},"msg":{}"#,
                if r.status >= 500 { 50 } else { 30 },
                r.ts_ms,
                1000 + rng.below(50),
                rng.below(6),
                rng.hex(12),
                r.method,
                r.path,
                json_string(&r.agent),
                r.trace,
                r.status,
                r.duration_ms,
                err.as_deref().unwrap_or(r#""request completed""#)
            );
            if let Some(b) = &body {
                let _ = write!(out, r#","reqBody":{b}"#);
            }
            out.push('}');
        }
        // zap: float seconds, a caller, flat keys, an upstream.
        2 => {
            let _ = write!(
                out,
                r#"{{"ts":{:.6},"level":"{}","caller":"proxy/handler.go:{}","msg":{},"method":"{}","path":"{}","status":{},"latency":"{}ms","upstream_addr":"{}","trace_id":"{}""#,
                r.ts_ms as f64 / 1000.0,
                if r.status >= 500 { "error" } else { "info" },
                100 + rng.below(300),
                err.as_deref().unwrap_or(r#""served""#),
                r.method,
                r.path,
                r.status,
                r.duration_ms,
                r.upstream,
                r.trace
            );
            if rng.below(3) == 0 {
                let _ = write!(out, r#","user_agent":{}"#, json_string(&r.agent));
            }
            out.push('}');
        }
        // logrus-style auth service, keys in another order, stack traces.
        3 => {
            let msg = match r.error {
                Some(e) if r.status >= 500 || rng.below(4) == 0 => json_string(&stack(rng, e)),
                Some(e) => json_string(e),
                None => r#""ok""#.to_string(),
            };
            let _ = write!(
                out,
                r#"{{"msg":{msg},"http_status":{},"uri":"{}","verb":"{}","duration_ms":{},"time":"{}","level":"{}","request_id":"{}","client":{{"ua":{},"ip":"198.51.100.{}"}}"#,
                r.status,
                r.path,
                r.method,
                r.duration_ms,
                iso(r.ts_ms),
                if r.status >= 500 { "error" } else { "info" },
                r.trace,
                json_string(&r.agent),
                rng.below(250)
            );
            if let Some(b) = &body {
                let _ = write!(out, r#","payload":{b}"#);
            }
            out.push('}');
        }
        // OpenTelemetry-style records with attributes.
        _ => {
            let _ = write!(
                out,
                r#"{{"timestamp":"{}","severity_text":"{}","body":{},"resource":{{"service.name":"search","service.version":"2.{}.0"}},"attributes":{{"http.request.method":"{}","url.path":"{}","http.response.status_code":{},"http.server.duration_ms":{},"user_agent.original":{}}},"trace_id":"{}"}}"#,
                iso(r.ts_ms),
                if r.status >= 500 { "ERROR" } else { "INFO" },
                err.as_deref().unwrap_or(r#""query served""#),
                11 + rng.below(2),
                r.method,
                r.path,
                r.status,
                r.duration_ms,
                json_string(&r.agent),
                r.trace
            );
        }
    }
}

/// Write about `mib` MiB of the mixed log to `path`.
pub fn write(path: &Path, mib: u64) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let target = mib << 20;
    let n = (target / super::bench::Kind::Mixed.record_bytes()).max(1);
    let t0: i64 = 1_722_470_400_000;
    let step = (6 * 3_600_000) as f64 / n as f64;
    let mut rng = Rng(0x0a11_5e7d);
    let mut buf = String::with_capacity(4096);
    let mut written = 0u64;
    let mut i = 0u64;
    while written < target {
        let frac = i as f64 / n as f64;
        let ts_ms = t0 + (i as f64 * step) as i64;
        i += 1;
        let service = rng.below(5) as usize;
        let r = request(&mut rng, ts_ms, frac, service);
        buf.clear();
        write_record(&r, service, &mut rng, &mut buf);
        buf.push('\n');
        w.write_all(buf.as_bytes())?;
        written += buf.len() as u64;
    }
    w.flush()
}
