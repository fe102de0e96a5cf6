//! The pipeline recipe: inputs → events → one timeline → findings →
//! ranked causes → report. Each step is one stage's entry point; this
//! module only chains them. Per-input failures are collected, not fatal:
//! the other inputs are still analysed and the caller learns what failed.

use std::path::PathBuf;

use crate::analyze::correlate::Links;
use crate::analyze::order::{self, Ordered};
use crate::error::{Error, Result};
use crate::input::read::{self, Request};
use crate::model::report::{Correlation, Report};
use crate::model::{Event, SourceInfo};
use crate::normalize::template::Miner;
use crate::util::stats::stage;
use crate::{analyze, input, redact, report, rules};

/// Options for [`analyze`] and [`load`] that do not concern output.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// What to read and how.
    pub read: Request,
    /// Extra rule directories.
    pub rule_dirs: Vec<PathBuf>,
    /// A good capture to compare with (`analyze --baseline`).
    pub baseline: Option<Request>,
}

impl AnalyzeOptions {
    /// Read `inputs` with the defaults, without a progress bar.
    pub fn of_inputs(inputs: Vec<String>) -> AnalyzeOptions {
        AnalyzeOptions {
            read: Request {
                inputs,
                quiet: true,
                ..Request::default()
            },
            rule_dirs: Vec::new(),
            baseline: None,
        }
    }
}

/// The analysis before rendering: the report plus the per-input errors.
#[derive(Debug)]
pub struct Analysis {
    /// The report.
    pub report: Report,
    /// Inputs that were rejected, one error each.
    pub errors: Vec<Error>,
}

/// The inputs read, joined, on one clock and in time order: what every
/// command that does not rank causes starts from.
#[derive(Debug)]
pub struct Loaded {
    /// Events in timeline order.
    pub events: Vec<Event>,
    /// The inputs that were read.
    pub sources: Vec<SourceInfo>,
    /// Inputs that were rejected, one error each.
    pub errors: Vec<Error>,
    /// Joins and clock corrections.
    pub correlation: Correlation,
    /// Error templates, with each failure's template assigned.
    pub miner: Miner,
    /// Records of one request or trace.
    pub links: Links,
}

/// Read the inputs and put them on one timeline. The fingerprint key is
/// derived from the inputs and the output gate starts gathering secrets
/// before the first byte is parsed.
fn ordered(req: &Request) -> (Ordered, Vec<Error>) {
    let mut errors = Vec::new();
    let specs = read::specs(req, &mut errors);
    redact::set_key(&input::load::key_material(&specs));
    report::output::begin();
    order::order(read::read(&specs, req, errors))
}

/// Read, parse, join and order the inputs, and link the records of each
/// request or trace.
pub fn load(opts: &AnalyzeOptions) -> Result<Loaded> {
    let (o, errors) = ordered(&opts.read);
    let links = stage("links", || Links::from_keys(&o.events, &o.keys));
    let mut correlation = o.correlation;
    correlation.joined_requests = links.joined(&o.events) as u64;
    Ok(Loaded {
        events: o.events,
        sources: o.sources,
        errors,
        correlation,
        miner: o.miner,
        links,
    })
}

/// Run the pipeline up to the report.
pub fn analyze(opts: &AnalyzeOptions) -> Result<Analysis> {
    let rules = rules::load(&opts.rule_dirs)?;
    let Some(good) = &opts.baseline else {
        let (o, errors) = ordered(&opts.read);
        let analyzed = analyze::run(&rules, &o);
        let report = report::build::build(&o, analyzed.found, opts.read.parse.tz_offset_s);
        free_later((o, analyzed.links, analyzed.findings));
        return Ok(Analysis { report, errors });
    };
    let (b, o, errors) = ordered_pair(good, &opts.read);
    let comparison = analyze::compare::compare(capture(&b), capture(&o));
    let base_findings = stage("baseline capture: rules", || {
        rules::evaluate(&rules, &b.events, &b.sources)
    });
    let against = analyze::baseline::Baseline {
        findings: &base_findings,
        comparison: &comparison,
    };
    let analyzed = analyze::run_against(&rules, &o, Some(against));
    let mut report = report::build::build(&o, analyzed.found, opts.read.parse.tz_offset_s);
    report.comparison = Some(comparison);
    free_later((b, o, base_findings, analyzed.links, analyzed.findings));
    Ok(Analysis { report, errors })
}

/// Free what a run built on another thread: the events are most of what
/// it holds (a third of the input's size), and freeing them is a pass over
/// every one and a return of every page, which the report does not wait
/// for. If no thread can be started, it is dropped here.
fn free_later<T: Send + 'static>(run: T) {
    let _ = std::thread::Builder::new()
        .name("logsleuth-free".into())
        .spawn(move || drop(run));
}

fn capture(o: &Ordered) -> analyze::compare::Capture<'_> {
    analyze::compare::Capture {
        events: &o.events,
        sources: &o.sources,
    }
}

/// Read a baseline capture and an incident capture, each on its own
/// timeline. The fingerprint key is derived from both sides' inputs, so a
/// secret has one fingerprint in the whole output, and the output gate
/// gathers the secrets of both.
fn ordered_pair(baseline: &Request, incident: &Request) -> (Ordered, Ordered, Vec<Error>) {
    let mut errors = Vec::new();
    let specs_b = read::specs(baseline, &mut errors);
    let specs_i = read::specs(incident, &mut errors);
    let mut key = input::load::key_material(&specs_b);
    key.extend(input::load::key_material(&specs_i));
    redact::set_key(&key);
    report::output::begin();
    let (b, mut errors) = order::order(read::read(&specs_b, baseline, errors));
    let (i, errors_i) = order::order(read::read(&specs_i, incident, Vec::new()));
    errors.extend(errors_i);
    // Each read counted its own side; `--stats` reports both.
    crate::util::stats::set_input_bytes(read::total_bytes(&specs_b) + read::total_bytes(&specs_i));
    (b, i, errors)
}

/// A comparison before rendering, with the per-input errors of both sides.
#[derive(Debug)]
pub struct Compared {
    /// What changed.
    pub comparison: crate::model::comparison::Comparison,
    /// Inputs that were rejected, one error each (baseline first).
    pub errors: Vec<Error>,
    /// Whether each side read at least one input: (baseline, incident).
    pub read_any: (bool, bool),
}

/// Read a baseline capture and an incident capture, each on its own
/// timeline, and compare them. The fingerprint key is derived from both
/// sides' inputs, so a secret has one fingerprint in the whole output.
pub fn compare(baseline: &Request, incident: &Request) -> Result<Compared> {
    let (b, i, errors) = ordered_pair(baseline, incident);
    let comparison = analyze::compare::compare(capture(&b), capture(&i));
    let read_any = (!b.sources.is_empty(), !i.sources.is_empty());
    free_later((b, i));
    Ok(Compared {
        comparison,
        errors,
        read_any,
    })
}
