//! Every input a fuzzer ever crashed on, replayed through the same check
//! (`logsleuth::fuzzing`) that found it. Files live in
//! `tests/fuzz-regressions/TARGET/`, named after what they exposed; see
//! `fuzz/run.sh` for how they are found.

use std::path::Path;

use logsleuth::fuzzing;

fn check(target: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    for f in &files {
        let bytes = std::fs::read(f).expect("read regression input");
        eprintln!("replaying {}", f.display());
        match target {
            "har" => fuzzing::format("har", &bytes),
            "jsonl" => fuzzing::jsonl(&bytes),
            "esdoc" => fuzzing::format("json", &bytes),
            "csv" => fuzzing::format("csv", &bytes),
            "access" => fuzzing::format("text", &bytes),
            "formats" => fuzzing::any_format(&bytes),
            "detect" => fuzzing::detect(&bytes),
            "rule_file" => fuzzing::rule_file(&bytes),
            "condition" => fuzzing::condition(&bytes),
            other => panic!("unknown fuzz target folder {other}"),
        }
    }
    files.len()
}

#[test]
fn fuzz_findings_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut total = 0;
    for entry in std::fs::read_dir(&root).expect("tests/fuzz-regressions") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).expect("folder name");
            total += check(name);
        }
    }
    eprintln!("{total} fuzz findings replayed");
}
