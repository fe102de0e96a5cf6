//! Timestamp parsing: RFC 3339 and its common relaxations, epoch numbers of
//! any unit (inferred from magnitude), and the CLF / nginx `$time_local` form.
//! All results are UTC nanoseconds since the epoch.

/// A parsed timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// UTC nanoseconds since the epoch.
    pub ns: i64,
    /// The input had no zone; UTC was assumed.
    pub tz_assumed: bool,
}

/// Epoch seconds/ms/µs/ns, inferred from magnitude (`docs/formats.md` §3.3).
pub fn from_epoch_int(v: i64) -> Option<i64> {
    let a = v.unsigned_abs();
    if a < 100_000_000_000 {
        v.checked_mul(1_000_000_000)
    } else if a < 100_000_000_000_000 {
        v.checked_mul(1_000_000)
    } else if a < 100_000_000_000_000_000 {
        v.checked_mul(1_000)
    } else {
        Some(v)
    }
}

/// Epoch as a float (zap's `ts`, Caddy's `ts`): unit by magnitude of the integer part.
pub fn from_epoch_float(v: f64) -> Option<i64> {
    if !v.is_finite() {
        return None;
    }
    let a = v.abs();
    let ns = if a < 1e11 {
        v * 1e9
    } else if a < 1e14 {
        v * 1e6
    } else if a < 1e17 {
        v * 1e3
    } else {
        v
    };
    if ns.abs() < 9.2e18 {
        Some(ns.round() as i64)
    } else {
        None
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Read a fraction of a second (`123` of `.123`) starting at `*i`, as nanoseconds.
fn fraction(b: &[u8], i: &mut usize) -> u32 {
    let start = *i;
    let mut nanos = 0u32;
    while *i < b.len() && b[*i].is_ascii_digit() {
        if *i - start < 9 {
            nanos = nanos * 10 + u32::from(b[*i] - b'0');
        }
        *i += 1;
    }
    const SCALE: [u32; 10] = [
        1_000_000_000,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    nanos * SCALE[(*i - start).min(9)]
}

/// `s.trim()`, answered without decoding a character when `s` starts and
/// ends with a printable ASCII character other than space (as timestamps
/// do), none of which is white space.
fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let plain = |c: Option<&u8>| c.is_some_and(|c| (b'!'..=b'~').contains(c));
    if plain(b.first()) && plain(b.last()) {
        s
    } else {
        s.trim()
    }
}

/// Nanoseconds since the epoch of a UTC date and time, `None` when the
/// date or time does not exist or the instant lies outside `i64`
/// nanoseconds. A second past 59 (60, a leap second) counts as 59 plus
/// the rest.
///
/// Worked out directly (days from the civil date, Hinnant's algorithm)
/// rather than through chrono's validating types, which cost about as much
/// as the rest of a timestamp's parse; a test holds the two to the same
/// answers.
fn civil(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, nanos: u32) -> Option<i64> {
    within_hour(hour_secs(y, mo, d, h)?, mi, s, nanos)
}

/// Seconds since the epoch of the start of an hour of a UTC date, `None`
/// when the date or hour does not exist: [`civil`]'s first half.
fn hour_secs(y: i32, mo: u32, d: u32, h: u32) -> Option<i64> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=month_days).contains(&d) || h > 23 {
        return None;
    }
    let y = i64::from(y) - i64::from(mo <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(mo);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + i64::from(h * 3600))
}

/// Nanoseconds since the epoch of a minute, second and fraction within the
/// hour starting at `hour` seconds: [`civil`]'s second half.
fn within_hour(hour: i64, mi: u32, s: u32, nanos: u32) -> Option<i64> {
    if mi > 59 || nanos >= 1_000_000_000 {
        return None;
    }
    let secs = hour + i64::from(mi * 60 + s.min(59));
    let ns = secs.checked_mul(1_000_000_000)?.checked_add(i64::from(nanos))?;
    ns.checked_add(i64::from(s.saturating_sub(59)) * 1_000_000_000)
}

thread_local! {
    /// [`hour_of`]'s memo: the first 13 bytes of the last timestamp whose
    /// date and hour were read (`2024-08-01T07`), and that hour's start.
    static LAST: std::cell::Cell<Option<([u8; 13], i64)>> = const { std::cell::Cell::new(None) };
}

