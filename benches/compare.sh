#!/usr/bin/env bash
# Whole-process comparison: logsleuth against cat, wc -l, a parse-only
# baseline with the same JSON parser (examples/parse_only.rs), DuckDB
# (from PyPI), jq/jaq, and wiretrail (from crates.io) for HAR, all on
# generated inputs measured in the same run. Prints a Markdown table of
# MB/s, peak RSS and peak RssAnon, then the targets as ratios.
#
# Usage: benches/compare.sh [--jsonl-mib N] [--mixed-mib N] [--folder-mib N] [--har-mib N]
#                           [--es-mib N] [--runs N] [--only jsonl,mixed,folder,har,es,compare]
# Inputs are generated into bench-data/ (git-ignored) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/logsleuth-target}
cargo build --release --quiet --bin logsleuth --bin gen-samples --example parse_only
exec python3 benches/compare.py --bin "$CARGO_TARGET_DIR/release" "$@"
