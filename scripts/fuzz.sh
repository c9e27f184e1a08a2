#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs them.
#   scripts/fuzz.sh smoke [TARGET...]        each target for $FUZZ_SECONDS (10) seconds (CI)
#   scripts/fuzz.sh long [SECS] [TARGET...]  each target for SECS seconds (default 600)
# TARGET is a name like es9p (fuzz/es9p_fuzz.cpp); none means all. The committed seeds in
# fuzz/corpus/<name>/ are only read: new inputs go to build-fuzz/fuzz-work/<name>/ (kept
# between long runs, scratch for smoke runs), crashes to build-fuzz/fuzz-crashes/<name>/.
# See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-smoke}
shift || true
case "$mode" in
  smoke) seconds=${FUZZ_SECONDS:-10} ;;
  long)
    seconds=600
    if [[ ${1:-} =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
    ;;
  *) echo "usage: $0 smoke [TARGET...] | long [SECS] [TARGET...]" >&2; exit 2 ;;
esac
build=build-fuzz
# Line tables only (-g1): a crash report names file and line, and the build takes less time.
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DEUICCD_WERROR=ON -DEUICCD_FUZZ=ON -DEUICCD_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzzers -j 2 >/dev/null

targets=("$@")
if ((${#targets[@]} == 0)); then
  for bin in "$build"/fuzz/*_fuzz; do targets+=("$(basename "$bin" _fuzz)"); done
fi

status=0 failed=0 total_runs=0
for name in "${targets[@]}"; do
  bin=$build/fuzz/${name}_fuzz
  [[ -x $bin ]] || { echo "fuzz: no target $name ($bin)" >&2; exit 2; }
  corpus=fuzz/corpus/$name
  crashes=$build/fuzz-crashes/$name
  if [[ $mode == long ]]; then
    work=$build/fuzz-work/$name
  else
    work=$(mktemp -d)
  fi
  mkdir -p "$work" "$crashes" "$corpus"
  log=$build/fuzz-$name.log
  # A dictionary of the format's words: fuzz/<name>.dict, or the TLV one for BER-TLV parsers.
  dict=fuzz/$name.dict
  case "$name" in es10 | es10_download | saip) dict=fuzz/tlv.dict ;; esac
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$crashes/")
  [[ -f $dict ]] && options+=(-dict="$dict")
  if "$bin" "${options[@]}" "$work" "$corpus" >"$log" 2>&1; then
    runs=$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
    rate=$(grep -m1 -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
    echo "fuzz: $name ok, $runs executions in ${seconds}s ($rate/s)"
    total_runs=$((total_runs + runs))
  else
    echo "fuzz: $name FAILED (input kept in $crashes/, log $log)" >&2
    grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$log" | head -30 >&2 || tail -40 "$log" >&2
    status=1 failed=$((failed + 1))
  fi
  [[ $mode == long ]] || rm -rf "$work"
done
echo "fuzz: $mode: $((${#targets[@]} - failed)) passed, $failed failed ($total_runs executions)"
exit $status
