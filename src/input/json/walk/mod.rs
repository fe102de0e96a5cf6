//! The fast path of JSON field extraction: one validating pass over a record
//! that finds the alias fields ([`crate::input::json::fields`]) without serde's visitor
//! machinery, which cost about 40 instructions per input byte.
//!
//! It handles the JSON that logs are made of, and declines the rest: a
//! record it is unsure of (invalid UTF-8, a lone surrogate, an escaped key,
//! nesting deeper than [`MAX_DEPTH`], any syntax error) gets `None`, and
//! the caller walks it with serde instead, which stays the authority on
//! what is valid and on the wording of errors. When it does answer, the
//! answer is the one the serde walk gives: the unit tests and the property
//! tests compare the two on the corpus and on mutated records.
//!
//! A record laid out like one of the last two it walked is first replayed
//! against that layout ([`shape`]), which skips the keys and their
//! look-ups; the walk in full runs only when the layout differs.

mod shape;

use std::borrow::Cow;

use crate::input::json::fields::{FieldMap, Fields, PathInfo, Recall, Scalar, Slot, Unit, WRAPPER_KEYS};
use shape::{Kind, Mark, Shapes};

/// Deeper records go to the serde walk (whose own limit is 128).
const MAX_DEPTH: usize = 100;

/// The fields of one JSON object, or `None` when serde should decide.
pub fn extract<'de>(map: &FieldMap, line: &'de [u8]) -> Option<Fields<'de>> {
    let mut fields = Fields::default();
    extract_into(map, line, &mut fields)?;
    Some(fields)
}

/// [`extract`] into `fields`, which start empty; on `None` they hold
/// whatever was found before the walk gave up, and are to be dropped.
/// (`Fields` is over a kilobyte: filled in place, it is not copied on
/// its way out.)
pub fn extract_into<'de>(map: &FieldMap, line: &'de [u8], fields: &mut Fields<'de>) -> Option<()> {
    MEMO.with_borrow_mut(|memo| {
        let Memo {
            recall,
            shapes,
            marks,
        } = memo;
        recall.start(map);
        shapes.start(map);
        let (text, controls) = checked_text(line)?;
        let mut w = Walker {
            b: line,
            s: text,
            controls,
            i: 0,
            map,
            recall,
            fields,
            marks,
            marking: false,
        };
        if shapes.replay(&mut w) {
            return Some(());
        }
        w.marking = shapes.marking(line.len());
        w.marks.clear();
        w.record()?;
        if w.marking {
            shapes.keep(line, w.marks, w.fields.wrapper_key());
        }
        Some(())
    })
}

/// What this thread keeps from one record's walk for the next.
#[derive(Default)]
struct Memo {
    /// The key look-ups of the record before.
    recall: Recall,
    /// The layouts of the records before.
    shapes: Shapes,
    /// Where the walk met the values of the record it is walking.
    marks: Vec<Mark>,
}

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(Memo::default());
}

/// How many records this thread has replayed by shape, for the tests.
#[cfg(test)]
fn replayed() -> u64 {
    MEMO.with_borrow(|m| m.shapes.replayed())
}

/// The record as text, and whether it has a byte below 0x20; `None` when
/// it is not UTF-8.
fn checked_text(line: &[u8]) -> Option<(&str, bool)> {
    // JSON allows no control character inside a string, and a record
    // holds one outside its strings only as a tab, CR or LF between
    // tokens: rare enough that a record with any gets the checked scan.
    // One pass finds those and any byte beyond ASCII, and only a record
    // with one of the latter is checked as UTF-8.
    let (controls, wide) = line
        .iter()
        .fold((false, false), |(c, w), &b| (c | (b < 0x20), w | (b >= 0x80)));
    let text = if wide {
        std::str::from_utf8(line).ok()?
    } else {
        // SAFETY: every byte is below 0x80, so the bytes are ASCII, which
        // is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(line) }
    };
    Some((text, controls))
}

pub(super) struct Walker<'m, 'de> {
    b: &'de [u8],
    /// `b` as text (checked once, whole).
    s: &'de str,
    /// `b` has a byte below 0x20 somewhere.
    controls: bool,
    i: usize,
    map: &'m FieldMap,
    recall: &'m mut Recall,
    pub(super) fields: &'m mut Fields<'de>,
    /// The scalar values met, for the record's shape, when `marking`.
    marks: &'m mut Vec<Mark>,
    marking: bool,
}

