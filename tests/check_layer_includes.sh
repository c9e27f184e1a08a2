#!/bin/sh
# Layering check (issue 15): the libraries below or beside the SGP.22 engine include from lpa/
# only its two seams, lpa/transport.h and lpa/http.h; bytes, errors, the cancel token and
# SHA-256 are in base/. qr/ includes nothing from lpa/. A wrong include fails here even where
# it would still link (a header-only type).
#   tests/check_layer_includes.sh [SOURCE_DIR]
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
found=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"lpa/' apdu net https topup modem |
        grep -vE '"lpa/(transport|http)\.h"')
if [ -n "$found" ]; then
  echo "these include lpa/ headers other than lpa/transport.h and lpa/http.h:"
  echo "$found"
  exit 1
fi
# qr/ is for clients (euiccctl, the desktop app) that link no engine: no lpa/ header at all.
found=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"lpa/' qr)
if [ -n "$found" ]; then
  echo "qr/ includes lpa/ headers (it must build without the engine):"
  echo "$found"
  exit 1
fi
echo "apdu/ net/ https/ topup/ modem/: lpa/ only through lpa/transport.h and lpa/http.h; qr/: no lpa/"
