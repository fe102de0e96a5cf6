//! Shape replay: the JSON walk's shortcut for a record laid out byte for
//! byte like one walked before, apart from its scalar values.
//!
//! A logger writes every record with the same keys in the same order, the
//! same nesting and the same spacing; only the values change. After the
//! walk ([`crate::input::json::walk`]) has read a record in full, the record's *shape*
//! is kept: the bytes between its scalar values (keys, punctuation,
//! whitespace, `true`/`false`/`null`) and, for each value, what the walk
//! did with it (offered it under an alias, read it, or only checked it).
//! The next record is first replayed against a kept shape: each stretch
//! between values is compared with the shape's bytes, and each value is
//! read by the walk's own scanners. A record that matches everywhere has,
//! token for token, the keys and structure of the record the shape came
//! from, so the walk would have made the same decisions in the same order:
//! replay offers the same values to the same slots. Anything else (another
//! key, a member more or less, a string where a number was) ends the
//! replay; the record is walked in full and its shape kept instead. Two
//! shapes are kept, most recent first, so that records of two layouts in
//! turn (a docker `log` line and the record inside it) both replay.

use super::{number_value, Walker};
use crate::input::json::fields::{FieldMap, Scalar, Slot, Unit};

/// What the walk does with an alias: its slot, precedence rank and unit.
type Leaf = (Slot, u8, Unit);

/// The longest record whose shape is kept, in bytes: longer records are
/// rare, and rarely repeat.
const MAX_RECORD: usize = 64 * 1024;

/// What the walk did with one scalar value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// A string: offered under the alias, or only checked without one.
    Str(Option<Leaf>),
    /// A number on a path the alias table knows: read whole, as serde
    /// reads it (which refuses `1e400`), and offered under the alias.
    Num(Option<Leaf>),
    /// A number on no known path: checked against the grammar only.
    SkipNum,
    /// A `true` or `false` kept under an alias. The word itself is part of
    /// the bytes before, so the mark is empty and only offers the value.
    Bool(bool, Leaf),
    /// A response body logged as an object, at this depth: checked and
    /// offered whole as its JSON text.
    Body(Leaf, u8),
}

/// Where the walk met one scalar value (`start..end` in the record), and
/// what it did with it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) kind: Kind,
}

/// One value of a shape: the length of the bytes before it, and its kind.
#[derive(Debug, Clone, Copy)]
struct Step {
    before: u32,
    kind: Kind,
}

/// The layout of one record.
#[derive(Debug, Default)]
struct Shape {
    /// The bytes between the values, end to end (with the bytes after the
    /// last value at the end).
    between: Vec<u8>,
    steps: Vec<Step>,
    /// The record had a [`crate::input::json::fields::WRAPPER_KEYS`] key at its top.
    wrapper_key: bool,
}

/// The shapes of the records this thread walked last, for one field map.
#[derive(Debug, Default)]
pub(super) struct Shapes {
    stamp: u64,
    /// Most recently matched or walked first.
    kept: [Option<Shape>; 2],
    /// Replays missed in a row.
    misses: u32,
    /// Records still to walk without a replay. Records of many layouts
    /// in turn (APM intake, mixed streams) would miss every time, and each
    /// miss costs a try and a shape kept: after two misses in a row, tries
    /// are spaced out, one in up to [`MAX_COOLDOWN`] records.
    cooldown: u32,
    /// Records replayed, for the tests.
    replayed: u64,
}

/// The most records walked without a try after misses in a row.
const MAX_COOLDOWN: u32 = 32;

impl Shapes {
    /// Start a record walked with `map`: shapes taken with another map
    /// hold that map's aliases, and are forgotten.
    pub(super) fn start(&mut self, map: &FieldMap) {
        if self.stamp != map.stamp() {
            self.stamp = map.stamp();
            self.kept = [None, None];
        }
    }

