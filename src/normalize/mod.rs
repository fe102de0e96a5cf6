//! Field-level normalization shared by every parser: timestamps, route
//! templates, trace identifiers, error classification, levels, media types
//! and JWT claims.
//!
//! Parsers in `input` call these to turn raw strings into the values of
//! [`crate::model::Event`]; nothing here knows about file formats.

pub mod agent;
pub mod auth;
pub mod body;
pub mod business;
pub mod error_class;
pub mod join;
pub mod jwt;
pub mod level;
pub mod media;
pub mod outcome;
pub mod peer;
pub mod route;
pub mod template;
pub mod time;
pub mod trace;

pub use media::media_type;
