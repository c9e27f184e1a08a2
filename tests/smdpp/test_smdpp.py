#!/usr/bin/python3
"""Self-test of the test SM-DP+/SM-DS (tests/smdpp/smdpp.py).

Starts the real server (HTTPS on loopback, certificates from tests/pki/make-server-pki.sh) and plays
a minimal software eUICC + LPA in Python against it: full downloads with and without Confirmation
Code (the BPP is verified and decrypted here and compared with the order's profile), notifications,
cancelSession, ES11 event retrieval, every strictness check and every sabotage mode.

Run: /usr/bin/python3 tests/smdpp/test_smdpp.py      (prints "N passed, M failed")
"""

import base64
import datetime
import hashlib
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

import certs  # noqa: E402
import der  # noqa: E402
import rsp_crypto  # noqa: E402
import saip  # noqa: E402
import upp as upp_mod  # noqa: E402

PYTHON = "/usr/bin/python3"
SMDP = "testsmdpplus1.example.com"
SMDS = "testsmds.example.com"
EID = "89049032123451234512345678901235"
OTHER_EID = "89049032123451234512345678909999"
ADMIN = "gsma/rsp/v2.2.2"


# ---- a test PKI for the eUICC side (CI, EUM, eUICC), made here so the test stands alone ---------

def _name(*pairs):
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


def _policy(oid):
    return x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(oid), None)])


def _build(subject, issuer_name, pub, issuer_key, issuer_pub, role, ca, extra=(), days=(-1, 3650)):
    now = datetime.datetime.utcnow()
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(pub)
         .serial_number(x509.random_serial_number())
         .not_valid_before(now + datetime.timedelta(days=days[0]))
         .not_valid_after(now + datetime.timedelta(days=days[1]))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca and issuer_pub is not pub else None),
                        critical=True)
         .add_extension(_policy(role), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
         .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                                      crl_sign=ca, encipher_only=False, decipher_only=False), critical=True))
    if issuer_pub is not pub:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_pub), critical=False)
    for ext, crit in extra:
        b = b.add_extension(ext, critical=crit)
    return b.sign(issuer_key, hashes.SHA256())


def write_pem(path, obj):
    with open(path, "wb") as f:
        if isinstance(obj, x509.Certificate):
            f.write(obj.public_bytes(serialization.Encoding.PEM))
        else:
            f.write(obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))


def make_ci(name):
    key = ec.generate_private_key(ec.SECP256R1())
    n = _name((NameOID.ORGANIZATION_NAME, "euiccd test"), (NameOID.COMMON_NAME, name))
    return key, _build(n, n, key.public_key(), key, key.public_key(), certs.ROLE_CI, True)


def make_eum(ci_key, ci_cert, prefix="89049032"):
    key = ec.generate_private_key(ec.SECP256R1())
    n = _name((NameOID.COUNTRY_NAME, "ES"), (NameOID.ORGANIZATION_NAME, "RSP Test EUM"),
              (NameOID.COMMON_NAME, "EUM Test"))
    nc = x509.NameConstraints(permitted_subtrees=[x509.DirectoryName(_name(
        (NameOID.ORGANIZATION_NAME, "RSP Test EUM"), (NameOID.SERIAL_NUMBER, prefix)))], excluded_subtrees=None)
    return key, _build(n, ci_cert.subject, key.public_key(), ci_key, ci_cert.public_key(), certs.ROLE_EUM, True,
                       extra=[(nc, True)])


def make_euicc(eum_key, eum_cert, eid=EID, days=(-1, 3650)):
    key = ec.generate_private_key(ec.SECP256R1())
    n = _name((NameOID.COUNTRY_NAME, "ES"), (NameOID.ORGANIZATION_NAME, "RSP Test EUM"),
              (NameOID.SERIAL_NUMBER, eid), (NameOID.COMMON_NAME, "Test eUICC"))
    return key, _build(n, eum_cert.subject, key.public_key(), eum_key, eum_cert.public_key(), certs.ROLE_EUICC,
                       False, days=days)


