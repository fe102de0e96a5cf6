//! Trace identity from every common propagation header (`docs/formats.md` §2),
//! canonicalized to a lower-case 32-hex trace id and 16-hex span ids.
//! 64-bit ids are left-padded so their low 64 bits match 64-bit peers.

/// Trace context found in one request's headers or one log record's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceCtx {
    /// Canonical 32-hex trace id.
    pub trace_id: Option<String>,
    /// 16-hex span id.
    pub span_id: Option<String>,
    /// 16-hex parent span id.
    pub parent_span_id: Option<String>,
    /// Which convention supplied the trace id; lower is stronger.
    pub precedence: u8,
}

/// Whether `s` is non-empty hex.
pub fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Canonical trace id: hex, lower-cased, left-padded to 32; all-zero is invalid.
pub fn canon_trace(s: &str) -> Option<String> {
    let s = s.trim();
    if is_canonical(s) {
        return Some(s.to_string());
    }
    if !is_hex(s) || s.len() > 32 || s.bytes().all(|c| c == b'0') {
        return None;
    }
    Some(format!("{:0>32}", s.to_ascii_lowercase()))
}

/// Whether `s` is already a canonical trace id: 32 lower-case hex digits,
/// not all zero (the common case, which needs no copy to canonicalize).
pub fn is_canonical(s: &str) -> bool {
    // One branch-free pass (it vectorizes): every id of a record goes
    // through here.
    let (hex, nonzero) = s.bytes().fold((true, false), |(hex, nz), c| {
        (
            hex & (c.wrapping_sub(b'0') < 10 || c.wrapping_sub(b'a') < 6),
            nz | (c != b'0'),
        )
    });
    s.len() == 32 && hex && nonzero
}

/// Canonical span id: hex, lower-cased, left-padded to 16.
pub fn canon_span(s: &str) -> Option<String> {
    let s = s.trim();
    if !is_hex(s) || s.len() > 16 || s.bytes().all(|c| c == b'0') {
        return None;
    }
    Some(format!("{:0>16}", s.to_ascii_lowercase()))
}

/// Decimal 64-bit id (Datadog, GCP span) to 16 hex.
pub fn decimal_to_hex(s: &str) -> Option<String> {
    let v: u64 = s.trim().parse().ok()?;
    (v != 0).then(|| format!("{v:016x}"))
}

/// A trace id that may be decimal (Datadog `dd.trace_id`) or hex.
pub fn canon_trace_any(s: &str) -> Option<String> {
    let t = s.trim();
    if t.len() <= 20 && t.bytes().all(|c| c.is_ascii_digit()) && t.len() != 32 && t.len() != 16 {
        return decimal_to_hex(t).and_then(|h| canon_trace(&h));
    }
    canon_trace(t)
}

