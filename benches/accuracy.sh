#!/usr/bin/env bash
# Ranking accuracy: writes the labeled incident suite (gen-samples suite)
# and prints `logsleuth eval`'s table with AC@1, AC@3 and Avg@5.
#
# Usage: benches/accuracy.sh [SEED] [DIR]   (defaults: seed 0, target/suite)
# Other seeds give other names, onsets and noise.
set -euo pipefail
cd "$(dirname "$0")/.."
SEED=${1:-0}
DIR=${2:-target/suite-$SEED}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/logsleuth-target}
cargo build --release --quiet --bin logsleuth --bin gen-samples
rm -rf "$DIR"
"$CARGO_TARGET_DIR/release/gen-samples" suite "$DIR" "$SEED"
"$CARGO_TARGET_DIR/release/logsleuth" eval "$DIR"
