#!/bin/bash
# Runs a command inside private network and PID namespaces for the emulated-modem tests: the
# modem proxies' abstract sockets (@qmi-proxy, @mbim-proxy) are per network namespace, so the
# test's own qmi-proxy and its clients never meet the host's (docs/modem-research.md 2.4), and
# whatever the test leaves running dies with the PID namespace.
#
# Usage: tests/modem/modem-sandbox.sh -- cmd args...
# Needs root (namespaces; the proxies accept root clients only); exits 77 ("skipped" to CTest)
# without it. Exits with the command's status.
set -euo pipefail

[[ "${1:-}" == "--" ]] && shift
[[ $# -ge 1 ]] || { echo "usage: $0 -- cmd args..." >&2; exit 2; }

if [[ "${EUICCD_MODEM_SANDBOX_INNER:-}" != 1 ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "$0: must run as root (network namespace; qmi-proxy serves root only)" >&2
    exit 77
  fi
  command -v unshare >/dev/null || { echo "$0: unshare not found" >&2; exit 77; }
  exec env EUICCD_MODEM_SANDBOX_INNER=1 \
    unshare --net --pid --fork --kill-child=SIGKILL --mount-proc -- "$0" -- "$@"
fi

ip link set lo up 2>/dev/null || true
unset EUICCD_MODEM_SANDBOX_INNER
"$@"
