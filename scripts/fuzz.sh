#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs them.
#   scripts/fuzz.sh smoke        every target for a short bounded time (CI)
#   scripts/fuzz.sh long [SECS]  every target for SECS seconds each (default 600)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-smoke}
case "$mode" in
  smoke) seconds=${FUZZ_SECONDS:-10} ;;
  long) seconds=${2:-600} ;;
  *) echo "usage: $0 smoke|long [seconds]" >&2; exit 2 ;;
esac
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEUICCD_WERROR=ON -DEUICCD_FUZZ=ON -DEUICCD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" >/dev/null
status=0
for target in build-fuzz/fuzz/*_fuzz; do
  name=$(basename "$target" _fuzz)
  corpus=fuzz/corpus/$name
  work=$(mktemp -d)
  # New inputs go to a scratch dir; the committed seed corpus is only read.
  if ! "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 "$work" "$corpus" >"$work.log" 2>&1; then
    echo "fuzz: $name FAILED" >&2
    tail -40 "$work.log" >&2
    status=1
  else
    runs=$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$work.log" | grep -oE '[0-9]+$' || echo '?')
    echo "fuzz: $name ok, $runs executions in ${seconds}s"
  fi
  rm -rf "$work" "$work.log"
done
exit $status
