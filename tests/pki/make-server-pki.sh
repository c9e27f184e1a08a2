#!/bin/sh
# Creates the SM-DP+ / SM-DS side of the test PKI (SGP.22 §6.1 roles, SGP.26-like profiles) with the
# openssl CLI, all signed by the CI that tests/pki/make-test-pki.sh put into OUTDIR, plus the
# broken certificates the sabotage tests need.
#
#   tests/pki/make-server-pki.sh OUTDIR
#
# Inputs (override with environment variables):
#   CI_CERT  (default OUTDIR/ci.pem)   CI_KEY (default OUTDIR/ci.key)
#   SMDP_HOST (default testsmdpplus1.example.com)  SMDS_HOST (default testsmds.example.com)
#   SMDP_OID  (default 2.999.10)                    SMDS_OID  (default 2.999.15)
# Outputs in OUTDIR (PEM; each key is an EC P-256 PKCS#8 key):
#   dpauth.{pem,key} dppb.{pem,key} dptls.{pem,key} dsauth.{pem,key} dstls.{pem,key}
#   dptls-expired.{pem,key}       DPtls valid 2020-01-01..2021-01-01
#   dptls-wronghost.{pem,key}     DPtls for DNS:wronghost.example.com
#   dptls-untrusted.{pem,key}     DPtls signed by untrusted-ci (untrusted-ci.{pem,key})
#   dpauth-untrusted.{pem,key}    DPauth signed by untrusted-ci
#   dptls-chain.pem, dstls-chain.pem   the TLS cert followed by the CI (what the server sends)
#   every certificate also as .der
set -eu

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    [ $# -eq 1 ] && exit 0
    exit 2
fi

OUT=$1
CI_CERT=${CI_CERT:-$OUT/ci.pem}
CI_KEY=${CI_KEY:-$OUT/ci.key}
SMDP_HOST=${SMDP_HOST:-testsmdpplus1.example.com}
SMDS_HOST=${SMDS_HOST:-testsmds.example.com}
SMDP_OID=${SMDP_OID:-2.999.10}
SMDS_OID=${SMDS_OID:-2.999.15}
DAYS=${DAYS:-3650}

for f in "$CI_CERT" "$CI_KEY"; do
    if [ ! -r "$f" ]; then
        echo "make-server-pki.sh: $f is missing; run tests/pki/make-test-pki.sh $OUT first (or set CI_CERT/CI_KEY)" >&2
        exit 1
    fi
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ROLE=2.23.146.1.2.1

# One extension section per certificate profile (SGP.22 §4.5.2 / SGP.26 layout).
cat >"$WORK/ext.cnf" <<CNF
[dpauth]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
certificatePolicies = critical, $ROLE.4
subjectAltName = RID:$SMDP_OID
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[dppb]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
certificatePolicies = critical, $ROLE.5
subjectAltName = RID:$SMDP_OID
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[dptls]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
certificatePolicies = critical, $ROLE.3
subjectAltName = DNS:$SMDP_HOST
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[dptls_wronghost]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
certificatePolicies = critical, $ROLE.3
subjectAltName = DNS:wronghost.example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[dsauth]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
certificatePolicies = critical, $ROLE.7
subjectAltName = RID:$SMDS_OID
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[dstls]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
certificatePolicies = critical, $ROLE.6
subjectAltName = DNS:$SMDS_HOST
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[untrusted_ci]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = critical, $ROLE.0
subjectAltName = RID:2.999.99
subjectKeyIdentifier = hash
CNF

newkey() { # $1 = key file
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve \
        -out "$1" 2>/dev/null
}

# issue NAME SUBJECT SECTION ISSUER_CERT ISSUER_KEY
issue() {
    newkey "$OUT/$1.key"
    openssl req -new -key "$OUT/$1.key" -subj "$2" -out "$WORK/$1.csr"
    openssl x509 -req -in "$WORK/$1.csr" -CA "$4" -CAkey "$5" \
        -set_serial "0x$(openssl rand -hex 8)" -days "$DAYS" -sha256 \
        -extfile "$WORK/ext.cnf" -extensions "$3" -out "$OUT/$1.pem" 2>/dev/null
}

issue dpauth "/O=euiccd test/CN=TEST SM-DP+" dpauth "$CI_CERT" "$CI_KEY"
issue dppb "/O=euiccd test/CN=TEST SM-DP+" dppb "$CI_CERT" "$CI_KEY"
issue dptls "/O=euiccd test/CN=$SMDP_HOST" dptls "$CI_CERT" "$CI_KEY"
issue dsauth "/O=euiccd test/CN=TEST SM-DS" dsauth "$CI_CERT" "$CI_KEY"
issue dstls "/O=euiccd test/CN=$SMDS_HOST" dstls "$CI_CERT" "$CI_KEY"
issue dptls-wronghost "/O=euiccd test/CN=wronghost.example.com" dptls_wronghost "$CI_CERT" "$CI_KEY"
cat "$OUT/dptls.pem" "$CI_CERT" >"$OUT/dptls-chain.pem"
cat "$OUT/dstls.pem" "$CI_CERT" >"$OUT/dstls-chain.pem"

# A second, untrusted CI and what it signs.
newkey "$OUT/untrusted-ci.key"
openssl req -new -x509 -key "$OUT/untrusted-ci.key" -subj "/O=Untrusted/CN=Untrusted Test CI" \
    -days "$DAYS" -sha256 -config "$WORK/ext.cnf" -extensions untrusted_ci \
    -out "$OUT/untrusted-ci.pem" 2>/dev/null
issue dptls-untrusted "/O=Untrusted/CN=$SMDP_HOST" dptls "$OUT/untrusted-ci.pem" "$OUT/untrusted-ci.key"
issue dpauth-untrusted "/O=Untrusted/CN=TEST SM-DP+" dpauth "$OUT/untrusted-ci.pem" "$OUT/untrusted-ci.key"

# An expired DPtls: `openssl x509 -req` cannot back-date, `openssl ca` can.
mkdir -p "$WORK/ca"
: >"$WORK/ca/index.txt"
cat >"$WORK/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $WORK/ca/index.txt
new_certs_dir = $WORK/ca
serial = $WORK/ca/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
organizationName = optional
commonName = supplied
CNF
cat "$WORK/ext.cnf" >>"$WORK/ca.cnf"
newkey "$OUT/dptls-expired.key"
openssl req -new -key "$OUT/dptls-expired.key" -subj "/O=euiccd test/CN=$SMDP_HOST" \
    -out "$WORK/expired.csr"
openssl rand -hex 8 >"$WORK/ca/serial"
openssl ca -batch -notext -config "$WORK/ca.cnf" -cert "$CI_CERT" -keyfile "$CI_KEY" \
    -startdate 20200101000000Z -enddate 20210101000000Z -extensions dptls \
    -in "$WORK/expired.csr" -out "$OUT/dptls-expired.pem" 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }

for c in dpauth dppb dptls dsauth dstls dptls-expired dptls-wronghost dptls-untrusted dpauth-untrusted untrusted-ci; do
    openssl x509 -in "$OUT/$c.pem" -outform DER -out "$OUT/$c.der"
done
chmod 600 "$OUT"/*.key
