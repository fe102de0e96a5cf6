//! URL splitting and route templates: `/users/123/orders/9f1c…` becomes
//! `/users/{id}/orders/{id}`, so failures group by endpoint, not by record.

use crate::util::url::{query_start, scheme_end, segments};

/// Host and path of a URL or request target. `host` is `None` for a bare path.
pub fn split_url(url: &str) -> (Option<&str>, &str) {
    let (scheme, rest) = match scheme_end(url) {
        Some(i) if url[..i].bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+') => {
            (&url[..i], &url[i + 3..])
        }
        _ => {
            return (None, strip_query(url));
        }
    };
    let end = memchr::memchr3(b'/', b'?', b'#', rest.as_bytes()).unwrap_or(rest.len());
    let authority = &rest[..end];
    // Drop any userinfo: it may hold credentials.
    let host = authority.rsplit('@').next().unwrap_or(authority);
    // The scheme's default port names the same host (ALB logs `:443`).
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" | "wss" => Some(":443"),
        "http" | "ws" => Some(":80"),
        _ => None,
    };
    let host = default_port.and_then(|p| host.strip_suffix(p)).unwrap_or(host);
    let path = strip_query(&rest[end..]);
    let path = if path.is_empty() { "/" } else { path };
    ((!host.is_empty()).then_some(host), path)
}

fn strip_query(p: &str) -> &str {
    &p[..query_start(p)]
}

/// Whether a path segment is an id: all digits, a UUID, a hex id of eight
/// or more characters with a digit, or an opaque token of twenty or more
/// with two digits. One pass over the segment, and none past its first
/// byte for the short words most segments are (under eight bytes, only
/// digits make an id).
fn is_id_segment(seg: &str) -> bool {
    let b = seg.as_bytes();
    if b.len() < 8 {
        return !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    }
    let (mut digits, mut hex, mut token) = (0usize, true, true);
    let mut uuid = b.len() == 36;
    for (i, &c) in b.iter().enumerate() {
        digits += usize::from(c.is_ascii_digit());
        let h = c.is_ascii_hexdigit();
        hex &= h;
        token &= c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~' | b'=');
        uuid &= matches!(i, 8 | 13 | 18 | 23) == (c == b'-') && (h || c == b'-');
    }
    digits == b.len() || uuid || (digits > 0 && hex) || (b.len() >= 20 && digits >= 2 && token)
}

/// Template a path: id-like segments become `{id}`; the query is dropped.
///
/// ```
/// use logsleuth::normalize::route::template;
/// assert_eq!(template("/v1/users/4821/orders?page=2"), "/v1/users/{id}/orders");
/// assert_eq!(template("/o/3f2504e0-4f89-11d3-9a0c-0305e82c3301"), "/o/{id}");
/// ```
pub fn template(path: &str) -> String {
    template_cow(path).into_owned()
}

/// [`template`], borrowing the path when it has no id to replace (most
/// paths of a log repeat a handful of static endpoints).
pub fn template_cow(path: &str) -> std::borrow::Cow<'_, str> {
    let mut out = String::new();
    match template_into(path, &mut out) {
        Some(p) => std::borrow::Cow::Borrowed(p),
        None => std::borrow::Cow::Owned(out),
    }
}

/// `f` of the template of `path`, built in a buffer this thread reuses:
/// what the parsers intern for every record, without a string allocated
/// and freed each time a path holds an id.
pub fn with_template<R>(path: &str, f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        match template_into(path, buf) {
            Some(p) => f(p),
            None => f(buf),
        }
    })
}

