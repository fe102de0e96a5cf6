//! Rules are data: TOML files under `rules/` (embedded at build time) plus
//! user directories given with `--rules`. This module loads and validates
//! them (`spec`), knows the fixed category vocabulary (`category`), and runs
//! them over the events (`engine`) to produce [`Finding`]s for `rank`.

pub mod category;
pub mod condition;
pub mod engine;
pub mod matching;
pub mod selection;
pub mod spec;

use std::path::Path;

use crate::error::{Error, Result};
pub use engine::{evaluate, evaluate_within, Finding};
pub use spec::{CompiledRule, Severity};

/// The rule files shipped in the binary, as (name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "auth.clock_skew.toml",
        include_str!("../../rules/auth.clock_skew.toml"),
    ),
    (
        "auth.client_credentials_revoked.toml",
        include_str!("../../rules/auth.client_credentials_revoked.toml"),
    ),
    (
        "auth.forbidden.toml",
        include_str!("../../rules/auth.forbidden.toml"),
    ),
    (
        "auth.invalid_credentials.toml",
        include_str!("../../rules/auth.invalid_credentials.toml"),
    ),
    (
        "auth.token_expired.toml",
        include_str!("../../rules/auth.token_expired.toml"),
    ),
    (
        "client.retry_ignores_retry_after.toml",
        include_str!("../../rules/client.retry_ignores_retry_after.toml"),
    ),
    (
        "client.retry_storm.toml",
        include_str!("../../rules/client.retry_storm.toml"),
    ),
    (
        "config.endpoint_missing.toml",
        include_str!("../../rules/config.endpoint_missing.toml"),
    ),
    (
        "deploy.regression.toml",
        include_str!("../../rules/deploy.regression.toml"),
    ),
    (
        "client.duplicate_requests.toml",
        include_str!("../../rules/client.duplicate_requests.toml"),
    ),
    (
        "deploy.client_release.toml",
        include_str!("../../rules/deploy.client_release.toml"),
    ),
    (
        "network.client_offline.toml",
        include_str!("../../rules/network.client_offline.toml"),
    ),
    (
        "network.connection.toml",
        include_str!("../../rules/network.connection.toml"),
    ),
    ("network.dns.toml", include_str!("../../rules/network.dns.toml")),
    ("network.tls.toml", include_str!("../../rules/network.tls.toml")),
    (
        "payload.content_type.toml",
        include_str!("../../rules/payload.content_type.toml"),
    ),
    (
        "payload.response_shape_drift.toml",
        include_str!("../../rules/payload.response_shape_drift.toml"),
    ),
    (
        "payload.schema_drift.toml",
        include_str!("../../rules/payload.schema_drift.toml"),
    ),
    (
        "payload.too_large.toml",
        include_str!("../../rules/payload.too_large.toml"),
    ),
    (
        "payload.business_error.toml",
        include_str!("../../rules/payload.business_error.toml"),
    ),
    (
        "payload.validation.toml",
        include_str!("../../rules/payload.validation.toml"),
    ),
    (
        "rate_limit.exceeded.toml",
        include_str!("../../rules/rate_limit.exceeded.toml"),
    ),
    (
        "upstream.new_error.toml",
        include_str!("../../rules/upstream.new_error.toml"),
    ),
    (
        "upstream.server_error.toml",
        include_str!("../../rules/upstream.server_error.toml"),
    ),
    (
        "upstream.timeout.toml",
        include_str!("../../rules/upstream.timeout.toml"),
    ),
    (
        "upstream.unavailable.toml",
        include_str!("../../rules/upstream.unavailable.toml"),
    ), // Business errors whose message says what they are, after the rest:
    // the order of the rules above is the order of their findings.
    (
        "auth.token_expired_in_body.toml",
        include_str!("../../rules/auth.token_expired_in_body.toml"),
    ),
    (
        "auth.rejected_in_body.toml",
        include_str!("../../rules/auth.rejected_in_body.toml"),
    ),
    (
        "auth.forbidden_in_body.toml",
        include_str!("../../rules/auth.forbidden_in_body.toml"),
    ),
    (
        "rate_limit.in_body.toml",
        include_str!("../../rules/rate_limit.in_body.toml"),
    ),
    (
        "payload.validation_in_body.toml",
        include_str!("../../rules/payload.validation_in_body.toml"),
    ),
];

