#!/bin/bash
# Reproduces the modem-research.md experiments. Run as root on Debian 12 with
# libqmi-utils libmbim-utils libqmi-glib-dev libmbim-glib-dev installed. Everything runs inside
# `unshare -n`, so the abstract sockets @qmi-proxy / @mbim-proxy are private to the experiment.
# Every process started here is killed by PID; the namespace dies with the script.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [[ "${INNER:-}" != 1 ]]; then
  work=$(mktemp -d /tmp/modem-probes.XXXXXX)
  cc -O0 "$here/qmi_raw_uim.c" $(pkg-config --cflags --libs qmi-glib) -o "$work/qmi_raw_uim" || exit 1
  exec env INNER=1 WORK="$work" unshare -n -- "$0" "$@"
fi
work=$WORK; ip link set lo up 2>/dev/null
wait_for() { for _ in $(seq 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

echo "=== A. emulator AS the qmi-proxy (abstract socket @qmi-proxy), device node = unix socket file"
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$work/sockdev')"
/usr/bin/python3 -u "$here/qmi_proxy_emu.py" 2>"$work/a.log" & A=$!; wait_for "$work/a.log" listening
qmicli -p --device-open-qmi -d "$work/sockdev" --uim-get-slot-status; echo "rc=$?"
"$work/qmi_raw_uim" "$work/sockdev"; echo "rc=$?"
kill $A; wait $A 2>/dev/null

echo "=== B. emulated QMI DEVICE on a pty behind Debian's real qmi-proxy"
/usr/bin/python3 -u "$here/qmi_pty_device_emu.py" "$work/wdm0" 2>"$work/b.log" & B=$!; wait_for "$work/b.log" "device pty"
/usr/libexec/qmi-proxy --no-exit >"$work/qmi-proxy.log" 2>&1 & P=$!; sleep 0.3
qmicli -p --device-open-qmi -d "$work/wdm0" --uim-get-card-status; echo "rc=$?"
"$work/qmi_raw_uim" "$work/wdm0"; echo "rc=$?"
kill $B $P; wait $B $P 2>/dev/null

echo "=== C. emulated MBIM DEVICE on a pty behind Debian's real mbim-proxy"
/usr/bin/python3 -u "$here/mbim_pty_device_emu.py" "$work/mbim0" 2>"$work/c.log" & C=$!; wait_for "$work/c.log" "device pty"
/usr/libexec/mbim-proxy --no-exit >"$work/mbim-proxy.log" 2>&1 & M=$!; sleep 0.3
mbimcli -p -d "$work/mbim0" --query-device-caps; echo "rc=$?"
mbimcli -p -d "$work/mbim0" --ms-query-slot-info-status=0; echo "rc=$?"
mbimcli -p -d "$work/mbim0" --ms-set-uicc-open-channel=application-id=A0000005591010FFFFFFFF8900000100,channel-group=1; echo "rc=$?"
mbimcli -p -d "$work/mbim0" --ms-set-uicc-apdu=channel=1,secure-message=none,classbyte-type=inter-industry,command=81E2910006BF3E035C015A; echo "rc=$?"
mbimcli -p -d "$work/mbim0" --ms-set-uicc-close-channel=channel=1,channel-group=1; echo "rc=$?"
kill $C $M; wait $C $M 2>/dev/null
echo "logs in $work"
