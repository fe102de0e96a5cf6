//! The walk that sanitizing is: every value of a JSON document, at every
//! path, known or not, goes through the one redaction of [`crate::redact`].
//! A value is a secret by the name beside it (a JSON key, or the `name` of
//! a HAR-style `{name, value}` pair, or a cookie jar it sits in) or by its
//! own shape (JWTs, key formats, random tokens, `Bearer …`, `password=…`,
//! secret query parameters in any URL). A string that holds JSON is
//! parsed, walked and written back as a string; a form, multipart or
//! base64 body is taken apart ([`body`]).
//!
//! The walk does not know HAR, ECS or any schema: `queryString`,
//! `_webSocketMessages` and a field no one has named yet are walked alike.

mod body;

use serde_json::Value;

use crate::redact::{self, is_fingerprint, keys};
use crate::sanitize::Manifest;

/// Nesting deeper than this is left as it is (and counted).
const MAX_DEPTH: usize = 128;
/// Strings longer than this are not parsed as JSON.
const MAX_NESTED_JSON: usize = 16 << 20;

/// What the place of a value says about it.
#[derive(Clone, Copy)]
pub(super) enum Ctx<'a> {
    /// Nothing: the value is judged by its shape.
    Plain,
    /// Beside a name: a JSON key, or the name of a `{name, value}` pair.
    Named(&'a str, keys::NameKind),
    /// In a cookie jar: a secret whatever its name.
    Cookie,
    /// A body: the `text` beside a `mimeType`, maybe base64.
    Body { mime: &'a str, base64: bool },
}

/// A walk in progress: where it is, and what it replaced.
pub(super) struct Walker<'m> {
    pub(super) m: &'m mut Manifest,
    /// The path of the value being visited, array indices as `[*]`.
    path: String,
}

impl<'m> Walker<'m> {
    /// A walk whose paths start at `root` (empty for a document's root).
    pub(super) fn new(m: &'m mut Manifest, root: &str) -> Self {
        Walker {
            m,
            path: root.to_string(),
        }
    }