/// The `*.toml` files of a directory with their text, in file-name order.
fn rule_files(dir: &Path) -> Result<Vec<(std::path::PathBuf, String)>> {
    let read = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<_> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|source| Error::Io {
                path: p.clone(),
                source,
            })?;
            Ok((p, text))
        })
        .collect()
}

/// The rule files of one directory, compiled, in file-name order
/// (disabled rules are left out).
pub fn load_dir(dir: &Path) -> Result<Vec<CompiledRule>> {
    let mut out = Vec::new();
    for (p, text) in rule_files(dir)? {
        if let (_, Some(r)) = spec::compile(&p.display().to_string(), &text)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// The result of running one fixture.
#[derive(Debug, Clone)]
pub struct FixtureResult {
    /// Rule id.
    pub rule: String,
    /// Fixture name.
    pub fixture: String,
    /// Whether the rule behaved as the fixture expects.
    pub passed: bool,
    /// What happened, for a failure.
    pub detail: String,
}

/// Run a rule's fixtures: parse each as JSON lines and evaluate the rule alone.
pub fn run_fixtures(rule: &CompiledRule) -> Vec<FixtureResult> {
    rule.fixtures
        .iter()
        .map(|fx| {
            let text = fx.text();
            let mut parsed = crate::input::formats::jsonl::parse(
                crate::model::SourceId(0),
                text.as_bytes(),
                &crate::input::Options::default(),
            );
            parsed.events.sort_by_key(|e| (e.ts_ns().is_none(), e.ts_ns()));
            crate::normalize::business::mark(&mut parsed.events);
            crate::normalize::template::assign(&mut parsed.events);
            let findings = evaluate(std::slice::from_ref(rule), &parsed.events, &[]);
            let fired = !findings.is_empty();
            let want = fx.expect == spec::Expect::Fire;
            FixtureResult {
                rule: rule.id.clone(),
                fixture: fx.name.clone(),
                passed: fired == want && parsed.stats.skipped == 0,
                detail: if parsed.stats.skipped > 0 {
                    format!(
                        "{} fixture lines are not valid JSON objects",
                        parsed.stats.skipped
                    )
                } else if want {
                    "expected the rule to fire; it stayed quiet".into()
                } else {
                    format!("expected no finding; got {}", findings.len())
                },
            }
        })
        .collect()
}

/// The project-local rule directory, loaded after the built-in rules and
/// before `--rules` directories when it exists in the working directory.
pub const PROJECT_DIR: &str = ".logsleuth/rules";

/// The rule directories of a run: the project-local one if present, then
/// the ones given with `--rules`.
pub fn dirs_with_project(user: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let local = Path::new(PROJECT_DIR);
    if local.is_dir() {
        out.push(local.to_path_buf());
    }
    out.extend(user.iter().cloned());
    out
}

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
        for (p, text) in rule_files(dir.as_ref())? {
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

    /// The embedded list is kept by hand: it must name every file in
    /// `rules/` and nothing else, each with that file's text.
    #[test]
    fn the_builtin_list_is_the_rules_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(listed, on_disk, "rules/ and rules::BUILTIN differ");
        for (name, text) in BUILTIN {
            assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), *text, "{name}");
        }
    }

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
    fn every_builtin_rule_has_docs_and_passing_fixtures_both_ways() {
        let rules = load(&[] as &[&Path]).unwrap();
        for r in &rules {
            let doc = &r.doc;
            for (k, v) in [
                ("detects", &doc.detects),
                ("why", &doc.why),
                ("example", &doc.example),
                ("false_positives", &doc.false_positives),
            ] {
                assert!(!v.trim().is_empty(), "{}: empty doc.{k}", r.id);
            }
            let kinds: Vec<spec::Expect> = r.fixtures.iter().map(|f| f.expect).collect();
            assert!(
                kinds.contains(&spec::Expect::Fire),
                "{}: no positive fixture",
                r.id
            );
            assert!(
                kinds.contains(&spec::Expect::Quiet),
                "{}: no negative fixture",
                r.id
            );
            for res in run_fixtures(r) {
                assert!(res.passed, "{} / {}: {}", res.rule, res.fixture, res.detail);
            }
        }
    }

    #[test]
    fn the_pack_covers_every_category() {
        let rules = load(&[] as &[&Path]).unwrap();
        for (c, _) in category::CATEGORIES {
            assert!(rules.iter().any(|r| r.category == *c), "no rule for {c}");
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