class Pki:
    """The project's test PKI: tests/pki/make-test-pki.sh (CI, EUM, eUICC) when it is there, else the
    same made here in Python; then tests/pki/make-server-pki.sh for the SM-DP+/SM-DS side."""

    def __init__(self, directory):
        self.dir = directory
        card_script = os.path.join(HERE, "..", "pki", "make-test-pki.sh")
        if os.access(card_script, os.X_OK):
            subprocess.run([card_script, directory], check=True)
            self.ci, self.ci_key = self.cert("ci.pem"), certs.load_key(self.path("ci.key"))
            self.eum, self.eum_key = self.cert("eum.pem"), certs.load_key(self.path("eum.key"))
            self.euicc, self.euicc_key = self.cert("euicc.pem"), certs.load_key(self.path("euicc.key"))
        else:
            self.ci_key, self.ci = make_ci("Test CI")
            write_pem(self.path("ci.pem"), self.ci)
            write_pem(self.path("ci.key"), self.ci_key)
            self.eum_key, self.eum = make_eum(self.ci_key, self.ci)
            self.euicc_key, self.euicc = make_euicc(self.eum_key, self.eum)
        assert certs.serial_number_attr(self.euicc) == EID
        subprocess.run([os.path.join(HERE, "..", "pki", "make-server-pki.sh"), directory], check=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def cert(self, name):
        return certs.load_cert(self.path(name))


_PKI = None
_PKI_DIR = None


def shared_pki():
    global _PKI, _PKI_DIR
    if _PKI is None:
        _PKI_DIR = tempfile.mkdtemp(prefix="smdpp-pki-")
        _PKI = Pki(_PKI_DIR)
    return _PKI


def tearDownModule():
    if _PKI_DIR:
        shutil.rmtree(_PKI_DIR, ignore_errors=True)


# ---- a minimal software eUICC (ES10b side, done in Python) -----------------------------------------

class EuiccRefused(Exception):
    pass


class SoftEuicc:
    def __init__(self, pki, key=None, cert=None, eum=None, eid=EID):
        self.pki = pki
        self.key = key or pki.euicc_key
        self.cert = cert or pki.euicc
        self.eum = eum or pki.eum
        self.eid = eid
        self.ci_ski = certs.ski(pki.ci)
        self.challenge = os.urandom(16)
        self.seq = 0

    def info1(self, ski=None):
        s = ski or self.ci_ski
        return der.tlv(0xBF20, der.tlv(0x82, b"\x02\x02\x02") + der.tlv(0xA9, der.tlv(0x04, s))
                       + der.tlv(0xAA, der.tlv(0x04, s)))

    def _check_server_cert(self, cert_der, role):
        cert = x509.load_der_x509_certificate(cert_der)
        try:
            certs.check_signed_by(cert, self.pki.ci, "server certificate")
            certs.check_role(cert, (role,), "server certificate")
            certs.check_validity(cert, "server certificate")
        except certs.CertError as e:
            raise EuiccRefused("invalidCertificate: %s" % e)
        return cert

    def authenticate_server(self, ia, matching_id, address=SMDP, role=certs.ROLE_DP_AUTH,
                            tamper_sig=False, tamper_challenge=False, tamper_txid=None):
        signed1 = der.parse_exact(base64.b64decode(ia["serverSigned1"]))
        sig1 = der.parse_exact(base64.b64decode(ia["serverSignature1"]))
        if der.parse_exact(base64.b64decode(ia["euiccCiPKIdToBeUsed"])).value != self.ci_ski:
            raise EuiccRefused("ciPKUnknown")
        cert = self._check_server_cert(base64.b64decode(ia["serverCertificate"]), role)
        if not rsp_crypto.verify_raw(cert.public_key(), signed1.raw, sig1.value):
            raise EuiccRefused("invalidSignature")
        if signed1.require(0x81).value != self.challenge:
            raise EuiccRefused("euiccChallengeMismatch")
        if signed1.require(0x83).value.decode() != address:
            raise EuiccRefused("serverAddress mismatch")
        txid = tamper_txid or signed1.require(0x80).value
        self.txid = signed1.require(0x80).value
        self.server_oid = certs.registered_ids(cert)[0]
        challenge = signed1.require(0x84).value
        if tamper_challenge:
            challenge = bytes(16)
        ctx = (der.tlv(0x80, matching_id.encode()) if matching_id is not None else b"") + der.tlv(
            0xA1, der.tlv(0x80, bytes.fromhex("35290611")) + der.tlv(0xA1, b""))
        info2 = der.tlv(0xBF22, der.tlv(0x81, b"\x02\x03\x01") + der.tlv(0x82, b"\x02\x02\x02")
                        + der.tlv(0x83, b"\x01\x00\x00") + der.tlv(0xA9, der.tlv(0x04, self.ci_ski))
                        + der.tlv(0xAA, der.tlv(0x04, self.ci_ski)))
        euicc_signed1 = der.tlv(0x30, der.tlv(0x80, txid) + der.tlv(0x83, signed1.require(0x83).value)
                                + der.tlv(0x84, challenge) + info2 + der.tlv(0xA0, ctx))
        sig = rsp_crypto.sign_raw(self.key, euicc_signed1)
        if tamper_sig:
            sig = bytes(64)
        self.euicc_signature1 = der.tlv(0x5F37, sig)
        return der.tlv(0xBF38, der.tlv(0xA0, euicc_signed1 + self.euicc_signature1
                                       + certs.cert_der(self.cert) + certs.cert_der(self.eum)))

    def prepare_download(self, ac, cc=None, omit_cc=False, tamper_sig=False):
        signed2 = der.parse_exact(base64.b64decode(ac["smdpSigned2"]))
        sig2 = der.parse_exact(base64.b64decode(ac["smdpSignature2"]))
        self.pb_cert = self._check_server_cert(base64.b64decode(ac["smdpCertificate"]), certs.ROLE_DP_PB)
        if not rsp_crypto.verify_raw(self.pb_cert.public_key(), signed2.raw + self.euicc_signature1, sig2.value):
            raise EuiccRefused("invalidSignature (smdpSignature2)")
        if signed2.require(0x80).value != self.txid:
            raise EuiccRefused("invalidTransactionId")
        self.cc_required = signed2.require(0x01).value != b"\x00"
        self.ot_key = ec.generate_private_key(self.pb_cert.public_key().curve)
        self.otpk_tlv = der.tlv(0x5F49, rsp_crypto.point_bytes(self.ot_key.public_key()))
        body = der.tlv(0x80, self.txid) + self.otpk_tlv
        if cc is not None and not omit_cc:
            body += der.tlv(0x04, hashlib.sha256(hashlib.sha256(cc.encode()).digest() + self.txid).digest())
        euicc_signed2 = der.tlv(0x30, body)
        sig = rsp_crypto.sign_raw(self.key, euicc_signed2 + sig2.raw)
        if tamper_sig:
            sig = sig[:10] + bytes([sig[10] ^ 0xFF]) + sig[11:]
        return der.tlv(0xBF21, der.tlv(0xA0, euicc_signed2 + der.tlv(0x5F37, sig)))

    def load_bpp(self, bpp_bytes):
        """Verify and decrypt a BPP the way an eUICC does; return (metadata BF25, profile bytes, info)."""
        bpp = der.parse_exact(bpp_bytes)
        assert bpp.tag == 0xBF36, "BPP tag %X" % bpp.tag
        parts = bpp.children()
        tags = [p.tag for p in parts]
        assert tags in ([0xBF23, 0xA0, 0xA1, 0xA3], [0xBF23, 0xA0, 0xA1, 0xA2, 0xA3]), tags
        bf23 = parts[0]
        kids = bf23.children()
        assert [k.tag for k in kids] == [0x82, 0x80, 0xA6, 0x5F49, 0x5F37], [hex(k.tag) for k in kids]
        assert kids[0].value == b"\x01"
        assert kids[1].value == self.txid
        crt = kids[2]
        assert crt.require(0x80).value == b"\x88" and crt.require(0x81).value == b"\x10"
        host_id = crt.require(0x84).value
        signed = b"".join(k.raw for k in kids[:4]) + self.otpk_tlv
        if not rsp_crypto.verify_raw(self.pb_cert.public_key(), signed, kids[4].value):
            raise EuiccRefused("BF23 smdpSign does not verify")
        shs = rsp_crypto.ecdh(self.ot_key, kids[3].value)
        bsp = rsp_crypto.Bsp.from_shared_secret(shs, host_id, bytes.fromhex(self.eid))
        a0 = parts[1].children()
        assert len(a0) == 1
        assert bsp.demac_and_decrypt_one(a0[0].raw) == (0x87, b"\xbf\x24\x00")
        metadata = b""
        for t in parts[2].children():
            tag, plain = bsp.demac_only_one(t.raw)
            assert tag == 0x88
            metadata += plain
        rsk = None
        if parts[3].tag == 0xA2:
            (t,) = parts[3].children()
            tag, plain = bsp.demac_and_decrypt_one(t.raw)
            assert tag == 0x87
            rsk = der.parse_exact(plain)
            assert rsk.tag == 0xBF26
            bsp = rsp_crypto.Bsp(rsk.require(0x81).value, rsk.require(0x82).value, rsk.require(0x80).value)
        profile = b""
        sizes = []
        for t in parts[-1].children():
            sizes.append(len(t.raw))
            tag, plain = bsp.demac_and_decrypt_one(t.raw)
            assert tag == 0x86
            profile += plain
        return metadata, profile, {"rsk": rsk is not None, "segments": sizes, "hostId": host_id}

    def pir(self, iccid, smdp_oid, address=SMDP, txid=None, tamper=False):
        self.seq += 1
        meta = der.tlv(0xBF2F, der.tlv(0x80, der.encode_uint(self.seq)) + der.tlv(0x81, b"\x07\x80")
                       + der.tlv(0x0C, address.encode()) + der.tlv(0x5A, der.iccid_to_bytes(iccid)))
        data = der.tlv(0xBF27, der.tlv(0x80, txid or self.txid) + meta + der.tlv(0x06, der.encode_oid(smdp_oid))
                       + der.tlv(0xA2, der.tlv(0xA0, der.tlv(0x4F, bytes.fromhex("A0000005591010FFFFFFFF8900001000"))
                                              + der.tlv(0x04, b"\x00"))))
        sig = rsp_crypto.sign_raw(self.key, data)
        if tamper:
            sig = bytes(64)
        return der.tlv(0xBF37, data + der.tlv(0x5F37, sig))

    def other_notification(self, iccid, operation_bits=b"\x06\x40", address=SMDP):
        self.seq += 1
        meta = der.tlv(0xBF2F, der.tlv(0x80, der.encode_uint(self.seq)) + der.tlv(0x81, operation_bits)
                       + der.tlv(0x0C, address.encode()) + der.tlv(0x5A, der.iccid_to_bytes(iccid)))
        return der.tlv(0x30, meta + der.tlv(0x5F37, rsp_crypto.sign_raw(self.key, meta))
                       + certs.cert_der(self.cert) + certs.cert_der(self.eum))

    def cancel(self, reason, oid=None):
        signed = der.tlv(0x30, der.tlv(0x80, self.txid) + der.tlv(0x81, der.encode_oid(oid or self.server_oid))
                         + der.tlv(0x82, der.encode_uint(reason)))
        return der.tlv(0xBF41, der.tlv(0xA0, signed + der.tlv(0x5F37, rsp_crypto.sign_raw(self.key, signed))))


# ---- server process + HTTPS client -----------------------------------------------------------------

class LoopbackHttps(http.client.HTTPSConnection):
    """Connects to 127.0.0.1 but verifies TLS for the server's host name (SNI + name check)."""

    def __init__(self, host, port, ctx):
        super().__init__(host, port, context=ctx, timeout=20)
        self._ctx = ctx

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host)


