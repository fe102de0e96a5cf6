//! `gen-samples compare OUT_DIR [SEED]`: pairs of captures for `logsleuth
//! compare`, each with a `truth.toml` naming the change planted in the
//! incident side (or `none` for two healthy captures of the same traffic
//! drawn with different seeds). One world (host, endpoints, clients) per
//! seed; traffic with realistic noise on both sides: lognormal latencies,
//! a background of 5xx, 404s and timeouts with ids in their texts, several
//! browsers and app releases. Each change comes as a HAR against a HAR,
//! JSON lines against JSON lines (ECS), and a HAR against a service's log
//! in another layout.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

use super::{iso, Rng};

/// 2025-05-01T09:00:00Z.
const T0_MS: i64 = 1_746_090_000_000;
/// Minutes a capture covers.
const MINUTES: f64 = 20.0;
/// When the planted change begins, as a share of the incident capture.
const ONSET: f64 = 0.3;

/// What the incident side carries that the baseline does not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plant {
    None,
    NewTemplate,
    Latency,
    FieldType,
    ContentType,
    NewVersion,
}

impl Plant {
    const ALL: [Plant; 6] = [
        Plant::None,
        Plant::NewTemplate,
        Plant::Latency,
        Plant::FieldType,
        Plant::ContentType,
        Plant::NewVersion,
    ];

    fn name(self) -> &'static str {
        match self {
            Plant::None => "healthy",
            Plant::NewTemplate => "new-5xx-template",
            Plant::Latency => "p95-shift",
            Plant::FieldType => "field-type",
            Plant::ContentType => "content-type",
            Plant::NewVersion => "new-client-version",
        }
    }

    /// The truth: the kind of change, the scope and a part of what changed.
    fn truth(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Plant::None => ("none", "", ""),
            Plant::NewTemplate => ("new_template", "POST /v1/orders", "payments-svc"),
            Plant::Latency => ("latency", "GET /v1/catalog/{id}", "p"),
            Plant::FieldType => ("shape_change", "GET /v1/orders/{id}", ".total: number → string"),
            Plant::ContentType => ("content_type", "POST /v1/orders", "text/plain"),
            Plant::NewVersion => ("new_version", "all requests", "ShopApp/5.3.0"),
        }
    }
}

/// An endpoint: method, route, weight in the traffic, median latency.
struct Endpoint {
    method: &'static str,
    route: &'static str,
    weight: u64,
    median_ms: f64,
}

const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "GET",
        route: "/v1/orders/{id}",
        weight: 25,
        median_ms: 60.0,
    },
    Endpoint {
        method: "GET",
        route: "/v1/catalog",
        weight: 18,
        median_ms: 90.0,
    },
    Endpoint {
        method: "GET",
        route: "/v1/catalog/{id}",
        weight: 15,
        median_ms: 45.0,
    },
    Endpoint {
        method: "POST",
        route: "/v1/orders",
        weight: 14,
        median_ms: 140.0,
    },
    Endpoint {
        method: "GET",
        route: "/v1/cart",
        weight: 10,
        median_ms: 35.0,
    },
    Endpoint {
        method: "PUT",
        route: "/v1/cart/{id}",
        weight: 8,
        median_ms: 55.0,
    },
    Endpoint {
        method: "GET",
        route: "/v1/profile",
        weight: 6,
        median_ms: 30.0,
    },
    Endpoint {
        method: "POST",
        route: "/v1/payments",
        weight: 4,
        median_ms: 220.0,
    },
];

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "ShopApp/5.2.1 (iPhone; iOS 17.5; Scale/3.00)",
    "ShopApp/5.2.1 (Android 14; Pixel 8)",
    "ShopApp/5.1.9 (Android 13; SM-G991B)",
];
const NEW_AGENT: &str = "ShopApp/5.3.0 (iPhone; iOS 17.6; Scale/3.00)";

/// One request as it happened.
struct Req {
    t: f64,
    ep: usize,
    path: String,
    status: u16,
    dur_ms: f64,
    agent: &'static str,
    ctype: Option<&'static str>,
    req_body: Option<String>,
    resp_body: Option<String>,
    error: Option<String>,
    trace: String,
    /// The bearer token sent (a customer's secret in a HAR).
    token: String,
}