impl<'de> Walker<'_, 'de> {
    /// Walk the record in full, marking its values.
    fn record(&mut self) -> Option<()> {
        self.ws();
        if self.peek()? != b'{' {
            return None;
        }
        self.object(true, PathInfo::default(), 0)?;
        self.ws();
        self.at_end().then_some(())
    }

    /// Back to the start of the record, with no fields found.
    pub(super) fn restart(&mut self) {
        self.i = 0;
        self.fields.reset();
    }

    /// Whether the whole record has been read.
    pub(super) fn at_end(&self) -> bool {
        self.i == self.b.len()
    }

    fn mark(&mut self, start: usize, kind: Kind) {
        if self.marking {
            self.marks.push(Mark {
                start,
                end: self.i,
                kind,
            });
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// The members of the object or the elements of the array at `i`,
    /// each read by `item` (given its index, after any whitespace), with
    /// the separators and the closing `close` checked.
    fn items(
        &mut self,
        depth: usize,
        close: u8,
        mut item: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.i += 1;
        self.ws();
        if self.peek()? == close {
            self.i += 1;
            return Some(());
        }
        for n in 0.. {
            self.ws();
            item(self, n)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                c if c == close => break,
                _ => return None,
            }
        }
        self.i += 1;
        Some(())
    }

    /// A member's key and its colon.
    fn member_key(&mut self) -> Option<&'de str> {
        if self.peek()? != b'"' {
            return None;
        }
        let key = self.key()?;
        self.eat(b':')?;
        self.ws();
        Some(key)
    }

    /// The object at `i` (`{`), its members offered under the path of
    /// `at` (the root's default for the record itself).
    fn object(&mut self, root: bool, at: PathInfo, depth: usize) -> Option<()> {
        self.items(depth, b'}', |w, _| {
            let key = w.member_key()?;
            if root && (key == "_source" || key == "fields") {
                // Elasticsearch hits: the document, walked as the record.
                return w.value(at, depth + 1);
            }
            if root && WRAPPER_KEYS.contains(&key) {
                w.fields.set_wrapper_key();
            }
            match w.recall.child(w.map, at, key) {
                Some(info) => w.value(info, depth + 1),
                None => w.skip(depth + 1),
            }
        })
    }

    /// A value whose path the alias table knows.
    fn value(&mut self, info: PathInfo, depth: usize) -> Option<()> {
        match self.peek()? {
            b'{' => match info.leaf {
                Some(leaf @ (Slot::ResponseBody, _, _)) => self.body_object(info, leaf, depth),
                _ => self.object(false, info, depth),
            },
            b'[' => self.array(info, depth),
            b'"' => {
                let start = self.i;
                let v = self.string()?;
                self.mark(start, Kind::Str(info.leaf));
                self.offer(info, Scalar::Str(v));
                Some(())
            }
            b't' => self.literal(b"true").map(|()| self.boolean(info, true)),
            b'f' => self.literal(b"false").map(|()| self.boolean(info, false)),
            b'n' => self.literal(b"null"),
            _ => {
                // Read even when not kept: serde reads a known path's
                // number whole, and refuses one out of range (`1e400`).
                let start = self.i;
                let n = number_value(self.number()?)?;
                self.mark(start, Kind::Num(info.leaf));
                self.offer(info, n);
                Some(())
            }
        }
    }

    /// A response body logged as an object rather than as text: its JSON
    /// text is offered whole, as a body logged as a string is, and the
    /// record's shape marks it as one value (a replay checks it and
    /// offers it again). Aliases below the body's own path, which no
    /// built-in body has, are offered too, and then the shape is not kept.
    #[cold]
    #[inline(never)]
    fn body_object(&mut self, info: PathInfo, leaf: (Slot, u8, Unit), depth: usize) -> Option<()> {
        let start = self.i;
        let text = if info.prefix {
            self.object(false, info, depth)?;
            self.marking = false;
            self.s.get(start..self.i)?
        } else {
            // The values inside are the body's, not the record's layout.
            let marks = self.marks.len();
            let text = self.object_text(depth)?;
            self.marks.truncate(marks);
            self.mark(start, Kind::Body(leaf, u8::try_from(depth).ok()?));
            text
        };
        self.fields.offer_leaf(leaf, Scalar::Str(Cow::Borrowed(text)));
        Some(())
    }

    /// The object at `i`, checked as [`Walker::skip`] checks it at
    /// `depth`, as text.
    pub(super) fn object_text(&mut self, depth: usize) -> Option<&'de str> {
        let start = self.i;
        if self.peek()? != b'{' {
            return None;
        }
        self.skip(depth)?;
        self.s.get(start..self.i)
    }

    /// A `true` or `false` just read on a known path.
    fn boolean(&mut self, info: PathInfo, b: bool) {
        if let Some(leaf) = info.leaf {
            self.mark(self.i, Kind::Bool(b, leaf));
            self.fields.offer_leaf(leaf, Scalar::Bool(b));
        }
    }

    fn offer(&mut self, info: PathInfo, v: Scalar<'de>) {
        if let Some(leaf) = info.leaf {
            self.fields.offer_leaf(leaf, v);
        }
    }

    /// An array: a list of values (a header) or of objects (an APM
    /// `exception`) keeps its first element when its path is wanted.
    fn array(&mut self, info: PathInfo, depth: usize) -> Option<()> {
        let wanted = info.leaf.is_some() || info.prefix;
        self.items(depth, b']', |w, n| {
            if n == 0 && wanted {
                w.value(info, depth + 1)
            } else {
                w.skip(depth + 1)
            }
        })
    }

    /// A value no alias lies in or below: checked, not kept.
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'{' => self.items(depth, b'}', |w, _| {
                if w.peek()? != b'"' {
                    return None;
                }
                w.skip_string()?;
                w.eat(b':')?;
                w.ws();
                w.skip(depth + 1)
            }),
            b'[' => self.array(PathInfo::default(), depth),
            b'"' => {
                let start = self.i;
                self.skip_string()?;
                self.mark(start, Kind::Str(None));
                Some(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => {
                let start = self.i;
                self.number()?;
                self.mark(start, Kind::SkipNum);
                Some(())
            }
        }
    }

    #[inline]
    pub(super) fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        crate::input::json::scan::same(self.b.get(self.i..end)?, word).then(|| self.i = end)
    }

    /// The number at `i` when it is a plain integer of at most 18 digits
    /// (so it fits an `i64`) other than `-0`: what [`Walker::number`] and
    /// [`number_value`] give for it, read in one pass. `None`, with `i`
    /// unmoved, for any other number or anything else.
    #[inline]
    pub(super) fn integer(&mut self) -> Option<i64> {
        let b = self.b;
        let neg = b.get(self.i) == Some(&b'-');
        let start = self.i + usize::from(neg);
        let mut j = start;
        let mut n = 0i64;
        while let Some(&c) = b.get(j) {
            if !c.is_ascii_digit() || j - start == 18 {
                break;
            }
            n = n * 10 + i64::from(c - b'0');
            j += 1;
        }
        let digits = j - start;
        let plain = digits > 0
            && (digits == 1 || b[start] != b'0')
            && !matches!(b.get(j), Some(b'0'..=b'9' | b'.' | b'e' | b'E'))
            && !(neg && n == 0);
        plain.then(|| {
            self.i = j;
            if neg {
                -n
            } else {
                n
            }
        })
    }

    /// The number at `i`, checked against JSON's grammar; returns its text.
    pub(super) fn number(&mut self) -> Option<&'de str> {
        let start = self.i;
        let b = self.b;
        let digits = |mut j: usize| {
            let from = j;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            (j > from).then_some(j)
        };
        let mut j = start;
        if b.get(j) == Some(&b'-') {
            j += 1;
        }
        j = match b.get(j)? {
            b'0' => j + 1,
            b'1'..=b'9' => digits(j)?,
            _ => return None,
        };
        if b.get(j) == Some(&b'.') {
            j = digits(j + 1)?;
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            j += 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            j = digits(j)?;
        }
        self.i = j;
        self.s.get(start..j)
    }

    /// A key: unescaped keys only (an escaped one goes to serde).
    fn key(&mut self) -> Option<&'de str> {
        let start = self.i + 1;
        let (end, escaped) = self.string_end()?;
        if escaped {
            return None;
        }
        self.i = end + 1;
        self.s.get(start..end)
    }

    /// Offset of the closing quote of the string at `i`, and whether the
    /// string has escapes. Checks that no control character is in it (JSON
    /// forbids them raw).
    fn string_end(&self) -> Option<(usize, bool)> {
        let mut j = self.i + 1;
        let mut escaped = false;
        if !self.controls {
            loop {
                j += crate::input::json::scan::quote_or_escape(self.b.get(j..)?)?;
                if self.b[j] == b'"' {
                    return Some((j, escaped));
                }
                escaped = true;
                j += 2;
            }
        }
        loop {
            match *self.b.get(j)? {
                b'"' => return Some((j, escaped)),
                b'\\' => {
                    escaped = true;
                    j += 2;
                }
                c if c < 0x20 => return None,
                _ => j += 1,
            }
        }
    }

    pub(super) fn skip_string(&mut self) -> Option<()> {
        let start = self.i + 1;
        let (end, escaped) = self.string_end()?;
        if escaped {
            unescape(&self.b[start..end])?;
        }
        self.i = end + 1;
        Some(())
    }

    /// The string at `i`: borrowed when it has no escapes. Inlined, so
    /// that the borrowed text reaches its caller in registers (returned
    /// through memory, it was read back before its write had landed).
    #[inline]
    pub(super) fn string(&mut self) -> Option<Cow<'de, str>> {
        let start = self.i + 1;
        let (end, escaped) = self.string_end()?;
        self.i = end + 1;
        if escaped {
            unescaped(&self.b[start..end])
        } else {
            self.s.get(start..end).map(Cow::Borrowed)
        }
    }
}

