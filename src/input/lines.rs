//! Line-oriented inputs parsed in parallel: the input is cut into chunks on
//! line boundaries, each chunk is parsed on its own with chunk-local line
//! numbers, and the pieces are put back in file order as they finish,
//! turning local line numbers into file line numbers ([`parse_in_order`]).
//! The result is the same for any thread count. Used by the JSON-lines and
//! text parsers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::model::{Event, InputStats, Locator, ParseIssue};

/// What one chunk produced.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Events, with chunk-local line numbers.
    pub events: Vec<Event>,
    /// Skipped records, with chunk-local line numbers.
    pub issues: Vec<ParseIssue>,
    /// Records seen.
    pub records: u64,
    /// Physical lines in the chunk (including empty ones).
    pub lines: u64,
    /// Dialect guesses of the chunk's first records.
    pub votes: Vec<&'static str>,
    /// Records read after replacing invalid UTF-8 with U+FFFD.
    pub repaired: u64,
    /// The hashes of the events' join keys, taken while each record was
    /// still in the cache (see [`crate::normalize::join::push_key_hashes`]); left
    /// empty by parsers that do not hash them.
    pub keys: Vec<u64>,
}

impl Chunk {
    /// An empty chunk whose event vector suits `bytes` of input.
    pub fn for_bytes(bytes: usize) -> Chunk {
        Chunk {
            events: events_for(bytes),
            ..Chunk::default()
        }
    }
}

/// All chunks of one input, merged in file order.
#[derive(Debug, Default)]
pub struct Merged {
    /// Events, with file line numbers.
    pub events: Vec<Event>,
    /// Records, skips (with file line numbers) and notes.
    pub stats: InputStats,
    /// Up to 64 dialect guesses, from the first records.
    pub votes: Vec<&'static str>,
    /// The chunks' join-key hashes, in event order.
    pub keys: Vec<u64>,
}

/// Split `b` into chunks of about `target` bytes that end on a newline.
pub fn chunks(b: &[u8], target: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let want = (start + target).min(b.len());
        let end = if want == b.len() {
            want
        } else {
            memchr::memchr(b'\n', &b[want..]).map_or(b.len(), |k| want + k + 1)
        };
        out.push((start, end));
        start = end;
    }
    out
}

/// A chunk's event vector sized for a chunk of `bytes`: one event per 128
/// bytes, so that growing it (a copy of every event so far) is rare. The
/// pages past what is written are never touched, so the slack costs
/// address space, not memory.
pub fn events_for(bytes: usize) -> Vec<Event> {
    Vec::with_capacity(bytes / 128 + 16)
}

/// Merge chunks parsed one by one, in order: what [`parse_in_order`] must
/// give, for the tests that check it.
#[cfg(test)]
pub fn merge(parts: Vec<Chunk>) -> Merged {
    let mut sink = Sink::new(Vec::with_capacity(parts.iter().map(|p| p.events.len()).sum()));
    for mut p in parts {
        sink.append(&mut p);
    }
    sink.finish()
}

