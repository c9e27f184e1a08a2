#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds with -Werror, runs the
# unit and integration tests (real pcscd + vpcd + virtual eUICC), then the fuzz smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 300
scripts/fuzz.sh smoke
