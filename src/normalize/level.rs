//! Log levels from names (`warning`, `err`, `crit`, ...) and numbers (OTel
//! severityNumber, pino/bunyan, Python, logback `level_value`).

use crate::model::Level;

/// Level from a name.
pub fn from_name(s: &str) -> Option<Level> {
    // The spellings most records use, before the general reading below
    // (which gives the same for them).
    match s {
        "info" | "INFO" => return Some(Level::Info),
        "error" | "ERROR" => return Some(Level::Error),
        "warn" | "WARN" | "warning" | "WARNING" => return Some(Level::Warn),
        "debug" | "DEBUG" => return Some(Level::Debug),
        _ => {}
    }
    read_name(s)
}

/// [`from_name`] without its shortcut for the common spellings.
fn read_name(s: &str) -> Option<Level> {
    let t = s.trim();
    // The name before any `+`, `-` or space, lower-cased on the stack: a
    // level is read for every record, and no name is longer than 16 bytes.
    let base = t.split(['+', '-', ' ']).next().unwrap_or("");
    let mut buf = [0u8; 16];
    let name = match buf.get_mut(..base.len()) {
        Some(b) => {
            b.copy_from_slice(base.as_bytes());
            b.make_ascii_lowercase();
            std::str::from_utf8(b).unwrap_or("")
        }
        None => "",
    };
    Some(match name {
        "trace" | "finest" | "finer" | "verbose" => Level::Trace,
        "debug" | "fine" | "dbg" => Level::Debug,
        "info" | "information" | "notice" | "informational" => Level::Info,
        "warn" | "warning" => Level::Warn,
        "error" | "err" | "severe" => Level::Error,
        "fatal" | "crit" | "critical" | "alert" | "emerg" | "emergency" | "panic" | "dpanic" => Level::Fatal,
        _ => return t.parse::<i64>().ok().and_then(from_number),
    })
}

/// Level from an OpenTelemetry `severityNumber` (1–24).
pub fn from_otel(n: i64) -> Option<Level> {
    Some(match n {
        1..=4 => Level::Trace,
        5..=8 => Level::Debug,
        9..=12 => Level::Info,
        13..=16 => Level::Warn,
        17..=20 => Level::Error,
        21..=24 => Level::Fatal,
        _ => return None,
    })
}

/// Level from a numeric `level` field: pino/bunyan steps of ten
/// (10 trace … 60 fatal), or logback's `level_value` (5000 … 40000).
pub fn from_number(n: i64) -> Option<Level> {
    Some(match n {
        0..=14 => Level::Trace,
        15..=24 => Level::Debug,
        25..=34 => Level::Info,
        35..=44 => Level::Warn,
        45..=54 => Level::Error,
        55..=99 => Level::Fatal,
        5000 => Level::Trace,
        10000 => Level::Debug,
        20000 => Level::Info,
        30000 => Level::Warn,
        40000 => Level::Error,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_spellings_read_as_the_general_reading_reads_them() {
        for n in [
            "info", "INFO", "error", "ERROR", "warn", "WARN", "warning", "WARNING", "debug", "DEBUG",
        ] {
            assert_eq!(from_name(n), read_name(n), "{n}");
            assert!(from_name(n).is_some(), "{n}");
        }
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(from_name("warning"), Some(Level::Warn));
        assert_eq!(from_name("INFO+2"), Some(Level::Info));
        assert_eq!(from_name("50"), Some(Level::Error));
        assert_eq!(from_name("60"), Some(Level::Fatal));
        assert_eq!(from_otel(17), Some(Level::Error));
        assert_eq!(from_number(30), Some(Level::Info));
        assert_eq!(from_number(40000), Some(Level::Error));
        assert_eq!(from_name("banana"), None);
        assert_eq!(
            from_name("  Informational - extra words here "),
            Some(Level::Info)
        );
        assert_eq!(from_name("Éerror"), None);
        assert_eq!(from_name("a-very-long-level-name-indeed"), None);
        assert_eq!(from_name("-1"), None);
    }
}
