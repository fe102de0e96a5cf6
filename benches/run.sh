#!/usr/bin/env bash
# Whole-process benchmark: `logsleuth analyze` on a generated JSON-lines
# gateway log, against baselines measured in the same run on the same file:
# cat, wc -l, and when available jq (status of every line) and DuckDB
# (`read_json` + GROUP BY status, installed from PyPI into bench-data/venv).
# A baseline that is missing is skipped, and the script says so. Prints a
# table of median wall time, MB/s, peak RSS and the ratios to `wc -l` and
# to DuckDB.
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
    /usr/bin/time -f "%e %M %x" -o "$tmp" "$@" > /dev/null 2>&1 || true
    out=$(tail -1 "$tmp")
    rm -f "$tmp"
    # A failed run is not a measurement.
    if [ "${out##* }" != "0" ]; then
      echo "skipping $name: it failed (exit ${out##* })" >&2
      return 0
    fi
    out=${out% *}
    times+=("${out% *}")
    local r=${out#* }
    (( r > rss )) && rss=$r
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$name $med $(awk -v b="$BYTES" -v t="$med" 'BEGIN {printf "%.0f", (t > 0 ? b / t / 1e6 : 0)}') $((rss / 1024))"
}

# Optional baselines.
VENV=bench-data/venv
DUCK=""
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  DUCK="$VENV/bin/python"
elif command -v python3 >/dev/null 2>&1; then
  echo "installing duckdb into $VENV (once) ..." >&2
  if python3 -m venv "$VENV" >/dev/null 2>&1 && "$VENV/bin/pip" install -q --disable-pip-version-check duckdb >/dev/null 2>&1; then
    DUCK="$VENV/bin/python"
  fi
fi
[ -n "$DUCK" ] || echo "skipping duckdb: python3 or PyPI is not available" >&2
command -v jq >/dev/null 2>&1 || echo "skipping jq: not installed" >&2
DUCK_SQL="import duckdb; duckdb.sql(\"select http.response.status_code as s, count(*) from read_json('$DATA', format='newline_delimited') group by s\").fetchall()"

RESULTS=$(
  measure "cat" cat "$DATA"
  measure "wc-l" wc -l "$DATA"
  if [ -n "$DUCK" ]; then
    measure "duckdb-group-by-status" "$DUCK" -c "$DUCK_SQL"
  fi
  if command -v jq >/dev/null 2>&1; then
    measure "jq-status" jq -r '.http.response.status_code' "$DATA"
  fi
  measure "logsleuth-1-thread" "$BIN/logsleuth" analyze --quiet --format json --threads 1 "$DATA"
  measure "logsleuth-2-threads" "$BIN/logsleuth" analyze --quiet --format json --threads 2 "$DATA"
)
WC=$(echo "$RESULTS" | awk '$1 == "wc-l" {print $2}')
DK=$(echo "$RESULTS" | awk '$1 == "duckdb-group-by-status" {print $2}')
echo
echo "input: $DATA ($((BYTES / 1048576)) MiB), $RUNS runs each, median wall time, $(nproc) cores"
printf '%-24s %10s %10s %12s %12s %14s\n' command seconds MB/s "peak RSS MiB" "time vs wc" "speed vs duckdb"
echo "$RESULTS" | while read -r name t mbps rss; do
  printf '%-24s %10s %10s %12s %12s %14s\n' "$name" "$t" "$mbps" "$rss" \
    "$(awk -v a="$t" -v b="$WC" 'BEGIN {printf "%.1fx", (b > 0 ? a / b : 0)}')" \
    "$(awk -v a="$t" -v b="${DK:-0}" 'BEGIN {if (b > 0 && a > 0) printf "%.2fx", b / a; else printf "-"}')"
done
