#!/bin/sh
# Checks org.euiccd1.policy: valid against polkit's DTD (when xmllint and the DTD are there),
# and declaring every action id the daemon asks polkit about (dbus/polkit.h), so that no
# method ends up asking for an action polkit does not know (which polkit always refuses).
# usage: check-polkit-policy.sh POLICY_FILE [DAEMON_POLKIT_HEADER]
set -eu
policy=$1
header=${2:-}
dtd=/usr/share/polkit-1/policyconfig-1.dtd
if command -v xmllint >/dev/null 2>&1 && [ -e "$dtd" ]; then
  xmllint --noout --dtdvalid "$dtd" "$policy"
  echo "ok: valid against $dtd"
else
  echo "xmllint or $dtd missing: DTD check skipped"
fi
declared=$(sed -n 's/.*<action id="\([^"]*\)".*/\1/p' "$policy" | sort)
[ -n "$declared" ] || { echo "FAIL: no actions in $policy" >&2; exit 1; }
if [ -n "$header" ] && [ -e "$header" ]; then
  used=$(grep -o '"org\.euiccd1\.[a-z-]*"' "$header" | tr -d '"' | sort -u)
  for action in $used; do
    if ! echo "$declared" | grep -qx "$action"; then
      echo "FAIL: $header uses $action, which $policy does not declare" >&2
      exit 1
    fi
  done
  echo "ok: every action in $header is declared:" $used
fi
