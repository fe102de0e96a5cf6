//! The HTML renderer: one self-contained file (no network access, no
//! external scripts, fonts or styles) to attach to a ticket. Charts are
//! inline SVG drawn here: requests per interval stacked by status class
//! with onset, peak and recovery marked; latency percentiles; a sparkline
//! per cause; a waterfall of the top cause's example trace. The failed
//! requests table filters, sorts and narrows to a date range with a few
//! lines of inline script, and reads as a plain table without it.

use crate::model::report::{Time, TimeText};
use std::fmt::Write as _;
use std::io::Write;

use super::style::{esc, CSS};
use super::{Cause, Evidence, Hop, Report, Series};

const SCRIPT: &str = r#"
(function(){
document.body.classList.add('js');
var t=document.getElementById('failed');if(!t)return;
var rows=Array.prototype.slice.call(t.tBodies[0].rows),q=document.getElementById('q'),from=document.getElementById('from'),to=document.getElementById('to'),n=document.getElementById('shown');
function apply(){var s=(q.value||'').toLowerCase(),f=from.value,u=to.value,k=0;
rows.forEach(function(r){var ts=r.getAttribute('data-ts')||'';var ok=(!s||r.textContent.toLowerCase().indexOf(s)>=0)&&(!f||ts>=f)&&(!u||ts<=u);r.style.display=ok?'':'none';if(ok)k++;});n.textContent=k;}
[q,from,to].forEach(function(e){e.addEventListener('input',apply);});
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){th.className+=' sort';var asc=true;th.addEventListener('click',function(){
var num=th.classList.contains('num');rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-v')||a.cells[i].textContent,y=b.cells[i].getAttribute('data-v')||b.cells[i].textContent;
if(num){x=parseFloat(x)||0;y=parseFloat(y)||0;}return (x<y?-1:x>y?1:0)*(asc?1:-1);});asc=!asc;rows.forEach(function(r){t.tBodies[0].appendChild(r);});});});
apply();})();
"#;

fn ts_short(ts: Option<Time>) -> String {
    ts.map_or_else(|| "?".into(), Time::spaced)
}

