//! Interned strings behind a 4-byte handle ([`Str`]). Hosts, routes,
//! methods, services, user agents, error texts and body paths repeat across
//! millions of events; each distinct value is stored once, for the life of
//! the process, in one append-only table, and an event holds its index.
//!
//! The table is a list of buckets that double in size, so an entry never
//! moves once written and a handle is resolved with two loads and no lock.
//! Interning a new value takes the lock of one of 64 shards, chosen by the
//! value's hash; [`intern`] puts a small per-thread cache in front of that,
//! so the values that repeat are found without any shared state.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

use rustc_hash::FxBuildHasher;

/// An interned string. Copying it allocates nothing; two handles are equal
/// exactly when their texts are (each text is interned once). Ordered by
/// text, hashed by a hash of the text, so maps and sorts keyed by it do not
/// depend on the order values were first seen in. Derefs to `str`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Str(NonZeroU32);

/// One interned value.
struct Entry {
    text: &'static str,
    /// `FxBuildHasher` over `text`: what [`Str`]'s `Hash` writes.
    hash: u64,
}

/// Entries in bucket 0; bucket `b` holds `FIRST << b`.
const FIRST_BITS: u32 = 6;
const FIRST: usize = 1 << FIRST_BITS;
/// Enough buckets for every `u32` index.
const BUCKETS: usize = 27;
/// Indexes at or past this are not handed out (see [`Str::new`]).
const FULL: u32 = u32::MAX - 1;

static TABLE: [AtomicPtr<Entry>; BUCKETS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; BUCKETS];
static NEXT: AtomicU32 = AtomicU32::new(0);

/// One shard of the text → handle map, with the arena its texts live in.
struct Shard {
    map: HashMap<&'static str, Str, FxBuildHasher>,
    arena: bumpalo::Bump,
}

const SHARDS: usize = 64;
static MAP: LazyLock<Vec<Mutex<Shard>>> = LazyLock::new(|| {
    (0..SHARDS)
        .map(|_| {
            Mutex::new(Shard {
                map: HashMap::with_hasher(FxBuildHasher),
                arena: bumpalo::Bump::new(),
            })
        })
        .collect()
});

/// The bucket and the place in it of table index `i`.
fn locate(i: usize) -> (usize, usize) {
    let j = i + FIRST;
    let b = (usize::BITS - 1 - j.leading_zeros() - FIRST_BITS) as usize;
    (b, j - (FIRST << b))
}

/// Bucket `b`, allocated on first use. A thread that loses the race to
/// allocate it frees its own copy.
fn bucket(b: usize) -> *mut Entry {
    let slot = &TABLE[b];
    let p = slot.load(Ordering::Acquire);
    if !p.is_null() {
        return p;
    }
    let fresh: Box<[std::mem::MaybeUninit<Entry>]> = Box::new_uninit_slice(FIRST << b);
    let fresh = Box::into_raw(fresh) as *mut Entry;
    match slot.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => fresh,
        Err(won) => {
            // SAFETY: `fresh` came from `Box::into_raw` of a slice of this
            // length just above and was never published.
            drop(unsafe {
                Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                    fresh as *mut std::mem::MaybeUninit<Entry>,
                    FIRST << b,
                ))
            });
            won
        }
    }
}

impl Str {
    /// The handle of `s`, interning it on first sight.
    ///
    /// Past four billion distinct values (memory runs out long before),
    /// every further new value shares one handle that reads
    /// `[too many distinct values]` instead of failing.
    pub fn new(s: &str) -> Str {
        let next = || {
            NEXT.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < FULL).then_some(n + 1)
            })
            .ok()
        };
        Str::find_or_add(s, next).unwrap_or_else(overflow)
    }

    /// The handle of `s`, or a new one at the table index `next` hands out
    /// (`None` when it hands out none). `next` must hand out each index
    /// once in the life of the process.
    fn find_or_add(s: &str, next: impl FnOnce() -> Option<u32>) -> Option<Str> {
        let hash = FxBuildHasher.hash_one(s);
        let shard = &MAP[(hash >> 58) as usize % SHARDS];
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&id) = shard.map.get(s) {
            return Some(id);
        }
        let i = next()?;
        let text: &'static str = {
            let t = shard.arena.alloc_str(s);
            // SAFETY: the shards live in a static that is never dropped,
            // and a bump arena never moves or frees what it handed out
            // while it lives, so the text lives as long as the process.
            unsafe { std::mem::transmute::<&str, &'static str>(t) }
        };
        let (b, off) = locate(i as usize);
        // SAFETY: index `i` was handed to this call alone (the contract of
        // `next`), so no other thread writes this slot, and none reads it
        // before a handle with this index exists, which happens after this
        // write (the handle leaves here through the shard's lock or the
        // return).
        unsafe { bucket(b).add(off).write(Entry { text, hash }) };
        let id = Str(NonZeroU32::MIN.saturating_add(i));
        shard.map.insert(text, id);
        Some(id)
    }

    fn entry(self) -> &'static Entry {
        let (b, off) = locate(self.0.get() as usize - 1);
        let p = TABLE[b].load(Ordering::Acquire);
        // SAFETY: a handle is only made by `find_or_add` after its entry
        // was written (and its bucket published), and the handle reached
        // this thread through whatever synchronised the two threads, which
        // orders that write before this read. Entries are never changed or
        // freed.
        unsafe { &*p.add(off) }
    }

    /// The text.
    pub fn as_str(&self) -> &'static str {
        self.entry().text
    }
}

