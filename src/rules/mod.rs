//! Rules are data: TOML files under `rules/` (embedded at build time) plus
//! user directories given with `--rules`. This module loads and validates
//! them (`spec`), knows the fixed category vocabulary (`category`), and runs
//! them over the events (`engine`) to produce [`Finding`]s for `rank`.

pub mod category;
pub mod engine;
pub mod spec;

use std::path::Path;

use crate::error::{Error, Result};
pub use engine::{evaluate, Finding};
pub use spec::{CompiledRule, Severity};

/// The rule files shipped in the binary, as (name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "auth.token_expired.toml",
        include_str!("../../rules/auth.token_expired.toml"),
    ),
    (
        "rate_limit.exceeded.toml",
        include_str!("../../rules/rate_limit.exceeded.toml"),
    ),
    (
        "upstream.timeout.toml",
        include_str!("../../rules/upstream.timeout.toml"),
    ),
    (
        "upstream.server_error.toml",
        include_str!("../../rules/upstream.server_error.toml"),
    ),
    (
        "network.client_offline.toml",
        include_str!("../../rules/network.client_offline.toml"),
    ),
];

/// Load the built-in rules, then each user directory in order. A later rule
/// with the same `id` replaces an earlier one; `enabled = false` removes it.
pub fn load(user_dirs: &[impl AsRef<Path>]) -> Result<Vec<CompiledRule>> {
    let mut rules: Vec<CompiledRule> = Vec::new();
    let mut add = |r: Option<CompiledRule>, id: String| {
        rules.retain(|x| x.id != id);
        if let Some(r) = r {
            rules.push(r);
        }
    };
    for (name, text) in BUILTIN {
        let (id, r) = spec::compile(&format!("builtin:{name}"), text)?;
        add(r, id);
    }
    for dir in user_dirs {
        let dir = dir.as_ref();
        let read = std::fs::read_dir(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut paths: Vec<_> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(|source| Error::Io {
                path: p.clone(),
                source,
            })?;
            let (id, r) = spec::compile(&p.display().to_string(), &text)?;
            add(r, id);
        }
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_with_unique_ids() {
        let rules = load(&[] as &[&Path]).unwrap();
        assert_eq!(rules.len(), BUILTIN.len());
        for r in &rules {
            assert!(category::is_known(&r.category), "{}", r.category);
            assert!(!r.explanation.is_empty() && !r.remediation.is_empty());
        }
    }

    #[test]
    fn user_rules_override_and_disable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("off.toml"),
            "id = \"upstream.timeout\"\nenabled = false\n",
        )
        .unwrap();
        let rules = load(&[dir.path()]).unwrap();
        assert!(rules.iter().all(|r| r.id != "upstream.timeout"));
        assert_eq!(rules.len(), BUILTIN.len() - 1);
    }
}
