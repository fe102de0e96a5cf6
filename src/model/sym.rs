//! Interned strings behind a 4-byte handle ([`Str`]). Hosts, routes,
//! methods, services, user agents, error texts and body paths repeat across
//! millions of events; each distinct value is stored once, for the life of
//! the process, in one [`Interner`] table, and an event holds its index.

use std::cell::RefCell;
use std::num::NonZeroU32;
use std::sync::LazyLock;

use super::interner::{keep_str, Entry, Interner, Recent};

/// An interned string. Copying it allocates nothing; two handles are equal
/// exactly when their texts are (each text is interned once). Ordered by
/// text, hashed by a hash of the text, so maps and sorts keyed by it do not
/// depend on the order values were first seen in. Derefs to `str`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Str(NonZeroU32);

static STRS: Interner<&'static str> = Interner::new();

impl Str {
    /// The handle of `s`, interning it on first sight.
    ///
    /// Past four billion distinct values (memory runs out long before),
    /// every further new value shares one handle that reads
    /// `[too many distinct values]` instead of failing.
    pub fn new(s: &str) -> Str {
        STRS.add(s, keep_str).map_or_else(overflow, Str::at)
    }

    fn at(i: u32) -> Str {
        Str(NonZeroU32::MIN.saturating_add(i))
    }

    fn entry(self) -> &'static Entry<&'static str> {
        STRS.get(self.0.get() - 1)
    }

    /// The text.
    pub fn as_str(&self) -> &'static str {
        self.entry().value
    }
}

/// The one handle that values past the table's capacity share.
fn overflow() -> Str {
    static OVER: LazyLock<Str> =
        LazyLock::new(|| Str::at(STRS.reserved("[too many distinct values]", keep_str)));
    *OVER
}

/// Intern `s` through a small per-thread cache first: the values that
/// repeat (a handful of hosts, routes, methods and services) are found
/// there without touching a shard's lock.
pub fn intern(s: &str) -> Str {
    thread_local! {
        static RECENT: RefCell<Recent> = RefCell::new(Recent::new());
    }
    RECENT
        .with(|r| {
            STRS.add_cached_by(
                r,
                s,
                |a, b| crate::util::bytes::same(a.as_bytes(), b.as_bytes()),
                keep_str,
            )
        })
        .map_or_else(overflow, Str::at)
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
    fn handles_made_on_many_threads_read_back_their_text() {
        let handles: Vec<Vec<(String, Str)>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|t| {
                    s.spawn(move || {
                        (0..2_000)
                            .map(|i| {
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
        use rustc_hash::FxBuildHasher;
        use std::hash::BuildHasher;
        let h = |s: Str| FxBuildHasher.hash_one(s);
        assert_eq!(h(Str::new("sym-hash")), h(intern("sym-hash")));
        assert_ne!(h(Str::new("sym-hash")), h(Str::new("sym-hash2")));
    }
}
