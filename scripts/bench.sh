#!/bin/bash
# The performance figures of docs/performance.md in one command: builds Release in build-bench/
# and runs euiccd-bench inside the private PC/SC sandbox (root: namespaces, its own pcscd + vpcd),
# against the virtual eUICC, the Python test SM-DP+ and a private dbus-daemon.
#
#   scripts/bench.sh                 full run (20 ms/APDU, 30 ms RTT, 3 iterations, 100 cycles;
#                                    a few minutes)
#   scripts/bench.sh smoke           seconds: no latency, one iteration, a few cycles, 4 eUICCs
#                                    at once instead of 16 (not run by CI: scripts/test.sh)
#   scripts/bench.sh [smoke] ARGS    extra euiccd-bench options, e.g. --markdown FILE, --strict,
#                                    --latency-ms 60 (see euiccd-bench --help)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${EUICCD_BENCH_BUILD_DIR:-$root/build-bench}
args=()
if [[ "${1:-}" == smoke ]]; then
  args+=(--smoke)
  shift
fi

# Release as the daemon ships. No EUICCD_WERROR here: GCC 12 at -O3 reports false -Wrestrict
# warnings in std::string code; the bench target itself still builds with -Werror.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target euiccd-bench
# 16 vpcd readers: pcscd's limit, for the many-eUICC case (--euiccs N uses the first N).
exec "$root/tests/integration/pcsc-sandbox.sh" --readers 16 -- "$build/bench/euiccd-bench" \
  "${args[@]}" "$@"
