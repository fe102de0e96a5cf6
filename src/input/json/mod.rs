//! The JSON machinery every JSON format shares: `scan` walks members
//! without building a tree, `walk` extracts aliased fields from a record
//! (replaying the previous record's layout, its `shape`, when it repeats),
//! `extract` falls back to serde when the walk declines,
//! `fields` holds the alias table and the extracted values, `keytable`
//! matches keys, and `infer` guesses the roles of fields no alias names.

pub mod extract;
pub mod fields;
pub mod infer;
pub(crate) mod keytable;
pub mod scan;
pub mod walk;
