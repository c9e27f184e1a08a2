#!/bin/sh
# Creates the card side of the test PKI (SGP.22 §4.5.2 / SGP.26-like profiles) on NIST P-256 with
# the openssl CLI: CI (self-signed root) → EUM → eUICC. make-server-pki.sh then adds the SM-DP+ /
# SM-DS certificates under the same CI.
#
#   tests/pki/make-test-pki.sh OUTDIR
#   EUM_DIR=DIR tests/pki/make-test-pki.sh OUTDIR   one more eUICC under DIR's EUM (eum.pem +
#                                                   eum.key): euicc.* and a copy of eum.pem
#
# Inputs (override with environment variables):
#   EID      (default 89049032123451234512345678901235, the SGP.26 test EID)
#   DAYS     (default 3650)
# Outputs in OUTDIR (certificates PEM and DER; each key is an EC P-256 PKCS#8 PEM key, mode 600):
#   ci.{pem,der,key}      CI, policy 2.23.146.1.2.1.0, SAN RID:2.999.1
#   eum.{pem,der,key}     EUM signed by CI, policy .2 (no nameConstraints: SGP.26 puts an EID
#                         *prefix* in a dirName constraint, which RFC 5280 verifiers such as
#                         `openssl verify` reject as a subtree violation)
#   euicc.{pem,der,key}   eUICC signed by EUM, policy .1, subject serialNumber=EID
set -eu

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    [ $# -eq 1 ] && exit 0
    exit 2
fi

OUT=$1
EID=${EID:-89049032123451234512345678901235}
DAYS=${DAYS:-3650}
ROLE=2.23.146.1.2.1

mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# One extension section per certificate profile. Add a role here and a line at the bottom.
cat >"$WORK/ext.cnf" <<CNF
[ci]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = critical, $ROLE.0
subjectAltName = RID:2.999.1
subjectKeyIdentifier = hash

[eum]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = critical, $ROLE.2
subjectAltName = RID:2.999.5
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[euicc]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
certificatePolicies = critical, $ROLE.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

newkey() { # $1 = key file
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve \
        -out "$1" 2>/dev/null
    chmod 600 "$1"
}

finish() { # $1 = name: DER copy next to the PEM
    openssl x509 -in "$OUT/$1.pem" -outform DER -out "$OUT/$1.der"
}

# selfsign NAME SUBJECT SECTION
selfsign() {
    newkey "$OUT/$1.key"
    openssl req -new -x509 -key "$OUT/$1.key" -subj "$2" -days "$DAYS" -sha256 \
        -set_serial "0x$(openssl rand -hex 8)" \
        -config "$WORK/ext.cnf" -extensions "$3" -out "$OUT/$1.pem" 2>/dev/null
    finish "$1"
}

# issue NAME SUBJECT SECTION ISSUER
issue() {
    newkey "$OUT/$1.key"
    openssl req -new -key "$OUT/$1.key" -subj "$2" -out "$WORK/$1.csr"
    openssl x509 -req -in "$WORK/$1.csr" -CA "$OUT/$4.pem" -CAkey "$OUT/$4.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days "$DAYS" -sha256 \
        -extfile "$WORK/ext.cnf" -extensions "$3" -out "$OUT/$1.pem" 2>/dev/null
    finish "$1"
}

if [ -n "${EUM_DIR:-}" ]; then
    cp "$EUM_DIR/eum.pem" "$EUM_DIR/eum.key" "$OUT/"
    issue euicc "/C=ES/O=euiccd test EUM/serialNumber=$EID/CN=Test eUICC" euicc eum
    rm "$OUT/eum.key"
    exit 0
fi
selfsign ci "/C=IT/O=euiccd test/OU=TESTCERT/CN=euiccd Test CI" ci
issue eum "/C=ES/O=euiccd test EUM/CN=EUM Test" eum ci
issue euicc "/C=ES/O=euiccd test EUM/serialNumber=$EID/CN=Test eUICC" euicc eum
