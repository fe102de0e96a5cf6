//! From extracted fields to a normalized [`Event`]: the one place that
//! decides what a status, duration, URL, trace id or error means, shared by
//! the JSON-lines, Elasticsearch, CSV and text parsers.

use crate::input::json::fields::{Fields, Scalar, Slot, Unit};
use crate::input::Options;
use crate::model::{AuthInfo, ErrorClass, Event, Locator, SourceId, Text};
use crate::normalize::{error_class, level, route, time, trace};

fn duration_ms(v: &Scalar<'_>, unit: Unit) -> Option<f64> {
    let f = match (v.as_f64(), v) {
        (Some(f), _) => f,
        // nginx `upstream_response_time` lists ("0.012, 0.004", " : "
        // across redirects): sum the parts.
        (None, Scalar::Str(s)) if s.contains([',', ':']) => s
            .split([',', ':'])
            .filter_map(|p| p.trim().parse::<f64>().ok())
            .sum(),
        _ => return None,
    };
    let ms = match unit {
        Unit::Ns => f / 1e6,
        Unit::Us => f / 1e3,
        Unit::Ms | Unit::None => f,
        Unit::S => f * 1e3,
        Unit::MsOrS => match v {
            Scalar::F64(x) if x.fract() != 0.0 => f * 1e3,
            _ => f,
        },
    };
    // Nanosecond precision: sums of decimal seconds leave float noise.
    let ms = (ms * 1e6).round() / 1e6;
    (ms >= 0.0 && ms.is_finite()).then_some(ms)
}

fn timestamp(f: &Fields<'_>) -> Option<time::Parsed> {
    if let Some(sec) = f.get(Slot::InstantSec).and_then(Scalar::as_i64) {
        let nano = f.get(Slot::InstantNano).and_then(Scalar::as_i64).unwrap_or(0);
        return sec
            .checked_mul(1_000_000_000)
            .and_then(|s| s.checked_add(nano))
            .map(|ns| time::Parsed {
                ns,
                tz_assumed: false,
            });
    }
    let v = f.get(Slot::Ts)?;
    let ns = match v {
        Scalar::Str(s) => return time::parse_text(s),
        Scalar::I64(i) => time::from_epoch_int(*i),
        Scalar::U64(u) => i64::try_from(*u).ok().and_then(time::from_epoch_int),
        Scalar::F64(x) => time::from_epoch_float(*x),
        Scalar::Bool(_) => None,
    }?;
    Some(time::Parsed {
        ns,
        tz_assumed: false,
    })
}

fn interned(s: Option<&str>) -> Option<crate::model::Str> {
    s.map(crate::model::intern)
}

/// The fields [`ids`] reads.
const IDS: u64 = Fields::mask(&[
    Slot::Traceparent,
    Slot::SpanId,
    Slot::ParentSpanId,
    Slot::RequestId,
]);

/// The fields [`extras`] reads.
const EXTRAS: u64 = Fields::mask(&[
    Slot::ReqBytes,
    Slot::ContentType,
    Slot::RespBytes,
    Slot::RlRemaining,
    Slot::ResponseBody,
    Slot::RetryAfter,
    Slot::Authorization,
    Slot::WwwAuthenticate,
]);