/// [`unescape`], out of the way of the common case.
#[cold]
#[inline(never)]
fn unescaped(raw: &[u8]) -> Option<Cow<'static, str>> {
    unescape(raw).map(Cow::Owned)
}

/// The text of a string body with JSON escapes, decoded; `None` for a bad
/// escape or a lone surrogate.
fn unescape(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut j = 0;
    while j < raw.len() {
        let c = raw[j];
        if c != b'\\' {
            out.push(c);
            j += 1;
            continue;
        }
        let e = *raw.get(j + 1)?;
        j += 2;
        let simple = match e {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let hi = hex4(raw.get(j..j + 4)?)?;
                j += 4;
                let cp = match hi {
                    0xD800..=0xDBFF => {
                        if raw.get(j..j + 2)? != b"\\u" {
                            return None;
                        }
                        let lo = hex4(raw.get(j + 2..j + 6)?)?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return None;
                        }
                        j += 6;
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return None,
                    cp => cp,
                };
                let ch = char::from_u32(cp)?;
                out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
            _ => return None,
        };
        out.push(simple);
    }
    String::from_utf8(out).ok()
}

fn hex4(h: &[u8]) -> Option<u32> {
    h.iter()
        .try_fold(0u32, |acc, &c| Some(acc * 16 + char::from(c).to_digit(16)?))
}

