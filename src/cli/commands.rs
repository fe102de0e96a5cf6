//! The commands that read inputs: `analyze`, `export`, `timeline` and
//! `trace`. Each prepares its options, runs the pipeline (or the part it
//! needs) and hands the result to a renderer through the output gate.

use std::io::Write;

use crate::app::{analyze, load};
use crate::cli::args::{AnalyzeArgs, ExportArgs, TimelineArgs, TraceArgs};
use crate::cli::options::{prepare, severity_of, use_color};
use crate::cli::{outcome_of, report_errors, warn_unchecked, Outcome};
use crate::error::{Error, Result};
use crate::model::OptionStr;
use crate::report::{self, OutputFormat};

/// `logsleuth analyze`: analyse, render, and decide the exit outcome.
/// Errors about individual inputs go to `errors_out`, one line each.
pub fn run_analyze(args: &AnalyzeArgs, errors_out: &mut dyn Write) -> Result<Outcome> {
    use crate::util::stats::stage;
    let (pool, mut opts) = prepare(&args.input, errors_out)?;
    if !args.baseline.is_empty() {
        if args.input.inputs.is_empty() {
            return Err(Error::Usage(
                "analyze --baseline: no incident inputs; name them before --baseline, or after `--`".into(),
            ));
        }
        opts.baseline = Some(crate::input::read::Request {
            inputs: args.baseline.clone(),
            since: None,
            until: None,
            ..opts.read.clone()
        });
    }
    let analysis = pool.install(|| analyze(&opts))?;
    for e in &analysis.errors {
        // Ignore a closed stderr: the exit code still tells.
        let _ = writeln!(errors_out, "error: {e}");
    }
    if analysis.report.inputs.is_empty() && !analysis.errors.is_empty() {
        return Ok(Outcome::InputErrors);
    }
    let color = use_color(args.color, args.output.is_some()) && args.format == OutputFormat::Text;
    stage("render", || {
        crate::report::output::emit(args.output.as_deref(), |w| {
            report::render(&analysis.report, args.format, color, args.explain, w)
        })
    })?;
    warn_unchecked(errors_out);
    if !analysis.errors.is_empty() {
        return Ok(Outcome::InputErrors);
    }
    let fail = args.fail_on.is_some_and(|min| {
        analysis
            .report
            .root_causes
            .iter()
            .any(|c| severity_of(&c.severity) >= Some(min))
    });
    Ok(if fail { Outcome::FailOn } else { Outcome::Clean })
}

/// `logsleuth export`: the normalized event table, by the output's extension.
#[cfg(feature = "export")]
pub fn run_export(args: &ExportArgs, errors_out: &mut dyn Write) -> Result<Outcome> {
    use crate::report::export::{self, ExportFormat};
    use crate::report::table;
    let format = ExportFormat::of(&args.output).ok_or_else(|| {
        Error::Usage(format!(
            "--output {}: the extension must be .parquet, .csv, .ndjson or .jsonl",
            args.output.display()
        ))
    })?;
    let (pool, opts) = prepare(&args.input, errors_out)?;
    let loaded = pool.install(|| load(&opts))?;
    if report_errors(&loaded.errors, !loaded.sources.is_empty(), errors_out) {
        return Ok(Outcome::InputErrors);
    }
    let mut frame = pool.install(|| table::build(&loaded.events, &loaded.sources))?;
    // The output gate, on the cells before a writer encodes or compresses them.
    table::scrub(&mut frame, crate::report::output::scrub)?;
    let leaks = table::survivors(&frame, |v| crate::report::output::leaks(v.as_bytes()));
    if !leaks.is_empty() {
        return Err(crate::report::output::refuse(&args.output, leaks.len(), leaks));
    }
    warn_unchecked(errors_out);
    let write_err = |source| Error::Output {
        path: args.output.clone(),
        source,
    };
    let mut file = std::fs::File::create(&args.output).map_err(write_err)?;
    export::write(&mut frame, format, &mut file).map_err(|e| write_err(std::io::Error::other(e)))?;
    Ok(outcome_of(&loaded.errors))
}

/// `logsleuth export` in a build without the `export` feature.
#[cfg(not(feature = "export"))]
pub fn run_export(_args: &ExportArgs, _errors_out: &mut dyn Write) -> Result<Outcome> {
    Err(Error::Usage(
        "export: this logsleuth was built without the `export` feature (cargo build --features export)"
            .into(),
    ))
}

/// `logsleuth timeline`: the incident timeline on its own.
pub fn run_timeline(args: &TimelineArgs, errors_out: &mut dyn Write) -> Result<Outcome> {
    let (pool, opts) = prepare(&args.input, errors_out)?;
    let analysis = pool.install(|| analyze(&opts))?;
    if report_errors(&analysis.errors, !analysis.report.inputs.is_empty(), errors_out) {
        return Ok(Outcome::InputErrors);
    }
    crate::report::output::emit(args.output.as_deref(), |w| {
        report::timeline::render(&analysis.report.timeline, args.format, w)
    })?;
    Ok(outcome_of(&analysis.errors))
}

/// `logsleuth trace ID`: one trace or request across every input.
pub fn run_trace(args: &TraceArgs, errors_out: &mut dyn Write) -> Result<Outcome> {
    let (pool, opts) = prepare(&args.input, errors_out)?;
    let loaded = pool.install(|| load(&opts))?;
    if report_errors(&loaded.errors, !loaded.sources.is_empty(), errors_out) {
        return Ok(Outcome::InputErrors);
    }
    let events = &loaded.events;
    // Trace ids compare on their low 64 bits, as joins do.
    let wanted = crate::normalize::trace::canon_trace_any(&args.id);
    let wanted = wanted.as_deref().map(crate::normalize::join::trace_key);
    let id = args.id.trim();
    let mut group: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            (wanted.is_some() && e.trace_id.as_deref().map(crate::normalize::join::trace_key) == wanted)
                || e.request_id().as_str() == Some(id)
        })
        .map(|(i, _)| i)
        .collect();
    // The same request's records joined through its other id.
    let linked: Vec<usize> = group.iter().flat_map(|&i| loaded.links.of(events, i)).collect();
    group.extend(linked);
    group.sort_unstable();
    group.dedup();
    let hops = crate::analyze::traces::hops(events, &loaded.sources, &group);
    let color = use_color(args.color, false);
    crate::report::output::emit(None, |w| report::text::render_trace(id, &hops, color, w))?;
    Ok(if hops.is_empty() {
        Outcome::FailOn
    } else if loaded.errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::InputErrors
    })
}
