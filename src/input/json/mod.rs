//! The JSON machinery every JSON format shares: `scan` walks members
//! without building a tree, `walk` and `shape` extract aliased fields from
//! a record (replaying the previous record's layout when it repeats),
//! `fields` holds the alias table and the extracted values, `keytable`
//! matches keys, and `infer` guesses the roles of fields no alias names.

pub mod fields;
pub mod infer;
pub(crate) mod keytable;
pub mod scan;
pub(crate) mod shape;
pub mod walk;
