#!/bin/sh
# Checks systemd/org.euiccd1.conf on a real dbus-daemon with the system bus's default policy:
# the file parses, root may own org.euiccd1, another user may not, and that user may still
# call the service (polkit, not the bus, decides about changes).
# usage: check-dbus-policy.sh POLICY_FILE        (exit 77: skipped)
set -eu
policy=$(realpath "$1")
for tool in dbus-daemon busctl setpriv /usr/bin/python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool not found; skipping" >&2; exit 77; }
done
if [ "$(id -u)" != 0 ]; then
  echo "needs root (to act as root and as nobody on the test bus); skipping" >&2
  exit 77
fi
/usr/bin/python3 -c 'import dbusmock' 2>/dev/null || { echo "no python3-dbusmock; skipping" >&2; exit 77; }

dir=$(mktemp -d)
chmod 755 "$dir"
bus_pid=
owner_pid=
cleanup() {
  [ -n "$owner_pid" ] && kill "$owner_pid" 2>/dev/null
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# The default policy of Debian's /usr/share/dbus-1/system.conf, then our file, as on a system.
cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>$policy</include>
</busconfig>
CONF

dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile 2>"$dir/bus.log" &
bus_pid=$!
address="unix:path=$dir/bus"
wait_for() {  # wait_for SECONDS COMMAND...: polls until COMMAND succeeds
  deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}
if ! wait_for 10 busctl --address="$address" list; then
  cat "$dir/bus.log"
  echo "FAIL: dbus-daemon did not start with the policy" >&2
  exit 1
fi
# The euiccd user exists only where the package's sysusers entry was applied.
if grep -i "configuration" "$dir/bus.log" | grep -v 'Unknown username "euiccd"' | grep -q .; then
  cat "$dir/bus.log"
  echo "FAIL: dbus-daemon complained about the policy" >&2
  exit 1
fi

# root owns the name (python-dbusmock as a stand-in service).
DBUS_SYSTEM_BUS_ADDRESS=$address /usr/bin/python3 -m dbusmock --system org.euiccd1 /org/euiccd1 \
  org.euiccd1.Manager >"$dir/owner.log" 2>&1 &
owner_pid=$!
if ! wait_for 20 busctl --address="$address" status org.euiccd1; then
  cat "$dir/owner.log"
  echo "FAIL: root could not own org.euiccd1" >&2
  exit 1
fi
echo "ok: root owns org.euiccd1"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

if ! as_nobody busctl --address="$address" call org.euiccd1 /org/euiccd1 \
    org.freedesktop.DBus.Properties GetAll s org.euiccd1.Manager; then
  echo "FAIL: an unprivileged user cannot call org.euiccd1" >&2
  exit 1
fi
if ! as_nobody busctl --address="$address" introspect org.euiccd1 /org/euiccd1 >/dev/null; then
  echo "FAIL: an unprivileged user cannot introspect org.euiccd1" >&2
  exit 1
fi
echo "ok: an unprivileged user may call and introspect"

out=$(as_nobody /usr/bin/python3 -c '
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
try:
    bus.request_name("org.euiccd1", dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    print("owned")
except dbus.exceptions.DBusException as e:
    print(e.get_dbus_name())
' "$address" 2>&1)
if [ "$out" != "org.freedesktop.DBus.Error.AccessDenied" ]; then
  echo "FAIL: an unprivileged user asking for org.euiccd1 got: $out" >&2
  exit 1
fi
echo "ok: an unprivileged user may not own org.euiccd1"
