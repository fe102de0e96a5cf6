//! Field extraction, the entry point: the fast walk ([`walk`]) when it
//! answers, serde ([`fields::extract_serde_into`]) when it declines.

use crate::input::json::fields::{self, FieldError, FieldMap, Fields, BUILTIN};
use crate::input::json::walk;

/// Extract the alias fields of one JSON object with the built-in aliases.
pub fn extract(line: &[u8]) -> Result<Fields<'_>, FieldError> {
    extract_with(&BUILTIN, line)
}

/// Extract the alias fields of one JSON object with a field map: by the
/// fast walk ([`walk`]) when it answers, by serde otherwise.
pub fn extract_with<'de>(map: &FieldMap, line: &'de [u8]) -> Result<Fields<'de>, FieldError> {
    let mut fields = Fields::default();
    extract_into(map, line, &mut fields)?;
    Ok(fields)
}

/// [`extract_with`] into `fields`, which are reset first: one `Fields` (over
/// a kilobyte) serves every record of an input, instead of one made,
/// moved and dropped for each.
pub fn extract_into<'de>(
    map: &FieldMap,
    line: &'de [u8],
    fields: &mut Fields<'de>,
) -> Result<(), FieldError> {
    fields.reset();
    if walk::extract_into(map, line, fields).is_some() {
        return Ok(());
    }
    fields.reset();
    fields::extract_serde_into(map, line, fields)
}
