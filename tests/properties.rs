//! Property tests of the parsers:
//! - a chunked parallel parse gives exactly what a one-chunk (sequential)
//!   parse gives, for any chunk size and thread count;
//! - under random corruption of valid files (bytes changed, inserted,
//!   deleted, the file cut), every record is still accounted for: it
//!   produced events or is listed as skipped with its reason.

use logsleuth::fuzzing;
use logsleuth::input::formats::text::TextKind;
use logsleuth::input::formats::{jsonl, text};
use logsleuth::input::Options;
use logsleuth::model::SourceId;
use proptest::prelude::*;

/// One JSON-lines line: records of several conventions, broken lines,
/// blank lines, CRLF endings and bytes that are not UTF-8.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        (200u16..600, 0u32..86_400, "[a-z]{1,8}").prop_map(|(s, t, p)| format!(
            "{{\"@timestamp\":\"2024-05-01T{:02}:{:02}:{:02}Z\",\"status\":{s},\"url\":\"/api/{p}/{t}\",\"message\":\"m {p}\"}}",
            t / 3600,
            t / 60 % 60,
            t % 60
        )),
        (0u32..1000).prop_map(|n| format!(
            "{{\"level\":50,\"time\":{},\"msg\":\"upstream timed out\",\"req\":{{\"method\":\"GET\",\"url\":\"/x/{n}\"}}}}",
            1_714_557_600_000u64 + u64::from(n)
        )),
        "[ -~]{0,40}",
        Just(String::new()),
        Just("{\"status\":503}\r".to_string()),
        Just("{\"status\": 500, \"message\": \"caf\u{e9}\"".to_string()),
        Just("[1,2,3]".to_string()),
    ]
}

fn runs(input: &[u8]) -> (String, String) {
    let whole = jsonl::parse_chunked(SourceId(0), input, &Options::default(), usize::MAX);
    (format!("{:?}", whole.events), format!("{:?}", whole.stats))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn chunked_json_lines_parse_equals_sequential(
        lines in prop::collection::vec(line(), 0..80),
        chunk in 1usize..400,
        threads in 1usize..4,
    ) {
        let input = lines.join("\n").into_bytes();
        let (want_events, want_stats) = runs(&input);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let got = pool.install(|| jsonl::parse_chunked(SourceId(0), &input, &Options::default(), chunk));
        prop_assert_eq!(format!("{:?}", got.events), want_events);
        prop_assert_eq!(format!("{:?}", got.stats), want_stats);
    }

    #[test]
    fn chunked_access_log_parse_equals_sequential(
        lines in prop::collection::vec(
            (200u16..600, 0u32..60, "[a-z]{1,8}").prop_map(|(s, m, p)| format!(
                "10.0.0.1 - - [01/May/2024:10:{m:02}:00 +0000] \"GET /{p} HTTP/1.1\" {s} 12 \"-\" \"curl\""
            )),
            0..60,
        ),
        garbage in prop::collection::vec((0usize..60, "[ -~]{0,30}"), 0..5),
        chunk in 1usize..300,
    ) {
        let mut lines = lines;
        for (at, g) in garbage {
            let at = at.min(lines.len());
            lines.insert(at, g);
        }
        let input = lines.join("\n").into_bytes();
        let opts = Options::default();
        let whole = text::parse_chunked(SourceId(0), &input, TextKind::Clf, &opts, usize::MAX);
        let got = text::parse_chunked(SourceId(0), &input, TextKind::Clf, &opts, chunk);
        prop_assert_eq!(format!("{:?}", got.events), format!("{:?}", whole.events));
        prop_assert_eq!(format!("{:?}", got.stats), format!("{:?}", whole.stats));
    }
}

/// The heads of the bundled samples, one per format, as corruption seeds.
fn seeds() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    [
        "mixed-sources/browser.har",
        "mixed-sources/backend-search.json",
        "mixed-sources/gateway.jsonl",
        "upstream-timeout/nginx.jsonl",
    ]
    .iter()
    .map(|p| {
        let b = std::fs::read(root.join(p)).expect("bundled sample");
        b[..b.len().min(24 * 1024)].to_vec()
    })
    .collect()
}

/// One corruption of a byte string.
#[derive(Debug, Clone)]
enum Damage {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Cut(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (
            any::<usize>(),
            prop_oneof![any::<u8>(), Just(b'"'), Just(b'{'), Just(b'\n'), Just(0u8)]
        )
            .prop_map(|(i, b)| Damage::Set(i, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Damage::Insert(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Damage::Delete(i, n)),
        any::<usize>().prop_map(Damage::Cut),
    ]
}

fn apply(mut b: Vec<u8>, d: &[Damage]) -> Vec<u8> {
    for d in d {
        if b.is_empty() {
            break;
        }
        match d {
            Damage::Set(i, v) => {
                let i = i % b.len();
                b[i] = *v;
            }
            Damage::Insert(i, v) => {
                let i = i % (b.len() + 1);
                b.splice(i..i, v.iter().copied());
            }
            Damage::Delete(i, n) => {
                let i = i % b.len();
                let end = (i + n).min(b.len());
                b.drain(i..end);
            }
            Damage::Cut(i) => b.truncate(i % (b.len() + 1)),
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// `fuzzing::detect` runs detection and the parser it picks, and panics
    /// when the accounting does not add up.
    #[test]
    fn every_record_is_accounted_for_under_corruption(
        which in 0usize..4,
        damages in prop::collection::vec(damage(), 1..6),
    ) {
        let seed = seeds().swap_remove(which);
        fuzzing::detect(&apply(seed, &damages));
    }
}
