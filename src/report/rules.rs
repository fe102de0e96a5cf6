//! The rule pack as `logsleuth rules` shows it: one line per rule (or a
//! JSON array), one rule's runbook text, and the fixture check's results.

use std::io::Write;

use crate::report::{text::wrap, ListFormat};
use crate::rules::spec::Role;
use crate::rules::{CompiledRule, FixtureResult};

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Cause => "cause",
        Role::Symptom => "symptom",
    }
}

/// `rules list`.
pub fn render_list(rules: &[CompiledRule], format: ListFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        ListFormat::Text => {
            for r in rules {
                writeln!(
                    out,
                    "{:<32} {:<9} {:<8} {}",
                    r.id,
                    r.severity.name(),
                    role_name(r.role),
                    r.title
                )?;
            }
        }
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "category": r.category, "severity": r.severity.name(),
                        "role": role_name(r.role), "title": r.title, "explains": r.explains,
                        "origin": r.origin,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// `rules explain ID`: the rule's runbook text.
pub fn render_explain(r: &CompiledRule, out: &mut dyn Write) -> std::io::Result<()> {
    let w = |t: &str| wrap(t, "  ", 100);
    let mut text = format!(
        "{id}  ({sev} {role}, category {cat}, from {origin})\n{title}\n",
        id = r.id,
        sev = r.severity.name(),
        role = role_name(r.role),
        cat = r.category,
        origin = r.origin,
        title = r.title,
    );
    let d = &r.doc;
    text.push_str(&format!(
        "\nWhat it detects:\n{}\nWhy it matters:\n{}\nExample evidence:\n{}\nFalse positives:\n{}",
        w(&d.detects),
        w(&d.why),
        w(&d.example),
        w(&d.false_positives)
    ));
    text.push_str(&format!(
        "\nIn a report:\n{}\nWhat to do:\n{}\nCan explain: {}\n",
        w(&r.explanation),
        w(&r.remediation),
        if r.explains.is_empty() {
            "-".to_string()
        } else {
            r.explains.join(", ")
        }
    ));
    out.write_all(text.as_bytes())
}

/// `rules check`: one line per fixture (and per rule without any), then
/// the totals. `results` holds each rule's fixture results, in rule order.
pub fn render_check(
    rules: &[CompiledRule],
    results: &[Vec<FixtureResult>],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut count = 0;
    let mut all_ok = true;
    for (r, res) in rules.iter().zip(results) {
        if r.fixtures.is_empty() {
            writeln!(out, "warn  {:<32} no fixtures", r.id)?;
        }
        for res in res {
            count += 1;
            all_ok &= res.passed;
            if res.passed {
                writeln!(out, "ok    {:<32} {}", res.rule, res.fixture)?;
            } else {
                writeln!(out, "FAIL  {:<32} {}: {}", res.rule, res.fixture, res.detail)?;
            }
        }
    }
    writeln!(
        out,
        "{} rules valid; {count} fixtures, {}",
        rules.len(),
        if all_ok { "all passed" } else { "some FAILED" }
    )
}
