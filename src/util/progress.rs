//! The progress bar: an indicatif bar on stderr over input bytes, shown only
//! for large inputs, only when stderr is a terminal, and never with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this in total get no bar.
const MIN_BYTES: u64 = 4 << 20;

/// A bar over `total` bytes, or a hidden one.
pub fn bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || total < MIN_BYTES || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{spinner} {msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    pb.set_style(style);
    pb
}
