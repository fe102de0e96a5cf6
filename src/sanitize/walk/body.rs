//! Bodies taken apart for the walk ([`super`]): a base64 body is
//! decoded, sanitized as text and encoded again; a form body
//! (`a=1&password=x`) and a multipart body are split into named fields,
//! each judged by its name like a query parameter.

use base64::Engine as _;

use super::Walker;
use crate::redact::{self, is_fingerprint, keys};

/// A base64 body (`encoding: "base64"`): decoded, walked as text of
/// `mime`, and encoded again if anything changed. A body that does not
/// decode to UTF-8 text (an image, a protobuf) is left as it is, and
/// counted.
pub(super) fn base64(w: &mut Walker<'_>, s: &mut String, mime: &str, depth: usize) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let Some((engine, bytes)) = engines
        .into_iter()
        .find_map(|e| e.decode(&compact).ok().map(|b| (e, b)))
    else {
        // Not base64 after all: judge it as text.
        return w.text(s, mime, depth);
    };
    let Ok(mut text) = String::from_utf8(bytes) else {
        w.m.binary_bodies += 1;
        return false;
    };
    let mark = w.path_mut().len();
    w.path_mut().push_str("(base64)");
    let changed = w.text(&mut text, mime, depth);
    w.path_mut().truncate(mark);
    if changed {
        *s = engine.encode(text);
    }
    changed
}

/// Whether `s` is a multipart body.
pub(super) fn is_multipart(s: &str, mime: &str) -> bool {
    mime.contains("multipart/") || s.contains("Content-Disposition: form-data")
}

/// Whether `s` is a form-encoded body: said so by its type, or one line of
/// `name=value` pairs joined by `&` that is not a URL.
pub(super) fn is_form(s: &str, mime: &str) -> bool {
    mime.contains("x-www-form-urlencoded")
        || (!s.contains(' ') && !s.contains('\n') && !s.contains("://") && s.contains('=') && s.contains('&'))
}

/// Redact the values of a form body whose names mark secrets.
pub(super) fn form(w: &mut Walker<'_>, s: &mut String) -> bool {
    let mut changed = false;
    let mut out = String::with_capacity(s.len());
    for (i, pair) in s.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((k, v))
                if !v.is_empty()
                    && !is_fingerprint(v)
                    && keys::classify(&redact::percent_decode(k), keys::NameKind::Param).is_some() =>
            {
                out.push_str(k);
                out.push('=');
                out.push_str(&redact::mask(v));
                changed = true;
                w.note("form_field");
            }
            Some((k, v)) => match redact::query_value(v) {
                Some(r) => {
                    out.push_str(k);
                    out.push('=');
                    out.push_str(&r);
                    changed = true;
                    w.note("form_field");
                }
                None => out.push_str(pair),
            },
            None => out.push_str(pair),
        }
    }
    if changed {
        *s = out;
    }
    changed
}

/// Parts of a multipart body: the part's headers (with its name), then its value.
static MULTIPART: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"(?s)(name="([^"]*)"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n)(.*?)(\r?\n--)"#)
        .expect("static regex is valid")
});

/// Redact the values of the parts of a multipart body whose names mark
/// secrets.
pub(super) fn multipart(w: &mut Walker<'_>, s: &mut String) -> bool {
    let mut count = 0;
    let out = MULTIPART
        .replace_all(s, |c: &regex::Captures<'_>| {
            if !c[3].is_empty() && keys::classify(&c[2], keys::NameKind::Param).is_some() {
                count += 1;
                format!("{}{}{}", &c[1], redact::mask(&c[3]), &c[4])
            } else {
                c[0].to_string()
            }
        })
        .into_owned();
    for _ in 0..count {
        w.note("form_field");
    }
    if count > 0 {
        *s = out;
    }
    count > 0
}
