//! An append-only, process-wide table of distinct values, each named by a
//! `u32` index: the dictionary behind [`Str`](super::Str) (strings) and
//! [`OriginId`](super::OriginId) (the request context events share).
//!
//! The table is a list of buckets that double in size, so an entry never
//! moves once written and an index is resolved with two loads and no lock.
//! Adding a value takes the lock of one of 64 shards, chosen by the value's
//! hash; [`Interner::add_cached`] puts a small per-thread cache ([`Recent`])
//! in front of that, so the values that repeat are found without any shared
//! state.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

use rustc_hash::FxBuildHasher;

/// Entries in bucket 0; bucket `b` holds `FIRST << b`.
const FIRST_BITS: u32 = 6;
const FIRST: usize = 1 << FIRST_BITS;
/// Enough buckets for every `u32` index.
const BUCKETS: usize = 27;
/// The one index [`Interner::add`] never hands out: kept for the value
/// that stands in once the table is full ([`Interner::reserved`]).
pub const FULL: u32 = u32::MAX - 1;
const SHARDS: usize = 64;

/// One stored value with the hash it was filed under.
pub struct Entry<T> {
    /// The value.
    pub value: T,
    /// `FxBuildHasher` over the value (for a string, over its text).
    pub hash: u64,
}

/// One shard of the value → index map, with an arena that values needing
/// storage of their own (strings) are copied into.
struct Shard<T> {
    map: HashMap<T, u32, FxBuildHasher>,
    arena: bumpalo::Bump,
}

type Shards<T> = Vec<Mutex<Shard<T>>>;

fn shards<T>() -> Shards<T> {
    (0..SHARDS)
        .map(|_| {
            Mutex::new(Shard {
                map: HashMap::with_hasher(FxBuildHasher),
                arena: bumpalo::Bump::new(),
            })
        })
        .collect()
}

/// The table. Lives in a `static`: entries are never freed.
pub struct Interner<T: 'static> {
    buckets: [AtomicPtr<Entry<T>>; BUCKETS],
    next: AtomicU32,
    /// Whether [`FULL`] was handed out.
    reserved: AtomicBool,
    shards: LazyLock<Shards<T>>,
}

/// The bucket and the place in it of table index `i`.
fn locate(i: usize) -> (usize, usize) {
    let j = i + FIRST;
    let b = (usize::BITS - 1 - j.leading_zeros() - FIRST_BITS) as usize;
    (b, j - (FIRST << b))
}

impl<T: Copy + Eq + Hash + Send + Sync + 'static> Interner<T> {
    /// An empty table, for a `static`.
    pub const fn new() -> Self {
        Interner {
            buckets: [const { AtomicPtr::new(std::ptr::null_mut()) }; BUCKETS],
            next: AtomicU32::new(0),
            reserved: AtomicBool::new(false),
            shards: LazyLock::new(shards::<T>),
        }
    }

    /// Bucket `b`, allocated on first use. A thread that loses the race to
    /// allocate it frees its own copy.
    fn bucket(&self, b: usize) -> *mut Entry<T> {
        let slot = &self.buckets[b];
        let p = slot.load(Ordering::Acquire);
        if !p.is_null() {
            return p;
        }
        let fresh: Box<[std::mem::MaybeUninit<Entry<T>>]> = Box::new_uninit_slice(FIRST << b);
        let fresh = Box::into_raw(fresh) as *mut Entry<T>;
        match slot.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => fresh,
            Err(won) => {
                // SAFETY: `fresh` came from `Box::into_raw` of a slice of
                // this length just above and was never published.
                drop(unsafe {
                    Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                        fresh as *mut std::mem::MaybeUninit<Entry<T>>,
                        FIRST << b,
                    ))
                });
                won
            }
        }
    }

    /// The index of the value equal to `q`, adding it on first sight:
    /// `store` makes the value to keep from `q` (copying what it borrows
    /// into the arena it is given). `None` once four billion values are
    /// stored (memory runs out long before).
    pub fn add<Q>(&self, q: &Q, store: impl FnOnce(&bumpalo::Bump, &Q) -> T) -> Option<u32>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.add_hashed(q, FxBuildHasher.hash_one(q), store)
    }

    /// [`Interner::add`] through `recent`, this thread's cache of the
    /// values it looked up last for this table.
    pub fn add_cached<Q>(
        &self,
        recent: &RefCell<Recent>,
        q: &Q,
        store: impl FnOnce(&bumpalo::Bump, &Q) -> T,
    ) -> Option<u32>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.add_cached_by(recent, q, |a, b| a == b, store)
    }

    /// [`Interner::add_cached`] with `same` to tell whether a cached value
    /// is `q` (for strings, a compare cheaper than `memcmp` on short text).
    pub fn add_cached_by<Q>(
        &self,
        recent: &RefCell<Recent>,
        q: &Q,
        same: impl FnOnce(&Q, &Q) -> bool,
        store: impl FnOnce(&bumpalo::Bump, &Q) -> T,
    ) -> Option<u32>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = FxBuildHasher.hash_one(q);
        let mut recent = recent.borrow_mut();
        let slot = &mut recent.0[hash as usize % RECENT_SLOTS];
        if let Some(i) = *slot {
            if same(self.get(i).value.borrow(), q) {
                return Some(i);
            }
        }
        let i = self.add_hashed(q, hash, store)?;
        *slot = Some(i);
        Some(i)
    }

    fn add_hashed<Q>(&self, q: &Q, hash: u64, store: impl FnOnce(&bumpalo::Bump, &Q) -> T) -> Option<u32>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let next = || {
            self.next
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    (n < FULL).then_some(n + 1)
                })
                .ok()
        };
        self.find_or_add(q, hash, store, next)
    }

    /// The index of the value equal to `q`, or [`FULL`] for it: the
    /// stand-in for values past the table's capacity. Call it only once
    /// [`Interner::add`] has returned `None`, when every other index is
    /// written: a second call for another value gets the last value added
    /// (`FULL - 1`) rather than an index with no entry.
    pub fn reserved<Q>(&self, q: &Q, store: impl FnOnce(&bumpalo::Bump, &Q) -> T) -> u32
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let once = || (!self.reserved.swap(true, Ordering::Relaxed)).then_some(FULL);
        self.find_or_add(q, FxBuildHasher.hash_one(q), store, once)
            .unwrap_or(FULL - 1)
    }

    /// The index of `q` (whose hash is `hash`), or a new one from `next`.
    fn find_or_add<Q>(
        &self,
        q: &Q,
        hash: u64,
        store: impl FnOnce(&bumpalo::Bump, &Q) -> T,
        next: impl FnOnce() -> Option<u32>,
    ) -> Option<u32>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shard = &self.shards[(hash >> 58) as usize % SHARDS];
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&i) = shard.map.get(q) {
            return Some(i);
        }
        let i = next()?;
        let value = store(&shard.arena, q);
        let (b, off) = locate(i as usize);
        // SAFETY: index `i` was handed to this call alone (`next` hands
        // each index out once), so no other thread writes this slot, and
        // none reads it before it learns the index, which happens after
        // this write (the index leaves here through the shard's lock or
        // the return, and reaches other threads only through whatever
        // synchronises them).
        unsafe { self.bucket(b).add(off).write(Entry { value, hash }) };
        shard.map.insert(value, i);
        Some(i)
    }

    /// How many indices were handed out so far: every index returned is
    /// below it, or is the reserved one. A count, not a promise that each
    /// entry below it is written yet (another thread may be adding one).
    pub fn handed_out(&self) -> usize {
        self.next.load(Ordering::Relaxed) as usize
    }

    /// The entry at index `i`, which [`Interner::add`] or
    /// [`Interner::reserved`] returned.
    pub fn get(&self, i: u32) -> &Entry<T> {
        let (b, off) = locate(i as usize);
        let p = self.buckets[b].load(Ordering::Acquire);
        // SAFETY: an index is only known after its entry was written (and
        // its bucket published), and it reached this thread through
        // whatever synchronised the two threads, which orders that write
        // before this read. Entries are never changed or freed.
        unsafe { &*p.add(off) }
    }
}

