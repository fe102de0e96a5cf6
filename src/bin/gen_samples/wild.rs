//! The wild suite: labeled incidents whose dialect is drawn at random, so
//! that the ranking is measured on conventions it was not written
//! against. Every scenario draws, per role, a field name from a table of
//! real conventions (ECS, nginx, Envoy, pino, OTel-ish, in-house names no
//! alias covers), flat or nested, a time format and a duration unit; it
//! draws where its culprit lives (an upstream address, a cluster, a
//! client, a release, a service version, a dependency named in the
//! error, a field, a content type, a body size); it puts at least two red
//! herrings near the onset; and in most scenarios the symptoms (a
//! gateway's 502s and 504s, a limiter's 429s) outnumber the cause.
//!
//! Seeds 0–99 are for development; seeds 1000 and up are held out, to be
//! run once when the work is done (`benches/accuracy.sh wild`).

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Map, Value};

use super::Rng;

/// The roles a record can carry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Ts,
    Method,
    Path,
    Host,
    Status,
    Duration,
    Client,
    Agent,
    Upstream,
    Cluster,
    Version,
    Service,
    Error,
    RequestId,
    ReqLen,
    ContentType,
    Body,
}

/// Names each role goes by, known aliases and names no alias covers.
fn names(role: Role) -> &'static [&'static str] {
    match role {
        Role::Ts => &[
            "@timestamp",
            "timestamp",
            "time",
            "at",
            "when",
            "logged_at",
            "eventTime",
        ],
        Role::Method => &["method", "http.request.method", "verb", "req.method", "http_verb"],
        Role::Path => &["url.path", "path", "uri", "resource", "endpoint", "request_path"],
        Role::Host => &[
            "host",
            "url.domain",
            "vhost",
            "server_name",
            "http_host",
            "site.host",
        ],
        Role::Status => &[
            "status",
            "http.response.status_code",
            "result_code",
            "statusCode",
            "resp.code",
            "http_status",
        ],
        Role::Duration => &[
            "duration_ms",
            "latency_ms",
            "spent_ms",
            "timing.total_ms",
            "request_time",
            "elapsed_s",
        ],
        Role::Client => &["client.ip", "remote_addr", "peer_ip", "src_ip", "source.ip"],
        Role::Agent => &[
            "user_agent",
            "http_user_agent",
            "agent_string",
            "client_ua",
            "userAgent",
        ],
        Role::Upstream => &[
            "upstream_addr",
            "upstream_host",
            "backend_node",
            "target_node",
            "dest_addr",
        ],
        Role::Cluster => &["upstream_cluster", "route_cluster", "backend_pool"],
        Role::Version => &[
            "service.version",
            "labels.version",
            "app.version",
            "version",
            "rev",
            "build",
        ],
        Role::Service => &["service.name", "service", "app", "component", "unit"],
        Role::Error => &[
            "error.message",
            "err",
            "error",
            "err_text",
            "failure_reason",
            "exception",
        ],
        Role::RequestId => &[
            "request_id",
            "x_request_id",
            "req_id",
            "call_id",
            "rid",
            "correlation_id",
        ],
        Role::ReqLen => &[
            "request_length",
            "http.request.body.bytes",
            "req_len",
            "payload_size",
            "bytes_in_req",
        ],
        Role::ContentType => &["http.request.mime_type", "content_type", "req_ctype", "body_type"],
        Role::Body => &[
            "http.response.body.content",
            "resp_body",
            "partner_reply",
            "attributes.response",
            "upstream_payload",
        ],
    }
}

const ROLES: [Role; 17] = [
    Role::Ts,
    Role::Method,
    Role::Path,
    Role::Host,
    Role::Status,
    Role::Duration,
    Role::Client,
    Role::Agent,
    Role::Upstream,
    Role::Cluster,
    Role::Version,
    Role::Service,
    Role::Error,
    Role::RequestId,
    Role::ReqLen,
    Role::ContentType,
    Role::Body,
];

