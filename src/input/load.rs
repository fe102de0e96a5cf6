//! Finding and opening inputs: files, directories (walked recursively, in
//! sorted order), `-` for stdin, and transparent gzip / zlib decompression.
//!
//! # Safety of memory maps
//! A memory map of a file that another process truncates while we read it
//! raises SIGBUS. We map only regular files, and only when they are larger
//! than [`MMAP_MIN`]; smaller files, pipes and devices are read into memory.
//! Every map is watched by [`crate::input::guard`], whose SIGBUS handler replaces
//! lost pages with zeros so that the process survives; the input is then
//! reported as changed while being read ([`Error::Changed`]): right after
//! its parse (its events are dropped) or, for a map kept for the rest of
//! the run ([`Loaded::keep`], because events refer to its text), at the
//! end ([`changed_inputs`]). `--no-mmap` reads files instead.
//!
//! # Bounds
//! Content held in memory is capped ([`OpenOptions::max_in_memory`]), a
//! decompression bomb is refused ([`BOMB_RATIO`]), memory is reserved with
//! `try_reserve` (a file larger than memory is an error, not an abort), and
//! a FIFO without a writer reads as empty instead of blocking.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::{MultiGzDecoder, ZlibDecoder};

use crate::input::guard::Map;

use crate::error::{Error, Result};

/// Files below this size are read, not mapped.
pub const MMAP_MIN: u64 = 1 << 20;

/// One input the user asked for, after directory expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSpec {
    /// A file path.
    Path(PathBuf),
    /// Standard input.
    Stdin,
    /// Bytes embedded in the binary (the demo incident).
    Embedded {
        /// Name shown in reports.
        name: String,
        /// The content.
        bytes: &'static [u8],
    },
}

/// The bytes of an input.
#[derive(Debug)]
pub enum Data {
    /// A read-only map of a regular file, watched for truncation.
    Mapped(Map),
    /// A map kept for the rest of the process (see [`Loaded::keep`]).
    Kept(&'static Map),
    /// Bytes read or decompressed into memory.
    Owned(Vec<u8>),
    /// Bytes compiled into the binary.
    Static(&'static [u8]),
}

/// Length of a UTF-8 byte-order mark at the start of `b`: 3 or 0.
fn bom_len(b: &[u8]) -> usize {
    if b.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

impl Data {
    /// The content, with any UTF-8 byte-order mark removed.
    pub fn bytes(&self) -> &[u8] {
        let b: &[u8] = match self {
            Data::Mapped(m) => m,
            Data::Kept(m) => m,
            Data::Owned(v) => v,
            Data::Static(s) => s,
        };
        &b[bom_len(b)..]
    }

    /// [`Data::bytes`] when they live as long as the process.
    pub fn static_bytes(&self) -> Option<&'static [u8]> {
        let b: &'static [u8] = match self {
            Data::Kept(m) => &m[..],
            Data::Static(s) => s,
            Data::Mapped(_) | Data::Owned(_) => return None,
        };
        Some(&b[bom_len(b)..])
    }

    /// Hand back the memory behind a range of [`Data::bytes`] that will not
    /// be read again. For a memory map this drops the range's whole pages
    /// from the process (the kernel keeps them in the page cache, and a
    /// later read would fault them back in unchanged); for bytes in memory
    /// it does nothing.
    pub fn release(&self, range: std::ops::Range<usize>) {
        let m = match self {
            Data::Mapped(m) => m,
            Data::Kept(m) => *m,
            Data::Owned(_) | Data::Static(_) => return,
        };
        let m = m.mmap();
        let bom = bom_len(m);
        const PAGE: usize = 4096;
        // Whole pages inside the range only: a neighbour's bytes stay mapped.
        let start = (range.start + bom).div_ceil(PAGE) * PAGE;
        let end = ((range.end + bom) / PAGE * PAGE).min(m.len());
        if start >= end {
            return;
        }
        // SAFETY: the map is read-only and shared (memmap2 maps files with
        // MAP_SHARED), so MADV_DONTNEED discards nothing: a page touched
        // again is read back from the file, with the same bytes. Like the
        // map itself, this relies on the file not being changed meanwhile.
        let _ = unsafe { m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start) };
    }
}

/// An opened input.
#[derive(Debug)]
pub struct Loaded {
    /// Name shown in reports: the path as given, `-`, or `demo:NAME`.
    pub display: String,
    /// Its content.
    pub data: Data,
    /// What the report should say about how it was read (cut-off
    /// compression, a transcoding).
    pub notes: Vec<String>,
}

