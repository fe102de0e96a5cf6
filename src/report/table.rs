//! The normalized event table: every event of every input as one polars
//! `DataFrame`, in timeline order. This is the columnar form that the
//! summary reads and that `logsleuth export` writes; the schema is
//! documented in `docs/report-schema.md`.

use polars::prelude::*;

use crate::error::Result;
use crate::model::OptionStr;
use crate::model::{Event, Locator, SourceInfo};

/// Column names, in order.
pub const COLUMNS: &[&str] = &[
    "ts",
    "source",
    "line",
    "entry",
    "offset",
    "method",
    "url",
    "host",
    "route",
    "status",
    "duration_ms",
    "error_class",
    "error_text",
    "trace_id",
    "span_id",
    "parent_span_id",
    "request_id",
    "client",
    "user_agent",
    "upstream",
    "service",
    "service_version",
    "level",
    "message",
    "retry_after_s",
    "req_bytes",
    "resp_bytes",
];

fn strs<'a>(events: &'a [Event], f: impl Fn(&'a Event) -> Option<&'a str>) -> Vec<Option<&'a str>> {
    events.iter().map(f).collect()
}

/// The cells of `df`'s text columns for which `leaks` holds, as `column
/// NAME, row N` (at most a few dozen): the export's leak check, run on the
/// values before any writer encodes or compresses them.
pub fn survivors(df: &DataFrame, leaks: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for col in df.columns() {
        let Ok(text) = col.str() else { continue };
        for (row, v) in text.iter().enumerate() {
            if v.is_some_and(&leaks) {
                out.push(format!("column {}, row {}", col.name(), row + 1));
                if out.len() >= 20 {
                    return out;
                }
            }
        }
    }
    out
}

/// Replace each cell of `df`'s text columns for which `scrub` gives a new
/// value: the export's pass that clears a secret redacted in one field and
/// repeated in another, before the leak check ([`survivors`]).
pub fn scrub(df: &mut DataFrame, scrub: impl Fn(&str) -> Option<String>) -> Result<()> {
    let mut replaced = Vec::new();
    for (i, col) in df.columns().iter().enumerate() {
        let Ok(text) = col.str() else { continue };
        let changed: Vec<(usize, String)> = text
            .iter()
            .enumerate()
            .filter_map(|(row, v)| v.and_then(&scrub).map(|r| (row, r)))
            .collect();
        if changed.is_empty() {
            continue;
        }
        let mut changed = changed.into_iter().peekable();
        let values: Vec<Option<String>> = text
            .iter()
            .enumerate()
            .map(|(row, v)| match changed.next_if(|(r, _)| *r == row) {
                Some((_, new)) => Some(new),
                None => v.map(str::to_string),
            })
            .collect();
        replaced.push((i, Column::new(col.name().clone(), values)));
    }
    for (i, col) in replaced {
        df.replace_column(i, col)?;
    }
    Ok(())
}

/// Build the event table.
pub fn build(events: &[Event], sources: &[SourceInfo]) -> Result<DataFrame> {
    let n = events.len();
    let ts: Vec<Option<i64>> = events.iter().map(|e| e.ts_ns()).collect();
    let ts = Int64Chunked::from_iter_options("ts".into(), ts.into_iter())
        .into_datetime(TimeUnit::Nanoseconds, None)
        .into_column();
    let source: Vec<&str> = events
        .iter()
        .map(|e| {
            sources
                .get(e.source.0 as usize)
                .map_or("", |s| s.display.as_str())
        })
        .collect();
    let line: Vec<Option<u64>> = events
        .iter()
        .map(|e| match e.locator() {
            Some(Locator::Line(n)) => Some(n),
            _ => None,
        })
        .collect();
    let entry: Vec<Option<u64>> = events
        .iter()
        .map(|e| match e.locator() {
            Some(Locator::Entry(n)) => Some(n),
            _ => None,
        })
        .collect();
    let offset: Vec<u64> = events.iter().map(|e| e.offset).collect();
    let status: Vec<Option<i32>> = events.iter().map(|e| e.status.map(i32::from)).collect();
    let duration: Vec<Option<f64>> = events.iter().map(|e| e.duration_ms()).collect();
    let retry: Vec<Option<f64>> = events.iter().map(|e| e.retry_after_s()).collect();
    let columns = vec![
        ts,
        Column::new("source".into(), source),
        Column::new("line".into(), line),
        Column::new("entry".into(), entry),
        Column::new("offset".into(), offset),
        Column::new("method".into(), strs(events, |e| e.method().as_str())),
        Column::new("url".into(), strs(events, |e| e.url.as_deref())),
        Column::new("host".into(), strs(events, |e| e.host().as_str())),
        Column::new("route".into(), strs(events, |e| e.route().as_str())),
        Column::new("status".into(), status),
        Column::new("duration_ms".into(), duration),
        Column::new(
            "error_class".into(),
            strs(events, |e| e.error_class.map(|c| c.name())),
        ),
        Column::new("error_text".into(), strs(events, |e| e.error_text.as_deref())),
        Column::new("trace_id".into(), strs(events, |e| e.trace_id.as_deref())),
        Column::new("span_id".into(), strs(events, |e| e.span_id().as_str())),
        Column::new(
            "parent_span_id".into(),
            strs(events, |e| e.parent_span_id().as_str()),
        ),
        Column::new("request_id".into(), strs(events, |e| e.request_id().as_str())),
        Column::new("client".into(), strs(events, |e| e.client.as_str())),
        Column::new("user_agent".into(), strs(events, |e| e.user_agent.as_deref())),
        Column::new("upstream".into(), strs(events, |e| e.upstream().as_str())),
        Column::new("service".into(), strs(events, |e| e.service().as_str())),
        Column::new(
            "service_version".into(),
            strs(events, |e| e.service_version().as_str()),
        ),
        Column::new("level".into(), strs(events, |e| e.level.map(|l| l.name()))),
        Column::new("message".into(), strs(events, |e| e.message.as_deref())),
        Column::new("retry_after_s".into(), retry),
        Column::new(
            "req_bytes".into(),
            events.iter().map(|e| e.req_bytes()).collect::<Vec<_>>(),
        ),
        Column::new(
            "resp_bytes".into(),
            events.iter().map(|e| e.resp_bytes()).collect::<Vec<_>>(),
        ),
    ];
    Ok(DataFrame::new(n, columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorClass, InputStats, SourceId};

    #[test]
    fn builds_one_row_per_event_with_the_documented_columns() {
        let mut a = Event::at(SourceId(0), Locator::Line(1), 0);
        a.set_ts_ns(Some(20));
        a.trace_id = Some("t1".into());
        let mut b = Event::at(SourceId(0), Locator::Line(2), 10);
        b.set_ts_ns(Some(10));
        b.error_class = Some(ErrorClass::Http5xx);
        b.trace_id = Some("t1".into());
        let src = SourceInfo {
            id: SourceId(0),
            display: "x".into(),
            format: crate::input::formats::jsonl::FORMAT,
            dialect: "generic".into(),
            bytes: 0,
            stats: InputStats::default(),
            clock_shift_ns: 0,
        };
        let df = build(&[a, b], &[src]).unwrap();
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(names, COLUMNS);
        assert_eq!(df.height(), 2);
        let failures =
            df.column("error_class").unwrap().len() - df.column("error_class").unwrap().null_count();
        assert_eq!(failures, 1);
    }
}
