//! The layout test: the crate's folders are pipeline stages and every
//! dependency points one way, from the input end to the report end; no two
//! modules use each other. It reads the source, not the compiled crate, so
//! a new `use` that turns a dependency around fails here with the two
//! modules named.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Stages in pipeline order: a module may use its own stage and the ones
/// before it, never a later one.
const STAGES: &[&[&str]] = &[
    &["error", "util"],
    &["model"],
    &["redact"],
    &["sanitize"],
    &["normalize"],
    &["input"],
    &["rules"],
    &["analyze"],
    &["report"],
    &["app"],
    &["cli"],
    &["fuzzing"],
];

fn stage_of(module: &str) -> usize {
    let top = module.split("::").next().unwrap_or("");
    STAGES
        .iter()
        .position(|s| s.contains(&top))
        .unwrap_or_else(|| panic!("src/{top} is in no stage of tests/layering.rs"))
}

/// Every `.rs` file under `dir`, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file under `src/` (`input/json/walk.rs` →
/// `input::json::walk`; a `mod.rs` names its folder).
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    if last != "mod.rs" {
        parts.push(last.trim_end_matches(".rs").to_string());
    }
    parts.join("::")
}

/// The text of a file that is not a test: everything before its first
/// `#[cfg(test)] mod`, with comments and the `mod`/`pub use` lines of a
/// `mod.rs` (which declare and re-export its children, not use them) gone.
fn code_of(text: &str, is_mod: bool) -> String {
    let tests = regex::Regex::new(r"#\[cfg\(test\)\]\s*mod ").unwrap();
    let text = tests.find(text).map_or(text, |m| &text[..m.start()]);
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .filter(|l| {
            let t = l.trim_start();
            !(is_mod
                && (t.starts_with("pub mod ")
                    || t.starts_with("mod ")
                    || t.starts_with("pub(crate) mod ")
                    || t.starts_with("pub use ")))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expand a use tree (`a::{b, c::{d}}`) into paths.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = if head.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}::{head}")
        };
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &base, out);
    } else if !tree.is_empty() {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        out.push(format!("{prefix}::{path}").trim_start_matches("::").to_string());
    }
}

/// Every crate path a file's code names: `use crate::…` trees, `crate::…`
/// and `super::…` paths inline.
fn paths_in(code: &str, module: &str, is_mod: bool) -> Vec<String> {
    let mut out = Vec::new();
    let parent: Vec<&str> = {
        let mut p: Vec<&str> = module.split("::").collect();
        if !is_mod {
            p.pop();
        }
        p
    };
    let mut rest = code;
    while let Some(i) = rest.find("crate::").into_iter().chain(rest.find("super::")).min() {
        let is_super = rest[i..].starts_with("super::");
        let before = rest[..i].chars().last();
        let start = i + 7; // `crate::` and `super::` are both 7 bytes
        let tail = &rest[start..];
        let mut end = 0;
        let mut depth = 0;
        for (j, c) in tail.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                c if depth > 0 || c.is_alphanumeric() || c == '_' || c == ':' => {}
                ',' | ' ' | '\n' if depth > 0 => {}
                _ => {
                    end = j;
                    break;
                }
            }
            end = j + c.len_utf8();
        }
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || (c == ':' && !is_super)) {
            rest = &rest[start..];
            continue;
        }
        let prefix = if is_super {
            parent.join("::")
        } else {
            String::new()
        };
        expand(&tail[..end], &prefix, &mut out);
        rest = &rest[start + end..];
    }
    out
}

/// The deepest module a path names.
fn resolve(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|m| modules.contains(m))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let all: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| {
            let rel = p.strip_prefix(&src).unwrap();
            !rel.starts_with("bin") && rel != Path::new("main.rs") && rel != Path::new("lib.rs")
        })
        .collect();
    let modules: BTreeSet<String> = all
        .iter()
        .map(|p| module_of(p.strip_prefix(&src).unwrap()))
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &all {
        let rel = p.strip_prefix(&src).unwrap();
        let module = module_of(rel);
        let is_mod = rel.file_name().is_some_and(|f| f == "mod.rs");
        let code = code_of(&std::fs::read_to_string(p).unwrap(), is_mod);
        let used = edges.entry(module.clone()).or_default();
        for path in paths_in(&code, &module, is_mod) {
            if let Some(m) = resolve(&path, &modules) {
                if m != module && !module.starts_with(&format!("{m}::")) {
                    used.insert(m);
                }
            }
        }
    }
    edges
}

#[test]
fn dependencies_point_from_input_to_report() {
    let mut wrong = Vec::new();
    for (from, to) in graph() {
        for t in to {
            if stage_of(&t) > stage_of(&from) {
                wrong.push(format!("{from} uses {t}, a later stage"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_two_modules_use_each_other() {
    let g = graph();
    // Tarjan-free: a module is in a cycle when it can reach itself.
    let mut cycles = BTreeSet::new();
    for start in g.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        while let Some((m, path)) = stack.pop() {
            for next in g.get(&m).into_iter().flatten() {
                if next == start {
                    let mut c = path.clone();
                    let min = c
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, s)| s.as_str())
                        .map(|(i, _)| i)
                        .unwrap();
                    c.rotate_left(min);
                    cycles.insert(c.join(" → "));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles:\n{}",
        cycles.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_reader_sees_what_a_file_uses() {
    let mut found = Vec::new();
    expand(
        "input::{self, json::{fields, walk as w}, Options}",
        "",
        &mut found,
    );
    assert_eq!(
        found,
        [
            "input::self",
            "input::json::fields",
            "input::json::walk",
            "input::Options"
        ]
    );
    let code = "use crate::model::{Event, Str};\nfn f() { crate::rank::rank(); super::x::y(); }";
    let paths = paths_in(code, "input::json::walk", false);
    assert_eq!(
        paths,
        ["model::Event", "model::Str", "rank::rank", "input::json::x::y"]
    );
}
