//! The secrets a run replaced, gathered as they are fingerprinted, so that
//! the leak check ([`super::guard`]) can look for each of them in the
//! outputs before they are kept.
//!
//! Redaction runs on every parsing thread, so each thread adds to a set of
//! its own (an uncontended lock) and [`take`] unites them. Gathering is off
//! until a command turns it on ([`start`]); a set stops growing at its
//! limit and counts what it left out, which the command reports.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One thread's secrets.
#[derive(Default)]
struct Shard {
    secrets: HashSet<Box<str>, rustc_hash::FxBuildHasher>,
    left_out: u64,
}

static ON: AtomicBool = AtomicBool::new(false);
/// Distinct secrets each thread keeps at most.
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static SHARDS: Mutex<Vec<Arc<Mutex<Shard>>>> = Mutex::new(Vec::new());

thread_local! {
    static MINE: Arc<Mutex<Shard>> = {
        let shard = Arc::new(Mutex::new(Shard::default()));
        if let Ok(mut all) = SHARDS.lock() {
            all.push(Arc::clone(&shard));
        }
        shard
    };
}

/// Start gathering, each thread keeping at most `per_thread` distinct
/// secrets (`usize::MAX`: all of them). Clears what was gathered before.
pub fn start(per_thread: usize) {
    let _ = take();
    LIMIT.store(per_thread, Ordering::SeqCst);
    ON.store(true, Ordering::SeqCst);
}

thread_local! {
    /// The set of a [`scoped`] call running on this thread.
    static SCOPE: std::cell::RefCell<Option<HashSet<Box<str>, rustc_hash::FxBuildHasher>>> =
        const { std::cell::RefCell::new(None) };
}

/// Run `f`, gathering what it replaces on this thread alone, whether or
/// not gathering is on: for work that runs on one thread (`sanitize`).
pub fn scoped<R>(f: impl FnOnce() -> R) -> (R, Gathered) {
    let outer = SCOPE.with(|s| s.replace(Some(HashSet::default())));
    let r = f();
    let mine = SCOPE.with(|s| s.replace(outer)).unwrap_or_default();
    let mut secrets: Vec<String> = mine.into_iter().map(String::from).collect();
    secrets.sort_unstable();
    (r, Gathered { secrets, left_out: 0 })
}

/// Note that `secret` was replaced.
#[inline]
pub fn record(secret: &str) {
    let scoped = SCOPE
        .try_with(|s| match s.try_borrow_mut() {
            Ok(mut set) => match set.as_mut() {
                Some(set) => {
                    if !set.contains(secret) {
                        set.insert(secret.into());
                    }
                    true
                }
                None => false,
            },
            Err(_) => false,
        })
        .unwrap_or(false);
    if !scoped && ON.load(Ordering::Relaxed) {
        record_now(secret);
    }
}

#[cold]
#[inline(never)]
fn record_now(secret: &str) {
    let limit = LIMIT.load(Ordering::Relaxed);
    let _ = MINE.try_with(|shard| {
        if let Ok(mut s) = shard.lock() {
            if s.secrets.contains(secret) {
                return;
            }
            if s.secrets.len() < limit {
                s.secrets.insert(secret.into());
            } else {
                s.left_out += 1;
            }
        }
    });
}

/// What was gathered.
#[derive(Debug, Default)]
pub struct Gathered {
    /// Every distinct secret, sorted.
    pub secrets: Vec<String>,
    /// Replacements not kept because a thread's set was full.
    pub left_out: u64,
}

/// Take what every thread gathered, leaving the sets empty.
pub fn take() -> Gathered {
    // The threads' sets are united by sorting their lists together (in
    // parallel) rather than by hashing every secret again into one set.
    let mut secrets: Vec<String> = Vec::new();
    let mut left_out = 0;
    if let Ok(shards) = SHARDS.lock() {
        for shard in shards.iter() {
            if let Ok(mut s) = shard.lock() {
                secrets.extend(s.secrets.drain().map(String::from));
                left_out += std::mem::take(&mut s.left_out);
            }
        }
    }
    rayon::slice::ParallelSliceMut::par_sort_unstable(&mut secrets[..]);
    secrets.dedup();
    Gathered { secrets, left_out }
}