/// The template of `path`: `Some` of (a part of) `path` itself when it has
/// no id to replace, else `None` with the template written to `out`
/// (which starts empty).
fn template_into<'a>(path: &'a str, out: &mut String) -> Option<&'a str> {
    let path = strip_query(path);
    if path.is_empty() {
        return Some("/");
    }
    // One pass: the copy starts at the first id, with the path before it.
    let mut copying = false;
    let mut at = 0;
    for seg in segments(path) {
        let id = is_id_segment(seg);
        if copying {
            out.push('/');
            out.push_str(if id { "{id}" } else { seg });
        } else if id {
            out.reserve(path.len() + 4);
            out.push_str(&path[..at]);
            out.push_str("{id}");
            copying = true;
        }
        at += seg.len() + 1;
    }
    (!copying).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::url::{slash, split};

    /// The definition of an id segment, one test at a time.
    fn is_id_segment_by_tests(seg: &str) -> bool {
        let b = seg.as_bytes();
        if b.is_empty() {
            return false;
        }
        if b.iter().all(u8::is_ascii_digit) {
            return true;
        }
        if b.len() == 36
            && b.iter().enumerate().all(|(i, c)| {
                matches!(i, 8 | 13 | 18 | 23) == (*c == b'-') && (c.is_ascii_hexdigit() || *c == b'-')
            })
        {
            return true;
        }
        let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
        if b.len() >= 8 && digits > 0 && b.iter().all(u8::is_ascii_hexdigit) {
            return true;
        }
        b.len() >= 20
            && digits >= 2
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~' | b'='))
    }

    #[test]
    fn the_one_pass_id_test_agrees_with_the_definition() {
        let alphabet = ["0", "7", "a", "f", "g", "Z", "-", "_", ".", "~", "=", "é", "%"];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut ids = 0;
        for len in 0..45usize {
            for round in 0..400 {
                // Mostly hex and digits (near misses of each id form), some of anything.
                let pick = |r: u64| {
                    if round % 2 == 0 {
                        alphabet[(r % 4) as usize]
                    } else {
                        alphabet[(r % alphabet.len() as u64) as usize]
                    }
                };
                let mut seg: String = (0..len).map(|_| pick(next())).collect();
                if len == 36 && round % 3 == 0 {
                    // UUID-shaped, with the odd byte out.
                    seg = "3f2504e0-4f89-11d3-9a0c-0305e82c3301".to_string();
                    let at = (next() % 36) as usize;
                    let c = pick(next());
                    seg.replace_range(at..at + 1, if c.len() == 1 { c } else { "-" });
                }
                let want = is_id_segment_by_tests(&seg);
                ids += usize::from(want);
                assert_eq!(is_id_segment(&seg), want, "{seg:?}");
            }
        }
        assert!(ids > 1000, "{ids}");
    }

    #[test]
    fn one_pass_templates_match_the_segment_by_segment_definition() {
        let plain = |p: &str| {
            let p = strip_query(p);
            let t: Vec<&str> = p
                .split('/')
                .map(|s| if is_id_segment(s) { "{id}" } else { s })
                .collect();
            let t = t.join("/");
            if t.is_empty() {
                "/".to_string()
            } else {
                t
            }
        };
        for p in [
            "",
            "/",
            "//",
            "1",
            "/1",
            "1/",
            "/1/",
            "a/1",
            "/v1/orders/43939",
            "/v1/orders/43939/items/7",
            "/7/x//8/",
            "/users/123/orders?page=2",
            "/é/123/ü",
            "?q=1",
            "/a#f",
            "x",
            "/o/3f2504e0-4f89-11d3-9a0c-0305e82c3301/y",
        ] {
            assert_eq!(template_cow(p), plain(p), "{p:?}");
            assert_eq!(with_template(p, str::to_string), plain(p), "{p:?}");
            // A path without ids is not copied.
            if plain(p) == strip_query(p) {
                assert!(matches!(template_cow(p), std::borrow::Cow::Borrowed(_)), "{p:?}");
            }
        }
        for k in ["", ".", "a", "a.b", ".a", "a.", "a..b", "log.level", "é.ü"] {
            assert_eq!(
                split(k, b'.').collect::<Vec<_>>(),
                k.split('.').collect::<Vec<_>>(),
                "{k:?}"
            );
        }
    }

    #[test]
    fn segments_and_scheme_match_the_std_searches() {
        for p in [
            "",
            "/",
            "//",
            "a",
            "/a",
            "a/",
            "/v1/orders/7",
            "/é/ü//x/",
            "a/b/c",
            "ö",
        ] {
            assert_eq!(
                segments(p).collect::<Vec<_>>(),
                p.split('/').collect::<Vec<_>>(),
                "{p:?}"
            );
        }
        for u in [
            "https://h/x",
            "h/x",
            "a:b://c",
            "x:/y://z",
            "://",
            ":/",
            "é://h",
            "a:",
            "mailto:x",
            "/v1/x?y=2#f",
            "/v1/x#f?y",
            "https://api.example.com/v1/orders?page=2",
            "x:y:/z:a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p://q",
            "/abcdefghijklmnopqrstuvwxyz01234?",
            "/abcdefghijklmnopqrstuvwxyz0123?",
            "/abcdefghijklmnopqrstuvwxyz012345#",
            "/abcdefghijklmnopqrstuvwxyz012345",
        ] {
            assert_eq!(scheme_end(u), u.find("://"), "{u:?}");
            assert_eq!(slash(u), u.find('/'), "{u:?}");
            assert_eq!(query_start(u), u.find(['?', '#']).unwrap_or(u.len()), "{u:?}");
        }
    }

    #[test]
    fn default_ports_are_dropped() {
        assert_eq!(
            split_url("https://api.example.com:443/v1").0,
            Some("api.example.com")
        );
        assert_eq!(
            split_url("http://api.example.com:80/v1").0,
            Some("api.example.com")
        );
        assert_eq!(
            split_url("http://api.example.com:443/v1").0,
            Some("api.example.com:443")
        );
    }

    #[test]
    fn splits_urls() {
        assert_eq!(
            split_url("https://user:pw@api.example.com:8443/v1/x?token=1"),
            (Some("api.example.com:8443"), "/v1/x")
        );
        assert_eq!(split_url("/v1/x?y=2"), (None, "/v1/x"));
        assert_eq!(split_url("https://h.example"), (Some("h.example"), "/"));
    }

    #[test]
    fn templates_ids() {
        assert_eq!(template("/users/123/orders"), "/users/{id}/orders");
        assert_eq!(
            template("/o/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items/5f1d7a9bc2"),
            "/o/{id}/items/{id}"
        );
        assert_eq!(template("/api/v1/health"), "/api/v1/health");
        assert_eq!(template("/static/app.css"), "/static/app.css");
        assert_eq!(template(""), "/");
    }
}