fn uniform(rng: &mut Rng) -> f64 {
    (rng.next() >> 11) as f64 / (1u64 << 53) as f64
}

/// A lognormal draw around `median`.
fn lognormal(rng: &mut Rng, median: f64, sigma: f64) -> f64 {
    let (u1, u2) = (uniform(rng).max(1e-12), uniform(rng));
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (median * (sigma * z).exp() * 10.0).round() / 10.0
}

fn pick_endpoint(rng: &mut Rng) -> usize {
    let total: u64 = ENDPOINTS.iter().map(|e| e.weight).sum();
    let mut x = rng.below(total);
    for (i, e) in ENDPOINTS.iter().enumerate() {
        if x < e.weight {
            return i;
        }
        x -= e.weight;
    }
    0
}

/// The JSON a successful response carries.
fn response_body(rng: &mut Rng, ep: usize, id: u64, total_as_text: bool) -> Value {
    match ENDPOINTS[ep].route {
        "/v1/orders/{id}" => {
            let total = (rng.below(50_000) as f64) / 100.0;
            json!({
                "id": id,
                "status": "paid",
                "total": if total_as_text { json!(format!("{total:.2}")) } else { json!(total) },
                "currency": "EUR",
                "items": [{"sku": format!("SKU-{}", rng.below(99_999)), "qty": 1 + rng.below(4)}],
            })
        }
        "/v1/catalog" => json!({
            "items": [{"id": rng.below(9_999), "name": "lamp", "price": 19.9}],
            "next": format!("c{}", rng.below(1000)),
        }),
        "/v1/catalog/{id}" => json!({"id": id, "name": "desk", "price": 149.0, "stock": rng.below(40)}),
        "/v1/orders" => json!({"id": id, "status": "created"}),
        "/v1/cart" | "/v1/cart/{id}" => json!({"lines": rng.below(6), "total": 42.0}),
        "/v1/profile" => json!({"user": format!("u{}", rng.below(500)), "tier": "gold"}),
        _ => json!({"payment": id, "state": "authorized"}),
    }
}

/// A capture's requests: steady traffic of `per_s` requests a second,
/// with background noise, and `plant` from [`ONSET`] on.
fn traffic(rng: &mut Rng, per_s: f64, plant: Plant) -> Vec<Req> {
    let mut out = Vec::new();
    let mut t = 0.0;
    let span = MINUTES * 60.0;
    while t < span {
        t += -uniform(rng).max(1e-12).ln() / per_s;
        let ep = pick_endpoint(rng);
        let e = &ENDPOINTS[ep];
        let id = 10_000 + rng.below(90_000);
        let after = t >= span * ONSET;
        let mut agent = AGENTS[rng.below(AGENTS.len() as u64) as usize];
        if plant == Plant::NewVersion && after && rng.below(100) < 35 {
            agent = NEW_AGENT;
        }
        let has_body = matches!(e.method, "POST" | "PUT");
        let mut r = Req {
            t,
            ep,
            path: e.route.replace("{id}", &id.to_string()),
            status: if e.method == "POST" { 201 } else { 200 },
            dur_ms: lognormal(rng, e.median_ms, 0.45),
            agent,
            ctype: has_body.then_some("application/json"),
            req_body: has_body.then(|| {
                json!({"sku": format!("SKU-{}", rng.below(99_999)), "qty": 1 + rng.below(3)}).to_string()
            }),
            resp_body: None,
            error: None,
            trace: rng.hex(32),
            token: format!("tok_{}", rng.hex(28)),
        };
        // Background noise, both sides alike.
        let roll = rng.below(1000);
        if roll < 4 {
            r.status = 500;
            r.error = Some(format!("internal error, ref {}", rng.hex(12)));
        } else if roll < 7 {
            r.status = 503;
            r.error = Some(format!(
                "upstream inventory-svc unavailable, retry in {}s",
                1 + rng.below(9)
            ));
        } else if roll < 9 {
            r.status = 504;
            r.dur_ms = 30_000.0;
            r.error = Some("gateway timeout after 30000 ms".into());
        } else if roll < 15 && e.route == "/v1/orders/{id}" {
            r.status = 404;
            r.error = Some(format!("order {id} not found"));
        }
        // The planted change.
        if after && r.error.is_none() {
            match plant {
                Plant::NewTemplate
                    if e.route == "/v1/orders" && e.method == "POST" && rng.below(100) < 35 =>
                {
                    r.status = 502;
                    r.error = Some(format!(
                        "upstream payments-svc:8443 reset the connection (attempt 3 of 3, ref {})",
                        rng.hex(10)
                    ));
                }
                Plant::Latency if e.route == "/v1/catalog/{id}" && rng.below(100) < 25 => {
                    r.dur_ms = (r.dur_ms * 6.0 * 10.0).round() / 10.0;
                }
                Plant::ContentType
                    if e.route == "/v1/orders" && e.method == "POST" && rng.below(100) < 50 =>
                {
                    r.ctype = Some("text/plain");
                    r.status = 415;
                    r.error = Some("Unsupported Media Type: expected application/json".into());
                }
                Plant::NewVersion if agent == NEW_AGENT && rng.below(100) < 45 => {
                    r.status = 500;
                    r.error = Some(format!(
                        "NullPointerException at CartMapper.toDto(CartMapper.java:{})",
                        80 + rng.below(5)
                    ));
                }
                _ => {}
            }
        }
        if r.error.is_none() {
            let text_total = plant == Plant::FieldType && after;
            r.resp_body = Some(response_body(rng, ep, id, text_total).to_string());
        }
        out.push(r);
    }
    out
}