/// The hour of the timestamp `b` (at least 19 bytes, separators checked):
/// its start in seconds, through a per-thread memo of the last date and
/// hour read. A log's timestamps share them for an hour at a time, and the
/// date's digits and calendar were most of a timestamp's parse.
fn hour_of(b: &[u8]) -> Option<i64> {
    let key: [u8; 13] = *b.first_chunk::<13>()?;
    if let Some((k, hour)) = LAST.get() {
        if k == key {
            return Some(hour);
        }
    }
    let y = digits(b, 0, 4)? as i32;
    let (mo, d, h) = (digits(b, 5, 2)?, digits(b, 8, 2)?, digits(b, 11, 2)?);
    let hour = hour_secs(y, mo, d, h)?;
    LAST.set(Some((key, hour)));
    Some(hour)
}

/// Parse an RFC 3339-like timestamp: `2024-05-01T10:00:00Z`,
/// `2024-05-01 10:00:00,123`, `…+02:00`, `…+0200`.
///
/// ```
/// use logsleuth::normalize::time::parse_rfc3339;
/// let p = parse_rfc3339("2024-05-01T12:00:00+02:00").unwrap();
/// assert_eq!(p.ns, 1_714_557_600_000_000_000);
/// assert!(parse_rfc3339("2024-05-01 10:00:00").unwrap().tz_assumed);
/// ```
pub fn parse_rfc3339(s: &str) -> Option<Parsed> {
    let b = trim(s).as_bytes();
    if b.len() < 19 {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (mi, sec) = (digits(b, 14, 2)?, digits(b, 17, 2)?);
    let mut i = 19;
    let mut nanos = 0u32;
    if i < b.len() && (b[i] == b'.' || b[i] == b',') {
        i += 1;
        let start = i;
        nanos = fraction(b, &mut i);
        if i == start {
            return None;
        }
    }
    let base = within_hour(hour_of(b)?, mi, sec, nanos)?;
    let rest = &b[i..];
    match rest {
        [] => Some(Parsed {
            ns: base,
            tz_assumed: true,
        }),
        [b'Z'] | [b'z'] => Some(Parsed {
            ns: base,
            tz_assumed: false,
        }),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (oh, om) = match tail.len() {
                5 if tail[2] == b':' => (digits(tail, 0, 2)?, digits(tail, 3, 2)?),
                4 => (digits(tail, 0, 2)?, digits(tail, 2, 2)?),
                2 => (digits(tail, 0, 2)?, 0),
                _ => return None,
            };
            let off = i64::from(oh * 3600 + om * 60) * 1_000_000_000;
            let ns = if *sign == b'+' {
                base.checked_sub(off)?
            } else {
                base.checked_add(off)?
            };
            Some(Parsed {
                ns,
                tz_assumed: false,
            })
        }
        _ => None,
    }
}

/// Parse the CLF / nginx `$time_local` form `10/Oct/2000:13:55:36 -0700`.
pub fn parse_clf(s: &str) -> Option<Parsed> {
    let b = s.trim().trim_start_matches('[').trim_end_matches(']').as_bytes();
    if b.len() < 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[14] != b':' || b[17] != b':' {
        return None;
    }
    let d = digits(b, 0, 2)?;
    let mo = match &b[3..6] {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    let y = digits(b, 7, 4)? as i32;
    let (h, mi, sec) = (digits(b, 12, 2)?, digits(b, 15, 2)?, digits(b, 18, 2)?);
    // HAProxy adds milliseconds: `25/Feb/2019:16:19:48.143`.
    let mut i = 20;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        nanos = fraction(b, &mut i);
    }
    let base = civil(y, mo, d, h, mi, sec, nanos)?;
    let rest = std::str::from_utf8(&b[i..]).ok()?.trim();
    if rest.is_empty() {
        return Some(Parsed {
            ns: base,
            tz_assumed: true,
        });
    }
    let rb = rest.as_bytes();
    if rb.len() != 5 || !(rb[0] == b'+' || rb[0] == b'-') {
        return None;
    }
    let off = i64::from(digits(rb, 1, 2)? * 3600 + digits(rb, 3, 2)? * 60) * 1_000_000_000;
    Some(Parsed {
        ns: if rb[0] == b'+' {
            base.checked_sub(off)?
        } else {
            base.checked_add(off)?
        },
        tz_assumed: false,
    })
}