class Server:
    def __init__(self, tmp, pki, config, extra_args=(), name="srv"):
        self.pki = pki
        self.config = config
        cfg_path = os.path.join(pki.dir, name + ".json")  # relative paths in the config are the PKI's
        with open(cfg_path, "w") as f:
            json.dump(config, f)
        self.ready = os.path.join(tmp, name + ".ready")
        self.log = open(os.path.join(tmp, name + ".log"), "w+")
        self.proc = subprocess.Popen([PYTHON, os.path.join(HERE, "smdpp.py"), "--config", cfg_path, "--port", "0",
                                      "--control-port", "0", "--ready-file", self.ready, "--verbose"]
                                     + list(extra_args), stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 15
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise RuntimeError("smdpp did not start: " + self.log.read())
            time.sleep(0.02)
        with open(self.ready) as f:
            info = json.load(f)
        self.port = info["port"]
        self.control_port = info["controlPort"]
        self.host = config["address"]
        self.ctx = ssl.create_default_context(cafile=pki.path("ci.pem"))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def raw(self, path, body, headers=None, method="POST", ctx=None):
        conn = LoopbackHttps(self.host, self.port, ctx or self.ctx)
        try:
            hdrs = {"Content-Type": "application/json", "X-Admin-Protocol": ADMIN, "User-Agent": "gsma-rsp-lpad"}
            if headers is not None:
                hdrs = headers
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def call(self, function, content, prefix="/gsma/rsp2/es9plus/", headers=None):
        status, hdrs, body = self.raw(prefix + function, json.dumps(content).encode(), headers)
        if status == 204:
            return status, None
        assert status == 200, (status, body)
        assert hdrs.get("Content-Type") == "application/json;charset=UTF-8", hdrs
        assert hdrs.get("X-Admin-Protocol") == "gsma/rsp/v2.2.0", hdrs
        return status, json.loads(body)

    def control(self, method, path, obj=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.control_port, timeout=10)
        try:
            conn.request(method, path, body=json.dumps(obj).encode() if obj is not None else None)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read())
        finally:
            conn.close()

    def state(self):
        return self.control("GET", "/state")[1]

    def sabotage(self, **spec):
        status, _ = self.control("POST", "/sabotage", spec)
        assert status == 200