/// Parse `b` in chunks of about `target` bytes on every thread of the
/// current pool, `parse(start, end, chunk)` filling an empty `chunk` with
/// what `b[start..end]` holds, and merge the chunks in file order: events
/// (with file line numbers), key hashes, accounting and up to 64 dialect
/// votes, the same as the chunks parsed one by one and appended in turn.
///
/// Threads take chunks in file order, and each chunk is appended to the
/// result as soon as every chunk before it is in, while it is still warm in
/// the cache of the thread that parsed it. Its vectors, emptied, then take
/// the next chunk; a thread more than a few chunks ahead of the next to
/// append waits for it. So the events are written to new memory once, not twice
/// (a vector per chunk, then the merged one), and there is no merge pass at
/// the end: on a large input that halved the page faults.
pub fn parse_in_order<F>(b: &[u8], target: usize, parse: F) -> Merged
where
    F: Fn(usize, usize, &mut Chunk) + Sync,
{
    let ranges = chunks(b, target.max(1));
    let workers = rayon::current_num_threads().clamp(1, ranges.len().max(1));
    // How far past the next chunk to append a thread may start one: what
    // bounds the chunks held waiting when a thread falls behind (descheduled
    // on a busy machine, or given a slow stretch of input).
    let ahead = 4 * workers;
    let next = AtomicUsize::new(0);
    let order = Mutex::new(Order {
        waiting: BTreeMap::new(),
        want: 0,
        spare: Vec::new(),
        // Memory is taken only as it is written, and a vector that
        // outgrows the guess is moved by remapping.
        sink: Sink::new(events_for(b.len())),
    });
    let turn = Condvar::new();
    let worker = || {
        // A worker that a chunk's parse runs on its own thread, on top of
        // that chunk (the parse waited on rayon, for a nested parallel scan,
        // and rayon handed the thread this queued worker), must never wait:
        // the chunk it would wait for is below it on the same stack.
        let nesting = Nesting::enter();
        let may_wait = !nesting.0;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(start, end)) = ranges.get(i) else {
                break;
            };
            let spare = {
                // The thread with chunk `want` never waits here, so neither
                // does the one after it for long.
                let mut o = lock(&order);
                while may_wait && i >= o.want + ahead {
                    o = turn.wait(o).unwrap_or_else(PoisonError::into_inner);
                }
                o.spare.pop()
            };
            let mut chunk = spare.unwrap_or_else(|| Chunk::for_bytes(end - start));
            parse(start, end, &mut chunk);
            let mut o = lock(&order);
            o.waiting.insert(i, chunk);
            if o.drain_ready() {
                turn.notify_all();
            }
        }
    };
    rayon::scope(|s| {
        for _ in 0..workers {
            s.spawn(|_| worker());
        }
    });
    // Every chunk was parsed, and appended once the ones before it were.
    let o = order.into_inner().unwrap_or_else(PoisonError::into_inner);
    debug_assert!(o.waiting.is_empty());
    o.sink.finish()
}

