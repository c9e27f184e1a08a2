#!/usr/bin/env bash
# The demo, from a fresh Debian 12, as root: installs what is missing, builds, makes a test PKI,
# then runs scripts/demo-inner.sh inside a private PC/SC sandbox (its own pcscd + vpcd reader,
# network and mount namespaces; the host's readers and pcscd are not touched). There euiccd
# runs on a private D-Bus bus against the virtual eUICC, the test SM-DP+ and stand-ins for
# polkit and ModemManager, and euiccctl downloads, enables and tops up a profile.
#
#   scripts/demo.sh [--no-install] [--no-build] [--modem at|qmi|mbim]
#
# --modem: the virtual eUICC sits inside an emulated modem (vmodem/) instead of the card reader,
# and euiccd reaches it over that modem's protocol (QMI and MBIM through Debian's qmi-proxy /
# mbim-proxy), configured by a [Modem:] section. The ModemManager stand-in manages the modem
# too, so enabling the new profile is the staged switch that ends with the modem back online,
# registered on the new profile's network.
# BUILD_DIR picks the build directory (default build/, as scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

install=1
build=1
modem=
usage="usage: $0 [--no-install] [--no-build] [--modem at|qmi|mbim]"
while (($#)); do
  case "$1" in
    --no-install) install= ;;
    --no-build) build= ;;
    --modem)
      [[ ${2:-} =~ ^(at|qmi|mbim)$ ]] || { echo "$usage" >&2; exit 2; }
      modem=$2
      shift
      ;;
    -h | --help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
  shift
done
if [[ $(id -u) -ne 0 ]]; then
  echo "$0: run me as root (the demo makes network and mount namespaces for its own pcscd)" >&2
  exit 1
fi

build_dir=$(realpath -m "${BUILD_DIR:-build}")
if [[ -n "$install" ]]; then
  echo "== Installing missing Debian packages"
  scripts/install-deps.sh
fi
if [[ -n "$build" ]]; then
  echo "== Building into $build_dir"
  BUILD_DIR="$build_dir" scripts/build.sh
fi
for binary in daemon/euiccd euiccctl/euiccctl tools/euicc-card veuicc/veuicc; do
  [[ -x "$build_dir/$binary" ]] || { echo "$0: $build_dir/$binary is missing; build first" >&2; exit 1; }
done

work=$(mktemp -d /tmp/euiccd-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "== Making a test PKI (CI → EUM → eUICC, and the SM-DP+ certificates) in $work/pki"
if ! { tests/pki/make-test-pki.sh "$work/pki" && tests/pki/make-server-pki.sh "$work/pki"; } \
  >"$work/pki.log" 2>&1; then
  cat "$work/pki.log" >&2
  exit 1
fi

# The sandbox needs to read the work directory from its own mount namespace: /tmp is shared.
DEMO_MODEM=$modem tests/integration/pcsc-sandbox.sh -- scripts/demo-inner.sh "$build_dir" "$work/pki" "$work"
