//! Large generated inputs for the benchmarks: one gateway's traffic over
//! six hours with a 503 burst on one host and a token-expiry burst on
//! another in the middle, written as JSON lines (ECS), as an Elasticsearch
//! `_search` export of the same documents, or as a HAR whose entries carry
//! the headers, cookies, query strings and JSON bodies browsers record;
//! or all three at once as one incident folder, each input seeing the same
//! requests from its own side. Deterministic: a fixed seed, no clock.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::{iso, Rng};

/// Which format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// ECS JSON lines, about 330 bytes a record.
    Jsonl,
    /// One `_search` response with every record as a hit.
    Es,
    /// HAR 1.2 with bodies, about 2.5 KB an entry.
    Har,
    /// Five services' layouts in one JSON-lines file (`mixed`).
    Mixed,
    /// An incident folder (`folder`): the gateway's JSON lines, the
    /// backends' Elasticsearch export and one browser's HAR, of the same
    /// requests (the same trace ids).
    Folder,
}

impl Kind {
    /// `jsonl`, `es` or `har`.
    pub fn from_name(name: &str) -> Option<Kind> {
        match name {
            "jsonl" => Some(Kind::Jsonl),
            "es" => Some(Kind::Es),
            "har" => Some(Kind::Har),
            "mixed" => Some(Kind::Mixed),
            "folder" => Some(Kind::Folder),
            _ => None,
        }
    }

    pub fn record_bytes(self) -> u64 {
        match self {
            Kind::Jsonl => 330,
            Kind::Es => 420,
            Kind::Har => 2_600,
            Kind::Mixed => 450,
            // A gateway line, a backend document and a fortieth of a HAR
            // entry.
            Kind::Folder => 850,
        }
    }
}

/// One request of the generated traffic.
struct Request {
    ts_ms: i64,
    host: &'static str,
    path: String,
    status: u16,
    duration_ms: u64,
    trace: String,
}

const HOSTS: [&str; 4] = [
    "api.example.com",
    "payments.example.com",
    "search.example.com",
    "auth.example.com",
];
const ROUTES: [&str; 6] = [
    "/v1/orders/{}",
    "/v1/cart",
    "/v1/search",
    "/v1/users/{}/profile",
    "/v1/payments/{}/capture",
    "/healthz",
];

/// The traffic: `n` requests over six hours from 2024-08-01T00:00:00Z.
struct Traffic {
    rng: Rng,
    i: u64,
    n: u64,
}

impl Iterator for Traffic {
    type Item = Request;
    fn next(&mut self) -> Option<Request> {
        let t0: i64 = 1_722_470_400_000;
        let step = (6 * 3_600_000) as f64 / self.n.max(1) as f64;
        let rng = &mut self.rng;
        let ts_ms = t0 + (self.i as f64 * step) as i64;
        let frac = self.i as f64 / self.n.max(1) as f64;
        self.i += 1;
        let host = HOSTS[rng.below(HOSTS.len() as u64) as usize];
        let path =
            ROUTES[rng.below(ROUTES.len() as u64) as usize].replace("{}", &rng.below(100_000).to_string());
        let status = if (0.50..0.52).contains(&frac) && host == "payments.example.com" {
            503
        } else if (0.55..0.56).contains(&frac) && host == "api.example.com" {
            401
        } else {
            match rng.below(1000) {
                0..=4 => 404,
                5 => 500,
                _ => 200,
            }
        };
        Some(Request {
            ts_ms,
            host,
            path,
            status,
            duration_ms: 1 + rng.below(400),
            trace: rng.hex(32),
        })
    }
}

