//! One parser per input format: `har`, `jsonl` (with `otel` batches),
//! `esdoc` (Elasticsearch/OpenSearch exports), `kibana` (Discover CSV) and
//! `text` (access logs).

pub mod esdoc;
pub mod har;
pub mod jsonl;
pub mod kibana;
pub mod otel;
pub mod text;
