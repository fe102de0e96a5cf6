//! Surviving a memory-mapped input that shrinks underneath us.
//!
//! When another process truncates a file we have mapped, touching a page
//! past the new end raises SIGBUS, which would kill the process. Every map
//! of an input is registered here ([`Map::new`]), and a SIGBUS handler
//! installed on first use replaces the lost pages of a registered map with
//! zero-filled ones, marks the map as damaged, and lets the read go on. The
//! parsers see NUL bytes there, and skip those records with their reason;
//! the caller asks [`Map::damaged`] after the parse and at the end of the
//! run, and reports the input as changed while being read.
//!
//! # Safety
//! A fault outside every registered map is passed to the handler that was
//! installed before ours (Rust's stack-overflow report) or, if none, kills
//! the process as SIGBUS normally would. The handler only reads atomics and
//! calls `mmap`, a plain system call. What it cannot make safe is a file
//! rewritten in place (same length, new bytes): the map then shows the new
//! bytes, as it would to any reader, and text that was valid UTF-8 when
//! parsed may not be any more. [`Map::changed`] catches such a rewrite by
//! the file's modification time, and the run reports it; `--no-mmap` reads
//! files into memory instead and is immune to both.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::SystemTime;

use memmap2::Mmap;

/// How many maps can be watched at once; past that, inputs are read.
const SLOTS: usize = 1024;

/// One watched map: its address range, or `0..0` when the slot is free.
struct Slot {
    start: AtomicUsize,
    end: AtomicUsize,
    damaged: AtomicBool,
    taken: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    damaged: AtomicBool::new(false),
    taken: AtomicBool::new(false),
};

static TABLE: [Slot; SLOTS] = [FREE; SLOTS];

/// Whether our SIGBUS handler is in place (installed on the first map).
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// A read-only map of an input file, watched for SIGBUS while it lives.
#[derive(Debug)]
pub struct Map {
    map: Mmap,
    slot: usize,
    len: u64,
    modified: Option<SystemTime>,
    /// Where to look for a change: a path, not an open file, so that a kept
    /// map does not hold a descriptor for the rest of the run.
    path: PathBuf,
}

impl Map {
    /// Map `file` and watch the map. `None` when the map cannot be watched
    /// (no free slot, no handler): the caller reads the file instead.
    pub fn new(file: &std::fs::File, path: &Path) -> std::io::Result<Option<Map>> {
        if !*INSTALLED.get_or_init(install) {
            return Ok(None);
        }
        let meta = file.metadata()?;
        // SAFETY: a read-only map of a regular file; the SIGBUS a truncation
        // would raise is handled once the map is registered below, before
        // anyone reads it. See the module docs for a rewrite in place.
        let map = unsafe { Mmap::map(file) }?;
        let Some(slot) = claim(map.as_ptr() as usize, map.len()) else {
            return Ok(None);
        };
        Ok(Some(Map {
            map,
            slot,
            len: meta.len(),
            modified: meta.modified().ok(),
            path: path.to_path_buf(),
        }))
    }

    /// Whether pages of the map were lost to a truncation and replaced by
    /// zeros.
    pub fn damaged(&self) -> bool {
        TABLE[self.slot].damaged.load(Ordering::SeqCst)
    }

    /// Whether the file is no longer what was mapped: pages were lost, or
    /// its length or modification time changed since.
    pub fn changed(&self) -> bool {
        if self.damaged() {
            return true;
        }
        match std::fs::metadata(&self.path) {
            Ok(m) => m.len() != self.len || m.modified().ok() != self.modified,
            Err(_) => true,
        }
    }

    /// The map itself, for `madvise`.
    pub fn mmap(&self) -> &Mmap {
        &self.map
    }
}

impl std::ops::Deref for Map {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        let s = &TABLE[self.slot];
        s.start.store(0, Ordering::SeqCst);
        s.end.store(0, Ordering::SeqCst);
        s.damaged.store(false, Ordering::SeqCst);
        s.taken.store(false, Ordering::SeqCst);
    }
}