fn ms_of(t: f64) -> i64 {
    T0_MS + (t * 1000.0).round() as i64
}

/// The captures as a HAR.
fn har(host: &str, reqs: &[Req]) -> String {
    let entries: Vec<Value> = reqs
        .iter()
        .map(|r| {
            let e = &ENDPOINTS[r.ep];
            let mut headers = vec![
                json!({"name": "User-Agent", "value": r.agent}),
                json!({"name": "Accept", "value": "application/json"}),
                json!({"name": "Authorization", "value": format!("Bearer {}", r.token)}),
                json!({"name": "traceparent", "value": format!("00-{}-{}-01", r.trace, &r.trace[..16])}),
            ];
            if let Some(c) = r.ctype {
                headers.push(json!({"name": "Content-Type", "value": c}));
            }
            let mut request = json!({
                "method": e.method,
                "url": format!("https://{host}{}", r.path),
                "httpVersion": "HTTP/2",
                "headers": headers,
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": r.req_body.as_ref().map_or(0, String::len),
            });
            if let (Some(b), Some(c)) = (&r.req_body, r.ctype) {
                request["postData"] = json!({"mimeType": c, "text": b});
            }
            let text = match (&r.resp_body, &r.error) {
                (Some(b), _) => b.clone(),
                (None, Some(err)) => json!({"error": err}).to_string(),
                _ => String::new(),
            };
            json!({
                "startedDateTime": iso(ms_of(r.t)),
                "time": r.dur_ms,
                "request": request,
                "response": {
                    "status": r.status,
                    "statusText": "",
                    "httpVersion": "HTTP/2",
                    "headers": [{"name": "Content-Type", "value": "application/json"}],
                    "cookies": [],
                    "content": {"size": text.len(), "mimeType": "application/json", "text": text},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": text.len(),
                },
                "cache": {},
                "timings": {"send": 0, "wait": r.dur_ms, "receive": 0},
            })
        })
        .collect();
    let doc = json!({"log": {"version": "1.2", "creator": {"name": "gen-samples", "version": "1"}, "entries": entries}});
    doc.to_string()
}

/// The captures as an ECS JSON-lines log of the API gateway.
fn ecs(host: &str, reqs: &[Req]) -> String {
    let mut out = String::new();
    for r in reqs {
        let e = &ENDPOINTS[r.ep];
        let mut rec = json!({
            "@timestamp": iso(ms_of(r.t)),
            "log.level": if r.error.is_some() { "error" } else { "info" },
            "message": r.error.clone().unwrap_or_else(|| format!("{} {} {}", e.method, r.path, r.status)),
            "service": {"name": "shop-gateway"},
            "http": {"request": {"method": e.method}, "response": {"status_code": r.status}},
            "url": {"path": r.path, "domain": host},
            "event": {"duration": (r.dur_ms * 1e6).round() as i64},
            "user_agent": {"original": r.agent},
            "trace": {"id": r.trace},
        });
        if let Some(c) = r.ctype {
            rec["http"]["request"]["mime_type"] = json!(c);
        }
        if let Some(b) = &r.resp_body {
            rec["http"]["response"]["body"] = json!({"content": b});
        }
        if let Some(err) = &r.error {
            rec["error"] = json!({"message": err});
        }
        let _ = writeln!(out, "{rec}");
    }
    out
}