/// A number's value as the serde walk gives it: integers that fit 64 bits
/// as integers, everything else through serde_json's own float parser so
/// that the two paths cannot round differently.
pub(super) fn number_value(text: &str) -> Option<Scalar<'static>> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    if !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|c| c.is_ascii_digit()) {
        // At most 18 digits: below 10^18, so no step overflows.
        let mag = digits.bytes().fold(0i64, |n, c| n * 10 + i64::from(c - b'0'));
        // serde_json reads `-0` as the float -0.0.
        if !(neg && mag == 0) {
            return Some(Scalar::I64(if neg { -mag } else { mag }));
        }
    }
    let n: serde_json::Number = serde_json::from_str(text).ok()?;
    Some(if let Some(i) = n.as_i64() {
        Scalar::I64(i)
    } else if let Some(u) = n.as_u64() {
        Scalar::U64(u)
    } else {
        Scalar::F64(n.as_f64()?)
    })
}

#[cfg(test)]
mod tests {
    use super::super::fields::{extract_serde, BUILTIN};
    use super::*;

    /// The fast walk agrees with the serde walk, or declines.
    fn agrees(line: &[u8]) -> bool {
        let slow = extract_serde(&BUILTIN, line);
        match extract(&BUILTIN, line) {
            None => true,
            Some(fast) => slow.is_ok_and(|s| format!("{s:?}") == format!("{fast:?}")),
        }
    }

