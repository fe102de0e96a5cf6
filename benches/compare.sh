#!/usr/bin/env bash
# Whole-process comparison: logsleuth against cat, wc -l, a parse-only
# baseline with the same JSON parser (examples/parse_only.rs), DuckDB
# (from PyPI), jq/jaq, and wiretrail (from crates.io) for HAR, all on
# generated inputs measured in the same run. Prints a Markdown table of
# MB/s, peak RSS and peak RssAnon, then the targets as ratios.
#
# Usage: benches/compare.sh [--jsonl-mib N] [--mixed-mib N] [--folder-mib N] [--har-mib N]
#                           [--es-mib N] [--runs N] [--only jsonl,mixed,folder,har,es,compare]
#                           [--before BIN]
# Inputs are generated into bench-data/ (git-ignored) and reused.
# --before BIN measures a logsleuth binary built from an earlier commit
# beside this one, in the same rounds, and checks that no input's analyze
# got more than 5% slower. To build one:
#   git worktree add /tmp/before REV
#   (cd /tmp/before && CARGO_TARGET_DIR=$HOME/.cache/logsleuth-before cargo build --release --bin logsleuth)
# (its own target directory: building another checkout into this one's
# leaves this checkout's artifacts looking newer than its sources).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/logsleuth-target}
cargo build --release --quiet --bin logsleuth --bin gen-samples --example parse_only
exec python3 benches/compare.py --bin "$CARGO_TARGET_DIR/release" "$@"