/// Parse any textual timestamp we know: RFC 3339, CLF, or an epoch in a string.
pub fn parse_text(s: &str) -> Option<Parsed> {
    let t = trim(s);
    if t.is_empty() {
        return None;
    }
    if let Some(p) = parse_rfc3339(t) {
        return Some(p);
    }
    if let Some(p) = parse_clf(t) {
        return Some(p);
    }
    if t.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
        return t.parse::<i64>().ok().and_then(from_epoch_int).map(|ns| Parsed {
            ns,
            tz_assumed: false,
        });
    }
    if let Some(ns) = from_epoch_decimal(t) {
        return Some(Parsed {
            ns,
            tz_assumed: false,
        });
    }
    if let Some(p) = parse_kibana(t) {
        return Some(p);
    }
    t.parse::<f64>().ok().and_then(from_epoch_float).map(|ns| Parsed {
        ns,
        tz_assumed: false,
    })
}

/// An epoch written as a decimal string (`1320279566.452687`), read exactly
/// rather than through a float. The unit follows the integer part's magnitude.
pub fn from_epoch_decimal(s: &str) -> Option<i64> {
    let (int, frac) = s.split_once('.')?;
    if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let unit_ns: i64 = if whole < 100_000_000_000 {
        1_000_000_000
    } else if whole < 100_000_000_000_000 {
        1_000_000
    } else if whole < 100_000_000_000_000_000 {
        1_000
    } else {
        1
    };
    let mut frac_ns = 0i64;
    let mut scale = unit_ns;
    for c in frac.bytes().take(18) {
        scale /= 10;
        if scale == 0 {
            break;
        }
        frac_ns += i64::from(c - b'0') * scale;
    }
    whole.checked_mul(unit_ns)?.checked_add(frac_ns)
}

