#!/usr/bin/env bash
# The test suite on a sanitizer build: builds everything with -DEUICCD_SANITIZE=ON
# (AddressSanitizer + UndefinedBehaviorSanitizer, LeakSanitizer on at exit) into build-asan/
# and runs ctest there. Only our binaries are instrumented (engine, daemon, tools, the virtual
# eUICC, the tests); the real peers stay Debian's (pcscd + vpcd, dbus-daemon, the Python test
# SM-DP+). Any sanitizer report ends the process that made it with an error, so the test fails.
#
#   scripts/sanitize.sh              build + whole suite (CI, from scripts/test.sh)
#   scripts/sanitize.sh -R es10_     build + only the tests matching (any ctest arguments)
#
# The Python self-tests (label smdpp) are left out: no code of ours runs in them, and the
# normal build already ran them. gcc is used: its ASan runtime works inside the integration
# tests' namespaces (pcsc-sandbox.sh) like the normal build. The benchmark harness is left out:
# no test runs it, and it is the normal build's (scripts/bench.sh). See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD_DIR:-build-asan}
jobs=${SANITIZE_JOBS:-2}

# Warnings are the normal build's job (-Werror there). With ASan, gcc 12 reports uninitialised
# members inside libstdc++ (std::regex, std::function) that are not there, so they are off here.
# -O1 -g1 (line tables for the reports): gcc needs about half the time of -O2 -g for ASan+UBSan
# code (measured 39 s against 85 s for one test file), and -O1 is what ASan recommends.
# The desktop client (gui/) is left out (-DEUICCD_GUI=OFF, and with it its gui_test): under
# LeakSanitizer GTK, fontconfig and the accessibility bridge report their one-time allocations
# at exit, which are not ours to fix, and its gtkmm sources are the slowest to compile.
CC=gcc CXX=g++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS=-Wno-maybe-uninitialized \
  -DEUICCD_WERROR=OFF -DEUICCD_SANITIZE=ON -DEUICCD_BENCH=OFF -DEUICCD_GUI=OFF >/dev/null
cmake --build "$build" -j "$jobs"

# abort_on_error: a report ends the process with SIGABRT even where a test or a supervisor
# ignores exit codes; detect_leaks: LeakSanitizer at exit of every instrumented process.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-print_suppressions=0}

args=("$@")
((${#args[@]})) || args=(-LE smdpp)
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 300 "${args[@]}"