/// The captures as the shop service's own log: flat keys, another layout.
fn service_log(host: &str, reqs: &[Req]) -> String {
    let mut out = String::new();
    for r in reqs {
        let e = &ENDPOINTS[r.ep];
        let mut rec = json!({
            "ts": iso(ms_of(r.t)),
            "level": if r.error.is_some() { "error" } else { "info" },
            "msg": if r.error.is_some() { "request failed" } else { "request served" },
            "method": e.method,
            "path": r.path,
            "host": host,
            "status": r.status,
            "duration_ms": r.dur_ms,
            "user_agent": r.agent,
            "trace_id": r.trace,
        });
        if let Some(c) = r.ctype {
            rec["content_type"] = json!(c);
        }
        if let Some(b) = &r.resp_body {
            rec["response_body"] = json!(b);
        }
        if let Some(err) = &r.error {
            rec["error"] = json!(err);
        }
        let _ = writeln!(out, "{rec}");
    }
    out
}

/// How a pair is captured: baseline format, incident format.
#[derive(Clone, Copy)]
enum Pair {
    HarHar,
    JsonlJsonl,
    HarLogs,
}

impl Pair {
    const ALL: [Pair; 3] = [Pair::HarHar, Pair::JsonlJsonl, Pair::HarLogs];

    fn name(self) -> &'static str {
        match self {
            Pair::HarHar => "har-vs-har",
            Pair::JsonlJsonl => "jsonl-vs-jsonl",
            Pair::HarLogs => "har-vs-logs",
        }
    }
}

/// Write every pair under `dir`.
pub fn write_all(dir: &Path, seed: u64) -> std::io::Result<()> {
    let host = ["api.shop.test", "edge.shop.test", "gw.shop.test"][(seed % 3) as usize];
    for plant in Plant::ALL {
        for pair in Pair::ALL {
            // Each side its own stream: the healthy pair differs by seed
            // alone, the others by seed and the planted change.
            let salt = (plant as u64) << 8 | (pair as u64);
            let mut rb = Rng(0x9E37_79B9_7F4A_7C15 ^ (seed.wrapping_mul(0x100_0001) + salt * 2 + 1));
            let mut ri = Rng(0xC2B2_AE3D_27D4_EB4F ^ (seed.wrapping_mul(0x100_0001) + salt * 2 + 2));
            let (per_b, per_i) = match pair {
                Pair::HarHar => (1.0, 1.0),
                Pair::JsonlJsonl => (3.0, 3.0),
                Pair::HarLogs => (1.0, 3.0),
            };
            let base = traffic(&mut rb, per_b, Plant::None);
            let inc = traffic(&mut ri, per_i, plant);
            let case = dir.join(format!("{}.{}", plant.name(), pair.name()));
            std::fs::create_dir_all(case.join("baseline"))?;
            std::fs::create_dir_all(case.join("incident"))?;
            match pair {
                Pair::HarHar => {
                    std::fs::write(case.join("baseline/good.har"), har(host, &base))?;
                    std::fs::write(case.join("incident/bad.har"), har(host, &inc))?;
                }
                Pair::JsonlJsonl => {
                    std::fs::write(case.join("baseline/gateway.jsonl"), ecs(host, &base))?;
                    std::fs::write(case.join("incident/gateway.jsonl"), ecs(host, &inc))?;
                }
                Pair::HarLogs => {
                    std::fs::write(case.join("baseline/good.har"), har(host, &base))?;
                    std::fs::write(case.join("incident/shop.log.jsonl"), service_log(host, &inc))?;
                }
            }
            let (kind, scope, what) = plant.truth();
            std::fs::write(
                case.join("truth.toml"),
                format!("kind = \"{kind}\"\nscope = \"{scope}\"\nwhat = \"{what}\"\n"),
            )?;
        }
    }
    Ok(())
}
