#!/bin/sh
# Fails when `systemd-analyze security --offline=true` rates the unit above the allowed
# exposure. Exit 77 (skipped) where systemd-analyze is not installed.
# usage: check-unit-security.sh UNIT_FILE MAX_EXPOSURE
set -eu
unit=$1
max=$2
command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not found; skipping" >&2; exit 77; }
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
echo "$out" | grep '✗' || true
level=$(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -z "$level" ]; then
  echo "$out"
  echo "could not read the exposure level" >&2
  exit 1
fi
echo "exposure $level (allowed: $max)"
awk -v level="$level" -v max="$max" 'BEGIN { exit !(level <= max) }'