    #[test]
    fn answers_like_serde_on_typical_records() {
        let lines: &[&[u8]] = &[
            br#"{"@timestamp":"2024-08-01T00:00:00.000Z","log.level":"info","message":"GET /v1/orders/43939 200","service":{"name":"gateway"},"http":{"request":{"method":"GET"},"response":{"status_code":200}},"event":{"duration":153000000}}"#,
            br#"{"msg":"a \"quoted\" \u00e9 \ud83d\ude00 \n","status":"503","duration":0.25,"err":{"message":"x"}}"#,
            br#" { "level" : 50 , "time" : 1722470400000 , "tags" : [ "a" , "b" ] , "n" : null , "ok" : true } "#,
            br#"{"_index":"i","_source":{"status":-0,"duration":1e3,"big":123456789012345678901234}}"#,
            br#"{"request":{"headers":{"Authorization":["Bearer x","y"]}},"status":-17,"latency":12345678901234567890}"#,
            br#"{"hits":{"hits":[]},"took":3}"#,
            br#"{"a":{"b":{"c":[1,[2,{"d":3}],{}]}},"x":"\/"}"#,
        ];
        for l in lines {
            assert!(extract(&BUILTIN, l).is_some(), "{}", String::from_utf8_lossy(l));
            assert!(agrees(l), "{}", String::from_utf8_lossy(l));
        }
    }

    #[test]
    fn recalled_look_ups_follow_the_map_and_the_record() {
        // The same keys walked with two maps in turn, then records whose
        // keys change at one step: each answer is that map's, for that key.
        let mine = FieldMap::with_user(&[("status".to_string(), "code".to_string())]).unwrap();
        let line: &[u8] = br#"{"code":503,"status":200}"#;
        let status = |m: &FieldMap, l: &[u8]| {
            let f = extract(m, l).unwrap();
            f.get(super::super::fields::Slot::Status).and_then(Scalar::as_i64)
        };
        for _ in 0..3 {
            assert_eq!(status(&BUILTIN, line), Some(200));
            assert_eq!(status(&mine, line), Some(503));
        }
        let changed: &[&[u8]] = &[
            br#"{"a":{"status":1},"status":2}"#,
            br#"{"http":{"status":3},"status":4}"#,
            br#"{"http":{"status_code":5},"x":6}"#,
            br#"{"status":7,"http":{"status_code":8}}"#,
        ];
        for l in changed.iter().chain(changed) {
            assert!(agrees(l), "{}", String::from_utf8_lossy(l));
        }
        assert_eq!(status(&BUILTIN, changed[2]), Some(5));
    }

    #[test]
    fn replays_records_laid_out_like_the_one_before() {
        // Every kind of value the walk marks: strings kept and skipped (with
        // and without escapes), numbers kept, read and skipped, booleans
        // kept and skipped, nulls, the first element of a wanted array, a
        // nested `_source`, and a wrapper key.
        let seed = r#"{"hits":1,"_source":{"@timestamp":"2024-08-01T00:00:00Z","level":"error","msg":"a","status":502,"duration":0.5,"ok":true,"n":null,"tags":["x","y"],"http":{"request":{"headers":{"authorization":["Bearer q","z"]}}},"other":{"s":"t","k":7,"b":false}}} "#;
        // Values swapped for others of the same kind, of other lengths,
        // with escapes, and at the edges of the number grammar.
        let variants = [
            ("\"2024-08-01T00:00:00Z\"", "\"2024-08-01T00:00:00.123456+02:00\""),
            ("\"error\"", "\"warn\""),
            ("\"a\"", "\"upstream \\\"x\\\" reset \\u00e9 \\ud83d\\ude00 \\n\""),
            ("502", "-0"),
            ("502", "429"),
            ("0.5", "1e3"),
            ("0.5", "12345678901234567890"),
            ("true", "false"),
            ("\"x\",\"y\"", "\"\\/\",\"y\""),
            ("\"Bearer q\"", "\"\""),
            ("\"t\"", "\"\\t\""),
            ("7", "7.25e-3"),
            ("false", "true"),
        ];
        assert!(extract(&BUILTIN, seed.as_bytes()).is_some());
        for (from, to) in variants {
            let line = seed.replacen(from, to, 1);
            assert_ne!(line, seed, "{from}");
            let before = replayed();
            let fast = extract(&BUILTIN, line.as_bytes()).unwrap();
            let slow = extract_serde(&BUILTIN, line.as_bytes()).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{line}");
            // `true` for `false` changes the bytes between the values, and
            // is walked anew; everything else replays.
            if from != "true" && to != "true" {
                assert_eq!(replayed(), before + 1, "{line}");
            }
            // The seed's shape again, for the next variant.
            assert!(extract(&BUILTIN, seed.as_bytes()).is_some());
        }
    }