    /// Replay the walker's record (at its start, with no fields found)
    /// against the kept shapes. `true` when one matched and the fields are
    /// found; otherwise the walker is back at the start, with no fields.
    pub(super) fn replay(&mut self, w: &mut Walker<'_, '_>) -> bool {
        if self.cooldown > 0 {
            self.cooldown -= 1;
            return false;
        }
        for k in 0..self.kept.len() {
            let Some(shape) = &self.kept[k] else { break };
            if shape.run(w).is_some() {
                if shape.wrapper_key {
                    w.fields.set_wrapper_key();
                }
                self.kept[..=k].rotate_right(1);
                self.misses = 0;
                self.replayed += 1;
                return true;
            }
            w.restart();
        }
        if self.kept[0].is_some() {
            self.misses = self.misses.saturating_add(1);
            if self.misses >= 2 {
                self.cooldown = self.misses.min(MAX_COOLDOWN);
            }
        }
        false
    }

    /// Whether the record of `len` bytes about to be walked in full (after
    /// [`Shapes::replay`] said no) is to have its shape kept: not when the
    /// next is not to be tried either, nor when it is too long to keep
    /// (its marks alone would take memory in proportion to its values).
    pub(super) fn marking(&self, len: usize) -> bool {
        self.cooldown == 0 && len <= MAX_RECORD
    }

    /// Keep the shape of `record`, which the walk just read in full with
    /// the values at `marks`.
    pub(super) fn keep(&mut self, record: &[u8], marks: &[Mark], wrapper_key: bool) {
        if record.len() > MAX_RECORD {
            return;
        }
        // Reuse the oldest shape's buffers.
        let last = self.kept.len() - 1;
        let mut shape = self.kept[last].take().unwrap_or_default();
        shape.between.clear();
        shape.steps.clear();
        shape.wrapper_key = wrapper_key;
        let mut at = 0;
        for m in marks {
            let Some(before) = record.get(at..m.start) else {
                return;
            };
            shape.between.extend_from_slice(before);
            shape.steps.push(Step {
                // A record is at most MAX_RECORD bytes.
                before: before.len() as u32,
                kind: m.kind,
            });
            at = m.end;
        }
        let Some(after) = record.get(at..) else { return };
        shape.between.extend_from_slice(after);
        self.kept[last] = Some(shape);
        self.kept.rotate_right(1);
    }

    /// How many records this thread replayed.
    #[cfg(test)]
    pub(super) fn replayed(&self) -> u64 {
        self.replayed
    }
}

impl Shape {
    /// Read the walker's record as this shape, offering its values.
    fn run(&self, w: &mut Walker<'_, '_>) -> Option<()> {
        let mut at = 0;
        for step in &self.steps {
            let end = at + step.before as usize;
            w.literal(self.between.get(at..end)?)?;
            at = end;
            match step.kind {
                Kind::Str(leaf) => {
                    if w.peek()? != b'"' {
                        return None;
                    }
                    match leaf {
                        Some(leaf) => {
                            let v = w.string()?;
                            w.fields.offer_leaf(leaf, Scalar::Str(v));
                        }
                        None => w.skip_string()?,
                    }
                }
                Kind::Num(leaf) => {
                    let v = match w.integer() {
                        Some(n) => Scalar::I64(n),
                        None => number_value(w.number()?)?,
                    };
                    if let Some(leaf) = leaf {
                        w.fields.offer_leaf(leaf, v);
                    }
                }
                Kind::SkipNum => {
                    if w.integer().is_none() {
                        w.number()?;
                    }
                }
                Kind::Bool(b, leaf) => w.fields.offer_leaf(leaf, Scalar::Bool(b)),
                Kind::Body(leaf, depth) => {
                    let text = w.object_text(usize::from(depth))?;
                    w.fields
                        .offer_leaf(leaf, Scalar::Str(std::borrow::Cow::Borrowed(text)));
                }
            }
        }
        w.literal(self.between.get(at..)?)?;
        w.at_end().then_some(())
    }
}