/// Take a free slot for `[start, start + len)`.
fn claim(start: usize, len: usize) -> Option<usize> {
    let i = (0..SLOTS).find(|&i| {
        TABLE[i]
            .taken
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    })?;
    TABLE[i].damaged.store(false, Ordering::SeqCst);
    TABLE[i].start.store(start, Ordering::SeqCst);
    TABLE[i].end.store(start + len, Ordering::SeqCst);
    Some(i)
}

/// The slot whose range holds `addr`.
fn find(addr: usize) -> Option<&'static Slot> {
    TABLE.iter().find(|s| {
        let start = s.start.load(Ordering::SeqCst);
        start != 0 && addr >= start && addr < s.end.load(Ordering::SeqCst)
    })
}

#[cfg(unix)]
mod handler {
    use super::*;
    use std::cell::UnsafeCell;

    /// The SIGBUS disposition before ours, to pass on faults that are not
    /// about our maps. Written once, before the handler is installed.
    struct Previous(UnsafeCell<Option<libc::sigaction>>);
    // SAFETY: written once inside `Once` before the handler that reads it
    // can run, never written again.
    unsafe impl Sync for Previous {}
    static PREVIOUS: Previous = Previous(UnsafeCell::new(None));

    extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
        let addr = unsafe { (*info).si_addr() } as usize;
        if let Some(slot) = find(addr) {
            let page = page_size();
            let from = addr & !(page - 1);
            let end = slot.end.load(Ordering::SeqCst);
            let len = (end - from).div_ceil(page) * page;
            // SAFETY: the range lies inside a read-only map we own; mapping
            // zero pages over it with MAP_FIXED replaces the lost pages only.
            let p = unsafe {
                libc::mmap(
                    from as *mut libc::c_void,
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                slot.damaged.store(true, Ordering::SeqCst);
                return;
            }
        }
        // Not ours (or the repair failed): what would have happened anyway.
        // SAFETY: PREVIOUS was set before this handler was installed.
        match unsafe { *PREVIOUS.0.get() } {
            Some(prev) if prev.sa_flags & libc::SA_SIGINFO != 0 && prev.sa_sigaction > libc::SIG_IGN => {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    // SAFETY: an SA_SIGINFO handler has this signature.
                    unsafe { std::mem::transmute(prev.sa_sigaction) };
                f(sig, info, ctx);
            }
            _ => {
                // SAFETY: resetting to the default disposition; the faulting
                // access runs again on return and ends the process.
                unsafe { libc::signal(sig, libc::SIG_DFL) };
            }
        }
    }

    fn page_size() -> usize {
        // SAFETY: sysconf has no preconditions.
        let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
    }

    pub(super) fn install() -> bool {
        // SAFETY: plain sigaction calls on zeroed structs; PREVIOUS is written
        // before our handler is installed and can run.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut old) != 0 {
                return false;
            }
            *PREVIOUS.0.get() = Some(old);
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = on_sigbus as *const () as usize;
            new.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_ONSTACK;
            libc::sigemptyset(&mut new.sa_mask);
            libc::sigaction(libc::SIGBUS, &new, std::ptr::null_mut()) == 0
        }
    }
}

#[cfg(unix)]
use handler::install;

#[cfg(not(unix))]
fn install() -> bool {
    false
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_map_reads_zeros_and_is_marked_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![b'x'; 3 << 20]).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let map = Map::new(&file, &path).unwrap().expect("watched");
        assert_eq!(map[100], b'x');
        assert!(!map.changed());
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(4096)
            .unwrap();
        // Every page past the new end faults; the handler turns them to zeros.
        let xs = map.iter().filter(|&&b| b == b'x').count();
        assert_eq!(xs, 4096);
        assert!(map.damaged() && map.changed());
        drop(map);
        // The slot is free again and a new map starts clean.
        let map = Map::new(&file, &path).unwrap().expect("watched");
        assert!(!map.damaged());
    }
}