/// One drawn convention.
struct Conv {
    names: Vec<&'static str>,
    nested: bool,
    /// 0: RFC 3339 with ms and Z; 1: epoch ms; 2: epoch s, fractional;
    /// 3: `2024-11-01 11:20:00.123` (no zone); 4: RFC 3339 with +00:00.
    ts_format: u64,
    status_as_text: bool,
}

impl Conv {
    fn draw(rng: &mut Rng) -> Conv {
        let mut chosen: Vec<&'static str> = Vec::new();
        for r in ROLES {
            // Two roles must not share a name (`host` as service and host).
            loop {
                let n = rng.pick(names(r));
                if !chosen.contains(&n) {
                    chosen.push(n);
                    break;
                }
            }
        }
        Conv {
            names: chosen,
            nested: rng.below(2) == 0,
            ts_format: rng.below(5),
            status_as_text: rng.below(5) == 0,
        }
    }

    fn name(&self, r: Role) -> &'static str {
        self.names[ROLES.iter().position(|x| *x == r).unwrap_or(0)]
    }
}

/// One request as it happened.
#[derive(Clone, Default)]
struct Req {
    /// Seconds after the scenario's start.
    t: f64,
    method: &'static str,
    path: String,
    host: String,
    status: u16,
    dur_ms: f64,
    client: String,
    agent: String,
    upstream: Option<String>,
    cluster: Option<String>,
    version: Option<String>,
    service: String,
    error: Option<String>,
    rid: String,
    req_len: Option<u64>,
    ctype: Option<&'static str>,
    body: Option<String>,
}

/// Start of every scenario: 2025-02-03T14:00:00Z, in ms.
const T0_MS: i64 = 1_738_591_200_000;
const MINUTES: f64 = 20.0;

fn time_text(fmt: u64, t: f64) -> Value {
    let ms = T0_MS + (t * 1000.0).round() as i64;
    let iso = super::iso(ms);
    match fmt {
        1 => json!(ms),
        2 => json!(ms as f64 / 1000.0),
        3 => json!(iso.trim_end_matches('Z').replacen('T', " ", 1)),
        4 => json!(iso.replace('Z', "+00:00")),
        _ => json!(iso),
    }
}

fn put(m: &mut Map<String, Value>, name: &str, v: Value, nested: bool) {
    if !nested || !name.contains('.') {
        m.insert(name.to_string(), v);
        return;
    }
    let mut parts = name.split('.').peekable();
    let mut cur = m;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(p.to_string(), v);
            return;
        }
        let slot = cur
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(next) = slot else { return };
        cur = next;
    }
}

fn render(c: &Conv, r: &Req) -> String {
    let mut m = Map::new();
    let nested = c.nested;
    put(&mut m, c.name(Role::Ts), time_text(c.ts_format, r.t), nested);
    put(&mut m, c.name(Role::Method), json!(r.method), nested);
    put(&mut m, c.name(Role::Path), json!(r.path), nested);
    put(&mut m, c.name(Role::Host), json!(r.host), nested);
    let status = if c.status_as_text {
        json!(r.status.to_string())
    } else {
        json!(r.status)
    };
    put(&mut m, c.name(Role::Status), status, nested);
    let d = c.name(Role::Duration);
    let dur = if d.ends_with("_s") || d == "request_time" {
        json!((r.dur_ms / 1000.0 * 1000.0).round() / 1000.0)
    } else {
        json!((r.dur_ms * 10.0).round() / 10.0)
    };
    put(&mut m, d, dur, nested);
    put(&mut m, c.name(Role::Client), json!(r.client), nested);
    put(&mut m, c.name(Role::Agent), json!(r.agent), nested);
    put(&mut m, c.name(Role::Service), json!(r.service), nested);
    put(&mut m, c.name(Role::RequestId), json!(r.rid), nested);
    let opt = |m: &mut Map<String, Value>, role: Role, v: Option<Value>| {
        if let Some(v) = v {
            put(m, c.name(role), v, nested);
        }
    };
    opt(&mut m, Role::Upstream, r.upstream.clone().map(Value::from));
    opt(&mut m, Role::Cluster, r.cluster.clone().map(Value::from));
    opt(&mut m, Role::Version, r.version.clone().map(Value::from));
    opt(&mut m, Role::Error, r.error.clone().map(Value::from));
    opt(&mut m, Role::ReqLen, r.req_len.map(Value::from));
    opt(&mut m, Role::ContentType, r.ctype.map(Value::from));
    opt(&mut m, Role::Body, r.body.clone().map(Value::from));
    Value::Object(m).to_string()
}