/// Kibana's display format, `Aug 19, 2026 @ 07:34:59.792` (no zone).
pub fn parse_kibana(s: &str) -> Option<Parsed> {
    let (date, time) = s.split_once(" @ ")?;
    let mut parts = date.split_whitespace();
    let mon = parts.next()?;
    let day: u32 = parts.next()?.trim_end_matches(',').parse().ok()?;
    let year: i32 = parts.next()?.parse().ok()?;
    let mo = 1 + [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| mon.eq_ignore_ascii_case(m))? as u32;
    let iso = format!("{year:04}-{mo:02}-{day:02}T{}", time.trim());
    parse_rfc3339(&iso)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hour_memo_gives_what_a_parse_from_scratch_gives() {
        let cold = |t: &str| {
            LAST.set(None);
            parse_rfc3339(t)
        };
        let mut cases = Vec::new();
        for date in [
            "2024-08-01",
            "2024-02-29",
            "2023-02-29",
            "2023-02-28",
            "1999-12-31",
            "2024-13-01",
            "2024-O8-01",
        ] {
            for hour in ["00", "07", "23", "24"] {
                for rest in [
                    "00:00Z",
                    "59:59.999Z",
                    "60:00Z",
                    "07:30.5+02:00",
                    "00:01-0130",
                    "61:00Z",
                    "00:00.Z",
                ] {
                    cases.push(format!("{date}T{hour}:{rest}"));
                }
            }
        }
        let want: Vec<Option<Parsed>> = cases.iter().map(|t| cold(t)).collect();
        // In order (each prefix repeats: the memo answers) and interleaved
        // (it misses), valid and invalid records in turn.
        let n = cases.len();
        LAST.set(None);
        for i in (0..n).chain((0..n).map(|i| (i * 7919) % n)) {
            assert_eq!(parse_rfc3339(&cases[i]), want[i], "{}", cases[i]);
        }
        // And from scratch, chrono agrees where it reads the form.
        for (t, w) in cases.iter().zip(&want) {
            if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
                assert_eq!(w.map(|p| p.ns), d.timestamp_nanos_opt(), "{t}");
            }
        }
        assert!(want.iter().filter(|w| w.is_some()).count() > 40);
    }

    #[test]
    fn the_quick_trim_is_str_trim() {
        for c in (0u32..0x3100).filter_map(char::from_u32) {
            for s in [
                format!("{c}"),
                format!("{c}1{c}"),
                format!("1{c}"),
                format!("{c}Z"),
                format!("1{c}Z"),
            ] {
                assert_eq!(trim(&s), s.trim(), "{s:?}");
            }
        }
        assert_eq!(trim(""), "");
    }

    #[test]
    fn civil_dates_match_chrono() {
        let chrono_civil = |y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, nanos: u32| {
            let dt = chrono::NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_nano_opt(h, mi, s.min(59), nanos)?;
            let extra = i64::from(s.saturating_sub(59)) * 1_000_000_000;
            dt.and_utc().timestamp_nanos_opt()?.checked_add(extra)
        };
        let mut n = 0;
        for y in (0..=9999)
            .step_by(7)
            .chain(1600..=2400)
            .chain([1677, 1678, 2261, 2262, 2263])
        {
            for mo in 0..=13 {
                for d in [0, 1, 15, 28, 29, 30, 31, 32] {
                    for (h, mi, s, nanos) in [
                        (0, 0, 0, 0),
                        (23, 59, 59, 999_999_999),
                        (12, 30, 60, 5),
                        (24, 0, 0, 0),
                        (0, 60, 0, 0),
                        (1, 2, 99, 0),
                    ] {
                        assert_eq!(
                            civil(y, mo, d, h, mi, s, nanos),
                            chrono_civil(y, mo, d, h, mi, s, nanos),
                            "{y}-{mo}-{d} {h}:{mi}:{s}.{nanos}"
                        );
                        n += 1;
                    }
                }
            }
        }
        assert!(n > 100_000);
    }

    #[test]
    fn rfc3339_variants() {
        let z = parse_rfc3339("2024-05-01T10:00:00Z").unwrap();
        assert_eq!(z.ns, 1_714_557_600_000_000_000);
        assert!(!z.tz_assumed);
        let off = parse_rfc3339("2024-05-01T12:00:00.5+02:00").unwrap();
        assert_eq!(off.ns, 1_714_557_600_500_000_000);
        let us = parse_rfc3339("2024-05-01T10:00:00.123456+00:00").unwrap();
        assert_eq!(us.ns, 1_714_557_600_123_456_000);
        let naive = parse_rfc3339("2024-05-01 10:00:00,123").unwrap();
        assert!(naive.tz_assumed);
        assert_eq!(naive.ns, 1_714_557_600_123_000_000);
        assert!(parse_rfc3339("").is_none());
        assert!(parse_rfc3339("2024-13-01T10:00:00Z").is_none());
        assert!(parse_rfc3339("2024-05-01T10:00:00Zjunk").is_none());
    }

    #[test]
    fn epoch_units_by_magnitude() {
        let s = 1_714_557_600i64;
        let want = Some(s * 1_000_000_000);
        assert_eq!(from_epoch_int(s), want);
        assert_eq!(from_epoch_int(s * 1000), want);
        assert_eq!(from_epoch_int(s * 1_000_000), want);
        assert_eq!(from_epoch_int(s * 1_000_000_000), want);
        assert_eq!(from_epoch_float(1_714_557_600.5), Some(1_714_557_600_500_000_000));
        assert_eq!(from_epoch_float(f64::NAN), None);
    }

    #[test]
    fn clf() {
        let p = parse_clf("10/Oct/2000:13:55:36 -0700").unwrap();
        assert_eq!(p.ns, parse_rfc3339("2000-10-10T20:55:36Z").unwrap().ns);
        let h = parse_clf("25/Feb/2019:16:19:48.143").unwrap();
        assert!(h.tz_assumed);
        assert_eq!(h.ns, parse_rfc3339("2019-02-25T16:19:48.143Z").unwrap().ns);
    }

    #[test]
    fn decimal_epochs_are_exact_and_kibana_dates_parse() {
        assert_eq!(
            from_epoch_decimal("1320279566.452687"),
            Some(1_320_279_566_452_687_000)
        );
        assert_eq!(
            from_epoch_decimal("1714557600123.5"),
            Some(1_714_557_600_123_500_000)
        );
        assert_eq!(from_epoch_decimal("12a.5"), None);
        let k = parse_kibana("Aug 19, 2026 @ 07:34:59.792").unwrap();
        assert!(k.tz_assumed);
        assert_eq!(k.ns, parse_rfc3339("2026-08-19T07:34:59.792Z").unwrap().ns);
    }

    #[test]
    fn format_roundtrip() {
        let t = crate::model::report::Time::from_ns(1_714_557_600_123_000_000);
        assert_eq!(t.to_string(), "2024-05-01T10:00:00.123Z");
    }
}