/// Build the normalized event of one record.
///
/// The fields most records carry are read here; the groups that most
/// records lack (ids, sizes, rate limits, bodies, auth headers, errors) are
/// read out of line, behind one test each, so that the code every record
/// runs through stays small enough for the instruction cache beside the
/// JSON walk's.
pub fn to_event(id: SourceId, loc: Locator, offset: u64, f: &Fields<'_>, opts: &Options) -> Event {
    let mut ev = Event::at(id, loc, offset);
    if let Some(p) = timestamp(f) {
        // A timestamp without a zone is read in `--tz` (UTC by default).
        ev.set_ts_ns(Some(if p.tz_assumed {
            p.ns - i64::from(opts.tz_offset_s) * 1_000_000_000
        } else {
            p.ns
        }));
        ev.set_ts_tz_assumed(p.tz_assumed);
    }
    ev.level = match f.get(Slot::Level) {
        Some(Scalar::Str(s)) => level::from_name(s),
        Some(v) => v.as_i64().and_then(level::from_number),
        None => None,
    }
    .or_else(|| {
        f.get(Slot::SeverityNumber)
            .and_then(Scalar::as_i64)
            .and_then(level::from_otel)
    });
    // Text that came through unchanged still lies inside the input, and is
    // referred to there when the input is kept (`Options::backing`).
    let text = |s: &str| Text::within(s, opts.backing);
    ev.message = f.str(Slot::Message).map(|m| text(&crate::redact::text(m)));
    ev.status = f
        .get(Slot::Status)
        .and_then(Scalar::as_i64)
        .filter(|s| (100..1000).contains(s))
        .map(|s| s as u16);
    let duration = f.get_with_unit(Slot::Duration);
    ev.set_duration_ms(duration.and_then(|(v, u)| duration_ms(v, u)));
    ev.set_duration_unit_guessed(
        ev.duration_ms().is_some() && duration.is_some_and(|(_, u)| u == Unit::MsOrS),
    );

    // Borrowed from the record: nothing is copied until it is interned.
    let mut method = f.str(Slot::Method);
    let mut target = f.str(Slot::Url);
    if let Some((m, t)) = f.str(Slot::RequestLine).and_then(request_line) {
        method.get_or_insert(m);
        target.get_or_insert(t);
    }
    // The request context is built here and looked up once, at the end.
    let mut o = crate::model::Origin {
        method: method.map(|m| {
            if m.bytes().any(|c| c.is_ascii_lowercase()) {
                upper_case(m)
            } else {
                crate::model::intern(m)
            }
        }),
        ..Default::default()
    };
    if let Some(t) = target {
        let (host, path) = route::split_url(t);
        o.host = interned(host);
        o.route = Some(route::with_template(path, crate::model::intern));
        ev.url = Some(text(&crate::redact::url(t)));
    }
    if o.host.is_none() && target.is_some() {
        o.host = interned(f.str(Slot::Host));
    }

    ev.trace_id = f.get(Slot::TraceId).and_then(|v| match v {
        // Most ids: nothing to strip or convert.
        Scalar::Str(s) if trace::is_canonical(s) => Some(text(s)),
        other => other_trace_id(other, opts),
    });
    if f.any(IDS) {
        ids(f, &mut ev, opts);
    }
    o.service = interned(f.str(Slot::Service));
    ev.client = interned(f.str(Slot::Client));
    if let Some(ua) = f.str(Slot::UserAgent).filter(|u| !u.is_empty() && *u != "-") {
        crate::normalize::agent::set(&mut ev, text(ua));
    }
    o.upstream = interned(f.str(Slot::Upstream).filter(|u| *u != "-"));
    o.cluster = interned(f.str(Slot::UpstreamCluster).filter(|u| *u != "-"));
    let stated = if f.any(EXTRAS) { extras(f, &mut ev) } else { None };
    o.service_version = interned(f.str(Slot::ServiceVersion));

    let err_msg = f.str(Slot::ErrorMessage);
    let err_type = f.str(Slot::ErrorType);
    let failed_level = ev.level.is_some_and(|l| l >= crate::model::Level::Error);
    let mut error_text = if err_msg.is_some() || err_type.is_some() || failed_level {
        error(&mut ev, err_type, err_msg, failed_level)
    } else {
        ev.error_class = ev.status.and_then(error_class::from_status);
        None
    };
    // A 2xx whose body states a failure (`success: false`, `errors[]`),
    // whatever else the record logged beside it.
    if let (None, Some(b)) = (ev.error_class, stated) {
        ev.error_class = Some(crate::model::ErrorClass::Business);
        error_text = Some(b);
    }
    // A failure with no URL is about the peer its error names.
    if o.host.is_none() && ev.error_class.is_some() {
        let text = error_text.as_deref().or(ev.message.as_deref());
        o.host = text.and_then(crate::normalize::peer::from_text).map(Into::into);
    }
    ev.error_text = error_text.map(|t| crate::redact::text(&t).into_owned().into());
    ev.set_origin(&o);
    crate::normalize::auth::refine(&mut ev);
    ev
}

/// nginx `$request`: "GET /path HTTP/1.1" as its method and target.
#[inline(never)]
fn request_line(line: &str) -> Option<(&str, &str)> {
    let mut parts = line.split_whitespace();
    let (m, t) = (parts.next()?, parts.next()?);
    m.bytes().all(|c| c.is_ascii_uppercase()).then_some((m, t))
}

#[cold]
#[inline(never)]
fn upper_case(m: &str) -> crate::model::Str {
    m.to_ascii_uppercase().as_str().into()
}

/// A trace id that is not already canonical: GCP's
/// `projects/P/traces/T`, other spellings, or a number.
#[inline(never)]
fn other_trace_id(v: &Scalar<'_>, opts: &Options) -> Option<Text> {
    match v {
        Scalar::Str(s) => {
            // GCP: projects/P/traces/T
            let t = s.rsplit('/').next().unwrap_or(s);
            if trace::is_canonical(t) {
                Some(Text::within(t, opts.backing))
            } else {
                trace::canon_trace_any(t).map(Into::into)
            }
        }
        other => other
            .as_i64()
            .and_then(|n| trace::canon_trace_any(&n.to_string()))
            .map(Into::into),
    }
}

