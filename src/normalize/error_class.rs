//! Failure classification: error text from browsers, HTTP clients and
//! runtimes (`docs/formats.md` §5.2) and HTTP status codes become an
//! [`ErrorClass`]. Text beats status: a Fiddler-synthesized 502 whose body
//! says "DNS Lookup failed" is a DNS failure, not an upstream one.

use crate::model::ErrorClass;

/// Substrings (matched case-insensitively) and the class each one means.
/// Earlier entries win, so the specific ones come first.
const TEXT_PATTERNS: &[(&str, ErrorClass)] = &[
    ("tokenexpirederror", ErrorClass::AuthExpired),
    ("expiredjwtexception", ErrorClass::AuthExpired),
    ("jwt expired", ErrorClass::AuthExpired),
    ("token expired", ErrorClass::AuthExpired),
    ("token has expired", ErrorClass::AuthExpired),
    ("token is expired", ErrorClass::AuthExpired),
    ("invalid_token", ErrorClass::AuthExpired),
    // OAuth token endpoint errors (RFC 6749 §5.2): an expired or revoked
    // refresh token or code is `invalid_grant`.
    ("invalid_grant", ErrorClass::AuthExpired),
    ("invalid_client", ErrorClass::AuthInvalid),
    ("unauthorized_client", ErrorClass::AuthInvalid),
    ("insufficient_scope", ErrorClass::Forbidden),
    ("err_internet_disconnected", ErrorClass::Offline),
    ("err_network_changed", ErrorClass::Offline),
    ("network is unreachable", ErrorClass::Offline),
    ("enetunreach", ErrorClass::Offline),
    ("err_name_not_resolved", ErrorClass::Dns),
    ("could not resolve host", ErrorClass::Dns),
    ("no such host", ErrorClass::Dns),
    ("unknownhostexception", ErrorClass::Dns),
    ("nameresolutionerror", ErrorClass::Dns),
    ("name or service not known", ErrorClass::Dns),
    ("temporary failure in name resolution", ErrorClass::Dns),
    ("enotfound", ErrorClass::Dns),
    ("eai_again", ErrorClass::Dns),
    ("dns lookup", ErrorClass::Dns),
    ("err_cert_date_invalid", ErrorClass::TlsExpired),
    ("certificate has expired", ErrorClass::TlsExpired),
    ("certificateexpiredexception", ErrorClass::TlsExpired),
    ("cert_has_expired", ErrorClass::TlsExpired),
    ("err_cert_authority_invalid", ErrorClass::TlsUntrusted),
    ("unable to get local issuer", ErrorClass::TlsUntrusted),
    ("signed by unknown authority", ErrorClass::TlsUntrusted),
    ("pkix path building failed", ErrorClass::TlsUntrusted),
    ("unable_to_verify_leaf_signature", ErrorClass::TlsUntrusted),
    ("self_signed_cert_in_chain", ErrorClass::TlsUntrusted),
    ("self signed certificate", ErrorClass::TlsUntrusted),
    ("err_cert_common_name_invalid", ErrorClass::TlsHostname),
    ("err_tls_cert_altname_invalid", ErrorClass::TlsHostname),
    ("certificate is valid for", ErrorClass::TlsHostname),
    ("no subject alternative", ErrorClass::TlsHostname),
    ("err_ssl_protocol_error", ErrorClass::TlsHandshake),
    ("ssl handshake failure", ErrorClass::TlsHandshake),
    ("handshake failure", ErrorClass::TlsHandshake),
    ("tls handshake", ErrorClass::TlsHandshake),
    ("sslhandshakeexception", ErrorClass::TlsHandshake),
    ("ssl connect error", ErrorClass::TlsHandshake),
    ("ssl_connect", ErrorClass::TlsHandshake),
    ("ssl_error_", ErrorClass::TlsHandshake),
    ("certificate_verify_failed", ErrorClass::TlsUntrusted),
    ("sslerror", ErrorClass::TlsHandshake),
    ("err_connection_refused", ErrorClass::ConnectRefused),
    ("connection refused", ErrorClass::ConnectRefused),
    ("econnrefused", ErrorClass::ConnectRefused),
    ("connectexception", ErrorClass::ConnectRefused),
    ("newconnectionerror", ErrorClass::ConnectRefused),
    ("failed to connect", ErrorClass::ConnectRefused),
    ("err_connection_timed_out", ErrorClass::ConnectTimeout),
    ("connection timed out", ErrorClass::ConnectTimeout),
    ("connect timed out", ErrorClass::ConnectTimeout),
    ("connecttimeout", ErrorClass::ConnectTimeout),
    ("und_err_connect_timeout", ErrorClass::ConnectTimeout),
    ("i/o timeout", ErrorClass::ConnectTimeout),
    ("err_timed_out", ErrorClass::ReadTimeout),
    ("context deadline exceeded", ErrorClass::ReadTimeout),
    ("client.timeout exceeded", ErrorClass::ReadTimeout),
    ("read timed out", ErrorClass::ReadTimeout),
    ("httptimeoutexception", ErrorClass::ReadTimeout),
    ("readtimeout", ErrorClass::ReadTimeout),
    ("esockettimedout", ErrorClass::ReadTimeout),
    ("und_err_headers_timeout", ErrorClass::ReadTimeout),
    ("operation timed out", ErrorClass::ReadTimeout),
    ("etimedout", ErrorClass::ConnectTimeout),
    ("upstream request timeout", ErrorClass::UpstreamTimeout),
    ("gateway timeout", ErrorClass::UpstreamTimeout),
    ("timed out", ErrorClass::ReadTimeout),
    ("timeout", ErrorClass::ReadTimeout),
    ("err_connection_reset", ErrorClass::ConnReset),
    ("err_empty_response", ErrorClass::ConnReset),
    ("err_connection_closed", ErrorClass::ConnReset),
    ("connection reset", ErrorClass::ConnReset),
    ("econnreset", ErrorClass::ConnReset),
    ("socket hang up", ErrorClass::ConnReset),
    ("broken pipe", ErrorClass::ConnReset),
    ("empty reply", ErrorClass::ConnReset),
    ("unexpected eof", ErrorClass::ConnReset),
    ("remotedisconnected", ErrorClass::ConnReset),
    ("connectionreseterror", ErrorClass::ConnReset),
    ("err_blocked_by_client", ErrorClass::Blocked),
    ("err_blocked_by_response", ErrorClass::Blocked),
    ("err_blocked_by_orb", ErrorClass::Blocked),
    ("err_failed", ErrorClass::Blocked),
    ("err_aborted", ErrorClass::Cancelled),
    ("context canceled", ErrorClass::Cancelled),
    ("aborterror", ErrorClass::Cancelled),
    ("err_quic_protocol_error", ErrorClass::Protocol),
    ("err_http2_", ErrorClass::Protocol),
    ("http2:", ErrorClass::Protocol),
    ("protocolexception", ErrorClass::Protocol),
    ("chunkedencodingerror", ErrorClass::Protocol),
    // Fiddler answers failed connections itself (`[Fiddler] The connection
    // to 'x' failed. Error: ConnectionRefused`): a client-side failure.
    ("connectionrefused", ErrorClass::ConnectRefused),
    ("readresponse() failed", ErrorClass::ConnReset),
    ("[fiddler]", ErrorClass::ConnReset),
    // HAProxy and Envoy
    ("upstream connect error", ErrorClass::ConnectRefused),
    ("no healthy upstream", ErrorClass::Unavailable),
    ("circuit breaker", ErrorClass::Unavailable),
    ("service unavailable", ErrorClass::Unavailable),
];

