//! URL syntax without a URL parser: where the scheme, the path's segments
//! and the query start, found with byte searches on the hot paths.

/// Where the first `://` of `u` starts, like `u.find("://")` without
/// building a substring searcher for every URL.
pub fn scheme_end(u: &str) -> Option<usize> {
    let b = u.as_bytes();
    memchr::memchr_iter(b':', b).find(|&i| b.get(i + 1..i + 3) == Some(b"//".as_slice()))
}

/// Offset of the first `/` in `s`.
pub fn slash(s: &str) -> Option<usize> {
    memchr::memchr(b'/', s.as_bytes())
}

/// The `/`-separated segments of `path`, as `path.split('/')` gives them.
pub fn segments(path: &str) -> impl Iterator<Item = &str> {
    split(path, b'/')
}

/// The pieces of `s` between each `sep`, an ASCII byte, as
/// `s.split(char::from(sep))` gives them. Found with a plain byte loop:
/// `split` with a `char` compares each match's encoding through a call to
/// memcmp, and memchr's set-up costs more than the search on the short
/// paths and keys this splits.
pub fn split(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    debug_assert!(sep.is_ascii());
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|c| c == sep) {
            // `sep` is ASCII, so both sides of it are character boundaries.
            Some(i) => {
                rest = r.get(i + 1..);
                r.get(..i)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// Where the query or fragment of a URL or path starts (its length when
/// it has neither). Both marks are ASCII: the offset is a character
/// boundary.
pub fn query_start(u: &str) -> usize {
    memchr::memchr2(b'?', b'#', u.as_bytes()).unwrap_or(u.len())
}
