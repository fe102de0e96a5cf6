//! The demo incident embedded in the binary, so that `logsleuth analyze`
//! with no input shows a real report. It is the `token-expiry` sample from
//! `samples/`, made by `cargo run --bin gen-samples`.

use crate::input::InputSpec;

/// The demo's inputs.
pub fn inputs() -> Vec<InputSpec> {
    vec![
        InputSpec::Embedded {
            name: "demo:client.har".into(),
            bytes: include_bytes!("../../samples/token-expiry/client.har"),
        },
        InputSpec::Embedded {
            name: "demo:gateway.jsonl".into(),
            bytes: include_bytes!("../../samples/token-expiry/gateway.jsonl"),
        },
    ]
}