    /// Visit `v` and everything in it. Returns whether anything changed.
    pub(super) fn visit(&mut self, v: &mut Value, ctx: Ctx<'_>, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            self.m.too_deep += 1;
            return false;
        }
        match v {
            Value::Object(map) => self.object(map, ctx, depth),
            Value::Array(items) => {
                let mark = self.path.len();
                self.path.push_str("[*]");
                let mut changed = false;
                for item in items {
                    changed |= self.visit(item, ctx, depth + 1);
                }
                self.path.truncate(mark);
                changed
            }
            Value::String(s) => self.string(s, ctx, depth),
            Value::Number(n) => match ctx {
                Ctx::Named(name, keys::NameKind::Member) if keys::secret_number(name) => {
                    let masked = redact::mask(&n.to_string());
                    self.note("named_secret");
                    *v = Value::String(masked);
                    true
                }
                _ => false,
            },
            Value::Bool(_) | Value::Null => false,
        }
    }

    fn object(&mut self, map: &mut serde_json::Map<String, Value>, ctx: Ctx<'_>, depth: usize) -> bool {
        // A `{name, value}` pair: a header, a parameter, a cookie.
        let pair_name: Option<String> = map
            .get("value")
            .and(map.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let base64 = map.get("encoding").and_then(Value::as_str) == Some("base64");
        let mime: Option<String> = map
            .get("mimeType")
            .or_else(|| map.get("mime_type"))
            .or_else(|| map.get("content_type"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let jar = matches!(ctx, Ctx::Cookie);
        let mut changed = false;
        for (k, child) in map.iter_mut() {
            let mark = self.path.len();
            let child_ctx = match (&pair_name, k.as_str()) {
                (Some(name), "value") => {
                    // Name the pair in the path: `headers[Authorization]`.
                    if self.path.ends_with("[*]") {
                        self.path.truncate(self.path.len() - 3);
                    }
                    self.path.push('[');
                    self.path.push_str(&redact::text(name));
                    self.path.push(']');
                    if jar {
                        Ctx::Cookie
                    } else {
                        Ctx::Named(name, keys::NameKind::Param)
                    }
                }
                (_, "text") if base64 || mime.is_some() => {
                    self.push_key(k);
                    Ctx::Body {
                        mime: mime.as_deref().unwrap_or(""),
                        base64,
                    }
                }
                _ => {
                    self.push_key(k);
                    if jar && pair_name.is_none() {
                        Ctx::Cookie
                    } else {
                        Ctx::Named(k, keys::NameKind::Member)
                    }
                }
            };
            // Everything under a cookie-named key is a cookie.
            let child_ctx = match child_ctx {
                Ctx::Named(n, kind)
                    if !child.is_string() && keys::classify(n, kind) == Some(keys::SecretKey::Cookie) =>
                {
                    Ctx::Cookie
                }
                c => c,
            };
            changed |= self.visit(child, child_ctx, depth + 1);
            self.path.truncate(mark);
        }
        changed
    }

    fn push_key(&mut self, k: &str) {
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(&redact::text(k));
    }

    fn string(&mut self, s: &mut String, ctx: Ctx<'_>, depth: usize) -> bool {
        if s.is_empty() || is_fingerprint(s) {
            return false;
        }
        match ctx {
            Ctx::Cookie => {
                *s = redact::mask(s);
                self.note("cookie");
                true
            }
            Ctx::Named(name, kind) => match keys::classify(name, kind) {
                Some(keys::SecretKey::Authorization) => {
                    // Keep the scheme readable: `Bearer tok:…`.
                    let masked = match s.split_once(' ') {
                        Some((scheme, cred)) if !cred.is_empty() && !is_fingerprint(cred.trim()) => {
                            format!("{scheme} {}", redact::mask(cred.trim()))
                        }
                        Some(_) => return false,
                        None => redact::mask(s),
                    };
                    *s = masked;
                    self.note("authorization");
                    true
                }
                Some(keys::SecretKey::Cookie) => {
                    *s = redact::mask(s);
                    self.note("cookie");
                    true
                }
                Some(keys::SecretKey::Secret) => {
                    *s = redact::mask(s);
                    self.note("named_secret");
                    true
                }
                None if kind == keys::NameKind::Member
                    && keys::secret_if_random(name)
                    && keys::looks_random(s) =>
                {
                    *s = redact::mask(s);
                    self.note("named_secret");
                    true
                }
                None => self.text(s, "", depth),
            },
            Ctx::Body { mime, base64 } => {
                if base64 {
                    body::base64(self, s, mime, depth)
                } else {
                    self.text(s, mime, depth)
                }
            }
            Ctx::Plain => self.text(s, "", depth),
        }
    }

    /// A string judged by what it holds: JSON is walked, a form or
    /// multipart body is split into its fields, and the rest is free text.
    pub(super) fn text(&mut self, s: &mut String, mime: &str, depth: usize) -> bool {
        let t = s.trim_start();
        if (t.starts_with('{') || t.starts_with('[')) && s.len() <= MAX_NESTED_JSON {
            if let Ok(mut inner) = serde_json::from_str::<Value>(s) {
                let mark = self.path.len();
                self.path.push_str("(json)");
                let changed = self.visit(&mut inner, Ctx::Plain, depth + 1);
                self.path.truncate(mark);
                if changed {
                    *s = inner.to_string();
                }
                return changed;
            }
        }
        let mut changed = false;
        if body::is_multipart(s, mime) {
            changed |= body::multipart(self, s);
        } else if body::is_form(s, mime) {
            changed |= body::form(self, s);
        }
        let mut r = redact::text(s);
        if r.contains("://") {
            if let std::borrow::Cow::Owned(u) = redact::url(&r) {
                r = std::borrow::Cow::Owned(u);
            }
        }
        if r != *s {
            *s = r.into_owned();
            self.note("free_text");
            changed = true;
        }
        changed
    }

    /// Count one replacement of `kind` at the current path.
    pub(super) fn note(&mut self, kind: &str) {
        self.m.note(kind, &self.path);
    }

    /// The current path.
    pub(super) fn path_mut(&mut self) -> &mut String {
        &mut self.path
    }
}