fn match_patterns(text: &str) -> Option<ErrorClass> {
    let lower = text.to_ascii_lowercase();
    TEXT_PATTERNS
        .iter()
        .find(|(p, _)| lower.contains(p))
        .map(|(_, c)| *c)
}

/// The innermost cause in a chained error: the last Java `Caused by:` line,
/// the last line of a Python traceback (`XxxError: message`), the text
/// inside urllib3's `(Caused by X(...))`, or Go's last `: `-separated part.
pub fn root_cause(text: &str) -> Option<&str> {
    if let Some(line) = text
        .lines()
        .rev()
        .find_map(|l| l.trim_start().strip_prefix("Caused by: "))
    {
        return Some(line.trim());
    }
    if let Some(i) = text.rfind("(Caused by ") {
        let inner = &text[i + "(Caused by ".len()..];
        return Some(inner.trim_end_matches(')'));
    }
    if text.contains("Traceback (most recent call last)") {
        return text
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("File ") && l.contains(": "));
    }
    None
}

/// Class of an error text, if any pattern matches. The innermost cause of a
/// chained error decides first.
pub fn from_text(text: &str) -> Option<ErrorClass> {
    if text.is_empty() {
        return None;
    }
    root_cause(text)
        .and_then(match_patterns)
        .or_else(|| match_patterns(text))
}

