//! The checks behind the fuzz targets (`fuzz/`), the property tests and the
//! regression tests of fuzz findings. Each function feeds arbitrary bytes to
//! one parser and checks what must hold for any input: no panic, and the
//! record accounting adds up (every record either produced events or is
//! listed as skipped, with its reason). A broken invariant panics, which is
//! how a fuzzer reports a finding.

use crate::input::{self, Data, Loaded, Options, Output};
use crate::model::{InputStats, SourceId};

const ID: SourceId = SourceId(0);

/// Check the record accounting of one parsed input against its events.
///
/// # Panics
/// When the accounting does not add up: that is the finding.
pub fn check_accounting(stats: &InputStats, events: usize) {
    assert_eq!(
        stats.issues.len() as u64,
        stats.skipped,
        "every skipped record has its issue"
    );
    assert!(
        stats.skipped <= stats.records,
        "no more skipped than records: {stats:?}"
    );
    let produced = stats.records - stats.skipped;
    assert!(
        events as u64 >= produced,
        "{produced} records produced events but there are only {events} events"
    );
    for issue in &stats.issues {
        assert!(!issue.reason.is_empty(), "a skipped record has a reason");
    }
}

fn checked(out: Output) {
    check_accounting(&out.stats, out.events.len());
}

/// One registered format's parser, on every variant it has, whatever
/// detection would say of the bytes. A format added to the registry is
/// fuzzed here with no new code.
pub fn format(name: &str, data: &[u8]) {
    let Some(f) = input::formats::by_name(name) else {
        return;
    };
    let opts = Options::default();
    for v in f.variants() {
        if let Ok(out) = f.parse(&input::formats::Input::in_memory("fuzz", data, v, &opts)) {
            checked(out);
        }
    }
}

/// Every registered format: the first byte picks one, the rest is its
/// input.
pub fn any_format(data: &[u8]) {
    let formats = input::formats::FORMATS;
    if let Some((&pick, rest)) = data.split_first() {
        format(formats[usize::from(pick) % formats.len()].name(), rest);
    }
}

/// The JSON-lines parser (OTel batches and ES response lines included),
/// and the fast field walk against the serde walk on every line.
pub fn jsonl(data: &[u8]) {
    format("jsonl", data);
    let map = &input::json::fields::BUILTIN;
    for line in data.split(|&c| c == b'\n') {
        if let Some(fast) = input::json::walk::extract(map, line) {
            let slow = input::json::fields::extract_serde(map, line);
            assert!(
                slow.as_ref()
                    .is_ok_and(|s| format!("{s:?}") == format!("{fast:?}")),
                "the fast walk answered {fast:?} where serde gives {slow:?}"
            );
        }
    }
}

/// Detection, then the parser it picks: the path every input takes,
/// decompression and transcoding included.
pub fn detect(data: &[u8]) {
    let Ok(loaded): Result<Loaded, _> = input::load::decode(
        "fuzz".into(),
        std::path::Path::new("fuzz"),
        Data::Owned(data.to_vec()),
    ) else {
        return;
    };
    if let Ok(parsed) = input::parse(ID, &loaded, &Options::default()) {
        check_accounting(&parsed.info.stats, parsed.events.len());
    }
}

/// A rule file: it compiles or gives an error; a compiled rule's fixtures
/// run through the engine.
pub fn rule_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((_, Some(rule))) = crate::rules::spec::compile("fuzz.toml", text) {
        let _ = crate::rules::run_fixtures(&rule);
    }
}

/// The condition-expression parser, over three selection names.
pub fn condition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let names = ["a".to_string(), "b".to_string(), "failed".to_string()];
    let _ = crate::rules::condition::parse(text, &names);
}
