#!/bin/bash
# Runs a command inside a private PC/SC world: its own mount and network namespaces, a pcscd
# whose socket lives on a private /run/pcscd and which knows exactly one reader, a vpcd virtual
# reader whose card side listens on TCP port N (loopback of the private network namespace).
# The command finds the port in $VPCD_PORT and connects its virtual card there; PC/SC clients
# it starts talk to the private pcscd. The host's pcscd and readers are untouched.
#
# Usage: tests/integration/pcsc-sandbox.sh [--port N] [--readers R] -- cmd args...
# Needs root (namespaces, mounts); exits 77 ("skipped" to CTest) without it. Exits with the
# command's status, 143 when interrupted. Inside, $PCSC_SANDBOX_LOG is pcscd's log; set
# PCSC_SANDBOX_PCSCD_ARGS="-d -a" for debug output with every APDU. The tail of the log is
# printed when the command fails.
#
# vpcd registers two slots per driver instance: "Virtual PCD 00 00" with its card side on port
# N and "Virtual PCD 00 01" on port N+1. --readers R (even, 2..16; default 2) loads R/2
# instances; the one whose first slot is on port N+k is named "Virtual PCD +k" ("Virtual PCD
# +k 00 00" on N+k, "... 00 01" on N+k+1). $VPCD_READERS says how many slots there are. 16 is
# pcscd's limit (PCSCLITE_MAX_READERS_CONTEXTS).
set -euo pipefail

port=35963
readers=2
usage() {
  echo "usage: $0 [--port N] [--readers R] -- cmd args..." >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port)
      [[ $# -ge 2 && "$2" =~ ^[0-9]+$ && "$2" -ge 1 && "$2" -le 65535 ]] || usage
      port="$2"
      shift 2
      ;;
    --readers)
      [[ $# -ge 2 && "$2" =~ ^[0-9]+$ && "$2" -ge 2 && "$2" -le 16 && $(($2 % 2)) -eq 0 ]] || usage
      readers="$2"
      shift 2
      ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
[[ $# -ge 1 ]] || usage

if [[ "${EUICCD_PCSC_SANDBOX_INNER:-}" != 1 ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "$0: must run as root: it creates mount and network namespaces and mounts a tmpfs" \
      "over /run/pcscd (try: sudo $0 ...)" >&2
    exit 77  # "skipped" for CTest / automake
  fi
  for tool in unshare pcscd ip mount; do
    command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 77; }
  done
  vpcd_lib=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
  [[ -e "$vpcd_lib" ]] || { echo "$0: $vpcd_lib missing (apt-get install vsmartcard-vpcd)" >&2; exit 77; }
  work=$(mktemp -d /tmp/pcsc-sandbox.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  # Private mounts (propagation private: nothing leaks to the host), private network (vpcd's
  # port and the card's TCP socket stay on a loopback of our own), and a PID namespace whose
  # init is the inner script: when unshare goes, the kernel kills pcscd and the command too.
  # unshare ignores SIGINT/SIGTERM while it waits, so a signal here kills it outright.
  EUICCD_PCSC_SANDBOX_INNER=1 EUICCD_PCSC_SANDBOX_DIR="$work" \
    unshare --mount --net --pid --fork --kill-child=SIGKILL --mount-proc --propagation private \
    -- "$0" --port "$port" --readers "$readers" -- "$@" <&0 &
  unshare_pid=$!
  interrupted=
  trap 'interrupted=1; kill -KILL "$unshare_pid" 2>/dev/null || true' INT TERM
  set +e
  wait "$unshare_pid"
  status=$?
  [[ -z "$interrupted" ]] || { wait "$unshare_pid" 2>/dev/null; status=143; }
  exit "$status"
fi

# ---- inside the namespaces ----------------------------------------------------------------
ip link set lo up

work="$EUICCD_PCSC_SANDBOX_DIR"  # made and removed by the outer half
pcscd_pid=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local status=$?
  if [[ -n "$pcscd_pid" ]] && kill -0 "$pcscd_pid" 2>/dev/null; then
    kill -TERM "$pcscd_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pcscd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pcscd_pid" 2>/dev/null || true
    wait "$pcscd_pid" 2>/dev/null || true
  fi
  umount /run/pcscd 2>/dev/null || true
  if [[ $status -ne 0 && -s "$work/pcscd.log" && -n "${PCSC_SANDBOX_SHOW_LOG:-1}" ]]; then
    echo "--- pcscd log ($work/pcscd.log) ---" >&2
    tail -n 40 "$work/pcscd.log" >&2
  fi
  exit "$status"
}
trap cleanup EXIT

mkdir -p /run/pcscd
mount -t tmpfs -o mode=0755,size=1m pcsc-sandbox /run/pcscd

mkdir "$work/reader.conf.d"
for ((first = port; first < port + readers; first += 2)); do
  port_hex=$(printf '0x%X' "$first")
  # pcscd numbers readers of the same name all "00", so every instance needs a name of its own.
  # And its own copy of the driver: vpcd keeps its slots in a static array indexed by slot
  # number only, so two instances in one library would take over each other's slots; pcscd
  # loads each file separately.
  name="Virtual PCD"
  lib=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
  if ((first != port)); then
    name+=" +$((first - port))"
    cp "$lib" "$work/libifdvpcd-$((first - port)).so"
    lib="$work/libifdvpcd-$((first - port)).so"
  fi
  cat >>"$work/reader.conf.d/vpcd" <<CONF
FRIENDLYNAME "$name"
DEVICENAME   /dev/null:$port_hex
LIBPATH      $lib
CHANNELID    $port_hex

CONF
done

# Not socket-activated here: pcscd must bind its own socket.
unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES
read -r -a extra_args <<<"${PCSC_SANDBOX_PCSCD_ARGS:-}"
pcscd --foreground --config "$work/reader.conf.d" "${extra_args[@]}" \
  >"$work/pcscd.log" 2>&1 &
pcscd_pid=$!

for _ in $(seq 50); do
  [[ -S /run/pcscd/pcscd.comm ]] && break
  kill -0 "$pcscd_pid" 2>/dev/null || { echo "$0: pcscd exited at start" >&2; exit 1; }
  sleep 0.1
done
[[ -S /run/pcscd/pcscd.comm ]] || { echo "$0: pcscd did not create its socket within 5 s" >&2; exit 1; }

unset EUICCD_PCSC_SANDBOX_INNER EUICCD_PCSC_SANDBOX_DIR
export VPCD_PORT="$port" VPCD_READERS="$readers"
export PCSC_SANDBOX_LOG="$work/pcscd.log"
set +e
"$@"
status=$?
set -e
exit "$status"