/// Class of Envoy `%RESPONSE_FLAGS%` (`UT`, `UF,URX`, …); `None` unless every
/// comma-separated part is a known flag (`docs/formats.md` §5.1).
pub fn from_envoy_flags(flags: &str) -> Option<ErrorClass> {
    let mut best = None;
    for f in flags.split(',').map(str::trim) {
        let class = match f {
            "UT" => ErrorClass::UpstreamTimeout,
            "SI" => ErrorClass::ReadTimeout,
            "UF" => ErrorClass::ConnectRefused,
            "UH" | "UO" | "NC" | "DO" | "OM" | "URX" => ErrorClass::Unavailable,
            "UC" | "UR" | "LR" | "UPE" | "DPE" => ErrorClass::ConnReset,
            "DC" => ErrorClass::Cancelled,
            "DF" => ErrorClass::Dns,
            "RL" | "RLSE" => ErrorClass::RateLimited,
            "UAEX" => ErrorClass::Forbidden,
            "NR" | "IH" => ErrorClass::Http4xx,
            "DI" | "FI" | "LH" | "DT" | "UMSDR" => ErrorClass::Other,
            _ => return None,
        };
        // Keep the first flag's class; later flags (URX) only add detail.
        best.get_or_insert(class);
    }
    best
}

/// Class of an HTTP status alone.
pub fn from_status(status: u16) -> Option<ErrorClass> {
    Some(match status {
        401 => ErrorClass::AuthInvalid,
        403 => ErrorClass::Forbidden,
        429 => ErrorClass::RateLimited,
        504 => ErrorClass::UpstreamTimeout,
        400..=499 => ErrorClass::Http4xx,
        500..=599 => ErrorClass::Http5xx,
        _ => return None,
    })
}