    #[test]
    fn a_body_logged_as_an_object_is_offered_whole_and_replays() {
        use super::super::fields::Slot;
        let body = |f: &Fields<'_>| f.str(Slot::ResponseBody).map(str::to_string);
        let seed =
            r#"{"status":200,"response":{"body":{"code":0,"msg":"ok","data":{"id":[1,2]}}},"msg":"x"}"#;
        let f = extract(&BUILTIN, seed.as_bytes()).unwrap();
        assert_eq!(
            body(&f).as_deref(),
            Some(r#"{"code":0,"msg":"ok","data":{"id":[1,2]}}"#)
        );
        assert!(agrees(seed.as_bytes()));
        // Another body of another layout inside, the record's layout the
        // same: replayed, and the body is this record's.
        let other =
            r#"{"status":200,"response":{"body":{ "errcode" : 40001, "errmsg":"invalid \"x\"" }},"msg":"y"}"#;
        let before = replayed();
        let f = extract(&BUILTIN, other.as_bytes()).unwrap();
        assert_eq!(replayed(), before + 1);
        assert_eq!(
            body(&f).as_deref(),
            Some(r#"{ "errcode" : 40001, "errmsg":"invalid \"x\"" }"#)
        );
        assert!(agrees(other.as_bytes()));
        // A body that is not an object, or a broken one, as the serde walk
        // says; a body with an alias below it offers both.
        let lines: &[&[u8]] = &[
            br#"{"status":200,"response":{"body":"{"code":1}"},"msg":"x"}"#,
            br#"{"status":200,"response":{"body":[{"code":1},2]},"msg":"x"}"#,
            br#"{"status":200,"response":{"body":{"code":1,}},"msg":"x"}"#,
            br#"{"status":200,"response":{"body":{"code":1}"#,
            br#"{"status":200,"response":{"body":{}},"msg":"x"}"#,
        ];
        for l in lines {
            assert!(agrees(l), "{}", String::from_utf8_lossy(l));
        }
        let map = BUILTIN.with_added([(
            "response.body.trace",
            Slot::TraceId,
            super::super::fields::Unit::None,
        )]);
        let line = br#"{"response":{"body":{"trace":"abc","code":7}}}"#;
        let fast = extract(&map, line).unwrap();
        let slow = extract_serde(&map, line).unwrap();
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"));
        assert_eq!(fast.str(Slot::TraceId), Some("abc"));
        assert_eq!(fast.str(Slot::ResponseBody), Some(r#"{"trace":"abc","code":7}"#));
    }

    #[test]
    fn a_record_laid_out_otherwise_is_walked_and_two_layouts_both_replay() {
        let a: &[u8] = br#"{"status":200,"msg":"x"}"#;
        let b: &[u8] = br#"{"log":"{}","stream":"stdout","time":"2024-08-01T00:00:00Z"}"#;
        let odd: &[&[u8]] = &[
            br#"{"status":"200","msg":"x"}"#,
            br#"{"status":200,"msg":1}"#,
            br#"{"status":200, "msg":"x"}"#,
            br#"{"status":200,"msg":"x","extra":1}"#,
            br#"{"status":200}"#,
            br#"{"status":200,"msg":"x"} "#,
            br#"{"status":200,"msg":"x"}}"#,
            br#"{"status":200,"msg":"x""#,
            br#"{"status":1e400,"msg":"x"}"#,
            br#"{"status":2.,"msg":"x"}"#,
            b"{\"status\":200,\"msg\":\"\x01\"}",
            br#"{"status":200,"msg":"\x"}"#,
            br#"{"status":200,"msg":"\ud800"}"#,
        ];
        for line in odd {
            for prime in [a, b] {
                extract(&BUILTIN, a);
                extract(&BUILTIN, prime);
                let before = replayed();
                assert!(agrees(line), "{}", String::from_utf8_lossy(line));
                assert_eq!(replayed(), before, "{}", String::from_utf8_lossy(line));
            }
        }
        extract(&BUILTIN, a);
        extract(&BUILTIN, b);
        let before = replayed();
        for _ in 0..3 {
            assert!(agrees(br#"{"status":503,"msg":"yy"}"#));
            assert!(agrees(br#"{"log":"{\"a\":1}","stream":"stderr","time":"x"}"#));
        }
        assert_eq!(replayed(), before + 6);

        // Records of ever new layouts: tries are spaced out, and every
        // answer is still serde's. Once records repeat, replays resume.
        for n in 0..200 {
            let line = format!(r#"{{"k{n}":1,"status":{n}}}"#);
            assert!(agrees(line.as_bytes()), "{line}");
        }
        let before = replayed();
        for n in 0..40 {
            let line = format!(r#"{{"status":{n},"msg":"x"}}"#);
            assert!(agrees(line.as_bytes()), "{line}");
        }
        assert!(replayed() - before >= 40 - 34, "{}", replayed() - before);
    }

    /// `f` on a walker at the start of `t`.
    fn on<R>(t: &str, f: impl FnOnce(&mut Walker<'_, '_>) -> R) -> R {
        let (mut fields, mut recall, mut marks) = (Fields::default(), Recall::default(), Vec::new());
        f(&mut Walker {
            b: t.as_bytes(),
            s: t,
            controls: false,
            i: 0,
            map: &BUILTIN,
            recall: &mut recall,
            fields: &mut fields,
            marks: &mut marks,
            marking: false,
        })
    }

    #[test]
    fn integers_read_in_one_pass_as_number_and_number_value_read_them() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "7",
            "-7",
            "00",
            "01",
            "-01",
            "0.5",
            "1e3",
            "1E3",
            "12.",
            "-",
            "",
            "x",
            "1x",
            "1,",
            "1}",
            "999999999999999999",
            "1000000000000000000",
            "-999999999999999999",
            "123456789012345678901",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        for n in 1..=20 {
            texts.push("9".repeat(n) + ",");
            texts.push(format!("-{}", "1".repeat(n)));
        }
        for t in &texts {
            let fast = on(t, |w| w.integer().map(|n| (n, w.i)));
            let slow = on(t, |w| w.number().and_then(number_value).map(|v| (v, w.i)));
            match (fast, slow) {
                (Some((n, at)), Some((v, end))) => assert_eq!((Scalar::I64(n), at), (v, end), "{t}"),
                (Some(f), None) => panic!("{t}: {f:?}, but no number"),
                (None, _) => {}
            }
        }
        // The ones it exists for.
        for (t, n) in [("200", 200), ("153000000,", 153_000_000), ("-17}", -17), ("0", 0)] {
            assert_eq!(on(t, |w| w.integer()), Some(n), "{t}");
        }
    }

    #[test]
    fn a_record_too_long_to_keep_is_walked_without_marks() {
        let long = format!(r#"{{"status":200,"n":[{}1]}}"#, "1,".repeat(40_000));
        assert!(agrees(long.as_bytes()));
        MEMO.with_borrow(|m| assert!(m.marks.is_empty(), "{}", m.marks.len()));
        let before = replayed();
        assert!(agrees(long.as_bytes()));
        assert_eq!(replayed(), before);
    }

    #[test]
    fn declines_what_it_is_unsure_of() {
        let lines: &[&[u8]] = &[
            b"{\"a\":1,}",
            b"{\"a\":01}",
            b"{\"a\":1.}",
            b"{\"a\":NaN}",
            b"{\"a\":\"\x01\"}",
            b"{\"a\":\"\\ud800\"}",
            b"{\"a\\u0062\":1}",
            b"{\"a\":\"\xff\"}",
            b"{\"a\":1} x",
            b"[1]",
            b"{\"a\":tru}",
            b"{\"a\" 1}",
            b"{\"a\":\"\\x\"}",
        ];
        for l in lines {
            assert!(extract(&BUILTIN, l).is_none(), "{}", String::from_utf8_lossy(l));
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(extract(&BUILTIN, deep.as_bytes()).is_none());
    }

    #[test]
    fn agrees_with_serde_on_every_corpus_line() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        if !root.is_dir() {
            eprintln!("skipped: {} is absent", root.display());
            return;
        }
        let mut checked = 0usize;
        for entry in walkdir::WalkDir::new(&root).into_iter().flatten() {
            let p = entry.path();
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(ext, "jsonl" | "ndjson" | "json" | "log") {
                continue;
            }
            let Ok(data) = std::fs::read(p) else { continue };
            for line in data.split(|&c| c == b'\n').take(20_000) {
                assert!(agrees(line), "{}: {}", p.display(), String::from_utf8_lossy(line));
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    /// JSON-ish value text: mostly well-formed scalars of every kind, with
    /// escapes, control bytes, non-ASCII, odd numbers, and now and then a
    /// nested value or plain garbage.
    fn value_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::collection::vec(
                proptest::sample::select(vec![
                    "a",
                    "\\\"",
                    "\\\\",
                    "\\n",
                    "\\u00e9",
                    "\\ud83d\\ude00",
                    "\\ud800",
                    "\\x",
                    "\u{1}",
                    "é",
                    "/",
                    ",\":",
                ]),
                0..6
            )
            .prop_map(|parts| format!("\"{}\"", parts.concat())),
            "-?(0|[1-9][0-9]{0,20}|0[0-9])(\\.[0-9]{0,3})?([eE][-+]?[0-9]{0,3})?",
            Just("true".to_string()),
            Just("false".to_string()),
            Just("null".to_string()),
            Just("[1,\"x\"]".to_string()),
            Just("{\"k\":1}".to_string()),
            Just("1e400".to_string()),
            "[ -~]{0,4}",
        ]
    }

    proptest::proptest! {
        #[test]
        fn replays_agree_with_serde_whatever_the_values(
            pick in 0usize..2,
            values in proptest::collection::vec(value_text(), 6),
        ) {
            // Records laid out like a first one, with other values: each is
            // replayed when its values fit the layout, walked otherwise,
            // and either way answers as serde does.
            let layouts: [fn(&[String]) -> String; 2] = [
                |v| format!(r#"{{"@timestamp":{},"level":{},"msg":{},"status":{},"duration":{},"ok":{}}}"#, v[0], v[1], v[2], v[3], v[4], v[5]),
                |v| format!(r#"{{"_index":"i","_source":{{"http":{{"response":{{"status_code":{}}}}},"trace":{{"id":{}}},"tags":[{},{}],"x":{},"message":{}}}}}"#, v[0], v[1], v[2], v[3], v[4], v[5]),
            ];
            let first = ["\"2024-08-01T00:00:00Z\"", "\"info\"", "\"m\"", "200", "1.5", "true"].map(String::from);
            let primed = layouts[pick](&first);
            proptest::prop_assert!(extract(&BUILTIN, primed.as_bytes()).is_some());
            let line = layouts[pick](&values);
            proptest::prop_assert!(agrees(line.as_bytes()), "{}", line);
        }

        #[test]
        fn agrees_with_serde_on_mutated_records(
            pick in 0usize..4,
            edits in proptest::collection::vec((0usize..400, proptest::prelude::any::<u8>(), 0u8..3), 0..6),
        ) {
            let seeds: [&[u8]; 4] = [
                br#"{"@timestamp":"2024-08-01T00:00:00Z","level":"error","msg":"upstream \"x\" reset \u00e9","status":502,"duration":0.5}"#,
                br#"{"http":{"request":{"method":"get"},"response":{"status_code":"429"}},"url":{"full":"https://a/b?c=1"},"tags":["x",1,null]}"#,
                br#"{"_source":{"status":-1,"latency":1.5e2},"fields":{"trace.id":["abc"]},"hits":{"hits":[{}]}}"#,
                br#"{"resourceLogs":[],"a":{"b":[[{"c":true}]]},"n":-0.0,"e":1E+2,"http":1e400,"q":1e400}"#,
            ];
            let mut line = seeds[pick].to_vec();
            // The seed's shape first, so that mutants which keep it replay.
            proptest::prop_assert!(agrees(&line));
            for (at, byte, kind) in edits {
                let at = at % (line.len() + 1);
                match kind {
                    0 if at < line.len() => line[at] = byte,
                    1 => line.insert(at, byte),
                    _ if at < line.len() => { line.remove(at); }
                    _ => {}
                }
            }
            proptest::prop_assert!(agrees(&line), "{}", String::from_utf8_lossy(&line));
        }
    }
}