fn ev_list(e: &[Evidence]) -> String {
    e.iter()
        .map(|e| format!("<code>{}</code> {}", esc(&e.path), esc(&e.locator)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// x position (0..1) of a time in the series.
fn frac(series: &Series, ts: Time) -> Option<f64> {
    let t = ts.ns();
    let span = series.interval_s as f64 * 1e9 * series.buckets.len() as f64;
    (span > 0.0).then(|| (t.saturating_sub(series.start_ns) as f64 / span).clamp(0.0, 1.0))
}

/// Stacked bars of requests per interval, with the top cause's markers.
fn requests_svg(r: &Report) -> String {
    let s = &r.series;
    let (w, h, pad) = (1100.0, 220.0, 28.0);
    let n = s.buckets.len().max(1) as f64;
    let max = s
        .buckets
        .iter()
        .map(|b| b.ok + b.client_errors + b.server_errors + b.other_failures)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bw = (w - pad) / n;
    let mut svg = format!(
        r#"<svg id="chart-requests" viewBox="0 0 {w} {}" role="img" aria-label="Requests per interval by status class">"#,
        h + 20.0
    );
    let _ = write!(
        svg,
        r##"<text x="0" y="12" font-size="11" fill="#5d6873">{}</text><line x1="{pad}" y1="{h}" x2="{w}" y2="{h}" stroke="#d8dee4"/>"##,
        max as u64
    );
    for (k, b) in s.buckets.iter().enumerate() {
        let x = pad + k as f64 * bw;
        let mut y = h;
        for (v, color, label) in [
            (b.ok, "var(--ok)", "ok"),
            (b.client_errors, "var(--c4)", "4xx"),
            (b.server_errors, "var(--c5)", "5xx"),
            (b.other_failures, "var(--oth)", "other failures"),
        ] {
            if v == 0 {
                continue;
            }
            let bh = v as f64 / max * (h - 16.0);
            y -= bh;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{bh:.1}" fill="{color}"><title>{} {label}: {v}</title></rect>"#,
                (bw - 1.0).max(0.5),
                esc(&ts_short(Some(b.ts)))
            );
        }
    }
    for t in r.timeline.iter().filter(|t| t.cause == Some(1)) {
        let (color, label) = match t.kind.as_str() {
            "onset" => ("#c8453b", "onset"),
            "peak" => ("#1d232a", "peak"),
            "recovery" => ("#4c9a5b", "recovery"),
            _ => continue,
        };
        if let Some(f) = frac(s, t.ts) {
            let x = pad + f * (w - pad);
            let _ = write!(
                svg,
                r#"<line class="marker" x1="{x:.1}" y1="14" x2="{x:.1}" y2="{h}" stroke="{color}" stroke-dasharray="4 3"/><text x="{:.1}" y="{}" font-size="11" fill="{color}">{label}</text>"#,
                x + 3.0,
                h + 14.0
            );
        }
    }
    if let (Some(a), Some(b)) = (s.buckets.first(), s.buckets.last()) {
        let _ = write!(
            svg,
            r##"<text x="{pad}" y="{}" font-size="11" fill="#5d6873">{}</text><text x="{w}" y="{}" font-size="11" fill="#5d6873" text-anchor="end">{}</text>"##,
            h + 14.0,
            esc(&ts_short(Some(a.ts))),
            h + 14.0,
            esc(&ts_short(Some(b.ts)))
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Latency percentiles per interval, on a log scale.
fn latency_svg(s: &Series) -> String {
    let (w, h, pad) = (1100.0, 180.0, 44.0);
    let values: Vec<f64> = s
        .buckets
        .iter()
        .flat_map(|b| [b.p50_ms, b.p95_ms, b.p99_ms])
        .flatten()
        .filter(|v| *v > 0.0 && v.is_finite())
        .collect();
    let mut svg = format!(
        r#"<svg id="chart-latency" viewBox="0 0 {w} {h}" role="img" aria-label="Latency percentiles">"#
    );
    if values.is_empty() {
        svg.push_str(r##"<text x="10" y="20" font-size="12" fill="#5d6873">No durations in these inputs.</text></svg>"##);
        return svg;
    }
    let lo = values
        .iter()
        .copied()
        .fold(f64::MAX, f64::min)
        .max(0.1)
        .log10()
        .floor();
    let hi = values
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .log10()
        .ceil()
        .max(lo + 1.0)
        // At most 30 decades of gridlines, whatever the outliers.
        .min(lo + 30.0);
    let n = s.buckets.len().max(1) as f64;
    let bw = (w - pad) / n;
    let y = |v: f64| (h - 10.0) - (v.max(0.1).log10() - lo) / (hi - lo) * (h - 20.0);
    let mut p = lo;
    while p <= hi {
        let v = 10f64.powf(p);
        let label = if v >= 1000.0 {
            format!("{:.0} s", v / 1000.0)
        } else {
            format!("{v:.0} ms")
        };
        let _ = write!(
            svg,
            r##"<line x1="{pad}" y1="{:.1}" x2="{w}" y2="{:.1}" stroke="#eef1f4"/><text x="0" y="{:.1}" font-size="10" fill="#5d6873">{label}</text>"##,
            y(v),
            y(v),
            y(v) + 3.0
        );
        p += 1.0;
    }
    for (pick, color, name) in [
        (0usize, "#4c9a5b", "p50"),
        (1, "#d9a227", "p95"),
        (2, "#c8453b", "p99"),
    ] {
        let pts: Vec<String> = s
            .buckets
            .iter()
            .enumerate()
            .filter_map(|(k, b)| {
                let v = [b.p50_ms, b.p95_ms, b.p99_ms][pick]?;
                Some(format!("{:.1},{:.1}", pad + (k as f64 + 0.5) * bw, y(v)))
            })
            .collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{}"><title>{name}</title></polyline>"#,
            pts.join(" ")
        );
    }
    svg.push_str("</svg>");
    svg
}

fn sparkline_svg(counts: &[u32]) -> String {
    let (w, h) = (240.0, 36.0);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = counts.len().max(2) as f64 - 1.0;
    let pts: Vec<String> = counts
        .iter()
        .enumerate()
        .map(|(k, c)| {
            format!(
                "{:.1},{:.1}",
                k as f64 / n * w,
                h - 2.0 - *c as f64 / max * (h - 4.0)
            )
        })
        .collect();
    format!(
        r#"<svg class="spark" viewBox="0 0 {w} {h}" style="max-width:240px" role="img" aria-label="events per interval"><polyline fill="none" stroke="var(--c5)" stroke-width="1.5" points="{}"/></svg>"#,
        pts.join(" ")
    )
}

/// A waterfall of one trace's hops across services and inputs.
fn waterfall_svg(hops: &[Hop]) -> String {
    let times: Vec<(f64, f64)> = hops
        .iter()
        .map(|h| {
            let t = h.ts.map_or(0.0, |t| t.ns() as f64 / 1e6);
            (t, h.duration_ms.unwrap_or(0.0))
        })
        .collect();
    let start = times.iter().map(|t| t.0).fold(f64::MAX, f64::min);
    let end = times.iter().map(|t| t.0 + t.1).fold(f64::MIN, f64::max);
    let span = (end - start).max(1.0);
    let (w, row, label_w) = (1100.0, 24.0, 470.0);
    let h = row * hops.len() as f64 + 8.0;
    let mut svg = format!(
        r#"<svg id="chart-waterfall" viewBox="0 0 {w} {h}" role="img" aria-label="Trace waterfall">"#
    );
    for (k, (hop, (t, d))) in hops.iter().zip(&times).enumerate() {
        let y = k as f64 * row + 4.0;
        let x = label_w + (t - start) / span * (w - label_w - 10.0);
        let bw = (d / span * (w - label_w - 10.0)).max(2.0);
        let failed = hop.status.is_some_and(|s| s >= 400) || (hop.status.is_none() && hop.error.is_some());
        let color = if hop.deepest_failure {
            "var(--c5)"
        } else if failed {
            "var(--c4)"
        } else {
            "var(--ok)"
        };
        let outcome = hop
            .status
            .map(|s| s.to_string())
            .or_else(|| hop.error.clone())
            .unwrap_or_default();
        let label = format!(
            "{}{} → {} ({} {})",
            "  ".repeat(hop.depth as usize),
            hop.request,
            outcome,
            hop.evidence.path.rsplit('/').next().unwrap_or(""),
            hop.evidence.locator
        );
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#1d232a" font-family="ui-monospace,monospace">{}</text><rect x="{x:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{color}"><title>{:.1} ms</title></rect>"##,
            4.0 + 12.0 * hop.depth as f64,
            y + 14.0,
            esc(&label.chars().take(70).collect::<String>()),
            y + 3.0,
            row - 8.0,
            d
        );
    }
    svg.push_str("</svg>");
    svg
}

fn cause_html(out: &mut String, c: &Cause, failures: u64) {
    let root = if c.rank == 1 { " root" } else { "" };
    let _ = write!(
        out,
        r#"<div class="card{root}" id="cause-{}"><h3>#{} {} <span class="sev {}">{}</span> <span class="mute">{} · score {:.1} · confidence {:.2}</span></h3>"#,
        c.rank,
        c.rank,
        esc(&c.title),
        esc(&c.severity),
        esc(&c.severity),
        esc(&c.category),
        c.score,
        c.confidence
    );
    let _ = write!(
        out,
        r#"<div class="kv"><b>Subject</b><span>{}</span><b>When</b><span>{} → {} ({} events)</span><b>Explains</b><span>{} of {} failed requests: {}</span><b>Evidence</b><span>{}</span>"#,
        esc(&c.subject.describe()),
        esc(&ts_short(c.onset.or(c.first_seen))),
        esc(&ts_short(c.last_seen)),
        c.events,
        c.explains_failures,
        failures,
        esc(&c.why_chain),
        ev_list(&c.evidence)
    );
    if let Some(culprit) = &c.culprit {
        let _ = write!(out, r#"<b>Culprit</b><span>{}</span>"#, esc(culprit));
    }
    if let Some(t) = &c.example_trace {
        let _ = write!(out, r#"<b>Example trace</b><code>{}</code>"#, esc(t));
    }
    let f = &c.factors;
    let _ = write!(
        out,
        r#"<b>Factors</b><span class="mono">severity {:.2} · baseline {:.2} · impact {:.2} · earliness {:.2} · causal {:.2} · specificity {:.2}</span></div>"#,
        f.severity, f.baseline, f.impact, f.earliness, f.causal, f.specificity
    );
    out.push_str(&sparkline_svg(&c.sparkline));
    let _ = write!(out, "<p>{}</p>", esc(&c.explanation));
    if !c.symptoms.is_empty() {
        out.push_str("<ul>");
        for s in &c.symptoms {
            let _ = write!(
                out,
                "<li>{} — {} ({} events from {}) {}</li>",
                esc(&s.title),
                esc(&s.subject.describe()),
                s.events,
                esc(&ts_short(s.first_seen)),
                ev_list(&s.evidence)
            );
        }
        out.push_str("</ul>");
    }
    let _ = write!(out, "<p><b>Fix.</b> {}</p></div>", esc(&c.remediation));
}

/// Write the report as one HTML file.
pub fn render(r: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let mut o = String::with_capacity(64 * 1024);
    head(&mut o, r);
    if !r.root_causes.is_empty() {
        o.push_str("<h2>Ranked causes</h2>");
        for c in &r.root_causes {
            cause_html(&mut o, c, r.summary.failures);
        }
    }
    if let Some(c) = r.root_causes.first().filter(|c| c.trace_hops.len() > 1) {
        let _ = write!(
            o,
            "<h2>Example trace of the root cause</h2><p class=\"mute mono\">{}</p>{}",
            esc(c.example_trace.as_deref().unwrap_or("")),
            waterfall_svg(&c.trace_hops)
        );
    }
    if let Some(c) = &r.comparison {
        super::compare::html::section(&mut o, c);
    }
    timeline(&mut o, r);
    spike(&mut o, r);
    affected(&mut o, r);
    failed_requests(&mut o, r);
    inputs(&mut o, r);
    let _ = writeln!(
        o,
        "</ul><p class=\"mute\">Generated by {} — offline; this file loads nothing from the network.</p></main><script>{SCRIPT}</script></body></html>",
        esc(&r.generator)
    );
    w.write_all(o.as_bytes())
}

/// The document head, the summary line, the top cause and the charts.
fn head(o: &mut String, r: &Report) {
    let s = &r.summary;
    let title = r.root_causes.first().map_or_else(
        || "no root cause found".to_string(),
        |c| format!("{} — {}", c.title, c.subject.describe()),
    );
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"generator\" content=\"{}\"><title>logsleuth: {}</title><style>{CSS}</style></head><body><main>",
        esc(&r.generator),
        esc(&title)
    );
    let _ = write!(
        o,
        r#"<h1>Incident analysis</h1><p class="mute">{} → {} UTC · {} inputs · {} events · {} failures · {} traces</p>"#,
        esc(&ts_short(s.first_ts)),
        esc(&ts_short(s.last_ts)),
        r.inputs.len(),
        s.events,
        s.failures,
        s.traces
    );
    match r.root_causes.first() {
        Some(c) => {
            let _ = write!(
                o,
                r#"<p id="top-cause"><b>Root cause:</b> {} on {}, explaining {} of {} failed requests ({}).</p>"#,
                esc(&c.title),
                esc(&c.subject.describe()),
                c.explains_failures,
                s.failures,
                esc(&c.why_chain)
            );
        }
        None => {
            o.push_str(r#"<p id="top-cause">No failure pattern found: no rule fired on these inputs.</p>"#)
        }
    }
    let _ = write!(
        o,
        r#"<h2>Requests per {} s</h2><div class="legend"><span><i style="background:var(--ok)"></i>ok</span><span><i style="background:var(--c4)"></i>4xx</span><span><i style="background:var(--c5)"></i>5xx</span><span><i style="background:var(--oth)"></i>other failures</span></div>{}"#,
        r.series.interval_s,
        requests_svg(r)
    );
    let _ = write!(
        o,
        r#"<h2>Latency</h2><div class="legend"><span><i style="background:#4c9a5b"></i>p50</span><span><i style="background:#d9a227"></i>p95</span><span><i style="background:#c8453b"></i>p99</span></div>{}"#,
        latency_svg(&r.series)
    );
}

/// The incident timeline.
fn timeline(o: &mut String, r: &Report) {
    if !r.timeline.is_empty() {
        o.push_str(r#"<h2>Timeline</h2><table><thead><tr><th>Time (UTC)</th><th>Event</th><th>Evidence</th></tr></thead><tbody>"#);
        for t in &r.timeline {
            let e = t
                .evidence
                .as_ref()
                .map(|e| {
                    let clock = e
                        .clock_corrected_ms
                        .map(|ms| {
                            format!(
                                " <span class=\"mute\">(clock {:+.1} s)</span>",
                                ms as f64 / 1000.0
                            )
                        })
                        .unwrap_or_default();
                    format!("<code>{}</code> {}{clock}", esc(&e.path), esc(&e.locator))
                })
                .unwrap_or_default();
            let _ = write!(
                o,
                "<tr><td class=\"mono\">{}</td><td>{}</td><td>{e}</td></tr>",
                esc(&ts_short(Some(t.ts))),
                esc(&t.text)
            );
        }
        o.push_str("</tbody></table>");
    }
}

/// What the failures have in common.
fn spike(o: &mut String, r: &Report) {
    if let Some(sp) = r.spike.as_ref().filter(|sp| !sp.fields.is_empty()) {
        o.push_str(r#"<h2>What the failures have in common</h2><table><thead><tr><th>Field</th><th>Value</th><th class="num">Failures</th><th class="num">Before</th><th class="num">Effect</th></tr></thead><tbody>"#);
        for f in &sp.fields {
            let _ = write!(
                o,
                r#"<tr><td>{}</td><td><code>{}</code></td><td class="num">{:.0}%</td><td class="num">{:.0}%</td><td class="num">+{:.0} pts</td></tr>"#,
                esc(&f.field),
                esc(&f.value),
                f.share * 100.0,
                f.baseline_share * 100.0,
                f.effect * 100.0
            );
        }
        o.push_str("</tbody></table>");
    }
}

/// The endpoints and clients that failed.
fn affected(o: &mut String, r: &Report) {
    if !r.affected.endpoints.is_empty() {
        o.push_str(r#"<h2>Affected endpoints and clients</h2><table><thead><tr><th>Endpoint</th><th class="num">Failed</th><th class="num">Requests</th></tr></thead><tbody>"#);
        for e in &r.affected.endpoints {
            let _ = write!(
                o,
                r#"<tr><td><code>{} {}</code></td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                esc(e.host.as_deref().unwrap_or("")),
                esc(&e.route),
                e.failures,
                e.requests
            );
        }
        o.push_str("</tbody></table>");
        if !r.affected.clients.is_empty() {
            o.push_str(r#"<table style="margin-top:8px"><thead><tr><th>Client</th><th class="num">Failed</th><th class="num">Requests</th></tr></thead><tbody>"#);
            for c in &r.affected.clients {
                let _ = write!(
                    o,
                    r#"<tr><td><code>{}</code></td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                    esc(&c.client),
                    c.failures,
                    c.requests
                );
            }
            o.push_str("</tbody></table>");
        }
    }
}

/// The failed requests, with a filter.
fn failed_requests(o: &mut String, r: &Report) {
    let _ = write!(
        o,
        r#"<h2>Failed requests</h2><div class="filters noprint"><input id="q" type="search" placeholder="filter: route, status, error, file…" aria-label="filter"><label>from <input id="from" type="text" placeholder="2024-05-01T10:05" size="18"></label><label>to <input id="to" type="text" placeholder="2024-05-01T10:10" size="18"></label><span class="mute"><span id="shown">{}</span> shown of {} listed ({} failed in all)</span></div>"#,
        r.failed_requests.len(),
        r.failed_requests.len(),
        r.failed_requests_total
    );
    o.push_str(r#"<div class="scroll"><table id="failed"><thead><tr><th>Time (UTC)</th><th>Method</th><th>Host</th><th>Route</th><th class="num">Status</th><th>Error</th><th class="num">ms</th><th>Client</th><th>Record</th></tr></thead><tbody>"#);
    for f in &r.failed_requests {
        let ts = f.ts.text().unwrap_or_default();
        let _ = write!(
            o,
            r#"<tr data-ts="{}"><td class="mono">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class="num">{}</td><td>{}</td><td class="num" data-v="{}">{}</td><td>{}</td><td><code>{}</code> {}</td></tr>"#,
            esc(&ts),
            esc(&ts_short(f.ts)),
            esc(f.method.as_deref().unwrap_or("")),
            esc(f.host.as_deref().unwrap_or("")),
            esc(f.route.as_deref().unwrap_or("")),
            f.status.map_or_else(String::new, |s| s.to_string()),
            esc(f.error.as_deref().unwrap_or("")),
            f.duration_ms.unwrap_or(0.0),
            f.duration_ms.map_or_else(String::new, |d| format!("{d:.0}")),
            esc(f.client.as_deref().unwrap_or("")),
            esc(&f.evidence.path),
            esc(&f.evidence.locator)
        );
    }
    o.push_str("</tbody></table></div>");
}

/// Every input's accounting, and the opening of the notes list.
fn inputs(o: &mut String, r: &Report) {
    o.push_str(r#"<h2>Inputs and data quality</h2><table><thead><tr><th>Input</th><th>Format</th><th class="num">Records</th><th class="num">Events</th><th class="num">Skipped</th></tr></thead><tbody>"#);
    for i in &r.inputs {
        let _ = write!(
            o,
            r#"<tr><td><code>{}</code></td><td>{} ({})</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(&i.path),
            esc(&i.format),
            esc(&i.dialect),
            i.records,
            i.events,
            i.skipped
        );
    }
    o.push_str("</tbody></table><ul>");
    for i in &r.inputs {
        for n in &i.notes {
            let _ = write!(o, "<li><code>{}</code>: {}</li>", esc(&i.path), esc(n));
        }
    }
    for n in &r.notes {
        let _ = write!(o, "<li>{}</li>", esc(n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
