//! The fixed vocabulary of root-cause categories. Reports use only these
//! names; `docs/report-schema.md` documents each one.

/// Every category, with a one-line meaning.
pub const CATEGORIES: &[(&str, &str)] = &[
    (
        "auth.token_expired",
        "Access tokens expired and requests were refused (401 invalid_token, JWT past exp, or a 2xx body saying so).",
    ),
    (
        "auth.invalid_credentials",
        "Credentials were wrong or revoked (401 without an expiry signal, or a 2xx body saying so).",
    ),
    (
        "auth.forbidden",
        "Authenticated but not allowed (403: scope, role, IP allow-list; or a 2xx body saying so).",
    ),
    (
        "auth.clock_skew",
        "Tokens rejected because client and server clocks disagree (nbf/iat in the future).",
    ),
    (
        "rate_limit.exceeded",
        "The server throttled the client (429, 503 with Retry-After, or a 2xx body saying so).",
    ),
    (
        "client.retry_storm",
        "The client retried faster or more often than the server allowed.",
    ),
    (
        "upstream.timeout",
        "A proxy or gateway gave up waiting for an upstream (504, upstream timeouts).",
    ),
    ("upstream.server_error", "The server failed (5xx bursts)."),
    (
        "upstream.unavailable",
        "No healthy upstream was available (503, circuit open).",
    ),
    ("network.dns", "Host names did not resolve."),
    ("network.tls", "TLS handshakes or certificate checks failed."),
    (
        "network.connection",
        "Connections were refused, reset or timed out.",
    ),
    (
        "network.client_offline",
        "The client itself had no network connection.",
    ),
    (
        "payload.schema_drift",
        "The shape of responses changed (fields changed type, vanished or appeared).",
    ),
    (
        "payload.validation",
        "Requests were rejected as invalid (400/422, or a 2xx body saying so).",
    ),
    (
        "payload.business_error",
        "Responses said 200 but their bodies reported errors (a failing code, success: false, errors[]).",
    ),
    (
        "payload.content_type",
        "Requests or responses had the wrong media type or charset (415).",
    ),
    (
        "payload.too_large",
        "Payloads were too large (413) or so large they timed out.",
    ),
    ("deploy.regression", "Failures began with a new service version."),
    (
        "config.endpoint_missing",
        "Requests hit routes that do not exist (404/405 on API paths).",
    ),
];

/// Whether `name` is in the vocabulary.
pub fn is_known(name: &str) -> bool {
    CATEGORIES.iter().any(|(c, _)| *c == name)
}
