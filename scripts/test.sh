#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run), one phase after the other:
#   deps      scripts/install-deps.sh   installs what is missing (Debian 12, root)
#   build     scripts/build.sh          everything, -Werror, into build/
#   test      ctest in build/           unit, integration (real pcscd + vpcd + virtual eUICC), smdpp
#   fuzz      scripts/fuzz.sh smoke     every libFuzzer target for $FUZZ_SECONDS (5) s (build-fuzz/)
#   sanitize  scripts/sanitize.sh       ASan + UBSan + LSan build and the suite again (build-asan/)
# The first phase that fails stops the run. Each phase ends with one summary line, and all of
# them are repeated at the end with their times.
set -euo pipefail
cd "$(dirname "$0")/.."

summary=()
print_summary() {
  echo
  printf '%s\n' "${summary[@]}"
}

phase() {
  local name=$1
  shift
  local start=$SECONDS status=0
  echo "==== test.sh: $name: $*"
  "$@" || status=$?
  local line
  line=$(printf 'test.sh: %-8s %-6s %5d s' "$name" "$([[ $status -eq 0 ]] && echo ok || echo FAILED)" \
    $((SECONDS - start)))
  echo "$line"
  summary+=("$line")
  if ((status != 0)); then
    print_summary
    exit "$status"
  fi
}

phase deps scripts/install-deps.sh
phase build scripts/build.sh
phase test ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 300
# 5 s a target: CI's smoke checks the seeds and a first round of mutations; the long runs
# (scripts/fuzz.sh long, docs/fuzzing.md) are where findings come from.
export FUZZ_SECONDS=${FUZZ_SECONDS:-5}
phase fuzz scripts/fuzz.sh smoke
phase sanitize scripts/sanitize.sh
summary+=("test.sh: all phases passed in $SECONDS s")
print_summary