def status_of(resp):
    fes = resp["header"]["functionExecutionStatus"]
    if fes["status"] == "Executed-Success":
        return "ok"
    return "%s/%s" % (fes["statusCodeData"]["subjectCode"], fes["statusCodeData"]["reasonCode"])


def b64(data):
    return base64.b64encode(data).decode()


class Lpa:
    """Drives one download the way an LPA does, step by step, so tests can break any step."""

    def __init__(self, server, euicc):
        self.s = server
        self.e = euicc

    def initiate(self, address=SMDP, info1=None, prefix="/gsma/rsp2/es9plus/", key="smdpAddress"):
        self.e.challenge = os.urandom(16)
        _, r = self.s.call("initiateAuthentication", {
            "euiccChallenge": b64(self.e.challenge), "euiccInfo1": b64(info1 or self.e.info1()), key: address},
            prefix=prefix)
        return r

    def authenticate(self, ia, matching_id, prefix="/gsma/rsp2/es9plus/", **kw):
        resp = self.e.authenticate_server(ia, matching_id, address=self.s.host, **kw)
        _, r = self.s.call("authenticateClient", {"transactionId": ia["transactionId"],
                                                  "authenticateServerResponse": b64(resp)}, prefix=prefix)
        return r

    def get_bpp(self, ac, cc=None, **kw):
        pdr = self.e.prepare_download(ac, cc, **kw)
        _, r = self.s.call("getBoundProfilePackage", {"transactionId": ac["transactionId"],
                                                      "prepareDownloadResponse": b64(pdr)})
        return r

    def download(self, matching_id, cc=None):
        ia = self.initiate()
        assert status_of(ia) == "ok", ia
        ac = self.authenticate(ia, matching_id)
        assert status_of(ac) == "ok", ac
        bpp = self.get_bpp(ac, cc)
        assert status_of(bpp) == "ok", bpp
        return ac, bpp


# ---- the tests -------------------------------------------------------------------------------------

ORDERS = [
    {"matchingId": "ORDER-A", "profile": {"generate": {"iccid": "8944000000000000017", "size": 5000}},
     "metadata": {"iccid": "8944000000000000017", "serviceProviderName": "Test Telecom",
                  "profileName": "Test A", "profileClass": "operational", "profileOwner": {"mccMnc": "20606"}}},
    {"matchingId": "ORDER-CC", "confirmationCode": "1234", "reusable": True,
     "profile": {"generate": {"iccid": "8944000000000000025", "size": 60000}},
     "metadata": {"iccid": "8944000000000000025", "serviceProviderName": "Test Telecom", "profileName": "Big CC"}},
    {"matchingId": "ORDER-FILE", "profile": "upp-file.der", "reusable": True,
     "metadata": {"iccid": "8944000000000000033", "serviceProviderName": "File SP", "profileName": "From file",
                  "profileClass": "test"}},
    {"matchingId": "ORDER-EID", "eid": OTHER_EID, "reusable": True,
     "metadata": {"iccid": "8944000000000000041", "serviceProviderName": "SP", "profileName": "Bound"}},
    {"matchingId": "ORDER-OLD", "expires": "2020-01-01T00:00:00Z", "reusable": True,
     "metadata": {"iccid": "8944000000000000058", "serviceProviderName": "SP", "profileName": "Expired"}},
    {"matchingId": "REUSE", "reusable": True, "profile": {"generate": {"iccid": "8944000000000000066", "size": 3000}},
     "metadata": {"iccid": "8944000000000000066", "serviceProviderName": "SP", "profileName": "Reusable"}},
]


