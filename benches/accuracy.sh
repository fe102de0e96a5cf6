#!/usr/bin/env bash
# Ranking accuracy: writes a labeled incident suite and prints `logsleuth
# eval`'s table with AC@1, AC@3 and Avg@5.
#
# Usage: benches/accuracy.sh [SEED] [DIR]
#            our suite (gen-samples suite), one seed (default 0)
#        benches/accuracy.sh wild FROM TO
#            the wild suite (dialects drawn at random), seeds FROM..=TO,
#            one table per seed and the totals. Seeds 0-99 are for
#            development; 1000-1049 are held out: run them once, at the end.
#        benches/accuracy.sh compare FROM TO
#            `compare` on the labeled pairs of gen-samples compare, seeds
#            FROM..=TO: how many planted changes rank first, and how many
#            healthy pairs show no change. Seeds 0-2 were used while
#            building it; 1000 and up are held out.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/logsleuth-target}
cargo build --release --quiet --bin logsleuth --bin gen-samples
BIN="$CARGO_TARGET_DIR/release"
if [ "${1:-}" = wild ]; then
  FROM=${2:?usage: benches/accuracy.sh wild FROM TO}
  TO=${3:?usage: benches/accuracy.sh wild FROM TO}
  found1=0; found3=0; total=0
  for seed in $(seq "$FROM" "$TO"); do
    DIR=target/wild-$seed
    rm -rf "$DIR"
    "$BIN/gen-samples" wild "$DIR" "$seed"
    "$BIN/logsleuth" eval "$DIR" | sed "s/^/seed $seed  /"
    read -r a b c < <("$BIN/logsleuth" eval --format json "$DIR" | python3 -c '
import json, sys
s = json.load(sys.stdin)["scenarios"]
print(sum(x["rank"] == 1 for x in s), sum((x["rank"] or 99) <= 3 for x in s), len(s))')
    found1=$((found1 + a)); found3=$((found3 + b)); total=$((total + c))
  done
  python3 -c "print(f'wild seeds $FROM-$TO: {$total} scenarios  AC@1 {$found1/$total:.3f}  AC@3 {$found3/$total:.3f}')"
  exit 0
fi
if [ "${1:-}" = compare ]; then
  FROM=${2:?usage: benches/accuracy.sh compare FROM TO}
  TO=${3:?usage: benches/accuracy.sh compare FROM TO}
  exec python3 benches/compare_accuracy.py "$BIN" "$FROM" "$TO"
fi
SEED=${1:-0}
DIR=${2:-target/suite-$SEED}
rm -rf "$DIR"
"$BIN/gen-samples" suite "$DIR" "$SEED"
"$BIN/logsleuth" eval "$DIR"
