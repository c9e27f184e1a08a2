#!/usr/bin/env bash
# Installs the Debian 12 packages euiccd needs to build, test and run its demo.
# Idempotent: installs only what is missing. Must run as root (or through sudo).
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config
  # libraries (the design card's: PC/SC, OpenSSL, libcurl, libsystemd, tinyxml2, inih, JSON;
  # nettle: the engine's SHA-256 and base64 without libcrypto in the daemon)
  libpcsclite-dev libssl-dev nettle-dev libcurl4-openssl-dev libsystemd-dev libtinyxml2-dev libinih-dev
  nlohmann-json3-dev
  # tests
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # the real peers the tests and the demo run against
  pcscd vsmartcard-vpcd pcsc-tools openssl dbus dbus-daemon python3 python3-cryptography python3-dbusmock
  mobile-broadband-provider-info iproute2 util-linux procps
  # modems (issue 12): the QMI link builds on libqmi-glib; the emulated-modem tests run
  # Debian's own qmi-proxy and qmicli against veuicc --modem qmi
  libqmi-glib-dev libqmi-utils libqmi-proxy
  # and the MBIM link on libmbim-glib, tested with mbim-proxy and mbimcli (--modem mbim)
  libmbim-glib-dev libmbim-utils libmbim-proxy
  # activation codes from QR images (issue 16, qr/): gdk-pixbuf decodes PNG/JPEG, zbar finds the
  # codes; the tests and the demo make QR codes with qrencode
  libgdk-pixbuf-2.0-dev libzbar-dev qrencode
  # the desktop client (issue 16), and its test: Xvfb, the accessibility bus, pyatspi, xdotool
  # (GTK 4.8 offers no AT-SPI EditableText, so the test types), ImageMagick's import
  libgtkmm-4.0-dev libadwaita-1-dev xvfb at-spi2-core python3-pyatspi xdotool imagemagick
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# pcscd is started privately by the tests and the demo; a system instance would hold the
# vpcd ports, so keep Debian's socket-activated one out of the way where systemd runs.
if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
  systemctl stop pcscd.socket pcscd.service >/dev/null 2>&1 || true
fi
