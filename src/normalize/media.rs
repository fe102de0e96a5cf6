//! Media types: the essence of a `Content-Type` value (`application/json`
//! from `Application/JSON; charset=utf-8`), interned, for grouping and
//! contrasting requests by what they sent.

use crate::model::Str;

/// Longest media type kept; anything longer is not one.
const MAX_LEN: usize = 100;

/// The type and subtype of a `Content-Type` value, lower-case and
/// without parameters; `None` when the value is not a media type.
pub fn media_type(value: &str) -> Option<Str> {
    let essence = value.split(';').next()?.trim();
    let (ty, sub) = essence.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+*".contains(&b))
    };
    if essence.len() > MAX_LEN || !token(ty) || !token(sub) {
        return None;
    }
    Some(if essence.bytes().any(|b| b.is_ascii_uppercase()) {
        crate::model::intern(&essence.to_ascii_lowercase())
    } else {
        crate::model::intern(essence)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_essence_is_kept() {
        let t = |v: &str| media_type(v).map(|s| s.as_str());
        assert_eq!(t("application/json"), Some("application/json"));
        assert_eq!(t("Text/Plain; charset=UTF-8"), Some("text/plain"));
        assert_eq!(t("application/vnd.api+json"), Some("application/vnd.api+json"));
        assert_eq!(t("json"), None);
        assert_eq!(t("-"), None);
        assert_eq!(t("text/ plain"), None);
        assert_eq!(t(""), None);
    }
}