/// Fold one header into the context. `name` must be lower-case.
pub fn absorb_header(ctx: &mut TraceCtx, name: &str, value: &str) {
    let v = value.trim();
    // (precedence, trace id, span id, parent span id)
    type Found = (u8, Option<String>, Option<String>, Option<String>);
    let found: Option<Found> = match name {
        "traceparent" => {
            let p: Vec<&str> = v.split('-').collect();
            if p.len() >= 4 && p[0].len() == 2 && p[0] != "ff" && p[1].len() == 32 && p[2].len() == 16 {
                Some((0, canon_trace(p[1]), canon_span(p[2]), None))
            } else {
                None
            }
        }
        "b3" => {
            let p: Vec<&str> = v.split('-').collect();
            if p.len() >= 2 {
                Some((
                    1,
                    canon_trace(p[0]),
                    canon_span(p[1]),
                    p.get(3).and_then(|s| canon_span(s)),
                ))
            } else {
                None
            }
        }
        "x-b3-traceid" => Some((2, canon_trace(v), None, None)),
        "x-b3-spanid" => Some((2, None, canon_span(v), None)),
        "x-b3-parentspanid" => Some((2, None, None, canon_span(v))),
        "x-amzn-trace-id" => {
            let mut t = None;
            let mut parent = None;
            for part in v.split(';') {
                let part = part.trim();
                if let Some(root) = part.strip_prefix("Root=") {
                    let r: Vec<&str> = root.split('-').collect();
                    if r.len() == 3 && r[1].len() == 8 && r[2].len() == 24 {
                        t = canon_trace(&format!("{}{}", r[1], r[2]));
                    }
                } else if let Some(p) = part.strip_prefix("Parent=") {
                    parent = canon_span(p);
                }
            }
            Some((3, t, parent, None))
        }
        "x-cloud-trace-context" => {
            let (t, rest) = v
                .split_once('/')
                .unwrap_or((v.split(';').next().unwrap_or(v), ""));
            let span = rest.split(';').next().and_then(decimal_to_hex);
            Some((4, canon_trace(t), span, None))
        }
        "uber-trace-id" => {
            let dec = v.replace("%3A", ":").replace("%3a", ":");
            let p: Vec<&str> = dec.split(':').collect();
            if p.len() == 4 {
                Some((5, canon_trace(p[0]), canon_span(p[1]), canon_span(p[2])))
            } else {
                None
            }
        }
        "sentry-trace" => {
            let p: Vec<&str> = v.split('-').collect();
            if p.len() >= 2 && p[0].len() == 32 {
                Some((6, canon_trace(p[0]), canon_span(p[1]), None))
            } else {
                None
            }
        }
        "x-datadog-trace-id" => Some((7, decimal_to_hex(v).and_then(|h| canon_trace(&h)), None, None)),
        "x-datadog-parent-id" => Some((7, None, decimal_to_hex(v), None)),
        _ => None,
    };
    let Some((prec, trace, span, parent)) = found else {
        return;
    };
    if let Some(t) = trace {
        if ctx.trace_id.is_none() || prec < ctx.precedence {
            ctx.trace_id = Some(t);
            ctx.precedence = prec;
            if span.is_some() {
                ctx.span_id.clone_from(&span);
            }
            if parent.is_some() {
                ctx.parent_span_id.clone_from(&parent);
            }
            return;
        }
    }
    if ctx.span_id.is_none() {
        ctx.span_id = span;
    }
    if ctx.parent_span_id.is_none() {
        ctx.parent_span_id = parent;
    }
}

/// Whether a (lower-case) header name carries a request or correlation id.
pub fn is_request_id_header(name: &str) -> bool {
    matches!(
        name,
        "x-request-id" | "x-correlation-id" | "request-id" | "x-amzn-requestid" | "x-amz-request-id"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ids_are_32_lower_hex_not_all_zero() {
        let plain = |s: &str| {
            s.len() == 32
                && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                && s.bytes().any(|c| c != b'0')
        };
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        let mut cases = vec![
            id.to_string(),
            "0".repeat(32),
            format!("{}1", "0".repeat(31)),
            id.to_uppercase(),
            id[..31].to_string(),
            format!("{id}0"),
            String::new(),
        ];
        // Each byte position, with each byte just outside and inside the ranges.
        for at in [0, 7, 31] {
            for c in [b'/', b'0', b'9', b':', b'`', b'a', b'f', b'g', b'F'] {
                let mut b = id.as_bytes().to_vec();
                b[at] = c;
                cases.push(String::from_utf8(b).unwrap());
            }
        }
        cases.push(format!("{}é", &id[..30]));
        for c in &cases {
            assert_eq!(is_canonical(c), plain(c), "{c}");
        }
        assert!(is_canonical(id));
        assert!(!is_canonical(&"0".repeat(32)));
    }

    fn ctx(headers: &[(&str, &str)]) -> TraceCtx {
        let mut c = TraceCtx::default();
        for (n, v) in headers {
            absorb_header(&mut c, n, v);
        }
        c
    }

    #[test]
    fn conventions() {
        let c = ctx(&[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )]);
        assert_eq!(c.trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert_eq!(c.span_id.as_deref(), Some("00f067aa0ba902b7"));
        let c = ctx(&[(
            "x-amzn-trace-id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )]);
        assert_eq!(c.trace_id.as_deref(), Some("5759e988bd862e3fe1be46a994272793"));
        let c = ctx(&[("x-datadog-trace-id", "9532127138774266268")]);
        assert_eq!(c.trace_id.as_deref(), Some("00000000000000008448eb211c80319c"));
        let c = ctx(&[("x-cloud-trace-context", "105445aa7843bc8bf206b12000100000/1;o=1")]);
        assert_eq!(c.span_id.as_deref(), Some("0000000000000001"));
        let c = ctx(&[("uber-trace-id", "abc%3A1%3A0%3A1")]);
        assert_eq!(c.trace_id.as_deref(), Some("00000000000000000000000000000abc"));
        // traceparent beats b3 whatever the order
        let c = ctx(&[
            ("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"),
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        ]);
        assert_eq!(c.trace_id.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(canon_trace("00000000000000000000000000000000").is_none());
    }
}
