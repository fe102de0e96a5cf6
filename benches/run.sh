#!/usr/bin/env bash
# Whole-process benchmark: `logsleuth analyze` on a generated JSON-lines
# gateway log, against baselines measured in the same run on the same file
# (cat, wc -l). Prints a table of median wall time, MB/s, peak RSS and the
# ratio to `wc -l`.
#
# Usage: benches/run.sh [SIZE_MIB] [RUNS]     (defaults: 1024 MiB, 3 runs)
# The file is written to bench-data/ (git-ignored) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1024}
RUNS=${2:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/logsleuth-target}
cargo build --release --quiet --bin logsleuth --bin gen-samples
BIN=$CARGO_TARGET_DIR/release
DATA=bench-data/gateway-${SIZE}MiB.jsonl
mkdir -p bench-data
if [ ! -s "$DATA" ]; then
  echo "generating $DATA ..." >&2
  "$BIN/gen-samples" bench-jsonl "$DATA" "$SIZE"
fi
BYTES=$(stat -c %s "$DATA")
cat "$DATA" > /dev/null   # warm the page cache

# measure NAME CMD...: RUNS runs, prints "name median_s mbps rss_mib"
measure() {
  local name=$1; shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    local out tmp
    tmp=$(mktemp)
    /usr/bin/time -f "%e %M" -o "$tmp" "$@" > /dev/null 2>&1 || true
    out=$(tail -1 "$tmp")
    rm -f "$tmp"
    times+=("${out% *}")
    local r=${out#* }
    (( r > rss )) && rss=$r
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$name $med $(awk -v b="$BYTES" -v t="$med" 'BEGIN {printf "%.0f", (t > 0 ? b / t / 1e6 : 0)}') $((rss / 1024))"
}

RESULTS=$(
  measure "cat" cat "$DATA"
  measure "wc-l" wc -l "$DATA"
  measure "logsleuth-1-thread" "$BIN/logsleuth" analyze --quiet --format json --threads 1 "$DATA"
  measure "logsleuth-2-threads" "$BIN/logsleuth" analyze --quiet --format json --threads 2 "$DATA"
)
WC=$(echo "$RESULTS" | awk '$1 == "wc-l" {print $2}')
echo
echo "input: $DATA ($((BYTES / 1048576)) MiB), $RUNS runs each, median wall time, $(nproc) cores"
printf '%-22s %10s %10s %12s %12s\n' command seconds MB/s "peak RSS MiB" "time vs wc"
echo "$RESULTS" | while read -r name t mbps rss; do
  printf '%-22s %10s %10s %12s %12s\n' "$name" "$t" "$mbps" "$rss" "$(awk -v a="$t" -v b="$WC" 'BEGIN {printf "%.1fx", (b > 0 ? a / b : 0)}')"
done