const BRANDS: &[&str] = &[
    "lumen", "quarry", "ferris", "tidal", "basalt", "kestrel", "orchid", "saffron",
];
const NOUNS: &[&str] = &[
    "orders",
    "carts",
    "invoices",
    "profiles",
    "quotes",
    "shipments",
    "tickets",
    "reports",
];
const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
];

/// The names one scenario uses.
struct World {
    host: String,
    service: String,
    routes: Vec<(&'static str, String)>,
    clients: Vec<String>,
    agents: Vec<String>,
    nodes: Vec<String>,
    version: String,
    app: String,
    app_version: String,
}

impl World {
    fn new(rng: &mut Rng) -> World {
        let brand = rng.pick(BRANDS);
        let mut nouns: Vec<&str> = Vec::new();
        while nouns.len() < 4 {
            let n = rng.pick(NOUNS);
            if !nouns.contains(&n) {
                nouns.push(n);
            }
        }
        let routes = vec![
            ("GET", format!("/v1/{}/{{id}}", nouns[0])),
            ("GET", format!("/v1/{}", nouns[1])),
            ("POST", format!("/v1/{}", nouns[2])),
            ("POST", format!("/v1/{}/search", nouns[3])),
        ];
        let app = format!("{}{}", brand[..1].to_ascii_uppercase(), &brand[1..]) + "App";
        let app_version = format!("{}.{}.{}", 3 + rng.below(5), rng.below(10), rng.below(5));
        let mut agents: Vec<String> = BROWSERS.iter().map(|s| s.to_string()).collect();
        agents.push(format!("{app}/{app_version} (iPhone; iOS 17.5)"));
        agents.push(format!("{app}/{app_version} (Android 14)"));
        agents.push(format!("{brand}-sync/1.{}.0", rng.below(9)));
        agents.push("okhttp/4.12.0".into());
        World {
            host: format!(
                "{}.{brand}.{}",
                rng.pick(&["api", "edge", "gw"]),
                rng.pick(&["com", "io", "dev"])
            ),
            service: rng
                .pick(&["checkout", "catalog", "ledger", "accounts", "fulfil"])
                .to_string(),
            routes,
            clients: (0..14)
                .map(|_| {
                    format!(
                        "10.{}.{}.{}",
                        1 + rng.below(200),
                        rng.below(250),
                        1 + rng.below(250)
                    )
                })
                .collect(),
            agents,
            nodes: (0..4)
                .map(|i| {
                    format!(
                        "10.40.{}.{}:{}",
                        rng.below(200),
                        10 + i,
                        rng.pick(&["8080", "8443", "9000"])
                    )
                })
                .collect(),
            version: format!("{}.{}.{}", 1 + rng.below(4), rng.below(20), rng.below(10)),
            app,
            app_version,
        }
    }

    fn request(&self, rng: &mut Rng, t: f64) -> Req {
        let (method, route) = &self.routes[rng.below(self.routes.len() as u64) as usize];
        let path = route.replace("{id}", &(1000 + rng.below(90_000)).to_string());
        let cluster = format!("{}-svc", route.split('/').nth(2).unwrap_or("x"));
        Req {
            t,
            method,
            path,
            host: self.host.clone(),
            status: 200,
            dur_ms: 8.0 + rng.below(160) as f64 + rng.below(1000) as f64 / 1000.0,
            client: self.clients[rng.below(self.clients.len() as u64) as usize].clone(),
            agent: self.agents[rng.below(self.agents.len() as u64) as usize].clone(),
            upstream: Some(self.nodes[rng.below(self.nodes.len() as u64) as usize].clone()),
            cluster: Some(cluster),
            version: Some(self.version.clone()),
            service: self.service.clone(),
            rid: rng.hex(24),
            req_len: Some(60 + rng.below(3000)),
            ctype: (*method == "POST").then_some("application/json"),
            ..Req::default()
        }
    }