/// The span, parent span and request ids, and a trace id from a logged
/// `traceparent` header when the record named none.
#[inline(never)]
fn ids(f: &Fields<'_>, ev: &mut Event, opts: &Options) {
    let mut ids = crate::model::Ids::default();
    if ev.trace_id.is_none() {
        if let Some(tp) = f.str(Slot::Traceparent) {
            let mut ctx = trace::TraceCtx::default();
            trace::absorb_header(&mut ctx, "traceparent", tp);
            ev.trace_id = ctx.trace_id.map(Into::into);
            if f.str(Slot::SpanId).is_none() {
                // The logged header names the caller's span: our parent.
                ids.parent_span_id = ctx.span_id.map(Into::into);
            }
        }
    }
    ids.span_id = f.str(Slot::SpanId).and_then(trace::canon_span).map(Into::into);
    if let Some(p) = f.str(Slot::ParentSpanId).and_then(trace::canon_span) {
        ids.parent_span_id = Some(p.into());
    }
    ids.request_id = f.get(Slot::RequestId).and_then(|v| match v {
        Scalar::Str(s) if !s.is_empty() && s != "-" => Some(Text::within(s, opts.backing)),
        Scalar::I64(n) => Some(n.to_string().into()),
        _ => None,
    });
    ev.set_ids(ids);
}

/// Sizes, media type, rate limits, the response body's shape, Retry-After
/// and auth; the failure a 2xx body states outright is returned.
#[inline(never)]
fn extras(f: &Fields<'_>, ev: &mut Event) -> Option<String> {
    let mut stated = None;
    let bytes = |slot| {
        f.get(slot)
            .and_then(Scalar::as_i64)
            .and_then(|v| u64::try_from(v).ok())
    };
    if let Some(b) = bytes(Slot::ReqBytes) {
        ev.extra_mut().req_bytes = Some(b);
    }
    if let Some(b) = bytes(Slot::RespBytes) {
        ev.extra_mut().resp_bytes = Some(b);
    }
    if let Some(t) = f.str(Slot::ContentType).and_then(crate::normalize::media_type) {
        ev.extra_mut().req_content_type = Some(t);
    }
    if let Some(r) = f.get(Slot::RlRemaining).and_then(Scalar::as_i64) {
        ev.extra_mut().ratelimit = Some(crate::model::RateLimitInfo {
            limit: None,
            remaining: Some(r),
        });
    }
    if let Some(top) = f
        .str(Slot::ResponseBody)
        .and_then(|b| crate::normalize::body::read(ev, b))
    {
        stated = crate::normalize::outcome::outcome_of_2xx(ev, &top);
    }
    if let Some(r) = f
        .get(Slot::RetryAfter)
        .and_then(Scalar::as_f64)
        .filter(|s| *s >= 0.0)
    {
        ev.extra_mut().retry_after_s = Some(r);
    }
    let mut auth = AuthInfo::default();
    let mut has_auth = false;
    if let Some(a) = f.str(Slot::Authorization) {
        crate::normalize::auth::from_header(a, &mut auth);
        has_auth = true;
    }
    if let Some(c) = f
        .str(Slot::WwwAuthenticate)
        .and_then(crate::normalize::auth::challenge_error)
    {
        auth.challenge_error = Some(c.into());
        has_auth = true;
    }
    if has_auth {
        ev.extra_mut().auth = Some(auth);
    }
    stated
}

/// The error class of a record that logged an error or logged at error
/// level, and its error text as logged (not yet redacted).
#[inline(never)]
fn error(
    ev: &mut Event,
    err_type: Option<&str>,
    err_msg: Option<&str>,
    failed_level: bool,
) -> Option<String> {
    let error_text = match (err_type, err_msg) {
        (Some(t), Some(m)) => Some(format!("{t}: {m}")),
        (Some(t), None) => Some(t.to_string()),
        (None, Some(m)) => Some(m.to_string()),
        (None, None) => None,
    };
    let flags = err_type.and_then(error_class::from_envoy_flags);
    // A failure's message may say more than its status or its error type
    // (pino's `msg` "... failed, reason: certificate has expired" beside
    // `err.type` "FetchError" and a 502).
    let failing = failed_level || ev.status.is_some_and(|s| s >= 400);
    let by_message = || {
        failing
            .then(|| ev.message.as_deref().and_then(error_class::from_text))
            .flatten()
    };
    ev.error_class = match (&error_text, ev.status) {
        (Some(t), status) => flags
            .or_else(|| error_class::from_text(t))
            .or_else(by_message)
            .or_else(|| status.and_then(error_class::from_status))
            .or(Some(ErrorClass::Other)),
        (None, Some(s)) => by_message().or_else(|| error_class::from_status(s)),
        (None, None) if failed_level => Some(
            ev.message
                .as_deref()
                .and_then(error_class::from_text)
                .unwrap_or(ErrorClass::Other),
        ),
        (None, None) => None,
    };
    // A successful response that logged a recovered transport error is not a failure.
    if ev.status.is_some_and(|s| s < 400) && error_text.is_some() && !failed_level {
        ev.error_class = None;
    }
    error_text
}