impl Loaded {
    /// Keep a memory-mapped input mapped until the process exits, so that
    /// events can refer to its bytes instead of copying them. The map costs
    /// address space, not memory: its pages belong to the page cache, and
    /// the parsers hand them back as they go ([`Data::release`]). Inputs
    /// held in memory are returned unchanged (keeping them would keep their
    /// memory).
    pub fn keep(self) -> Loaded {
        match self.data {
            Data::Mapped(m) => {
                let m: &'static Map = Box::leak(Box::new(m));
                if let Ok(mut kept) = KEPT.lock() {
                    kept.push((self.display.clone(), m));
                }
                Loaded {
                    display: self.display,
                    data: Data::Kept(m),
                    notes: self.notes,
                }
            }
            data => Loaded {
                display: self.display,
                data,
                notes: self.notes,
            },
        }
    }
}

/// The maps kept for the rest of the run, by display name.
static KEPT: std::sync::Mutex<Vec<(String, &'static Map)>> = std::sync::Mutex::new(Vec::new());

impl Data {
    /// Whether a mapped input changed since it was mapped (see
    /// [`crate::input::guard`]); bytes in memory never do.
    pub fn changed(&self) -> bool {
        match self {
            Data::Mapped(m) => m.changed(),
            Data::Kept(m) => m.changed(),
            Data::Owned(_) | Data::Static(_) => false,
        }
    }
}

/// The kept inputs that changed while the run read them, one error each:
/// asked at the end of a run, after the report was written.
pub fn changed_inputs() -> Vec<Error> {
    let Ok(kept) = KEPT.lock() else {
        return Vec::new();
    };
    kept.iter()
        .filter(|(_, m)| m.changed())
        .map(|(display, _)| Error::Changed {
            path: PathBuf::from(display),
        })
        .collect()
}

/// Expand the user's inputs: directories are walked recursively (following
/// symlinks, with loops detected) and their regular files listed in sorted
/// order; files and `-` are kept in place. A path that cannot be read, or a
/// directory entry that cannot be walked, becomes an error in its place so
/// the other inputs still run.
pub fn discover(inputs: &[String]) -> Vec<Result<InputSpec>> {
    let mut out = Vec::new();
    for raw in inputs {
        if raw == "-" {
            out.push(Ok(InputSpec::Stdin));
            continue;
        }
        let path = PathBuf::from(raw);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(source) => {
                out.push(Err(Error::Io { path, source }));
                continue;
            }
        };
        if !meta.is_dir() {
            out.push(Ok(InputSpec::Path(path)));
            continue;
        }
        for entry in walkdir::WalkDir::new(&path)
            .follow_links(true)
            .sort_by_file_name()
        {
            match entry {
                Ok(e) if e.file_type().is_file() => out.push(Ok(InputSpec::Path(e.into_path()))),
                Ok(_) => {}
                Err(source) => {
                    let at = source.path().map_or_else(|| path.clone(), Path::to_path_buf);
                    out.push(Err(Error::Walk { path: at, source }));
                }
            }
        }
    }
    out
}

/// How inputs are opened.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    /// Memory-map regular files (`--no-mmap` turns it off).
    pub mmap: bool,
    /// The most bytes one input may take in memory once decompressed, or
    /// when read from a pipe or device (`--max-decompressed`). `None`: the
    /// default cap, [`DEFAULT_MAX_IN_MEMORY`], plus the bomb check
    /// ([`BOMB_RATIO`]).
    pub max_in_memory: Option<u64>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            mmap: true,
            max_in_memory: None,
        }
    }
}

/// Default cap on one input held in memory: decompressed, or read from a
/// pipe or a device.
pub const DEFAULT_MAX_IN_MEMORY: u64 = 8 << 30;

/// Compressed content that expands more than this many times, past
/// [`BOMB_FLOOR`], is taken for a decompression bomb unless the user set
/// `--max-decompressed`. Logs compress 5-50 times; a gzip bomb of zeros
/// reaches 1,000, a zstd one far more.
pub const BOMB_RATIO: u64 = 250;

/// Below this, no content counts as a bomb whatever its ratio.
pub const BOMB_FLOOR: u64 = 256 << 20;