    /// Steady traffic, about two requests a second.
    fn traffic(&self, rng: &mut Rng) -> Vec<Req> {
        let mut out = Vec::new();
        let mut t = 0.0;
        while t < MINUTES * 60.0 {
            out.push(self.request(rng, t));
            t += 0.1 + rng.below(800) as f64 / 1000.0;
        }
        out
    }
}

fn fail(r: &mut Req, status: u16, err: &str) {
    r.status = status;
    r.error = Some(err.to_string());
}

/// A scenario: its truth and its requests.
struct Scenario {
    name: String,
    category: &'static str,
    subject_kind: &'static str,
    subject: String,
    /// Whether a gateway in front logs each request again (502/504 for
    /// the failures): symptoms that outnumber the cause.
    gateway: bool,
    reqs: Vec<Req>,
}

/// Red herrings near the onset: at least two of them.
fn herrings(rng: &mut Rng, w: &World, onset: f64, reqs: &mut Vec<Req>) {
    let mut kinds = [0u64, 1, 2, 3];
    for i in (1..kinds.len()).rev() {
        kinds.swap(i, rng.below(i as u64 + 1) as usize);
    }
    for &k in &kinds[..2 + rng.below(2) as usize] {
        match k {
            0 => {
                // A scanner's 404s.
                for j in 0..10 + rng.below(10) {
                    let mut r = w.request(rng, onset - 90.0 + j as f64 * 6.0);
                    r.method = "GET";
                    r.path = rng
                        .pick(&["/wp-login.php", "/.env", "/phpmyadmin/", "/admin.php"])
                        .into();
                    r.client = "198.51.100.23".into();
                    r.agent = "Mozilla/5.0 zgrab/0.x".into();
                    r.status = 404;
                    reqs.push(r);
                }
            }
            1 => {
                // Stray 500s with an error of their own.
                for j in 0..3 {
                    let mut r = w.request(rng, onset - 40.0 + j as f64 * 50.0);
                    fail(&mut r, 500, "NullPointerException in CurrencyFormatter.format");
                    reqs.push(r);
                }
            }
            2 => {
                // Clients that gave up (499) on one route, briefly.
                for j in 0..6 {
                    let mut r = w.request(rng, onset - 20.0 + j as f64 * 3.0);
                    r.status = 499;
                    r.dur_ms = 5000.0;
                    reqs.push(r);
                }
            }
            _ => {
                // A healthy rollout of another component at the onset.
                for r in reqs
                    .iter_mut()
                    .filter(|r| r.t > onset - 30.0 && r.t < onset + 400.0)
                {
                    if r.service == w.service
                        && r.status == 200
                        && r.client != OUTBOUND_CLIENT
                        && rng.below(5) == 0
                    {
                        r.service = "recommendations".into();
                        r.version = Some("9.1.0".into());
                    }
                }
            }
        }
    }
}

fn scenario(rng: &mut Rng, kind: u64, idx: usize) -> Scenario {
    let w = World::new(rng);
    let mut reqs = w.traffic(rng);
    let onset = 420.0 + rng.below(300) as f64;
    let after = |r: &Req| r.t > onset;
    let mut s = Scenario {
        name: String::new(),
        category: "",
        subject_kind: "",
        subject: String::new(),
        gateway: rng.below(2) == 0,
        reqs: Vec::new(),
    };
    match kind {
        0 => {
            let node = w.nodes[rng.below(w.nodes.len() as u64) as usize].clone();
            for r in reqs
                .iter_mut()
                .filter(|r| after(r) && r.upstream.as_deref() == Some(node.as_str()))
            {
                fail(r, 504, "upstream request timeout");
                r.dur_ms = 30_000.0 + rng.below(50) as f64;
            }
            (s.name, s.category, s.subject_kind, s.subject) =
                ("slow-upstream".into(), "upstream.timeout", "upstream", node);
        }
        1 => {
            let (_, route) = w.routes[rng.below(w.routes.len() as u64) as usize].clone();
            let cluster = format!("{}-svc", route.split('/').nth(2).unwrap_or("x"));
            for r in reqs
                .iter_mut()
                .filter(|r| after(r) && r.cluster.as_deref() == Some(cluster.as_str()))
            {
                fail(r, 503, "no healthy upstream");
                r.upstream = None;
                r.dur_ms = 0.4;
            }
            s.gateway = false;
            (s.name, s.category, s.subject_kind, s.subject) = (
                "no-healthy-upstream".into(),
                "upstream.unavailable",
                "upstream",
                cluster,
            );
        }
        2 | 3 => {
            let who = format!("172.31.{}.{}", rng.below(200), 1 + rng.below(250));
            let agent = format!(
                "batch-{}/2.{}.0",
                rng.pick(&["export", "sync", "import"]),
                rng.below(9)
            );
            let (method, route) = w.routes[rng.below(w.routes.len() as u64) as usize].clone();
            let mut t = onset;
            let mut n = 0;
            while t < onset + 300.0 {
                let mut r = w.request(rng, t);
                r.method = method;
                r.path = route.replace("{id}", &(1000 + rng.below(90_000)).to_string());
                r.client = who.clone();
                r.agent = agent.clone();
                if kind == 3 && n < 30 {
                    fail(&mut r, 401, "invalid api key: key has been revoked");
                } else if t > onset + 15.0 {
                    fail(&mut r, 429, "rate limit exceeded");
                }
                reqs.push(r);
                n += 1;
                t += if kind == 3 && n <= 30 { 2.0 } else { 0.1 };
            }
            s.gateway = false;
            let cat = if kind == 3 {
                "auth.invalid_credentials"
            } else {
                "rate_limit.exceeded"
            };
            let name = if kind == 3 {
                "revoked-key"
            } else {
                "one-client-throttled"
            };
            (s.name, s.category, s.subject_kind, s.subject) = (name.into(), cat, "client", who);
        }
        4 => {
            let new = format!("{}.{}.{}", 8, rng.below(9), rng.below(9));
            let old = format!("{}/{}", w.app, w.app_version);
            for r in reqs.iter_mut().filter(|r| after(r) && r.agent.starts_with(&old)) {
                if rng.below(2) == 0 {
                    r.agent = r.agent.replace(&w.app_version, &new);
                    if rng.below(10) < 7 {
                        fail(r, 500, "IllegalStateException: session missing\n\tat com.shop.api.SessionFilter.doFilter(SessionFilter.java:41)");
                    }
                }
            }
            (s.name, s.category, s.subject_kind, s.subject) =
                ("client-release".into(), "deploy.regression", "version", new);
        }
        5 => {
            let new = format!("{}.{}.{}", 5, 1 + rng.below(9), rng.below(9));
            for r in reqs.iter_mut().filter(|r| after(r)) {
                if r.service == w.service && rng.below(3) == 0 {
                    r.version = Some(new.clone());
                    if rng.below(10) < 7 {
                        fail(r, 500, "java.lang.NullPointerException: price\n\tat com.acme.pricing.Quote.total(Quote.java:112)");
                    }
                }
            }
            (s.name, s.category, s.subject_kind, s.subject) =
                ("service-rollout".into(), "deploy.regression", "version", new);
        }
        6 | 7 => {
            let dep = format!(
                "{}.{}.example",
                rng.pick(&["tax", "geo", "fx", "kyc"]),
                rng.pick(&["vendor", "partner", "thirdparty"])
            );
            let (_, route) = w.routes[rng.below(w.routes.len() as u64) as usize].clone();
            let prefix: String = route.split('{').next().unwrap_or("").to_string();
            for r in reqs
                .iter_mut()
                .filter(|r| after(r) && r.path.starts_with(&prefix))
            {
                let e = if kind == 6 {
                    format!(
                        r#"Post "https://{dep}/v2/check": x509: certificate has expired or is not yet valid"#
                    )
                } else {
                    format!("Post \"https://{dep}/v2/check\": dial tcp: lookup {dep} on 10.0.0.2:53: no such host")
                };
                fail(r, 502, &e);
            }
            let (name, cat) = if kind == 6 {
                ("dependency-cert", "network.tls")
            } else {
                ("dependency-dns", "network.dns")
            };
            (s.name, s.category, s.subject_kind, s.subject) = (name.into(), cat, "host", dep);
        }
        8 => {
            let new = format!("{}.{}.{}", 8, rng.below(9), rng.below(9));
            let old = format!("{}/{}", w.app, w.app_version);
            for r in reqs.iter_mut().filter(|r| after(r) && r.agent.starts_with(&old)) {
                if rng.below(2) == 0 {
                    r.agent = r.agent.replace(&w.app_version, &new);
                    if r.method == "POST" {
                        r.ctype = Some("text/plain");
                        fail(r, 415, "Unsupported Media Type");
                    }
                }
            }
            s.gateway = false;
            (s.name, s.category, s.subject_kind, s.subject) = (
                "release-content-type".into(),
                "payload.content_type",
                "content_type",
                "text/plain".into(),
            );
        }
        9 => {
            let field = rng
                .pick(&["shipping.postcode", "customer.email", "items[0].qty", "currency"])
                .to_string();
            let (_, route) = w
                .routes
                .iter()
                .find(|(m, _)| *m == "POST")
                .cloned()
                .unwrap_or(("POST", "/v1/x".into()));
            for r in reqs.iter_mut().filter(|r| after(r) && r.path == route) {
                let how = rng.pick(&["must match pattern", "is invalid", "must not be empty"]);
                fail(r, 400, &format!("validation failed: field '{field}' {how}"));
            }
            s.gateway = false;
            (s.name, s.category, s.subject_kind, s.subject) =
                ("validation-field".into(), "payload.validation", "field", field);
        }
        10 => {
            let dep = format!("{}.partner.example", rng.pick(&["rates", "fx", "stock"]));
            let field = rng.pick(&["amount", "price", "quantity", "balance"]).to_string();
            let mut t = 2.0;
            while t < MINUTES * 60.0 {
                let v = if t > onset {
                    format!("\"{}.{:02}\"", 1 + rng.below(99), rng.below(100))
                } else {
                    (100 + rng.below(9000)).to_string()
                };
                let mut r = w.request(rng, t);
                r.method = "POST";
                r.host = dep.clone();
                r.path = "/v1/quote".into();
                r.client = OUTBOUND_CLIENT.into();
                r.agent = "reqwest/0.12".into();
                r.upstream = None;
                r.cluster = None;
                r.body = Some(format!(
                    r#"{{"id":"q-{}","{field}":{v},"currency":"EUR"}}"#,
                    rng.below(1_000_000)
                ));
                reqs.push(r);
                t += 2.0 + rng.below(2000) as f64 / 1000.0;
            }
            let (_, route) = w.routes[rng.below(w.routes.len() as u64) as usize].clone();
            let prefix: String = route.split('{').next().unwrap_or("").to_string();
            // The consumer fails once it has read a changed body.
            let first_drift = reqs
                .iter()
                .filter(|r| r.body.is_some() && r.t > onset)
                .map(|r| r.t)
                .fold(f64::INFINITY, f64::min);
            for r in reqs
                .iter_mut()
                .filter(|r| r.t > first_drift && r.host == w.host && r.path.starts_with(&prefix))
            {
                if rng.below(10) < 6 {
                    fail(
                        r,
                        422,
                        "invalid type: string \"12.34\", expected u64 at line 1 column 24",
                    );
                } else {
                    fail(r, 500, "quote decode failed");
                }
            }
            (s.name, s.category, s.subject_kind, s.subject) =
                ("drift-in-body".into(), "payload.schema_drift", "field", field);
        }
        11 => {
            let route = format!("/v1/{}/upload", rng.pick(&["documents", "media", "imports"]));
            let mut t = 3.0;
            while t < MINUTES * 60.0 {
                let big = t > onset && rng.below(2) == 0;
                let mut r = w.request(rng, t);
                r.method = "POST";
                r.path = route.clone();
                r.req_len = Some(if big {
                    8_000_000 + rng.below(30_000_000)
                } else {
                    2_000 + rng.below(700_000)
                });
                if big {
                    fail(&mut r, 504, "upstream timed out while reading upstream");
                    r.dur_ms = 60_000.0 + rng.below(50) as f64;
                }
                reqs.push(r);
                t += 1.5 + rng.below(2500) as f64 / 1000.0;
            }
            (s.name, s.category, s.subject_kind, s.subject) =
                ("too-large".into(), "payload.too_large", "route", route);
        }
        _ => {
            let new = format!("{}.{}.{}", 8, rng.below(9), rng.below(9));
            let old = format!("{}/{}", w.app, w.app_version);
            let mut copies = Vec::new();
            for r in reqs.iter_mut().filter(|r| after(r) && r.agent.starts_with(&old)) {
                if rng.below(10) < 7 {
                    r.agent = r.agent.replace(&w.app_version, &new);
                    for k in 0..3 + rng.below(4) {
                        let mut c = r.clone();
                        c.t += (k + 1) as f64 * (0.01 + rng.below(30) as f64 / 1000.0);
                        copies.push(c);
                    }
                }
            }
            reqs.extend(copies);
            for r in reqs.iter_mut().filter(|r| r.t > onset + 30.0) {
                if rng.below(4) == 0 {
                    fail(r, 504, "upstream request timeout");
                    r.dur_ms = 10_000.0;
                }
            }
            (s.name, s.category, s.subject_kind, s.subject) =
                ("hedged-requests".into(), "client.retry_storm", "version", new);
        }
    }
    herrings(rng, &w, onset, &mut reqs);
    reqs.sort_by(|a, b| a.t.total_cmp(&b.t));
    s.name = format!("{idx:02}-{}", s.name);
    s.reqs = reqs;
    s
}

/// The address a service's own outbound calls come from.
const OUTBOUND_CLIENT: &str = "10.0.0.5";

/// Scenario kinds.
const KINDS: u64 = 13;

/// Write one folder per scenario kind under `dir`.
pub fn write_all(dir: &Path, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    for kind in 0..KINDS {
        let s = scenario(&mut rng, kind, kind as usize);
        let d = dir.join(&s.name);
        std::fs::create_dir_all(&d)?;
        let conv = Conv::draw(&mut rng);
        let mut text = String::new();
        for r in &s.reqs {
            let _ = writeln!(text, "{}", render(&conv, r));
        }
        std::fs::write(d.join("service.jsonl"), text)?;
        if s.gateway {
            // The gateway in front: its own convention, its own clock,
            // and a 502 or 504 for every failure behind it.
            let gw = Conv::draw(&mut rng);
            let skew = (rng.below(6000) as f64 - 3000.0) / 1000.0;
            let mut text = String::new();
            // Calls the service makes to others do not pass the gateway.
            for r in &s.reqs {
                if r.client == OUTBOUND_CLIENT {
                    continue;
                }
                let mut g = r.clone();
                g.t += skew;
                g.service = "gateway".into();
                g.version = None;
                g.body = None;
                // An access log has the status, not the service's message.
                g.error = None;
                if r.status >= 500 {
                    g.status = if r.status == 504 { 504 } else { 502 };
                    g.error = Some("upstream prematurely closed connection".into());
                }
                let _ = writeln!(text, "{}", render(&gw, &g));
            }
            std::fs::write(d.join("gateway.jsonl"), text)?;
        }
        let truth = format!(
            "# Ground truth for `logsleuth eval` (wild suite, seed {seed}).\ncategory = \"{}\"\nsubject_kind = \"{}\"\nsubject = {}\n",
            s.category,
            s.subject_kind,
            super::json_str(&s.subject)
        );
        std::fs::write(d.join("truth.toml"), truth)?;
    }
    Ok(())
}