def smdp_config(**over):
    cfg = {"role": "smdp", "address": SMDP, "tls": {"cert": "dptls-chain.pem", "key": "dptls.key"},
           "auth": {"cert": "dpauth.pem", "key": "dpauth.key"}, "pb": {"cert": "dppb.pem", "key": "dppb.key"},
           "wrongAuth": {"cert": "dpauth-untrusted.pem", "key": "dpauth-untrusted.key"},
           "trustedCi": ["ci.pem"], "orders": ORDERS}
    cfg.update(over)
    return cfg


class SmdpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = shared_pki()
        cls.tmp = tempfile.mkdtemp(prefix="smdpp-test-")
        cls.file_upp = upp_mod.generate("8944000000000000033", 2500)
        with open(cls.pki.path("upp-file.der"), "wb") as f:
            f.write(cls.file_upp)
        cls.srv = Server(cls.tmp, cls.pki, smdp_config())
        cls.smdp_oid = certs.registered_ids(cls.pki.cert("dppb.pem"))[0]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.srv.control("POST", "/reset", {})[0], 200)
        self.euicc = SoftEuicc(self.pki)
        self.lpa = Lpa(self.srv, self.euicc)

    def expect(self, resp, code):
        self.assertEqual(status_of(resp), code, resp)

    # -- full flows --
    def test_download_without_cc_then_pir(self):
        ac, bpp = self.lpa.download("ORDER-A")
        self.assertFalse(self.euicc.cc_required)
        metadata, profile, info = self.euicc.load_bpp(base64.b64decode(bpp["boundProfilePackage"]))
        self.assertEqual(metadata, base64.b64decode(ac["profileMetadata"]))
        md = der.parse_exact(metadata)
        self.assertEqual(der.iccid_from_bytes(md.require(0x5A).value), "8944000000000000017")
        self.assertEqual(md.require(0x91).value, b"Test Telecom")
        self.assertEqual(md.require(0xB7).require(0x80).value, bytes.fromhex("02f660"))
        expected = upp_mod.generate("8944000000000000017", 5000)
        self.assertEqual(profile, expected)
        self.assertEqual(upp_mod.header_iccid(profile), "8944000000000000017")
        self.assertEqual(saip.header_iccid(saip.check(saip.decode(profile))), "8944000000000000017")
        self.assertTrue(info["rsk"])
        self.assertTrue(all(n <= 1020 for n in info["segments"]), info["segments"])
        self.assertEqual(info["segments"][0], 1020)
        st = self.srv.state()
        self.assertEqual(st["downloadCount"], 1)
        self.assertEqual(st["downloads"][0]["eid"], EID)
        status, _ = self.srv.call("handleNotification", {"pendingNotification": b64(
            self.euicc.pir("8944000000000000017", self.smdp_oid))})
        self.assertEqual(status, 204)
        st = self.srv.state()
        (n,) = st["notifications"]
        self.assertTrue(n["verified"], n)
        self.assertEqual((n["operation"], n["iccid"], n["seqNumber"], n["result"]),
                         ("install", "8944000000000000017", 1, "success"))
        self.assertEqual(st["sessions"], [])  # the PIR closes the session
        # a non-reusable order is gone now
        ia = self.lpa.initiate()
        self.expect(self.lpa.authenticate(ia, "ORDER-A"), "8.2.6/3.8")

    def test_download_with_confirmation_code_big_profile(self):
        ia = self.lpa.initiate()
        ac = self.lpa.authenticate(ia, "ORDER-CC")
        self.expect(ac, "ok")
        bpp = self.lpa.get_bpp(ac, "1234")
        self.expect(bpp, "ok")
        self.assertTrue(self.euicc.cc_required)
        _, profile, info = self.euicc.load_bpp(base64.b64decode(bpp["boundProfilePackage"]))
        self.assertEqual(profile, upp_mod.generate("8944000000000000025", 60000))
        self.assertEqual(len(info["segments"]), 60)

    def test_confirmation_code_missing_and_wrong(self):
        ia = self.lpa.initiate()
        ac = self.lpa.authenticate(ia, "ORDER-CC")
        self.expect(self.lpa.get_bpp(ac, None), "8.2.7/2.2")
        ia = self.lpa.initiate()
        ac = self.lpa.authenticate(ia, "ORDER-CC")
        self.expect(self.lpa.get_bpp(ac, "9999"), "8.2.7/3.8")
        self.assertEqual(self.srv.state()["downloadCount"], 0)

    def test_profile_from_file_without_rsk_option_and_test_class(self):
        _, bpp = self.lpa.download("ORDER-FILE")
        metadata, profile, _ = self.euicc.load_bpp(base64.b64decode(bpp["boundProfilePackage"]))
        self.assertEqual(profile, self.file_upp)
        self.assertEqual(der.parse_exact(metadata).require(0x95).value, b"\x00")

    def test_other_notification_and_bad_pir(self):
        status, _ = self.srv.call("handleNotification", {"pendingNotification": b64(
            self.euicc.other_notification("8944000000000000017"))})
        self.assertEqual(status, 204)
        self.lpa.download("REUSE")
        self.srv.call("handleNotification", {"pendingNotification": b64(
            self.euicc.pir("8944000000000000066", self.smdp_oid, tamper=True))})
        other, pir = self.srv.state()["notifications"]
        self.assertEqual((other["kind"], other["operation"], other["verified"], other["eid"]),
                         ("otherSignedNotification", "enable", True, EID))
        self.assertFalse(pir["verified"])
        self.assertIn("euiccSignPIR", pir["problem"])

    def test_cancel_session(self):
        ia = self.lpa.initiate()
        ac = self.lpa.authenticate(ia, "REUSE")
        _, r = self.srv.call("cancelSession", {"transactionId": ia["transactionId"],
                                               "cancelSessionResponse": b64(self.euicc.cancel(1))})
        self.expect(r, "ok")
        (c,) = self.srv.state()["cancelledSessions"]
        self.assertEqual((c["reason"], c["signatureVerified"], c["transactionId"]), (1, True, ia["transactionId"]))
        self.expect(self.lpa.get_bpp(ac), "8.10.1/3.9")

    def test_cancel_session_wrong_oid(self):
        ia = self.lpa.initiate()
        self.lpa.authenticate(ia, "REUSE")
        _, r = self.srv.call("cancelSession", {"transactionId": ia["transactionId"],
                                               "cancelSessionResponse": b64(self.euicc.cancel(0, oid="2.999.77"))})
        self.expect(r, "8.8/3.1")

    # -- strictness --
    def test_headers_are_checked(self):
        body = json.dumps({"euiccChallenge": b64(bytes(16)), "euiccInfo1": b64(self.euicc.info1()),
                           "smdpAddress": SMDP}).encode()
        for headers in ({"Content-Type": "text/plain", "X-Admin-Protocol": ADMIN},
                        {"Content-Type": "application/json"},
                        {"Content-Type": "application/json", "X-Admin-Protocol": "gsma/rsp/v3"}):
            status, _, raw = self.srv.raw("/gsma/rsp2/es9plus/initiateAuthentication", body, headers)
            self.assertEqual(status, 200)
            self.expect(json.loads(raw), "1.2.1/2.1")
        status, _, raw = self.srv.raw("/gsma/rsp2/es9plus/initiateAuthentication", body,
                                      {"Content-Type": "application/json;charset=UTF-8", "X-Admin-Protocol": ADMIN})
        self.expect(json.loads(raw), "ok")

    def test_bad_requests(self):
        status, _, raw = self.srv.raw("/gsma/rsp2/es9plus/initiateAuthentication", b"{nope")
        self.expect(json.loads(raw), "1.2.1/2.1")
        _, r = self.srv.call("initiateAuthentication", {"euiccChallenge": b64(bytes(16)), "smdpAddress": SMDP})
        self.expect(r, "1.2.1/2.2")
        self.assertEqual(self.srv.raw("/gsma/rsp2/es9plus/nothing", b"{}")[0], 404)
        self.assertEqual(self.srv.raw("/gsma/rsp2/es11/initiateAuthentication", b"{}")[0], 404)
        self.assertEqual(self.srv.raw("/gsma/rsp2/es9plus/initiateAuthentication", None, method="GET")[0], 405)

    def test_wrong_smdp_address(self):
        self.expect(self.lpa.initiate(address="other.example.com"), "8.8.1/3.8")

    def test_unknown_ci(self):
        self.expect(self.lpa.initiate(info1=self.euicc.info1(ski=bytes(20))), "8.8.2/3.1")

    def test_unknown_transaction_id(self):
        _, r = self.srv.call("authenticateClient", {"transactionId": "00112233445566778899AABBCCDDEEFF",
                                                    "authenticateServerResponse": b64(b"\xbf\x38\x00")})
        self.expect(r, "8.10.1/3.9")
        _, r = self.srv.call("getBoundProfilePackage", {"transactionId": "ABCD", "prepareDownloadResponse": "vyEA"})
        self.expect(r, "8.10.1/3.9")
        _, r = self.srv.call("cancelSession", {"transactionId": "ABCD", "cancelSessionResponse": "v0EA"})
        self.expect(r, "8.10.1/3.9")

    def test_signed_txid_must_match(self):
        ia = self.lpa.initiate()
        self.expect(self.lpa.authenticate(ia, "REUSE", tamper_txid=bytes(16)), "8.10.1/3.9")

    def test_bad_euicc_signature1_and_challenge(self):
        ia = self.lpa.initiate()
        self.expect(self.lpa.authenticate(ia, "REUSE", tamper_sig=True), "8.1/6.1")
        ia = self.lpa.initiate()
        self.expect(self.lpa.authenticate(ia, "REUSE", tamper_challenge=True), "8.1/6.1")

    def test_bad_euicc_signature2(self):
        ia = self.lpa.initiate()
        ac = self.lpa.authenticate(ia, "REUSE")
        self.expect(self.lpa.get_bpp(ac, tamper_sig=True), "8.1/6.1")

    def test_matching_id_eid_and_expiry(self):
        ia = self.lpa.initiate()
        self.expect(self.lpa.authenticate(ia, "NO-SUCH-ORDER"), "8.2.6/3.8")
        ia = self.lpa.initiate()
        self.expect(self.lpa.authenticate(ia, ""), "8.2.6/3.8")
        ia = self.lpa.initiate()
        self.expect(self.lpa.authenticate(ia, "ORDER-EID"), "8.1.1/3.8")
        ia = self.lpa.initiate()
        self.expect(self.lpa.authenticate(ia, "ORDER-OLD"), "8.8.5/4.1")

    def test_euicc_certificate_chain(self):
        rogue_key, rogue_ci = make_ci("Rogue CI")
        eum_key, eum = make_eum(rogue_key, rogue_ci)
        key, cert = make_euicc(eum_key, eum)
        lpa = Lpa(self.srv, SoftEuicc(self.pki, key, cert, eum))
        self.expect(lpa.authenticate(lpa.initiate(), "REUSE"), "8.11.1/3.9")
        # an EUM that claims our CI (same name and AKI) but is signed by another key
        fake_eum_key, fake_eum = make_eum(rogue_key, self.pki.ci)
        key, cert = make_euicc(fake_eum_key, fake_eum)
        lpa = Lpa(self.srv, SoftEuicc(self.pki, key, cert, fake_eum))
        self.expect(lpa.authenticate(lpa.initiate(), "REUSE"), "8.1.2/6.1")
        key, cert = make_euicc(self.pki.eum_key, self.pki.eum, days=(-20, -1))
        lpa = Lpa(self.srv, SoftEuicc(self.pki, key, cert))
        self.expect(lpa.authenticate(lpa.initiate(), "REUSE"), "8.1.3/6.3")
        # an EUM whose nameConstraints permit EIDs 89049032..., and an eUICC outside that range
        eum_key, eum = make_eum(self.pki.ci_key, self.pki.ci, prefix="89049032")
        key, cert = make_euicc(eum_key, eum, eid="89033024000000000000000000000001")
        lpa = Lpa(self.srv, SoftEuicc(self.pki, key, cert, eum, eid="89033024000000000000000000000001"))
        self.expect(lpa.authenticate(lpa.initiate(), "REUSE"), "8.1.3/6.1")

    # -- sabotage --
    def test_sabotage_http500_counts_down(self):
        self.srv.sabotage(function="initiateAuthentication", mode="http500", count=1)
        status, _, _ = self.srv.raw("/gsma/rsp2/es9plus/initiateAuthentication", b"{}")
        self.assertEqual(status, 500)
        self.expect(self.lpa.initiate(), "ok")

    def test_sabotage_garbage_json(self):
        self.srv.sabotage(function="*", mode="garbage-json")
        status, _, body = self.srv.raw("/gsma/rsp2/es9plus/initiateAuthentication", b"{}")
        self.assertEqual(status, 200)
        with self.assertRaises(ValueError):
            json.loads(body)

    def test_sabotage_wrong_signature(self):
        self.srv.sabotage(function="initiateAuthentication", mode="wrong-signature")
        ia = self.lpa.initiate()
        with self.assertRaisesRegex(EuiccRefused, "invalidSignature"):
            self.euicc.authenticate_server(ia, "REUSE")
        self.srv.sabotage(function="authenticateClient", mode="wrong-signature")
        ia = self.lpa.initiate()
        ac = self.lpa.authenticate(ia, "REUSE")
        with self.assertRaisesRegex(EuiccRefused, "smdpSignature2"):
            self.euicc.prepare_download(ac)
        self.srv.sabotage(function="getBoundProfilePackage", mode="wrong-signature")
        ia = self.lpa.initiate()
        bpp = self.lpa.get_bpp(self.lpa.authenticate(ia, "REUSE"))
        with self.assertRaisesRegex(EuiccRefused, "smdpSign"):
            self.euicc.load_bpp(base64.b64decode(bpp["boundProfilePackage"]))

    def test_sabotage_wrong_certificate(self):
        self.srv.sabotage(function="initiateAuthentication", mode="wrong-certificate")
        ia = self.lpa.initiate()
        with self.assertRaisesRegex(EuiccRefused, "invalidCertificate"):
            self.euicc.authenticate_server(ia, "REUSE")
        self.srv.sabotage(function="authenticateClient", mode="wrong-certificate")
        ac = self.lpa.authenticate(self.lpa.initiate(), "REUSE")
        with self.assertRaisesRegex(EuiccRefused, "invalidCertificate"):
            self.euicc.prepare_download(ac)

    def test_sabotage_slow_drop_expired_failed(self):
        self.srv.sabotage(function="initiateAuthentication", mode="slow", seconds=0.5)
        t0 = time.monotonic()
        self.expect(self.lpa.initiate(), "ok")
        self.assertGreaterEqual(time.monotonic() - t0, 0.5)
        self.srv.sabotage(function="initiateAuthentication", mode="drop")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.lpa.initiate()
        self.srv.sabotage(function="authenticateClient", mode="expired-order")
        self.expect(self.lpa.authenticate(self.lpa.initiate(), "REUSE"), "8.8.5/4.1")
        self.srv.sabotage(function="getBoundProfilePackage", mode="failed-status", subject="8.2", reason="1.2")
        self.expect(self.lpa.get_bpp(self.lpa.authenticate(self.lpa.initiate(), "REUSE")), "8.2/1.2")
        self.assertEqual(self.srv.control("POST", "/sabotage", {"mode": "explode"})[0], 400)

    def test_sabotage_broken_profiles(self):
        self.srv.sabotage(function="getBoundProfilePackage", mode="profile-without-end")
        _, bpp = self.lpa.download("REUSE")
        _, profile, _ = self.euicc.load_bpp(base64.b64decode(bpp["boundProfilePackage"]))
        with self.assertRaisesRegex(saip.SaipError, "not end"):
            saip.check(saip.decode(profile))
        self.srv.sabotage(function="getBoundProfilePackage", mode="profile-other-iccid")
        _, bpp = self.lpa.download("REUSE")
        _, profile, _ = self.euicc.load_bpp(base64.b64decode(bpp["boundProfilePackage"]))
        self.assertEqual(saip.header_iccid(saip.check(saip.decode(profile))), upp_mod.OTHER_ICCID)
        self.assertEqual(len(profile), 3000)

    def test_state_counts_requests_and_tls(self):
        self.lpa.download("REUSE")
        st = self.srv.state()
        self.assertEqual(st["requestCounts"], {"initiateAuthentication": 1, "authenticateClient": 1,
                                               "getBoundProfilePackage": 1})
        self.assertGreaterEqual(st["tlsHandshakes"], 3)
        self.assertEqual([r["status"] for r in st["responses"]], ["Executed-Success"] * 3)


class TlsAndOptionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = shared_pki()
        cls.tmp = tempfile.mkdtemp(prefix="smdpp-tls-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def _with(self, args, fn, config=None):
        srv = Server(self.tmp, self.pki, config or smdp_config(orders=ORDERS[5:]), args,
                     name="s%d" % int(time.monotonic() * 1e6))
        try:
            fn(srv)
        finally:
            srv.stop()

    def test_openssl_verifies_the_tls_chain(self):
        p = self.pki.path
        out = subprocess.run(["openssl", "verify", "-CAfile", p("ci.pem"), "-purpose", "sslserver",
                              p("dptls.pem"), p("dstls.pem")], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        for bad in ("dptls-expired.pem", "dptls-untrusted.pem"):
            self.assertNotEqual(subprocess.run(["openssl", "verify", "-CAfile", p("ci.pem"), "-purpose",
                                                "sslserver", p(bad)], capture_output=True).returncode, 0, bad)

        def s_client(srv):
            out = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port, "-servername", SMDP,
                                  "-CAfile", p("ci.pem"), "-verify_hostname", SMDP, "-verify_return_error",
                                  "-brief"], input="", capture_output=True, text=True, timeout=10)
            self.assertIn("Verification: OK", out.stdout + out.stderr)
        self._with([], s_client)

    def test_sabotage_tls_certificates_fail_verification(self):
        for cert in ("dptls-expired", "dptls-wronghost", "dptls-untrusted"):
            def check(srv):
                with self.assertRaises(ssl.SSLCertVerificationError):
                    Lpa(srv, SoftEuicc(self.pki)).initiate()
                deadline = time.monotonic() + 5  # the server thread notes the failed handshake a bit later
                while srv.state()["tlsHandshakeFailures"] < 1 and time.monotonic() < deadline:
                    time.sleep(0.02)
                self.assertEqual(srv.state()["tlsHandshakeFailures"], 1)
            self._with(["--tls-cert", self.pki.path(cert + ".pem"), "--tls-key", self.pki.path(cert + ".key")], check)

    def test_rtt_and_cli_sabotage(self):
        def check(srv):
            lpa = Lpa(srv, SoftEuicc(self.pki))
            t0 = time.monotonic()
            ia = lpa.initiate()
            self.assertGreaterEqual(time.monotonic() - t0, 0.3)
            self.expect_ok(ia)
            self.assertEqual(status_of(lpa.authenticate(ia, "REUSE")), "8.2/3.7")
            self.assertEqual(status_of(lpa.authenticate(lpa.initiate(), "REUSE")), "ok")
        self._with(["--rtt-ms", "300", "--sabotage", "authenticateClient:failed-status:1:8.2/3.7"], check)

    def expect_ok(self, r):
        self.assertEqual(status_of(r), "ok", r)

    def test_no_replace_session_keys_option(self):
        def check(srv):
            euicc = SoftEuicc(self.pki)
            _, bpp = Lpa(srv, euicc).download("REUSE")
            _, profile, info = euicc.load_bpp(base64.b64decode(bpp["boundProfilePackage"]))
            self.assertFalse(info["rsk"])
            self.assertEqual(profile, upp_mod.generate("8944000000000000066", 3000))
        self._with([], check, smdp_config(orders=ORDERS[5:], replaceSessionKeys=False))

    def test_smds_events(self):
        cfg = {"role": "smds", "address": SMDS, "tls": {"cert": "dstls-chain.pem", "key": "dstls.key"},
               "auth": {"cert": "dsauth.pem", "key": "dsauth.key"}, "trustedCi": ["ci.pem"],
               "events": [{"eid": EID, "eventId": "EVT-1", "rspServerAddress": SMDP},
                          {"eid": OTHER_EID, "eventId": "EVT-2", "rspServerAddress": SMDP}]}

        def check(srv):
            euicc = SoftEuicc(self.pki)
            lpa = Lpa(srv, euicc)
            for prefix, key in (("/gsma/rsp2/es11/", "smdsAddress"), ("/gsma/rsp2/es9plus/", "smdpAddress")):
                ia = lpa.initiate(address=SMDS, prefix=prefix, key=key)
                self.expect_ok(ia)
                r = lpa.authenticate(ia, None, prefix=prefix, role=certs.ROLE_DS_AUTH)
                self.expect_ok(r)
                self.assertEqual(r["eventEntries"], [{"eventId": "EVT-1", "rspServerAddress": SMDP}])
            self.assertEqual(status_of(lpa.initiate(address=SMDP, prefix="/gsma/rsp2/es11/")), "8.9.1/3.8")
            self.assertEqual(srv.raw("/gsma/rsp2/es9plus/getBoundProfilePackage", b"{}")[0], 404)
        self._with([], check, cfg)


if __name__ == "__main__":
    t0 = time.monotonic()
    result = unittest.main(exit=False, verbosity=1).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed (%.1f s)" % (result.testsRun - failed, failed, time.monotonic() - t0))
    sys.exit(1 if failed else 0)
