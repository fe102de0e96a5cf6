//! Finding and opening inputs: files, directories (walked recursively, in
//! sorted order), `-` for stdin, and transparent gzip / zlib decompression.
//!
//! # Safety of memory maps
//! A memory map of a file that another process truncates while we read it
//! raises SIGBUS. We map only regular files, and only when they are larger
//! than [`MMAP_MIN`]; smaller files are read into memory, which costs little.
//! Logs captured after an incident are normally at rest; if the user is
//! analysing a file that is still being written, `--no-mmap` reads it instead.
//! A map is kept until the process exits ([`Loaded::keep`]) because events
//! refer to its text, so the exposure lasts the whole run, not only the
//! parse; making a truncation survivable is tracked as robustness work.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::{MultiGzDecoder, ZlibDecoder};
use memmap2::Mmap;

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
    /// A read-only map of a regular file.
    Mapped(Mmap),
    /// A map kept for the rest of the process (see [`Loaded::keep`]).
    Kept(&'static Mmap),
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
            Data::Kept(m) => m,
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
            Data::Mapped(m) => Loaded {
                display: self.display,
                data: Data::Kept(Box::leak(Box::new(m))),
            },
            data => Loaded {
                display: self.display,
                data,
            },
        }
    }
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

/// Open one input. `mmap` allows memory-mapping regular files.
pub fn open(spec: &InputSpec, mmap: bool) -> Result<Loaded> {
    match spec {
        InputSpec::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map_err(|source| Error::Io {
                    path: PathBuf::from("-"),
                    source,
                })?;
            finish("-".to_string(), Path::new("-"), Data::Owned(buf))
        }
        InputSpec::Embedded { name, bytes } => Ok(Loaded {
            display: name.clone(),
            data: Data::Static(bytes),
        }),
        InputSpec::Path(path) => {
            let io = |source| Error::Io {
                path: path.clone(),
                source,
            };
            let file = File::open(path).map_err(io)?;
            let meta = file.metadata().map_err(io)?;
            let data = if mmap && meta.is_file() && meta.len() >= MMAP_MIN {
                // SAFETY: the map is read-only and of a regular file. The
                // module docs explain the SIGBUS risk if the file is truncated
                // underneath us, and `--no-mmap` avoids it.
                let map = unsafe { Mmap::map(&file) }.map_err(io)?;
                Data::Mapped(map)
            } else {
                let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
                (&file).read_to_end(&mut buf).map_err(io)?;
                Data::Owned(buf)
            };
            finish(path.display().to_string(), path, data)
        }
    }
}

/// Decompress gzip or zlib content, detected by magic bytes.
fn finish(display: String, path: &Path, data: Data) -> Result<Loaded> {
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
        return Ok(Loaded { display, data });
    };
    let mut out = Vec::new();
    let res = match codec {
        "gzip" => MultiGzDecoder::new(b).read_to_end(&mut out),
        "zstd" => read_zstd(b, &mut out),
        _ => ZlibDecoder::new(b).read_to_end(&mut out),
    };
    match res {
        Ok(_) => {}
        // The zlib header check is two bytes; text that happens to pass it is
        // not compressed, so keep it as it is.
        Err(_) if codec == "zlib" => return Ok(Loaded { display, data }),
        Err(source) => {
            return Err(Error::Decompress {
                path: path.to_path_buf(),
                codec,
                source,
            })
        }
    }
    Ok(Loaded {
        display,
        data: Data::Owned(out),
    })
}

/// Decode every zstd frame in `b` (zstd files may hold several).
fn read_zstd(mut b: &[u8], out: &mut Vec<u8>) -> std::io::Result<usize> {
    let start = out.len();
    while !b.is_empty() {
        let mut dec = ruzstd::decoding::StreamingDecoder::new(&mut b).map_err(std::io::Error::other)?;
        dec.read_to_end(out)?;
    }
    Ok(out.len() - start)
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
        let l = finish("x".into(), Path::new("x"), Data::Owned(gz.finish().unwrap())).unwrap();
        assert_eq!(l.data.bytes(), text);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(text).unwrap();
        let l = finish("x".into(), Path::new("x"), Data::Owned(z.finish().unwrap())).unwrap();
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
        let l = finish("x.zst".into(), Path::new("x.zst"), Data::Owned(two)).unwrap();
        assert_eq!(l.data.bytes(), b"{\"a\":1}\n{\"a\":1}\n");
    }

    #[test]
    fn truncated_gzip_is_an_error_naming_the_file() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&[b'x'; 4096]).unwrap();
        let mut bytes = gz.finish().unwrap();
        bytes.truncate(bytes.len() / 2);
        let err = finish("f.gz".into(), Path::new("f.gz"), Data::Owned(bytes)).unwrap_err();
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
