//! User agents: the client release a user agent names.

use crate::model::{Event, Text};

/// Put a request's `User-Agent` header on its event, with the release it
/// names: what every parser does with one.
pub fn set(ev: &mut Event, ua: Text) {
    ev.release = release(&ua).map(Into::into);
    ev.user_agent = Some(ua);
}

/// The client release a user agent names: its first product token when
/// that has a dotted version (`ShopApp/7.2.0 (iPhone; iOS 17)` gives
/// `ShopApp/7.2.0`). Browsers, whose first token is the generic
/// `Mozilla/5.0`, name none.
pub fn release(ua: &str) -> Option<&str> {
    let token = ua.split([' ', '(', ';']).next()?.trim();
    let (product, version) = token.split_once('/')?;
    let dotted = version.contains('.')
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'));
    let generic = product.eq_ignore_ascii_case("mozilla") || product.is_empty();
    (dotted && !generic && product.len() <= 64).then_some(token)
}