/// The one handle that values past the table's capacity share, at the
/// index kept back for it ([`FULL`], which `Str::new` never hands out; this
/// hands it out once).
fn overflow() -> Str {
    static OVER: LazyLock<Option<Str>> =
        LazyLock::new(|| Str::find_or_add("[too many distinct values]", || Some(FULL)));
    // `find_or_add` returns a handle whenever `next` gives an index.
    OVER.unwrap_or(Str(NonZeroU32::MIN))
}

/// Intern `s` through a small per-thread cache first: the values that
/// repeat (a handful of hosts, routes, methods and services) are found
/// there without touching a shard's lock.
pub fn intern(s: &str) -> Str {
    use std::cell::RefCell;
    const SLOTS: usize = 256;
    thread_local! {
        static CACHE: RefCell<Vec<Option<Str>>> = RefCell::new(vec![None; SLOTS]);
    }
    let slot = FxBuildHasher.hash_one(s) as usize % SLOTS;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        match c[slot] {
            Some(hit) if hit.as_str() == s => hit,
            _ => {
                let u = Str::new(s);
                c[slot] = Some(u);
                u
            }
        }
    })
}

impl Default for Str {
    fn default() -> Str {
        intern("")
    }
}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Str) -> std::cmp::Ordering {
        if self == other {
            return std::cmp::Ordering::Equal;
        }
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Str {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u64(self.entry().hash);
    }
}

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        intern(s)
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        intern(&s)
    }
}

impl From<&String> for Str {
    fn from(s: &String) -> Str {
        intern(s)
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Str {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl std::fmt::Debug for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_is_four_bytes_and_an_option_of_one_too() {
        assert_eq!(std::mem::size_of::<Str>(), 4);
        assert_eq!(std::mem::size_of::<Option<Str>>(), 4);
    }

    #[test]
    fn equal_texts_share_a_handle_and_order_by_text() {
        let a = Str::new("sym-test-b");
        let b = intern("sym-test-b");
        let c = Str::from(String::from("sym-test-a"));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(c < a, "ordered by text, not by when first seen");
        assert_eq!(a.as_str(), "sym-test-b");
        assert_eq!(&*c, "sym-test-a");
        assert_eq!(Str::default().as_str(), "");
        assert_eq!(format!("{a} {c:?}"), "sym-test-b \"sym-test-a\"");
    }

    #[test]
    fn the_table_grows_across_buckets_and_threads_without_moving_entries() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(FIRST - 1), (0, FIRST - 1));
        assert_eq!(locate(FIRST), (1, 0));
        assert_eq!(locate(3 * FIRST - 1), (1, 2 * FIRST - 1));
        assert_eq!(locate(3 * FIRST), (2, 0));
        let (b, off) = locate(FULL as usize);
        assert!(b < BUCKETS && off < FIRST << b);

        let handles: Vec<Vec<(String, Str)>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|t| {
                    s.spawn(move || {
                        (0..3_000)
                            .map(|i| {
                                // Threads share half their values.
                                let v = format!("sym-grow-{}", if i % 2 == 0 { i } else { i * 10 + t });
                                let h = Str::new(&v);
                                (v, h)
                            })
                            .collect()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        for (v, h) in handles.iter().flatten() {
            assert_eq!(h.as_str(), v);
            assert_eq!(*h, Str::new(v));
        }
        assert_eq!(handles[0][0].1, handles[3][0].1);
    }

    #[test]
    fn hashing_follows_the_text() {
        use std::hash::BuildHasher;
        let h = |s: Str| FxBuildHasher.hash_one(s);
        assert_eq!(h(Str::new("sym-hash")), h(intern("sym-hash")));
        assert_ne!(h(Str::new("sym-hash")), h(Str::new("sym-hash2")));
    }
}
