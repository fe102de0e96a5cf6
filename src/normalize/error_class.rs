//! Failure classification: error text from browsers, HTTP clients and
//! runtimes (`formats.md` §5.2) and HTTP status codes become an
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
    ("no healthy upstream", ErrorClass::Http5xx),
];

/// Class of an error text, if any pattern matches.
pub fn from_text(text: &str) -> Option<ErrorClass> {
    if text.is_empty() {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    TEXT_PATTERNS
        .iter()
        .find(|(p, _)| lower.contains(p))
        .map(|(_, c)| *c)
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