/// Classify an event from everything known about it.
///
/// * An explicit error text decides first when it is a network-level
///   failure; otherwise the status decides.
/// * A request that never got a response but has no text is `Other`.
pub fn classify(status: Option<u16>, error_text: Option<&str>, responded: bool) -> Option<ErrorClass> {
    let by_text = error_text.and_then(from_text);
    let by_status = status.and_then(from_status);
    match (by_text, by_status) {
        // A completed 2xx/3xx whose transport reported a recovered error (QUIC
        // fallback) is not a failure.
        (Some(ErrorClass::Protocol), None) if status.is_some_and(|s| s < 400) => None,
        (Some(t), _) => Some(t),
        (None, Some(s)) => Some(s),
        (None, None) if !responded || status.is_none() && error_text.is_some() => Some(ErrorClass::Other),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_classes() {
        assert_eq!(
            from_text("net::ERR_INTERNET_DISCONNECTED"),
            Some(ErrorClass::Offline)
        );
        assert_eq!(
            from_text("dial tcp 10.0.0.1:443: i/o timeout"),
            Some(ErrorClass::ConnectTimeout)
        );
        assert_eq!(
            from_text("x509: certificate has expired or is not yet valid"),
            Some(ErrorClass::TlsExpired)
        );
        assert_eq!(
            from_text("getaddrinfo ENOTFOUND api.example.com"),
            Some(ErrorClass::Dns)
        );
        assert_eq!(from_text("all good"), None);
    }

    /// Real error strings from each ecosystem (`docs/formats.md` §5.2).
    #[test]
    fn real_error_strings_by_ecosystem() {
        use ErrorClass::*;
        let table: &[(&str, ErrorClass)] = &[
            // curl
            ("curl: (6) Could not resolve host: api.example.com", Dns),
            ("curl: (7) Failed to connect to api.example.com port 443 after 3 ms: Connection refused", ConnectRefused),
            ("curl: (28) Connection timed out after 10001 milliseconds", ConnectTimeout),
            ("curl: (28) Operation timed out after 30000 milliseconds with 0 bytes received", ReadTimeout),
            ("curl: (56) Recv failure: Connection reset by peer", ConnReset),
            ("curl: (52) Empty reply from server", ConnReset),
            ("curl: (60) SSL certificate problem: certificate has expired", TlsExpired),
            ("curl: (60) SSL certificate problem: unable to get local issuer certificate", TlsUntrusted),
            ("curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to api.example.com:443", TlsHandshake),
            // Go
            ("Get \"https://api.example.com/v1\": dial tcp: lookup api.example.com on 10.0.0.2:53: no such host", Dns),
            ("dial tcp 10.0.0.5:443: connect: connection refused", ConnectRefused),
            ("dial tcp 10.0.0.5:443: i/o timeout", ConnectTimeout),
            ("Post \"https://api.example.com\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", ReadTimeout),
            ("read tcp 10.0.0.2:51234->10.0.0.5:443: read: connection reset by peer", ConnReset),
            ("x509: certificate has expired or is not yet valid: current time 2024-05-01T10:00:00Z is after 2024-04-30T23:59:59Z", TlsExpired),
            ("x509: certificate signed by unknown authority", TlsUntrusted),
            ("x509: certificate is valid for *.example.org, not api.example.com", TlsHostname),
            ("remote error: tls: handshake failure", TlsHandshake),
            ("context canceled", Cancelled),
            // Java
            ("java.net.UnknownHostException: api.example.com", Dns),
            ("java.net.ConnectException: Connection refused (Connection refused)", ConnectRefused),
            ("java.net.SocketTimeoutException: connect timed out", ConnectTimeout),
            ("java.net.SocketTimeoutException: Read timed out", ReadTimeout),
            ("java.net.SocketException: Connection reset", ConnReset),
            ("javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path", TlsUntrusted),
            ("org.springframework.web.client.ResourceAccessException: I/O error on GET request\nCaused by: java.net.UnknownHostException: api.example.com", Dns),
            // Python
            ("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded with url: /v1 (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object>: Failed to resolve 'api.example.com' ([Errno -2] Name or service not known)\"))", Dns),
            ("urllib3.exceptions.NewConnectionError: <urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused", ConnectRefused),
            ("requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.example.com', port=443): Read timed out. (read timeout=10)", ReadTimeout),
            ("Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\nssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)", TlsExpired),
            ("ConnectionResetError: [Errno 104] Connection reset by peer", ConnReset),
            // Node
            ("Error: getaddrinfo ENOTFOUND api.example.com", Dns),
            ("Error: connect ECONNREFUSED 127.0.0.1:8080", ConnectRefused),
            ("Error: connect ETIMEDOUT 10.0.0.5:443", ConnectTimeout),
            ("Error: socket hang up", ConnReset),
            ("Error: read ECONNRESET", ConnReset),
            ("Error: certificate has expired (CERT_HAS_EXPIRED)", TlsExpired),
            ("Error: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)", TlsUntrusted),
            ("AxiosError: timeout of 5000ms exceeded", ReadTimeout),
            ("AbortError: This operation was aborted", Cancelled),
            // Chrome net::ERR_*
            ("net::ERR_NAME_NOT_RESOLVED", Dns),
            ("net::ERR_CONNECTION_REFUSED", ConnectRefused),
            ("net::ERR_CONNECTION_TIMED_OUT", ConnectTimeout),
            ("net::ERR_TIMED_OUT", ReadTimeout),
            ("net::ERR_CONNECTION_RESET", ConnReset),
            ("net::ERR_CERT_DATE_INVALID", TlsExpired),
            ("net::ERR_CERT_AUTHORITY_INVALID", TlsUntrusted),
            ("net::ERR_CERT_COMMON_NAME_INVALID", TlsHostname),
            ("net::ERR_SSL_PROTOCOL_ERROR", TlsHandshake),
            ("net::ERR_ABORTED", Cancelled),
            ("net::ERR_INTERNET_DISCONNECTED", Offline),
            ("net::ERR_BLOCKED_BY_CLIENT", Blocked),
            ("net::ERR_HTTP2_PROTOCOL_ERROR", Protocol),
            // Envoy and proxies
            ("upstream connect error or disconnect/reset before headers. reset reason: connection failure", ConnectRefused),
            ("no healthy upstream", Unavailable),
            ("upstream request timeout", UpstreamTimeout),
        ];
        let wrong: Vec<String> = table
            .iter()
            .filter(|(t, want)| from_text(t) != Some(*want))
            .map(|(t, want)| format!("{t:?}: got {:?}, want {want:?}", from_text(t)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn envoy_flags_and_root_causes() {
        assert_eq!(from_envoy_flags("UT"), Some(ErrorClass::UpstreamTimeout));
        assert_eq!(from_envoy_flags("UF,URX"), Some(ErrorClass::ConnectRefused));
        assert_eq!(from_envoy_flags("UH"), Some(ErrorClass::Unavailable));
        assert_eq!(from_envoy_flags("RL"), Some(ErrorClass::RateLimited));
        assert_eq!(from_envoy_flags("-"), None);
        assert_eq!(from_envoy_flags("UTTER"), None);
        assert_eq!(
            root_cause(
                "a.B: outer\n\tat x\nCaused by: c.D: middle\nCaused by: java.net.UnknownHostException: h"
            ),
            Some("java.net.UnknownHostException: h")
        );
    }

    #[test]
    fn classify_prefers_text_for_network_errors() {
        assert_eq!(
            classify(None, Some("net::ERR_INTERNET_DISCONNECTED"), false),
            Some(ErrorClass::Offline)
        );
        assert_eq!(
            classify(Some(502), Some("[Fiddler] DNS Lookup for x failed"), true),
            Some(ErrorClass::Dns)
        );
        assert_eq!(
            classify(Some(200), Some("net::ERR_QUIC_PROTOCOL_ERROR"), true),
            None
        );
        assert_eq!(classify(Some(503), None, true), Some(ErrorClass::Http5xx));
        assert_eq!(classify(Some(200), None, true), None);
        assert_eq!(classify(None, None, false), Some(ErrorClass::Other));
    }
}