thread_local! {
    /// Whether this thread is inside a [`parse_in_order`] worker.
    static IN_WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks this thread as inside a worker while it lives; holds whether it
/// already was (the worker is nested in another's chunk).
struct Nesting(bool);

impl Nesting {
    fn enter() -> Nesting {
        Nesting(IN_WORKER.with(|w| w.replace(true)))
    }
}

impl Drop for Nesting {
    fn drop(&mut self) {
        IN_WORKER.with(|w| w.set(self.0));
    }
}

/// The chunks that finished before their turn, and the merged result.
struct Order {
    waiting: BTreeMap<usize, Chunk>,
    /// The index of the next chunk to append.
    want: usize,
    /// Emptied chunks, their vectors kept for the next ones.
    spare: Vec<Chunk>,
    sink: Sink,
}

impl Order {
    /// Append every chunk whose turn has come; whether there was one.
    fn drain_ready(&mut self) -> bool {
        let from = self.want;
        while let Some(mut c) = self.waiting.remove(&self.want) {
            self.sink.append(&mut c);
            self.want += 1;
            self.spare.push(c);
        }
        self.want > from
    }
}

/// The lock of the merge; a panic elsewhere cannot leave it half-written
/// (appends do not panic), so a poisoned lock is used as it is.
fn lock(m: &Mutex<Order>) -> MutexGuard<'_, Order> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The merged result as it grows, chunk by chunk.
struct Sink {
    out: Merged,
    /// File lines before the next chunk.
    base: u64,
    repaired: u64,
}

impl Sink {
    /// An empty result that appends to `events`.
    fn new(events: Vec<Event>) -> Sink {
        Sink {
            out: Merged {
                events,
                ..Merged::default()
            },
            base: 0,
            repaired: 0,
        }
    }

    /// Move the next chunk's content to the end, leaving it empty with its
    /// vectors' capacity.
    fn append(&mut self, c: &mut Chunk) {
        let base = self.base;
        let out = &mut self.out;
        out.events.extend(c.events.drain(..).map(|mut e| {
            if let Some(Locator::Line(n)) = e.locator() {
                e.set_locator(Some(Locator::Line(n + base)));
            }
            e
        }));
        out.keys.append(&mut c.keys);
        out.stats.skipped += c.issues.len() as u64;
        out.stats.issues.extend(c.issues.drain(..).map(|mut i| {
            if let Locator::Line(n) = &mut i.locator {
                *n += base;
            }
            i
        }));
        if out.votes.len() < 64 {
            out.votes.append(&mut c.votes);
        }
        c.votes.clear();
        out.stats.records += std::mem::take(&mut c.records);
        self.base += std::mem::take(&mut c.lines);
        self.repaired += std::mem::take(&mut c.repaired);
    }

    fn finish(self) -> Merged {
        let mut out = self.out;
        out.events.shrink_to_fit();
        if self.repaired > 0 {
            out.stats.notes.push(format!(
                "{} records held invalid UTF-8: read with U+FFFD in place of the bad bytes",
                self.repaired
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceId;

    /// A chunk's lines as events with local line numbers; every third line
    /// a skip.
    fn fake(b: &[u8], start: usize, end: usize, out: &mut Chunk) {
        for line in b[start..end].split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            out.lines += 1;
            out.records += 1;
            let loc = Locator::Line(out.lines);
            if line.ends_with(b"0") {
                out.issues.push(ParseIssue {
                    locator: loc,
                    offset: start as u64,
                    reason: "zero".into(),
                });
            } else {
                out.events.push(Event::at(SourceId(0), loc, start as u64));
                out.keys.push(out.lines);
            }
        }
    }

    #[test]
    fn the_in_order_merge_is_the_merge_of_the_chunks_one_by_one() {
        let text: String = (0..3000).map(|i| format!("line {i}\n")).collect();
        let b = text.as_bytes();
        let by_one = merge(
            chunks(b, 100)
                .into_iter()
                .map(|(s, e)| {
                    let mut c = Chunk::default();
                    fake(b, s, e, &mut c);
                    c
                })
                .collect(),
        );
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            // The first chunk is slow, so later ones finish before it and
            // wait their turn (or their threads wait to start more).
            let got = pool.install(|| {
                parse_in_order(b, 100, |s, e, out| {
                    if s == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(30));
                    }
                    fake(b, s, e, out)
                })
            });
            let lines = |m: &Merged| {
                m.events
                    .iter()
                    .map(|e| (e.locator(), e.offset))
                    .collect::<Vec<_>>()
            };
            assert_eq!(lines(&got), lines(&by_one), "{threads} threads");
            assert_eq!(got.keys, by_one.keys);
            assert_eq!(got.stats.issues, by_one.stats.issues);
            assert_eq!((got.stats.records, got.stats.skipped), (3000, 300));
            assert_eq!(
                got.events.last().and_then(|e| e.locator()),
                Some(Locator::Line(3000))
            );
        }
    }

    #[test]
    fn a_worker_run_inside_a_chunk_parse_does_not_wait_for_that_chunk() {
        // A parse that yields to rayon (as a nested parallel scan does)
        // can run the other worker on its own thread, on top of the chunk
        // it holds; that worker must not wait for the chunk below it. The
        // second thread is kept busy meanwhile so the other worker is still
        // queued when the first chunk yields.
        let text: String = (0..3000).map(|i| format!("line {i}\n")).collect();
        let b = text.as_bytes();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let got = pool.install(|| {
            let (got, ()) = rayon::join(
                || {
                    parse_in_order(b, 100, |s, e, out| {
                        if s == 0 {
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            rayon::yield_now();
                        }
                        fake(b, s, e, out)
                    })
                },
                || std::thread::sleep(std::time::Duration::from_millis(300)),
            );
            got
        });
        assert_eq!(got.stats.records, 3000);
        assert_eq!(
            got.events.last().and_then(|e| e.locator()),
            Some(Locator::Line(3000))
        );
    }
}
