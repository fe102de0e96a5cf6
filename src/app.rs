//! The pipeline recipe, and the only module that knows every stage:
//! inputs → events → table → findings → ranked causes → report → renderer.
//! Per-input failures are collected, not fatal: the other inputs are still
//! analysed and the exit code says that something failed.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::analyze::correlate;
use crate::analyze::evidence;
use crate::analyze::rank;
use crate::analyze::series;
use crate::analyze::spike;
use crate::analyze::timeline;
use crate::analyze::traces;
use crate::cli::{AnalyzeArgs, ColorChoice, InputArgs};
use crate::error::{Error, Result};
use crate::input::demo;
use crate::input::{self, InputSpec};
use crate::model::OptionStr;
use crate::model::{Event, Format, SourceId, SourceInfo};
use crate::normalize::time::format_ns;
use crate::report::{self, InputReport, Issue, OutputFormat, Report, Summary};
use crate::rules::{self, CompiledRule, Severity};
use crate::util::progress;
use rayon::prelude::*;

/// Failed requests listed in the report (the HTML table); all are counted.
const FAILED_REQUESTS_LISTED: usize = 2_000;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Analysed everything; nothing at or above `--fail-on`.
    Clean,
    /// A root cause at or above `--fail-on` was found.
    FailOn,
    /// Some input could not be analysed.
    InputErrors,
}

/// The analysis before rendering: the report plus the per-input errors.
#[derive(Debug)]
pub struct Analysis {
    /// The report.
    pub report: Report,
    /// Inputs that were rejected, one error each.
    pub errors: Vec<Error>,
}

/// Options for [`analyze`] that do not concern output.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// Inputs as given; empty means the demo.
    pub inputs: Vec<String>,
    /// How to open inputs: memory maps, the in-memory cap.
    pub open: input::OpenOptions,
    /// Hide the progress bar.
    pub quiet: bool,
    /// Extra rule directories.
    pub rule_dirs: Vec<PathBuf>,
    /// How to read inputs (field mappings, zone for zone-less times).
    pub input: input::Options,
    /// Drop events before this time (UTC ns).
    pub since: Option<i64>,
    /// Drop events at or after this time (UTC ns).
    pub until: Option<i64>,
}

/// The most frequent error templates, with when they were first and last
/// seen and the first record of each.
fn top_templates(
    miner: &crate::normalize::template::Miner,
    occurrences: &[Option<crate::normalize::template::Occurrence>],
    events: &[Event],
    sources: &[SourceInfo],
) -> Vec<report::ErrorTemplate> {
    let mut order: Vec<usize> = (0..miner.templates.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(miner.templates[i].count), i));
    order
        .into_iter()
        .take(10)
        .filter_map(|i| {
            let o = occurrences.get(i).copied().flatten()?;
            let f = o.first;
            Some(report::ErrorTemplate {
                template: crate::redact::text(&miner.templates[i].text()).into_owned(),
                count: miner.templates[i].count,
                first_seen: events[f].ts_ns().map(format_ns),
                last_seen: o.last_ts.map(format_ns),
                evidence: crate::analyze::evidence::plain(events, sources, f),
            })
        })
        .collect()
}

