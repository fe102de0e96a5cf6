#!/usr/bin/env bash
# Run every fuzz target (or those named) for SECONDS each (default 600),
# seeded from ../shared/corpus when it is there. Needs a nightly toolchain
# and cargo-fuzz: `rustup toolchain install nightly; cargo install cargo-fuzz`.
#
#   fuzz/run.sh                 # all targets, 10 minutes each
#   SECONDS_EACH=60 fuzz/run.sh har jsonl
#
# The working corpus grows in $FUZZ_CORPUS (default ~/.cache/logsleuth-fuzz/corpus),
# outside the repository; a crash is written to fuzz/artifacts/TARGET/ and
# ends that target's run. Copy it to tests/fuzz-regressions/TARGET/ once fixed.
set -euo pipefail
cd "$(dirname "$0")"
each=${SECONDS_EACH:-600}
corpus_root=${FUZZ_CORPUS:-$HOME/.cache/logsleuth-fuzz/corpus}
target_dir=${CARGO_TARGET_DIR:-$HOME/.cache/logsleuth-fuzz-target}
shared=../../shared/corpus
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(har jsonl esdoc csv access detect rule_file condition)

seeds() { # target -> seed folders
  case $1 in
    har) echo "$shared/har" ;;
    jsonl) echo "$shared/jsonl" ;;
    esdoc) echo "$shared/elk" ;;
    csv|access) echo "$shared/other" ;;
    detect) echo "$shared/har $shared/jsonl $shared/elk $shared/other" ;;
    rule_file) echo "../rules" ;;
    condition) echo "" ;;
  esac
}

cargo +nightly fuzz build --target-dir "$target_dir" "${targets[@]:0:1}" >/dev/null 2>&1 || true
for t in "${targets[@]}"; do
  mkdir -p "$corpus_root/$t"
  extra=()
  for d in $(seeds "$t"); do [ -d "$d" ] && extra+=("$d"); done
  if [ "$t" = condition ]; then
    # Seed the condition parser with the conditions of the bundled rules.
    { grep -h '^condition' ../rules/*.toml 2>/dev/null | sed 's/^condition *= *//; s/^"//; s/"$//'
      printf '%s\n' 'a and (b or not failed)' 'not not a' '((a))' 'a or b and failed' 'a and'; } |
      awk -v d="$corpus_root/$t" '{ f = d "/seed-" NR; print > f; close(f) }'
  fi
  echo "== $t: ${each}s"
  cargo +nightly fuzz run --target-dir "$target_dir" "$t" "$corpus_root/$t" "${extra[@]}" -- \
    -max_total_time="$each" -max_len=65536 -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 2>&1 |
    grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|SUMMARY|==[0-9]+== ERROR|Test unit written)" || true
done