/// The ECS document of a request, without a trailing newline.
fn ecs_doc(r: &Request, out: &mut String) {
    let _ = write!(
        out,
        r#"{{"@timestamp":"{}","log.level":"{}","message":"GET {} {}","service":{{"name":"gateway"}},"http":{{"request":{{"method":"GET"}},"response":{{"status_code":{}}}}},"url":{{"path":"{}","domain":"{}"}},"event":{{"duration":{}}},"trace":{{"id":"{}"}}"#,
        iso(r.ts_ms),
        if r.status >= 500 { "error" } else { "info" },
        r.path,
        r.status,
        r.status,
        r.path,
        r.host,
        r.duration_ms * 1_000_000,
        r.trace
    );
    if r.status == 401 {
        out.push_str(r#","error":{"type":"TokenExpiredError","message":"jwt expired"}"#);
    }
    out.push('}');
}

/// The backend's own record of a request, as an Elasticsearch hit: another
/// service, another layout, the same trace id, and what failed in its words.
fn backend_hit(r: &Request, id: &str, out: &mut String) {
    let service = r.host.split('.').next().unwrap_or("api");
    let (level, message) = match r.status {
        503 => (
            "error",
            "upstream connect error or disconnect/reset before headers: connection refused to ledger-db:5432",
        ),
        401 => ("warn", "token validation failed: jwt expired"),
        500 => ("error", "unhandled exception in handler"),
        404 => ("info", "no such resource"),
        _ => ("info", "handled"),
    };
    let _ = write!(
        out,
        r#"{{"_index":"logs-{service}-2024.08.01","_id":"{id}","_score":null,"_source":{{"@timestamp":"{ts}","log":{{"level":"{level}","logger":"{service}.http"}},"service":{{"name":"{service}-svc","version":"5.2.{v}"}},"message":"{message}","http":{{"response":{{"status_code":{status}}}}},"url":{{"path":"{path}"}},"trace":{{"id":"{trace}"}},"event":{{"duration":{dur}}}}},"sort":[{ms}]}}"#,
        ts = iso(r.ts_ms + 1),
        v = r.ts_ms % 3,
        status = r.status,
        path = r.path,
        trace = r.trace,
        dur = r.duration_ms.saturating_sub(1) * 1_000_000,
        ms = r.ts_ms + 1,
    );
}

/// Write about `mib` MiB of one incident's inputs into the folder `dir`:
/// `gateway.jsonl`, `backends-es.json` and `browser.har`, the last holding
/// every fortieth request (one user's session within the same traffic).
fn write_folder(dir: &Path, mib: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let open = |name: &str| -> std::io::Result<std::io::BufWriter<std::fs::File>> {
        Ok(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(dir.join(name))?,
        ))
    };
    let (mut gw, mut es, mut har) = (
        open("gateway.jsonl")?,
        open("backends-es.json")?,
        open("browser.har")?,
    );
    let n = (mib << 20) / Kind::Folder.record_bytes();
    let traffic = Traffic {
        rng: Rng(0x0f01_de25),
        i: 0,
        n,
    };
    let mut extra = Rng(0x00b0_d1e6);
    write!(
        es,
        r#"{{"took":3120,"timed_out":false,"_shards":{{"total":3,"successful":3,"skipped":0,"failed":0}},"hits":{{"total":{{"value":{n},"relation":"eq"}},"max_score":null,"hits":["#
    )?;
    har.write_all(
        br#"{"log":{"version":"1.2","creator":{"name":"Firefox","version":"128.0"},"pages":[],"entries":["#,
    )?;
    let mut buf = String::with_capacity(8192);
    let mut entries = 0u64;
    // The traffic never ends by itself: it is cut at its `n` requests.
    for (i, r) in traffic.take(n as usize).enumerate() {
        buf.clear();
        ecs_doc(&r, &mut buf);
        buf.push('\n');
        gw.write_all(buf.as_bytes())?;
        buf.clear();
        if i > 0 {
            buf.push(',');
        }
        backend_hit(&r, &extra.hex(20), &mut buf);
        es.write_all(buf.as_bytes())?;
        if i % 40 == 0 {
            buf.clear();
            if entries > 0 {
                buf.push(',');
            }
            har_entry(&r, &mut extra, &mut buf);
            har.write_all(buf.as_bytes())?;
            entries += 1;
        }
    }
    es.write_all(b"]}}\n")?;
    har.write_all(b"]}}\n")?;
    for mut w in [gw, es, har] {
        w.flush()?;
    }
    Ok(())
}

