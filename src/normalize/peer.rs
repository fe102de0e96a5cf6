//! The remote peer an error message names, for records that carry no URL:
//! `getaddrinfo ENOTFOUND db.internal`, `dial tcp 10.0.0.4:6379: connect:
//! connection refused`, `Post "https://api.x.com/v1": ...`,
//! `HTTPSConnectionPool(host='api.x.com', port=443)`. The peer becomes the
//! event's host, so failures group by what they failed to reach.

use std::sync::LazyLock;

use regex::Regex;

static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Go: `Post "https://host/path": ...`
        r#"\b(?:Get|Post|Put|Patch|Delete|Head|Options) "[a-z]+://([^/"\s]+)"#,
        // Node: getaddrinfo ENOTFOUND host / EAI_AGAIN host
        r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([A-Za-z0-9._-]+)",
        // Go: lookup host on 10.0.0.2:53: no such host
        r"lookup ([A-Za-z0-9._-]+)(?: on \S+)?: (?:no such host|server misbehaving|i/o timeout)",
        // curl
        r"Could not resolve host: ([A-Za-z0-9._-]+)",
        // Java
        r"UnknownHostException: ([A-Za-z0-9._-]+)",
        r"Connection refused: ([A-Za-z0-9._-]+)/[0-9.]+:(\d+)",
        // Python urllib3 / requests
        r"host='([^']+)', port=(\d+)",
        // Go and Node: dial tcp ADDR / connect ECONNREFUSED ADDR
        r"(?:dial tcp|dial udp|connect (?:ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)) \[?([A-Za-z0-9._:-]+?)\]?:(\d+)\b",
        // Last resort: the URL an error names (`Request to https://host/x failed`).
        r#"\bhttps?://([A-Za-z0-9._-]+)(?::\d+)?[/"'\s]"#,
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// The peer an error text names, as `host` or `host:port`.
pub fn from_text(text: &str) -> Option<String> {
    if text.len() > 4096 {
        return from_text(text.get(..4096).unwrap_or(""));
    }
    PATTERNS.iter().find_map(|re| {
        let c = re.captures(text)?;
        let host = c.get(1)?.as_str().trim_end_matches('.');
        if host.is_empty() {
            return None;
        }
        Some(match c.get(2) {
            Some(port) => format!("{host}:{}", port.as_str()),
            None => host.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_from_ecosystem_errors() {
        let cases = [
            (
                "Error: getaddrinfo ENOTFOUND ledger-db.prod.internal",
                "ledger-db.prod.internal",
            ),
            (
                "dial tcp: lookup kyc.vendor.io on 10.0.0.2:53: no such host",
                "kyc.vendor.io",
            ),
            (
                "redis: dial tcp 10.20.3.4:6379: connect: connection refused",
                "10.20.3.4:6379",
            ),
            ("connect ECONNREFUSED 10.3.1.2:443", "10.3.1.2:443"),
            (
                "Post \"https://payments.example.net/v2/charge\": x509: certificate has expired",
                "payments.example.net",
            ),
            (
                "curl: (6) Could not resolve host: api.example.com",
                "api.example.com",
            ),
            ("java.net.UnknownHostException: db.internal", "db.internal"),
            (
                "Request to https://inventory.svc.cluster.local/api/stock failed: java.net.SocketTimeoutException: Read timed out",
                "inventory.svc.cluster.local",
            ),
            (
                "HTTPSConnectionPool(host='api.x.com', port=443): Max retries exceeded",
                "api.x.com:443",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(from_text(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(from_text("something failed"), None);
    }
}