fn zone_name(offset_s: i32) -> String {
    if offset_s == 0 {
        return "UTC".into();
    }
    let sign = if offset_s < 0 { '-' } else { '+' };
    let a = offset_s.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

fn data_quality_notes(
    events: &[Event],
    sources: &[SourceInfo],
    tz_offset_s: i32,
    joined: u64,
) -> Vec<String> {
    // One parallel pass for every count and every "does any event have it".
    #[derive(Default)]
    struct Seen {
        tz: usize,
        guessed: usize,
        no_ts: usize,
        durations: bool,
        ids: bool,
        bodies: bool,
        versions: bool,
    }
    let seen = events
        .par_iter()
        .fold(Seen::default, |mut n, e| {
            n.tz += usize::from(e.ts_tz_assumed());
            n.guessed += usize::from(e.duration_unit_guessed());
            n.no_ts += usize::from(e.ts_ns().is_none());
            n.durations |= e.duration_ms().is_some();
            n.ids |= e.trace_id.is_some() || e.request_id().is_some();
            n.bodies |= e.body_fields().is_some();
            n.versions |= e.service_version().is_some();
            n
        })
        .reduce(Seen::default, |a, b| Seen {
            tz: a.tz + b.tz,
            guessed: a.guessed + b.guessed,
            no_ts: a.no_ts + b.no_ts,
            durations: a.durations || b.durations,
            ids: a.ids || b.ids,
            bodies: a.bodies || b.bodies,
            versions: a.versions || b.versions,
        });
    let mut notes = Vec::new();
    let tz = seen.tz;
    if tz > 0 {
        notes.push(format!(
            "{tz} events had timestamps without a time zone; they were read as {} (set with --tz).",
            zone_name(tz_offset_s)
        ));
    }
    let guessed = seen.guessed;
    if guessed > 0 {
        notes.push(format!(
            "{guessed} events had a `duration` field whose unit was inferred \
             (an integer was read as milliseconds, a fraction as seconds); use --map duration_ms=PATH if that is wrong."
        ));
    }
    let no_ts = seen.no_ts;
    if no_ts > 0 {
        notes.push(format!(
            "{no_ts} events had no usable timestamp; they are counted but not placed on the timeline."
        ));
    }
    // Rules that had nothing to work with.
    if !events.is_empty() {
        if !seen.durations {
            notes.push(
                "No input has request durations, so latency percentiles and slow-request analysis were not possible."
                    .into(),
            );
        }
        if !seen.ids {
            notes.push(
                "No input has trace or request ids, so requests could not be followed across services or inputs; \
                 causes were related by time, host and HTTP semantics only."
                    .into(),
            );
        } else if sources.len() > 1 && joined == 0 {
            notes.push(
                "The inputs share no trace or request ids, so their clocks could not be compared; times are as logged."
                    .into(),
            );
        }
        if !seen.bodies {
            notes.push(
                "No JSON response bodies were captured, so response-shape drift could not be checked.".into(),
            );
        }
        if !seen.versions {
            notes.push("No service versions were logged, so failures could not be tied to a deploy.".into());
        }
    }
    for s in sources.iter().filter(|s| s.format == Format::Har) {
        if s.stats.credentialed > 0 || s.stats.events == 0 {
            continue;
        }
        let unauth = events
            .iter()
            .filter(|e| e.source == s.id && matches!(e.status, Some(401 | 403)))
            .count();
        let seen = if unauth > 0 {
            format!(" ({unauth} responses were 401 or 403; only WWW-Authenticate challenges could be read)")
        } else {
            String::new()
        };
        notes.push(format!(
            "{}: no entry carries an Authorization, Cookie or Set-Cookie header: it was probably \
             exported sanitized, so the auth rules (token expiry, clock skew, invalid credentials) \
             could not see the evidence they need{seen}. A HAR exported with sensitive data, then \
             passed through `logsleuth sanitize`, keeps that evidence as fingerprints.",
            s.display
        ));
    }
    notes
}

/// The report's view of the clock estimates, with evidence pointers taken
/// before the events are re-ordered.
fn correlation_report(
    skews: &[correlate::Skew],
    events: &[Event],
    sources: &[SourceInfo],
) -> report::Correlation {
    let name = |id: crate::model::SourceId| {
        sources
            .get(id.0 as usize)
            .map_or_else(String::new, |s| s.display.clone())
    };
    let clocks = skews
        .iter()
        .map(|s| {
            let offset_s = s.offset_ns as f64 / 1e9;
            let direction = if offset_s >= 0.0 { "ahead" } else { "behind" };
            let action = if s.corrected {
                format!("its times were corrected by {:+.3} s", -offset_s)
            } else {
                "within network latency, so not corrected".to_string()
            };
            report::ClockSkew {
                input: name(s.source),
                against: name(s.against),
                pairs: s.pairs,
                matched_on: s.keys.to_string(),
                offset_s: (offset_s * 1000.0).round() / 1000.0,
                spread_ms: (s.spread_ns as f64 / 1e6 * 10.0).round() / 10.0,
                corrected: s.corrected,
                text: format!(
                    "{} clock {:+.1} s against {}: {:.1} s {direction}, the median of {} requests matched by {}; {action}.",
                    name(s.source),
                    offset_s,
                    name(s.reference),
                    offset_s.abs(),
                    s.pairs,
                    s.keys
                ),
                examples: s
                    .examples
                    .iter()
                    .map(|&(a, b)| [evidence::plain(events, sources, a), evidence::plain(events, sources, b)])
                    .collect(),
            }
        })
        .collect();
    report::Correlation {
        reference: skews.first().map(|s| name(s.reference)),
        joined_requests: 0,
        clocks,
    }
}

/// Bytes that identify this run's inputs, for the fingerprint key: each
/// file's size and its first and last 64 KiB (read, not parsed), each
/// embedded input whole. Standard input adds only its name.
fn key_material(specs: &[InputSpec]) -> Vec<u8> {
    use std::io::{Read, Seek, SeekFrom};
    const SAMPLE: u64 = 64 * 1024;
    let mut m = Vec::new();
    for spec in specs {
        match spec {
            // Only regular files are sampled: opening a FIFO would block, and
            // reading from a pipe or device would take its bytes from the parse.
            InputSpec::Path(p) if std::fs::metadata(p).is_ok_and(|m| m.is_file()) => {
                let Ok(mut f) = std::fs::File::open(p) else {
                    continue;
                };
                let len = f.metadata().map_or(0, |md| md.len());
                m.extend_from_slice(&len.to_le_bytes());
                let mut buf = Vec::new();
                let _ = (&mut f).take(SAMPLE).read_to_end(&mut buf);
                if len > 2 * SAMPLE && f.seek(SeekFrom::Start(len - SAMPLE)).is_ok() {
                    let _ = f.take(SAMPLE).read_to_end(&mut buf);
                }
                m.extend_from_slice(&buf);
            }
            InputSpec::Path(p) => m.extend_from_slice(p.as_os_str().as_encoded_bytes()),
            InputSpec::Stdin => m.extend_from_slice(b"<stdin>"),
            InputSpec::Embedded { name, bytes } => {
                m.extend_from_slice(name.as_bytes());
                m.extend_from_slice(bytes);
            }
        }
    }
    m
}

/// The inputs read, joined, on one clock and in time order: what every
/// command starts from.
#[derive(Debug)]
pub struct Loaded {
    /// Events in timeline order.
    pub events: Vec<Event>,
    /// The inputs that were read.
    pub sources: Vec<SourceInfo>,
    /// Inputs that were rejected, one error each.
    pub errors: Vec<Error>,
    /// Joins and clock corrections.
    pub correlation: report::Correlation,
    /// Error templates, with each failure's template assigned.
    pub miner: crate::normalize::template::Miner,
    /// Records of one request or trace.
    pub links: correlate::Links,
}

/// Read, parse, join and order the inputs, and link the records of each
/// request or trace.
pub fn load(opts: &AnalyzeOptions) -> Result<Loaded> {
    let mut u = load_unlinked(opts)?;
    let links = crate::util::stats::stage("links", || correlate::Links::from_keys(&u.events, &u.keys));
    u.correlation.joined_requests = links.joined(&u.events) as u64;
    Ok(Loaded {
        events: u.events,
        sources: u.sources,
        errors: u.errors,
        correlation: u.correlation,
        miner: u.miner,
        links,
    })
}

/// [`Loaded`] before the links are built: `analyze` builds them beside the
/// rules, which do not read them, so that the serial part of linking
/// overlaps the rules' parallel work.
struct Unlinked {
    events: Vec<Event>,
    sources: Vec<SourceInfo>,
    errors: Vec<Error>,
    /// Without `joined_requests`, which needs the links.
    correlation: report::Correlation,
    miner: crate::normalize::template::Miner,
    /// The events' join keys, for the links and the trace count.
    keys: correlate::KeyIndex,
    /// The events' time range; they are in time order.
    extent: crate::model::Extent,
    /// Where each template occurs.
    occurrences: Vec<Option<crate::normalize::template::Occurrence>>,
}

/// [`load`] up to the links.
fn load_unlinked(opts: &AnalyzeOptions) -> Result<Unlinked> {
    let mut errors = Vec::new();
    let specs: Vec<InputSpec> = if opts.inputs.is_empty() {
        demo::inputs()
    } else {
        input::discover(&opts.inputs)
            .into_iter()
            .filter_map(|r| r.map_err(|e| errors.push(e)).ok())
            .collect()
    };
    let total: u64 = specs
        .iter()
        .map(|s| match s {
            InputSpec::Path(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum();
    crate::util::stats::set_input_bytes(total);
    crate::redact::set_key(&key_material(&specs));
    crate::cli::output::begin();
    let bar = progress::bar(total, opts.quiet);

    let mut sources: Vec<SourceInfo> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    // The join keys' hashes, while every input's parser took them.
    let mut key_hashes: Option<Vec<u64>> = Some(Vec::new());
    for spec in &specs {
        if let InputSpec::Path(p) = spec {
            bar.set_message(p.display().to_string());
        }
        let id = SourceId(sources.len() as u32);
        let parsed = crate::util::stats::stage("read+parse", || {
            input::load::open(spec, &opts.open)
                .and_then(|loaded| input::parse(id, &loaded.keep(), &opts.input))
        });
        match parsed {
            Ok(mut p) => {
                bar.inc(p.info.bytes);
                if opts.since.is_some() || opts.until.is_some() {
                    let before = p.events.len();
                    p.events.retain(|e| match e.ts_ns() {
                        Some(t) => opts.since.is_none_or(|s| t >= s) && opts.until.is_none_or(|u| t < u),
                        None => false,
                    });
                    p.info.stats.filtered = (before - p.events.len()) as u64;
                }
                p.info.stats.events = p.events.len() as u64;
                // A parser's hashes hold only while all its events are kept.
                match (&mut key_hashes, p.key_hashes.take()) {
                    (Some(all), Some(h)) if p.info.stats.filtered == 0 => {
                        if all.is_empty() {
                            *all = h;
                        } else {
                            all.extend(h);
                        }
                    }
                    _ => key_hashes = None,
                }
                sources.push(p.info);
                if events.is_empty() {
                    events = p.events;
                } else {
                    events.extend(p.events);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    bar.finish_and_clear();
    // Join the inputs and put them on one clock before anything reads time.
    let skews = crate::util::stats::stage("clock estimate", || correlate::estimate(&events, &sources));
    let correlation = correlation_report(&skews, &events, &sources);
    correlate::apply(&mut events, &mut sources, &skews);
    // One timeline across inputs: order by time (events without one last),
    // keeping input order among equals. Exports sorted newest-first too.
    // The extent's parallel pass tells whether the events are in order
    // already (one input, written in time order, usually is).
    let time_key = |e: &Event| (e.ts_ns().is_none(), e.ts_ns());
    let extent = crate::util::stats::stage("sort", || {
        let extent = crate::model::Extent::of(&events);
        if !extent.sorted {
            events.sort_by_key(time_key);
        }
        // Sorting moves events, not their times: the range stands.
        crate::model::Extent {
            sorted: true,
            ..extent
        }
    });
    // The join keys do not depend on the templates: hashed meanwhile.
    let ((miner, of), keys) = rayon::join(
        || crate::util::stats::stage("templates", || crate::normalize::template::mine(&events)),
        || {
            crate::util::stats::stage("join keys", || match key_hashes {
                Some(h) => correlate::KeyIndex::with_hashes(&events, h),
                None => correlate::KeyIndex::of(&events),
            })
        },
    );
    crate::normalize::template::apply(&mut events, &of);
    let occurrences = crate::normalize::template::occurrences(&events, &of, miner.templates.len());
    Ok(Unlinked {
        events,
        sources,
        errors,
        correlation,
        keys,
        miner,
        extent,
        occurrences,
    })
}

/// Run the pipeline up to the report.
pub fn analyze(opts: &AnalyzeOptions) -> Result<Analysis> {
    let rules: Vec<CompiledRule> = rules::load(&opts.rule_dirs)?;
    let Unlinked {
        events,
        sources,
        errors,
        mut correlation,
        miner,
        keys,
        extent,
        occurrences,
    } = load_unlinked(opts)?;
    let templates: Vec<(String, u64)> = miner.templates.iter().map(|t| (t.text(), t.count)).collect();
    use crate::util::stats::stage;

    // The links, the table and the rules read the same events; build them
    // side by side (the rules do not read the links).
    let ((links, ((sums, baseline), blame)), mut findings) = rayon::join(
        || {
            let links = stage("links", || correlate::Links::from_keys(&events, &keys));
            let rest = rayon::join(
                || {
                    rayon::join(
                        || stage("summary", || series::summary(&events, &keys, extent)),
                        || {
                            stage("culprit baseline", || {
                                crate::analyze::culprit::Baseline::of(&events)
                            })
                        },
                    )
                },
                || stage("trace blame", || traces::blame(&events, &sources, &links)),
            );
            (links, rest)
        },
        || {
            stage("rules", || {
                rules::evaluate_within(&rules, &events, &sources, extent)
            })
        },
    );
    correlation.joined_requests = links.joined(&events) as u64;
    stage("culprits", || {
        crate::analyze::culprit::attribute(&rules, &mut findings, &events, &baseline)
    });
    let ctx = evidence::Ctx {
        events: &events,
        sources: &sources,
        links: Some(&links),
    };
    let ranked = stage("rank", || rank::rank(&rules, &findings, &ctx, &links, &blame));
    // The story and the tallies read the same events independently.
    let spike_of = || {
        ranked.first().and_then(|top| {
            let mut idx: Vec<usize> = findings[top.root].events.clone();
            for &s in &top.symptoms {
                idx.extend(findings[s].events.iter().copied());
            }
            let f = &findings[top.root];
            let start = f.onset_ts.or(f.first_ts)?;
            let end = idx.iter().filter_map(|&i| events[i].ts_ns()).max()?;
            spike::explain(&events, start, end, &templates, extent.sorted)
        })
    };
    let ((timeline, spike), ((series, affected), (failed_requests, notes))) = stage("story+tallies", || {
        rayon::join(
            || {
                rayon::join(
                    || {
                        stage("timeline", || {
                            timeline::build(&rules, &findings, &ranked, ctx, &templates, &occurrences)
                        })
                    },
                    || stage("spike", spike_of),
                )
            },
            || {
                rayon::join(
                    || {
                        rayon::join(
                            || stage("series", || series::build(&events, extent)),
                            || stage("affected", || series::affected(&events)),
                        )
                    },
                    || {
                        rayon::join(
                            || {
                                stage("failed requests", || {
                                    series::failed_requests(&events, &sources, FAILED_REQUESTS_LISTED)
                                })
                            },
                            || {
                                data_quality_notes(
                                    &events,
                                    &sources,
                                    opts.input.tz_offset_s,
                                    correlation.joined_requests,
                                )
                            },
                        )
                    },
                )
            },
        )
    });
    let mut root_causes: Vec<report::Cause> = ranked
        .into_iter()
        .map(|r| {
            let mut idx = findings[r.root].events.clone();
            for &s in &r.symptoms {
                idx.extend(findings[s].events.iter().copied());
            }
            idx.sort_unstable();
            idx.dedup();
            let mut c = r.cause;
            c.sparkline = series::counts(&events, &idx, &series);
            c
        })
        .collect();
    if root_causes.is_empty() {
        // Failures that stand out never end with no answer at all.
        if let Some((mut c, idx)) = crate::analyze::fallback::unexplained(&ctx) {
            c.sparkline = series::counts(&events, &idx, &series);
            root_causes.push(c);
        }
    }
    let mut notes = notes;
    notes.extend(correlation.clocks.iter().map(|c| c.text.clone()));
    let error_templates = top_templates(&miner, &occurrences, &events, &sources);

    let inputs = sources
        .iter()
        .map(|s| InputReport {
            path: s.display.clone(),
            format: s.format.name().to_string(),
            dialect: s.dialect.clone(),
            bytes: s.bytes,
            records: s.stats.records,
            events: s.stats.events,
            skipped: s.stats.skipped,
            filtered: s.stats.filtered,
            issues: s
                .stats
                .issues
                .iter()
                .map(|i| Issue {
                    locator: i.locator.to_string(),
                    offset: i.offset,
                    reason: i.reason.clone(),
                })
                .collect(),
            notes: s.stats.notes.clone(),
        })
        .collect();
    let report = Report {
        schema_version: report::SCHEMA_VERSION,
        generator: format!("logsleuth {}", env!("CARGO_PKG_VERSION")),
        inputs,
        summary: Summary {
            events: sums.events,
            failures: sums.failures,
            first_ts: sums.first_ts.map(format_ns),
            last_ts: sums.last_ts.map(format_ns),
            traces: sums.traces,
        },
        root_causes,
        correlation,
        spike,
        series,
        affected,
        failed_requests,
        failed_requests_total: sums.failures,
        timeline,
        error_templates,
        notes,
    };
    // The events are most of what the run holds (a third of the input's
    // size); freeing them is a pass over every one and a return of every
    // page, which the report does not wait for. If no thread can be
    // started, the closure, and the events with it, are dropped here.
    let _ = std::thread::Builder::new()
        .name("logsleuth-free".into())
        .spawn(move || drop((events, findings, links, keys)));
    Ok(Analysis { report, errors })
}

fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// The thread pool and options of a command that reads inputs.
/// Load `--redact-config`.
fn redact_config(path: Option<&std::path::Path>) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let config: crate::redact::Config =
        toml::from_str(&text).map_err(|e| Error::Usage(format!("{}: {}", path.display(), e.message())))?;
    crate::redact::configure(&config).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
}

fn prepare(args: &InputArgs, errors_out: &mut dyn Write) -> Result<(rayon::ThreadPool, AnalyzeOptions)> {
    redact_config(args.redact_config.as_deref())?;
    crate::redact::set_disabled(args.unsafe_include_secrets);
    if args.unsafe_include_secrets {
        // The one warning that must not be missed; stderr, never the report.
        let _ = writeln!(
            errors_out,
            "warning: --unsafe-include-secrets: tokens, cookies, API keys and passwords from the inputs \
             will appear in the output; do not share it"
        );
    }
    if args.threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", args.threads.unwrap_or(0))))?;
    let opts = AnalyzeOptions {
        inputs: args.inputs.clone(),
        open: input::OpenOptions {
            mmap: !args.no_mmap,
            max_in_memory: args.max_decompressed,
        },
        quiet: args.quiet,
        rule_dirs: rules::dirs_with_project(&args.rules),
        input: input_options(args)?,
        since: args
            .since
            .as_deref()
            .map(|t| parse_time_arg("--since", t))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|t| parse_time_arg("--until", t))
            .transpose()?,
    };
    Ok((pool, opts))
}

/// `logsleuth analyze`: analyse, render, and decide the exit outcome.
/// Errors about individual inputs go to `errors_out`, one line each.
pub fn run_analyze(args: &AnalyzeArgs, errors_out: &mut dyn Write) -> Result<Outcome> {
    use crate::util::stats::stage;
    let (pool, opts) = prepare(&args.input, errors_out)?;
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
        crate::cli::output::emit(args.output.as_deref(), |w| {
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

/// Parse `--tz`: `UTC`, `Z`, or an offset like `+02:00`, `-0530`, `+2`.
pub fn parse_tz(s: &str) -> Option<i32> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
        return Some(0);
    }
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("utc"))
        .unwrap_or(t);
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => (rest.get(..2)?, rest.get(2..)?),
        None => (rest, "0"),
    };
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

fn parse_time_arg(flag: &str, s: &str) -> Result<i64> {
    crate::normalize::time::parse_text(s)
        .map(|p| p.ns)
        .ok_or_else(|| Error::Usage(format!("{flag}: {s:?} is not a time like 2024-05-01T10:00:00Z")))
}

/// Build the input options from `--map`, `--map-file` and `--tz`.
fn input_options(args: &InputArgs) -> Result<input::Options> {
    let mut pairs: Vec<(String, String, String)> = args
        .map
        .iter()
        .map(|m| (m.clone(), "--map".to_string(), m.clone()))
        .collect();
    if let Some(path) = &args.map_file {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        for (n, line) in text.lines().enumerate() {
            let l = line.split('#').next().unwrap_or("").trim();
            if !l.is_empty() {
                pairs.push((
                    l.to_string(),
                    format!("{}:{}", path.display(), n + 1),
                    l.to_string(),
                ));
            }
        }
    }
    let mut user = Vec::new();
    for (text, origin, _) in &pairs {
        let (name, path) = text.split_once('=').ok_or_else(|| {
            Error::Usage(format!(
                "{origin}: {text:?} is not NAME=PATH, e.g. status=resp.code"
            ))
        })?;
        user.push((name.trim().to_string(), path.trim().to_string()));
    }
    let map = input::json::fields::FieldMap::with_user(&user).map_err(|name| {
        let known: Vec<&str> = input::json::fields::Slot::ALL.iter().map(|s| s.name()).collect();
        Error::Usage(format!(
            "--map: unknown field name {name:?}; known names: {}",
            known.join(", ")
        ))
    })?;
    let tz_offset_s = parse_tz(&args.tz)
        .ok_or_else(|| Error::Usage(format!("--tz: {:?} is not UTC or an offset like +02:00", args.tz)))?;
    Ok(input::Options {
        map,
        tz_offset_s,
        backing: None,
    })
}

fn severity_of(name: &str) -> Option<Severity> {
    [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ]
    .into_iter()
    .find(|s| s.name() == name)
}

/// `logsleuth rules list|explain|check`. Returns whether everything checked passed.
pub fn run_rules(action: &crate::cli::RulesAction, dirs: &[PathBuf], out: &mut dyn Write) -> Result<bool> {
    let dirs = &rules::dirs_with_project(dirs);
    use crate::cli::{ListFormat, RulesAction};
    let werr = |source| Error::Output {
        path: PathBuf::from("-"),
        source,
    };
    match action {
        RulesAction::List { format } => {
            let rules = rules::load(dirs)?;
            match format {
                ListFormat::Text => {
                    for r in &rules {
                        writeln!(
                            out,
                            "{:<32} {:<9} {:<8} {}",
                            r.id,
                            r.severity.name(),
                            role_name(r.role),
                            r.title
                        )
                        .map_err(werr)?;
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
                    serde_json::to_writer_pretty(&mut *out, &list)
                        .map_err(|e| werr(std::io::Error::other(e)))?;
                    writeln!(out).map_err(werr)?;
                }
            }
            Ok(true)
        }
        RulesAction::Explain { id } => {
            let rules = rules::load(dirs)?;
            let Some(r) = rules.iter().find(|r| &r.id == id) else {
                return Err(Error::Usage(format!(
                    "no rule {id:?}; `logsleuth rules list` shows the ids"
                )));
            };
            let w = |t: &str| report::text::wrap(t, "  ", 100);
            let mut text = format!(
                "{id}  ({sev} {role}, category {cat}, from {origin})\n{title}\n",
                id = r.id,
                sev = r.severity.name(),
                role = role_name(r.role),
                cat = r.category,
                origin = r.origin,
                title = r.title,
            );
            if let Some(d) = &r.doc {
                text.push_str(&format!(
                    "\nWhat it detects:\n{}\nWhy it matters:\n{}\nExample evidence:\n{}\nFalse positives:\n{}",
                    w(&d.detects),
                    w(&d.why),
                    w(&d.example),
                    w(&d.false_positives)
                ));
            }
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
            out.write_all(text.as_bytes()).map_err(werr)?;
            Ok(true)
        }
        RulesAction::Check { dir } => {
            let rules = match dir {
                Some(d) => rules::load_dir(d)?,
                None => rules::load(dirs)?,
            };
            let mut all_ok = true;
            let mut count = 0;
            for r in &rules {
                if r.fixtures.is_empty() {
                    writeln!(out, "warn  {:<32} no fixtures", r.id).map_err(werr)?;
                }
                for res in rules::run_fixtures(r) {
                    count += 1;
                    all_ok &= res.passed;
                    if res.passed {
                        writeln!(out, "ok    {:<32} {}", res.rule, res.fixture).map_err(werr)?;
                    } else {
                        writeln!(out, "FAIL  {:<32} {}: {}", res.rule, res.fixture, res.detail)
                            .map_err(werr)?;
                    }
                }
            }
            writeln!(
                out,
                "{} rules valid; {count} fixtures, {}",
                rules.len(),
                if all_ok { "all passed" } else { "some FAILED" }
            )
            .map_err(werr)?;
            Ok(all_ok)
        }
    }
}

fn role_name(r: crate::rules::spec::Role) -> &'static str {
    match r {
        crate::rules::spec::Role::Cause => "cause",
        crate::rules::spec::Role::Symptom => "symptom",
    }
}

/// `logsleuth eval DIR`: score the ranking on a labeled suite.
pub fn run_eval(
    dir: &std::path::Path,
    format: crate::cli::ListFormat,
    rule_dirs: &[PathBuf],
    out: &mut dyn Write,
) -> Result<Outcome> {
    let result = crate::cli::eval::run(dir, &rules::dirs_with_project(rule_dirs))?;
    let werr = |source| Error::Output {
        path: PathBuf::from("-"),
        source,
    };
    match format {
        crate::cli::ListFormat::Text => report::eval::render_text(&result, out),
        crate::cli::ListFormat::Json => report::eval::render_json(&result, out),
    }
    .map_err(werr)?;
    Ok(Outcome::Clean)
}

/// Say on stderr when the leak check could not search for every secret.
fn warn_unchecked(errors_out: &mut dyn Write) {
    let n = crate::cli::output::unchecked();
    if n > 0 {
        let _ = writeln!(
            errors_out,
            "warning: {n} secrets were redacted but too many to re-check in the output \
             (the check keeps {} per thread)",
            crate::cli::output::SECRETS_PER_THREAD
        );
    }
}

/// Clean, unless some input was rejected.
fn outcome_of(errors: &[Error]) -> Outcome {
    if errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::InputErrors
    }
}

/// Report rejected inputs; whether every input was rejected.
fn report_errors(errors: &[Error], read_any: bool, errors_out: &mut dyn Write) -> bool {
    for e in errors {
        let _ = writeln!(errors_out, "error: {e}");
    }
    !read_any && !errors.is_empty()
}

/// `logsleuth export`: the normalized event table, by the output's extension.
#[cfg(feature = "export")]
pub fn run_export(args: &crate::cli::ExportArgs, errors_out: &mut dyn Write) -> Result<Outcome> {
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
    table::scrub(&mut frame, crate::cli::output::scrub)?;
    let leaks = table::survivors(&frame, |v| crate::cli::output::leaks(v.as_bytes()));
    if !leaks.is_empty() {
        return Err(crate::cli::output::refuse(&args.output, leaks.len(), leaks));
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
pub fn run_export(_args: &crate::cli::ExportArgs, _errors_out: &mut dyn Write) -> Result<Outcome> {
    Err(Error::Usage(
        "export: this logsleuth was built without the `export` feature (cargo build --features export)"
            .into(),
    ))
}

/// `logsleuth timeline`: the incident timeline on its own.
pub fn run_timeline(args: &crate::cli::TimelineArgs, errors_out: &mut dyn Write) -> Result<Outcome> {
    let (pool, opts) = prepare(&args.input, errors_out)?;
    let analysis = pool.install(|| analyze(&opts))?;
    if report_errors(&analysis.errors, !analysis.report.inputs.is_empty(), errors_out) {
        return Ok(Outcome::InputErrors);
    }
    crate::cli::output::emit(args.output.as_deref(), |w| {
        report::timeline::render(&analysis.report.timeline, args.format, w)
    })?;
    Ok(outcome_of(&analysis.errors))
}

/// `logsleuth trace ID`: one trace or request across every input.
pub fn run_trace(args: &crate::cli::TraceArgs, errors_out: &mut dyn Write) -> Result<Outcome> {
    let (pool, opts) = prepare(&args.input, errors_out)?;
    let loaded = pool.install(|| load(&opts))?;
    if report_errors(&loaded.errors, !loaded.sources.is_empty(), errors_out) {
        return Ok(Outcome::InputErrors);
    }
    let events = &loaded.events;
    // Trace ids compare on their low 64 bits, as joins do.
    let wanted = crate::normalize::trace::canon_trace_any(&args.id);
    let wanted = wanted.as_deref().map(correlate::trace_key);
    let id = args.id.trim();
    let mut group: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            (wanted.is_some() && e.trace_id.as_deref().map(correlate::trace_key) == wanted)
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
    crate::cli::output::emit(None, |w| report::text::render_trace(id, &hops, color, w))?;
    Ok(if hops.is_empty() {
        Outcome::FailOn
    } else if loaded.errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::InputErrors
    })
}

/// `logsleuth sanitize INPUT -o FILE`: a copy with every secret replaced,
/// plus a manifest of what was replaced; `--dry-run` prints that manifest
/// as a "what would leak" report instead.
pub fn run_sanitize(args: &crate::cli::SanitizeArgs, out: &mut dyn Write) -> Result<Outcome> {
    redact_config(args.redact_config.as_deref())?;
    let spec = InputSpec::Path(args.input.clone());
    let display = args.input.display().to_string();
    let loaded = input::load::open(&spec, &input::OpenOptions::default())?;
    let bytes = loaded.data.bytes();
    crate::redact::set_key(&key_material(std::slice::from_ref(&spec)));
    let reject = |reason: String| Error::UnsupportedFormat {
        path: args.input.clone(),
        reason,
    };
    let clean = match input::detect::detect(&display, bytes)? {
        Format::Har => crate::sanitize::har(bytes),
        Format::Json => crate::sanitize::json(bytes, true),
        Format::Jsonl | Format::Csv | Format::Text(_) => crate::sanitize::json(bytes, false),
    }
    .map_err(reject)?;
    let werr = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| Error::Output { path, source }
    };
    let refused = |path: &std::path::Path| {
        crate::cli::output::refuse(path, clean.survivors.len(), clean.survivors.clone())
    };
    if args.dry_run {
        report::sanitize::render_dry_run(&display, &clean.manifest, &clean.survivors, out)
            .map_err(werr(std::path::Path::new("-")))?;
        if !clean.survivors.is_empty() {
            return Err(refused(std::path::Path::new("-")));
        }
        return Ok(if clean.manifest.total > 0 {
            Outcome::FailOn
        } else {
            Outcome::Clean
        });
    }
    let Some(path) = args.output.as_deref() else {
        return Err(Error::Usage("sanitize needs --output FILE (or --dry-run)".into()));
    };
    if !clean.survivors.is_empty() {
        return Err(refused(path));
    }
    crate::cli::output::write(Some(path), &clean.bytes)?;
    let manifest_path = args
        .manifest
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.manifest.json", path.display())));
    crate::cli::output::emit(Some(&manifest_path), |w| {
        report::sanitize::render_manifest(&display, &clean.manifest, w)
    })?;
    Ok(Outcome::Clean)
}