/// A HAR entry for a request, with a JSON body of a few hundred bytes to a
/// few kilobytes.
fn har_entry(r: &Request, rng: &mut Rng, out: &mut String) {
    let items = 2 + rng.below(24);
    let mut body = String::from(r#"{\"items\":["#);
    for k in 0..items {
        if k > 0 {
            body.push(',');
        }
        let _ = write!(
            body,
            r#"{{\"id\":{},\"sku\":\"SKU-{:06}\",\"name\":\"Item {k}\",\"price\":{}.{:02},\"tags\":[\"a\",\"b\"]}}"#,
            rng.below(1_000_000),
            rng.below(1_000_000),
            rng.below(500),
            rng.below(100)
        );
    }
    let _ = write!(body, r#"],\"total\":{items},\"page\":1}}"#);
    if r.status >= 400 {
        body = format!(
            r#"{{\"error\":\"{}\",\"status\":{}}}"#,
            reason(r.status),
            r.status
        );
    }
    let challenge = if r.status == 401 {
        r#",{"name":"WWW-Authenticate","value":"Bearer error=\"invalid_token\", error_description=\"The access token expired\""}"#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"{{"startedDateTime":"{ts}","time":{dur},"request":{{"method":"GET","url":"https://{host}{path}?page=1&limit=25","httpVersion":"HTTP/2","cookies":[{{"name":"session","value":"{sess}"}}],"headers":[{{"name":":authority","value":"{host}"}},{{"name":"accept","value":"application/json"}},{{"name":"accept-encoding","value":"gzip, deflate, br"}},{{"name":"accept-language","value":"en-US,en;q=0.9"}},{{"name":"authorization","value":"Bearer {tok}"}},{{"name":"cookie","value":"session={sess}"}},{{"name":"traceparent","value":"00-{trace}-{span}-01"}},{{"name":"user-agent","value":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"}}],"queryString":[{{"name":"page","value":"1"}},{{"name":"limit","value":"25"}}],"headersSize":-1,"bodySize":0}},"response":{{"status":{status},"statusText":"{reason}","httpVersion":"HTTP/2","cookies":[],"headers":[{{"name":"content-type","value":"application/json"}},{{"name":"content-length","value":"{len}"}},{{"name":"date","value":"Thu, 01 Aug 2024 00:00:00 GMT"}},{{"name":"x-request-id","value":"{rid}"}}{challenge}],"content":{{"size":{len},"mimeType":"application/json","text":"{body}"}},"redirectURL":"","headersSize":-1,"bodySize":{len}}},"cache":{{}},"timings":{{"blocked":1.2,"dns":-1,"connect":-1,"ssl":-1,"send":0.1,"wait":{wait},"receive":0.6}},"serverIPAddress":"203.0.113.7","connection":"443","_resourceType":"fetch"}}"#,
        ts = iso(r.ts_ms),
        dur = r.duration_ms,
        host = r.host,
        path = r.path,
        sess = rng.hex(40),
        tok = rng.hex(64),
        trace = r.trace,
        span = rng.hex(16),
        status = r.status,
        reason = reason(r.status),
        len = body.len(),
        rid = rng.hex(24),
        wait = r.duration_ms.saturating_sub(2),
        body = body,
    );
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Write about `mib` MiB of `kind` to `path`.
/// `seed` 0 is the benchmark's own file; another seed gives the same
/// kind of traffic drawn anew (a second capture to compare with).
pub fn write(kind: Kind, path: &Path, mib: u64, seed: u64) -> std::io::Result<()> {
    match kind {
        Kind::Mixed => return super::mixed::write(path, mib),
        Kind::Folder => return write_folder(path, mib),
        _ => {}
    }
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let target = mib << 20;
    let n = target / kind.record_bytes();
    let traffic = Traffic {
        rng: Rng(0x5eed_0b16 ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        i: 0,
        n,
    };
    let mut extra = Rng(0x00b0_d1e5 ^ seed.wrapping_mul(0xC2B2_AE3D_27D4_EB4F));
    let mut buf = String::with_capacity(8192);
    match kind {
        Kind::Jsonl | Kind::Mixed | Kind::Folder => {}
        Kind::Es => write!(
            w,
            r#"{{"took":812,"timed_out":false,"_shards":{{"total":1,"successful":1,"skipped":0,"failed":0}},"hits":{{"total":{{"value":{n},"relation":"eq"}},"max_score":1.0,"hits":["#
        )?,
        Kind::Har => w.write_all(
            br#"{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[],"entries":["#,
        )?,
    }
    let mut written = 0u64;
    for (i, r) in traffic.enumerate() {
        if written >= target {
            break;
        }
        buf.clear();
        match kind {
            // Mixed and Folder returned above.
            Kind::Jsonl | Kind::Mixed | Kind::Folder => {
                ecs_doc(&r, &mut buf);
                buf.push('\n');
            }
            Kind::Es => {
                if i > 0 {
                    buf.push(',');
                }
                let _ = write!(
                    buf,
                    r#"{{"_index":".ds-logs-gateway-2024.08.01-000001","_id":"{}","_score":1.0,"_source":"#,
                    extra.hex(20)
                );
                ecs_doc(&r, &mut buf);
                buf.push('}');
            }
            Kind::Har => {
                if i > 0 {
                    buf.push(',');
                }
                har_entry(&r, &mut extra, &mut buf);
            }
        }
        w.write_all(buf.as_bytes())?;
        written += buf.len() as u64;
    }
    match kind {
        Kind::Jsonl | Kind::Mixed | Kind::Folder => {}
        Kind::Es => w.write_all(b"]}}\n")?,
        Kind::Har => w.write_all(b"]}}\n")?,
    }
    w.flush()
}