/// Open one input.
pub fn open(spec: &InputSpec, opts: &OpenOptions) -> Result<Loaded> {
    match spec {
        InputSpec::Stdin => {
            let path = Path::new("-");
            let buf = read_stream(&mut std::io::stdin().lock(), path, opts)?;
            decode_with("-".to_string(), path, Data::Owned(buf), opts)
        }
        InputSpec::Embedded { name, bytes } => Ok(Loaded {
            display: name.clone(),
            data: Data::Static(bytes),
            notes: Vec::new(),
        }),
        InputSpec::Path(path) => {
            let io = |source| Error::Io {
                path: path.clone(),
                source,
            };
            let file = open_file(path).map_err(io)?;
            let meta = file.metadata().map_err(io)?;
            let map = if meta.is_file() && opts.mmap && meta.len() >= MMAP_MIN {
                Map::new(&file, path).map_err(io)?
            } else {
                None
            };
            let data = if let Some(map) = map {
                Data::Mapped(map)
            } else if meta.is_file() {
                let mut buf = Vec::new();
                let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
                buf.try_reserve_exact(len).map_err(|_| Error::OutOfMemory {
                    path: path.clone(),
                    bytes: meta.len(),
                })?;
                (&file).read_to_end(&mut buf).map_err(io)?;
                Data::Owned(buf)
            } else {
                // A pipe, a device, a socket: read as a stream, bounded.
                Data::Owned(read_stream(&mut &file, path, opts)?)
            };
            decode_with(path.display().to_string(), path, data, opts)
        }
    }
}

/// Open a path for reading without blocking on a FIFO that has no writer
/// (a plain `open` would wait for one forever); reads then block as usual.
#[cfg(unix)]
fn open_file(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own, with integer arguments only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags >= 0 {
        // SAFETY: as above.
        unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) };
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_file(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// Read a stream (stdin, a pipe, a device) to its end, at most the
/// in-memory cap. Content whose first block is binary (`/dev/zero`,
/// `/dev/urandom`) stops the read at once instead of filling memory.
fn read_stream(r: &mut dyn Read, path: &Path, opts: &OpenOptions) -> Result<Vec<u8>> {
    let cap = opts.max_in_memory.unwrap_or(DEFAULT_MAX_IN_MEMORY);
    let mut out = Vec::new();
    let mut checked = false;
    let stop = read_bounded(r, &mut out, cap, &mut |so_far| {
        if !checked && so_far.len() >= SNIFF_BYTES {
            checked = true;
            if crate::input::detect::looks_binary(so_far) {
                return false;
            }
        }
        true
    });
    match stop {
        Ok(()) => Ok(out),
        Err(Stop::Io(source)) => Err(Error::Io {
            path: path.to_path_buf(),
            source,
        }),
        Err(Stop::Refused) => Err(Error::UnsupportedFormat {
            path: path.to_path_buf(),
            reason: "binary content: not a HAR, JSON, CSV or text log".into(),
        }),
        Err(Stop::Limit) => Err(Error::TooLarge {
            path: path.to_path_buf(),
            what: "read from a stream",
            limit: cap,
        }),
        Err(Stop::NoMemory(bytes)) => Err(Error::OutOfMemory {
            path: path.to_path_buf(),
            bytes,
        }),
    }
}

/// How much of a stream is read before it is checked for binary content.
const SNIFF_BYTES: usize = 64 * 1024;

/// Why [`read_bounded`] stopped early.
enum Stop {
    Io(std::io::Error),
    /// More than the limit.
    Limit,
    /// The check refused the content read so far.
    Refused,
    /// Memory for this many bytes could not be had.
    NoMemory(u64),
}

/// Read `r` into `out` to its end, never past `limit` bytes, asking `check`
/// after each block whether to go on. Memory is reserved with
/// `try_reserve`, so a lack of it is an error instead of an abort.
fn read_bounded(
    r: &mut dyn Read,
    out: &mut Vec<u8>,
    limit: u64,
    check: &mut dyn FnMut(&[u8]) -> bool,
) -> std::result::Result<(), Stop> {
    const BLOCK: usize = 1 << 20;
    let mut block = vec![0u8; BLOCK];
    loop {
        let n = match r.read(&mut block) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Io(e)),
        };
        if (out.len() + n) as u64 > limit {
            return Err(Stop::Limit);
        }
        // Amortized growth, as `extend` would, but failing softly.
        out.try_reserve(n)
            .map_err(|_| Stop::NoMemory((out.len() + n) as u64))?;
        out.extend_from_slice(&block[..n]);
        if !check(out) {
            return Err(Stop::Refused);
        }
    }
}

