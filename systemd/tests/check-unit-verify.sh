#!/bin/sh
# Fails when `systemd-analyze verify` finds anything wrong with the unit: an error (exit code)
# or a warning about the unit's own lines (unknown keys and values it ignores, which verify
# only prints). The unit is checked as a copy whose ExecStart= names the built daemon, since
# verify insists that the command exists and is executable, and the installed path is not
# there at build time. --man=no: Documentation= points at the installed docs;
# --generators=no: the host's generators have nothing to do with this unit.
# Exit 77 (skipped) where systemd-analyze is not installed, or where it cannot set up its
# offline manager at all (a container without the directories it needs).
# usage: check-unit-verify.sh UNIT_FILE DAEMON_BINARY
set -eu
unit=$1
daemon=$2
command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not found; skipping" >&2; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
name=$(basename "$unit")
sed "s#^ExecStart=[^ ]*#ExecStart=$daemon#" "$unit" >"$dir/$name"
rc=0
out=$(cd "$dir" && systemd-analyze verify --man=no --generators=no "./$name" 2>&1) || rc=$?
if [ "$rc" -ne 0 ] && echo "$out" | grep -q 'Failed to initialize manager\|Failed to allocate manager'; then
  echo "$out"
  echo "systemd-analyze cannot run its manager here; skipping" >&2
  exit 77
fi
problems=$(echo "$out" | grep -F "$name" || true)
if [ "$rc" -ne 0 ] || [ -n "$problems" ]; then
  echo "$out"
  echo "systemd-analyze verify found problems in $name (exit $rc)" >&2
  exit 1
fi
echo "systemd-analyze verify: $name is clean"