const RECENT_SLOTS: usize = 256;

/// A thread's last look-ups in one table, by hash slot: declare one per
/// table in a `thread_local!` and pass it to [`Interner::add_cached`].
pub struct Recent(Vec<Option<u32>>);

impl Recent {
    /// An empty cache.
    pub fn new() -> Recent {
        Recent(vec![None; RECENT_SLOTS])
    }
}

impl Default for Recent {
    fn default() -> Recent {
        Recent::new()
    }
}

/// `s` copied into `arena`, for as long as the process runs.
pub fn keep_str(arena: &bumpalo::Bump, s: &str) -> &'static str {
    let t = arena.alloc_str(s);
    // SAFETY: arenas live in the shards of a `static` table, which is
    // never dropped, and a bump arena never moves or frees what it handed
    // out while it lives.
    unsafe { std::mem::transmute::<&str, &'static str>(t) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_map_to_buckets_without_gaps() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(FIRST - 1), (0, FIRST - 1));
        assert_eq!(locate(FIRST), (1, 0));
        assert_eq!(locate(3 * FIRST - 1), (1, 2 * FIRST - 1));
        assert_eq!(locate(3 * FIRST), (2, 0));
        let (b, off) = locate(FULL as usize);
        assert!(b < BUCKETS && off < FIRST << b);
    }

    #[test]
    fn values_grow_across_buckets_and_threads_and_keep_their_index() {
        static T: Interner<(u32, u32)> = Interner::new();
        let found: Vec<Vec<((u32, u32), u32)>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4u32)
                .map(|t| {
                    s.spawn(move || {
                        (0..3_000u32)
                            .map(|i| {
                                // Threads share half their values.
                                let v = (i, if i % 2 == 0 { 0 } else { t });
                                (v, T.add(&v, |_, v| *v).unwrap())
                            })
                            .collect()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        for (v, i) in found.iter().flatten() {
            assert_eq!(T.get(*i).value, *v);
            assert_eq!(T.add(v, |_, v| *v), Some(*i));
        }
        assert_eq!(found[0][0].1, found[3][0].1);
        // Through a cache: the same indexes, hit or miss (slot clashes
        // included: 3,000 values share 256 slots).
        let recent = RefCell::new(Recent::new());
        for _ in 0..2 {
            for (v, i) in found.iter().flatten() {
                assert_eq!(T.add_cached(&recent, v, |_, v| *v), Some(*i));
            }
        }
        let distinct: std::collections::HashSet<u32> = found.iter().flatten().map(|x| x.1).collect();
        assert_eq!(distinct.len(), 1_500 + 4 * 1_500);
    }
}
