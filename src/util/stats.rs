//! Per-stage and per-rule wall times and the process's peak memory, for `--stats`.
//! Stages record themselves through [`stage`]; nothing is recorded unless
//! [`enable`] was called, so the cost when off is one relaxed load. The
//! collected figures go to stderr through [`render`], never into a report,
//! so reports stay byte-identical with or without `--stats`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static STAGES: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());
static RULES: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());

/// How many of the slowest rules `--stats` lists.
const RULES_LISTED: usize = 10;

static PEAK_ANON_KIB: AtomicU64 = AtomicU64::new(0);
static INPUT_BYTES: AtomicU64 = AtomicU64::new(0);

/// Note the total size of the inputs, for the throughput line.
pub fn set_input_bytes(bytes: u64) {
    INPUT_BYTES.store(bytes, Ordering::Relaxed);
}

/// Start recording stage times, and sample the anonymous memory every
/// 10 ms on a background thread (the kernel keeps a peak for the whole
/// resident set only, which counts the mapped input too).
pub fn enable() {
    if ENABLED.swap(true, Ordering::Relaxed) {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("stats-memory".into())
        .spawn(|| loop {
            PEAK_ANON_KIB.fetch_max(memory().rss_anon_kib, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(10));
        });
}

/// Run `f`, and when enabled hand its wall time to `record`.
fn timed<T>(f: impl FnOnce() -> T, record: impl FnOnce(Duration)) -> T {
    if !ENABLED.load(Ordering::Relaxed) {
        return f();
    }
    let start = Instant::now();
    let out = f();
    record(start.elapsed());
    out
}

/// Run `f` as the named stage, recording its wall time when enabled.
/// Stages that run side by side overlap: their times add up to more than
/// the wall time of the whole run.
pub fn stage<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
    timed(f, |took| {
        if let Ok(mut s) = STAGES.lock() {
            s.push((name, took));
        }
    })
}

/// Run `f` as the work of rule `id`, recording its wall time when
/// enabled. Rules run side by side, so their times add up to more than
/// the rules stage.
pub fn rule<T>(id: &str, f: impl FnOnce() -> T) -> T {
    timed(f, |took| {
        if let Ok(mut r) = RULES.lock() {
            r.push((id.to_string(), took));
        }
    })
}

/// The recorded rules as `(id, duration)`, slowest first (ties by id).
pub fn rules() -> Vec<(String, Duration)> {
    let mut r = RULES.lock().map(|r| r.clone()).unwrap_or_default();
    r.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    r
}

/// Memory figures from `/proc/self/status`, in KiB; zero where the kernel
/// does not report them (non-Linux).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// Peak resident set (`VmHWM`), mapped input pages included.
    pub peak_rss_kib: u64,
    /// Current anonymous resident memory (`RssAnon`): the heap, not the
    /// mapped input.
    pub rss_anon_kib: u64,
    /// Current file-backed resident memory (`RssFile`): mapped inputs.
    pub rss_file_kib: u64,
}

/// Read the memory figures now.
pub fn memory() -> Memory {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Memory {
        peak_rss_kib: field("VmHWM:"),
        rss_anon_kib: field("RssAnon:"),
        rss_file_kib: field("RssFile:"),
    }
}

/// The recorded stages as `(name, duration)`, in the order they ended.
pub fn stages() -> Vec<(&'static str, Duration)> {
    STAGES.lock().map(|s| s.clone()).unwrap_or_default()
}

/// The stats block written to stderr: one line per stage, the total, the
/// input size and throughput, and the memory figures.
pub fn render(total: Duration, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mem = memory();
    let input_bytes = INPUT_BYTES.load(Ordering::Relaxed);
    writeln!(w, "stats: stage                 seconds")?;
    for (name, d) in stages() {
        writeln!(w, "stats: {name:<22}{:>8.3}", d.as_secs_f64())?;
    }
    let rules = rules();
    if !rules.is_empty() {
        writeln!(
            w,
            "stats: slowest rules (after the shared pass; they run in parallel)"
        )?;
        for (id, d) in rules.iter().take(RULES_LISTED) {
            writeln!(w, "stats:   {id:<32}{:>8.3}", d.as_secs_f64())?;
        }
    }
    let secs = total.as_secs_f64();
    let mb = input_bytes as f64 / 1e6;
    writeln!(w, "stats: {:<22}{secs:>8.3}", "total")?;
    if secs > 0.0 {
        writeln!(w, "stats: input {mb:.1} MB, {:.1} MB/s", mb / secs)?;
    }
    let peak_anon = PEAK_ANON_KIB.load(Ordering::Relaxed).max(mem.rss_anon_kib);
    let mib = |kib: u64| kib as f64 / 1024.0;
    writeln!(
        w,
        "stats: peak RSS {:.1} MiB (mapped input included); peak RssAnon {:.1} MiB ({:.2}x input, sampled every 10 ms)",
        mib(mem.peak_rss_kib),
        mib(peak_anon),
        if input_bytes > 0 { peak_anon as f64 * 1024.0 / input_bytes as f64 } else { 0.0 }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_returns_its_value_and_memory_reads_linux_status() {
        assert_eq!(stage("noop", || 41 + 1), 42);
        assert_eq!(rule("noop.rule", || 6 * 7), 42);
        let m = memory();
        if cfg!(target_os = "linux") {
            assert!(m.peak_rss_kib > 0, "{m:?}");
        }
    }
}
