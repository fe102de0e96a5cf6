//! `logsleuth compare`: read a baseline capture and an incident capture,
//! compare them, render the comparison through the output gate, and decide
//! the exit outcome from `--fail-on`.

use std::io::Write;

use crate::analyze::compare::gate;
use crate::cli::args::CompareArgs;
use crate::cli::options::{parse_window, prepare, use_color};
use crate::cli::{warn_unchecked, Outcome};
use crate::error::{Error, Result};
use crate::report::{self, OutputFormat};

/// Run `compare`. Errors about individual inputs go to `errors_out`, one
/// line each, and so do the changes that trip `--fail-on`.
pub fn run_compare(args: &CompareArgs, errors_out: &mut dyn Write) -> Result<Outcome> {
    let conditions = args
        .fail_on
        .as_deref()
        .map(gate::parse)
        .transpose()
        .map_err(Error::Usage)?;
    if args.input.inputs.is_empty() {
        return Err(Error::Usage(
            "compare: no incident inputs; name them before --baseline, or after `--` \
             (logsleuth compare bad.har --baseline good.har)"
                .into(),
        ));
    }
    let (pool, opts) = prepare(&args.input, errors_out)?;
    let mut incident = opts.read.clone();
    if let Some(w) = &args.window {
        if incident.since.is_some() || incident.until.is_some() {
            return Err(Error::Usage(
                "--window and --since/--until both slice the incident: use one".into(),
            ));
        }
        (incident.since, incident.until) = parse_window("--window", w)?;
    }
    let mut baseline = opts.read.clone();
    baseline.inputs = args.baseline.clone();
    (baseline.since, baseline.until) = match &args.baseline_window {
        Some(w) => parse_window("--baseline-window", w)?,
        None => (None, None),
    };
    let compared = pool.install(|| crate::app::compare(&baseline, &incident))?;
    for e in &compared.errors {
        let _ = writeln!(errors_out, "error: {e}");
    }
    for (read, side) in [
        (compared.read_any.0, "baseline"),
        (compared.read_any.1, "incident"),
    ] {
        if !read {
            let _ = writeln!(
                errors_out,
                "error: no {side} input could be read; nothing to compare"
            );
        }
    }
    if !(compared.read_any.0 && compared.read_any.1) {
        return Ok(Outcome::InputErrors);
    }
    // A side without a request (a window that misses it, logs of
    // something else) leaves nothing to compare: say so, not "no change".
    let sides = [
        (&compared.comparison.baseline, "baseline", "--baseline-window"),
        (&compared.comparison.incident, "incident", "--window"),
    ];
    let mut empty = false;
    for (side, name, window) in sides {
        if side.requests == 0 {
            empty = true;
            let _ = writeln!(
                errors_out,
                "error: the {name} holds no request{}; nothing to compare",
                if args.window.is_some() || args.baseline_window.is_some() {
                    format!(" (check {window}, --since and --until against its times)")
                } else {
                    String::new()
                }
            );
        }
    }
    if empty {
        return Ok(Outcome::InputErrors);
    }
    let color = use_color(args.color, args.output.is_some()) && args.format == OutputFormat::Text;
    crate::util::stats::stage("render", || {
        report::output::emit(args.output.as_deref(), |w| {
            report::compare::render(&compared.comparison, args.format, color, w)
        })
    })?;
    warn_unchecked(errors_out);
    if !compared.errors.is_empty() {
        return Ok(Outcome::InputErrors);
    }
    let tripped = conditions.map_or_else(Vec::new, |c| gate::tripped(&c, &compared.comparison));
    for t in &tripped {
        let _ = writeln!(errors_out, "fail-on: {t}");
    }
    Ok(if tripped.is_empty() {
        Outcome::Clean
    } else {
        Outcome::FailOn
    })
}