/// Decompress gzip, zstd or zlib content (detected by magic bytes) and
/// turn UTF-16 text (with its byte-order mark) into UTF-8, with the default
/// [`OpenOptions`].
pub fn decode(display: String, path: &Path, data: Data) -> Result<Loaded> {
    decode_with(display, path, data, &OpenOptions::default())
}

fn decode_with(display: String, path: &Path, data: Data, opts: &OpenOptions) -> Result<Loaded> {
    let (data, mut notes) = decompress(path, data, opts)?;
    let data = match utf16_to_utf8(data.bytes()) {
        Some((text, bad)) => {
            notes.push(format!(
                "UTF-16 text, read as UTF-8{}",
                if bad > 0 {
                    format!(" ({bad} invalid code units replaced with U+FFFD)")
                } else {
                    String::new()
                }
            ));
            Data::Owned(text.into_bytes())
        }
        None => data,
    };
    Ok(Loaded { display, data, notes })
}

/// `b` as UTF-8 when it is UTF-16 with a byte-order mark (as some Windows
/// tools write HAR files), with the number of invalid code units replaced.
fn utf16_to_utf8(b: &[u8]) -> Option<(String, usize)> {
    let little = match b {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = b[2..].chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let mut bad = usize::from(b.len() % 2 == 1);
    let text = char::decode_utf16(units)
        .map(|c| {
            c.unwrap_or_else(|_| {
                bad += 1;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    Some((text, bad))
}

/// Decompress gzip, zstd or zlib content, detected by magic bytes. Content
/// cut off or corrupt part-way keeps what came before the damage, with a
/// note; content that expands past the cap is an error.
fn decompress(path: &Path, data: Data, opts: &OpenOptions) -> Result<(Data, Vec<String>)> {
    let b = data.bytes();
    let codec = if b.starts_with(&[0x1f, 0x8b]) {
        Some("gzip")
    } else if b.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some("zstd")
    } else if b.len() >= 2
        && b[0] & 0x0f == 8
        && b[0] >> 4 <= 7
        && (u16::from(b[0]) * 256 + u16::from(b[1])) % 31 == 0
    {
        Some("zlib")
    } else {
        None
    };
    let Some(codec) = codec else {
        return Ok((data, Vec::new()));
    };
    let packed = b.len() as u64;
    let (limit, bomb_check) = match opts.max_in_memory {
        Some(n) => (n, false),
        None => (DEFAULT_MAX_IN_MEMORY, true),
    };
    let mut bomb = false;
    let mut check = |so_far: &[u8]| {
        let n = so_far.len() as u64;
        bomb = bomb_check && n > BOMB_FLOOR && n > packed.saturating_mul(BOMB_RATIO);
        !bomb
    };
    let mut out = Vec::new();
    let res = match codec {
        "gzip" => read_bounded(&mut MultiGzDecoder::new(b), &mut out, limit, &mut check),
        "zstd" => read_zstd(b, &mut out, limit, &mut check),
        _ => read_bounded(&mut ZlibDecoder::new(b), &mut out, limit, &mut check),
    };
    let too_large = |limit| Error::TooLarge {
        path: path.to_path_buf(),
        what: "decompressed",
        limit,
    };
    match res {
        Ok(()) => Ok((Data::Owned(out), Vec::new())),
        Err(Stop::Refused) => Err(Error::Bomb {
            path: path.to_path_buf(),
            codec,
            ratio: BOMB_RATIO,
        }),
        Err(Stop::Limit) => Err(too_large(limit)),
        Err(Stop::NoMemory(bytes)) => Err(Error::OutOfMemory {
            path: path.to_path_buf(),
            bytes,
        }),
        // The zlib header check is two bytes; text that happens to pass it
        // is not compressed, so keep it as it is.
        Err(Stop::Io(_)) if codec == "zlib" && out.is_empty() => Ok((data, Vec::new())),
        Err(Stop::Io(source)) if out.is_empty() => Err(Error::Decompress {
            path: path.to_path_buf(),
            codec,
            source,
        }),
        // Cut off or damaged part-way (a log rotated while being copied):
        // keep what came before; its last line is likely cut and is then
        // skipped with its reason.
        Err(Stop::Io(source)) => {
            let note = format!(
                "{codec} data is cut off or damaged ({source}): analysed the {} bytes before the damage",
                out.len()
            );
            Ok((Data::Owned(out), vec![note]))
        }
    }
}

/// Decode every zstd frame in `b` (zstd files may hold several), within
/// the bounds of [`read_bounded`].
fn read_zstd(
    mut b: &[u8],
    out: &mut Vec<u8>,
    limit: u64,
    check: &mut dyn FnMut(&[u8]) -> bool,
) -> std::result::Result<(), Stop> {
    while !b.is_empty() {
        let mut dec = ruzstd::decoding::StreamingDecoder::new(&mut b)
            .map_err(|e| Stop::Io(std::io::Error::other(e)))?;
        read_bounded(&mut dec, out, limit, check)?;
    }
    Ok(())
}

/// Bytes that identify this run's inputs, for the fingerprint key: each
/// file's size and its first and last 64 KiB (read, not parsed), each
/// embedded input whole. Standard input adds only its name.
pub fn key_material(specs: &[InputSpec]) -> Vec<u8> {
    use std::io::{Read, Seek, SeekFrom};
    const SAMPLE: u64 = 64 * 1024;
    let mut m = Vec::new();
    for spec in specs {
        match spec {
            // Only regular files are sampled: opening a FIFO would block, and
            // reading from a pipe or device would take its bytes from the parse.
            InputSpec::Path(p) if std::fs::metadata(p).is_ok_and(|m| m.is_file()) => {
                let Ok(mut f) = std::fs::File::open(p) else {
                    continue;
                };
                let len = f.metadata().map_or(0, |md| md.len());
                m.extend_from_slice(&len.to_le_bytes());
                let mut buf = Vec::new();
                let _ = (&mut f).take(SAMPLE).read_to_end(&mut buf);
                if len > 2 * SAMPLE && f.seek(SeekFrom::Start(len - SAMPLE)).is_ok() {
                    let _ = f.take(SAMPLE).read_to_end(&mut buf);
                }
                m.extend_from_slice(&buf);
            }
            InputSpec::Path(p) => m.extend_from_slice(p.as_os_str().as_encoded_bytes()),
            InputSpec::Stdin => m.extend_from_slice(b"<stdin>"),
            InputSpec::Embedded { name, bytes } => {
                m.extend_from_slice(name.as_bytes());
                m.extend_from_slice(bytes);
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_zlib_are_transparent() {
        let text = b"{\"a\":1}\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text).unwrap();
        let l = decode("x".into(), Path::new("x"), Data::Owned(gz.finish().unwrap())).unwrap();
        assert_eq!(l.data.bytes(), text);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(text).unwrap();
        let l = decode("x".into(), Path::new("x"), Data::Owned(z.finish().unwrap())).unwrap();
        assert_eq!(l.data.bytes(), text);
    }

    #[test]
    fn zstd_is_transparent() {
        // `printf '{"a":1}\n' | zstd -c`, as bytes.
        let frame: &[u8] = &[
            0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x08, 0x41, 0x00, 0x00, 0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d,
            0x0a, 0xe2, 0xef, 0xec, 0xe0,
        ];
        let mut two = frame.to_vec();
        two.extend_from_slice(frame);
        let l = decode("x.zst".into(), Path::new("x.zst"), Data::Owned(two)).unwrap();
        assert_eq!(l.data.bytes(), b"{\"a\":1}\n{\"a\":1}\n");
    }

    #[test]
    fn truncated_gzip_is_an_error_naming_the_file() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&[b'x'; 4096]).unwrap();
        let mut bytes = gz.finish().unwrap();
        bytes.truncate(bytes.len() / 2);
        let err = decode("f.gz".into(), Path::new("f.gz"), Data::Owned(bytes)).unwrap_err();
        assert!(err.to_string().starts_with("f.gz: cannot decompress gzip"));
    }

    #[test]
    fn directories_are_walked_in_order_and_loops_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("b")).unwrap();
        std::fs::write(dir.path().join("b/2.jsonl"), "{}").unwrap();
        std::fs::write(dir.path().join("a.jsonl"), "{}").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path(), dir.path().join("b/loop")).unwrap();
        let found = discover(&[dir.path().display().to_string(), "no/such".into()]);
        let names: Vec<String> = found
            .iter()
            .filter_map(|r| match r {
                Ok(InputSpec::Path(p)) => Some(p.strip_prefix(dir.path()).unwrap().display().to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(names, vec!["a.jsonl", "b/2.jsonl"]);
        let errors = found.iter().filter(|r| r.is_err()).count();
        assert_eq!(errors, if cfg!(unix) { 2 } else { 1 });
    }

    #[test]
    fn bom_is_stripped() {
        assert_eq!(Data::Owned(b"\xEF\xBB\xBF{}".to_vec()).bytes(), b"{}");
    }
}
