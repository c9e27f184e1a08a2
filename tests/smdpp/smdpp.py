#!/usr/bin/python3
"""Test SM-DP+ / SM-DS for euiccd: ES9+ and ES11 over HTTPS on loopback (SGP.22 JSON binding),
building real bound profile packages, with a plain-HTTP control port for tests (state, sabotage).

Written in Python, independently of the C++ engine, from /work/shared/reference/sgp22-digest.md.
See tests/smdpp/README.md for the configuration schema, the control API and the sabotage modes.
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import http.server
import json
import os
import re
import secrets
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

import certs  # noqa: E402
import der  # noqa: E402
import rsp_crypto  # noqa: E402
import saip  # noqa: E402
import upp  # noqa: E402

RSP_WORK = threading.Lock()

ES9_PREFIX = "/gsma/rsp2/es9plus/"
ES11_PREFIX = "/gsma/rsp2/es11/"
ES9_FUNCTIONS = ("initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
                 "handleNotification", "cancelSession")
ES11_FUNCTIONS = ("initiateAuthentication", "authenticateClient")
RESPONSE_ADMIN_PROTOCOL = "gsma/rsp/v2.2.0"
ADMIN_PROTOCOL_RE = re.compile(r"^gsma/rsp/v2\.\d+\.\d+$")
MAX_BODY = 4 * 1024 * 1024
SABOTAGE_MODES = ("http500", "garbage-json", "wrong-signature", "wrong-certificate", "slow", "drop",
                  "expired-order", "failed-status", "profile-without-end", "profile-other-iccid")
PMO_NAMES = {0: "install", 1: "enable", 2: "disable", 3: "delete"}


class ApiError(Exception):
    """An SGP.22 functionExecutionStatus failure (subjectCode / reasonCode)."""

    def __init__(self, subject, reason, message):
        super().__init__("%s/%s %s" % (subject, reason, message))
        self.subject = subject
        self.reason = reason
        self.message = message


class DropConnection(Exception):
    pass


def b64d(value, name):
    if not isinstance(value, str):
        raise ApiError("1.2.1", "2.1", "%s must be a base64 string" % name)
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError("1.2.1", "2.1", "%s is not valid base64" % name)


def b64e(data):
    return base64.b64encode(data).decode("ascii")


def require(content, key, kind=str):
    if key not in content:
        raise ApiError("1.2.1", "2.2", "mandatory element %s is missing" % key)
    if not isinstance(content[key], kind):
        raise ApiError("1.2.1", "2.1", "%s has the wrong JSON type" % key)
    return content[key]


def parse_der(data, expect_tag, name):
    try:
        tlv = der.parse_exact(data)
    except der.DerError as e:
        raise ApiError("1.2.1", "2.1", "%s is not valid DER: %s" % (name, e))
    if tlv.tag != expect_tag:
        raise ApiError("1.2.1", "2.1", "%s has tag %X, expected %X" % (name, tlv.tag, expect_tag))
    return tlv


def sub(tlv, tag, name):
    try:
        return tlv.require(tag, name)
    except der.DerError as e:
        raise ApiError("1.2.1", "2.1", str(e))


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_time(text):
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t


class Identity:
    """A certificate and its private key."""

    def __init__(self, base, spec, role):
        self.cert = certs.load_cert(os.path.join(base, spec["cert"]))
        self.key = certs.load_key(os.path.join(base, spec["key"]))
        self.der = certs.cert_der(self.cert)
        self.role = role
        oids = certs.registered_ids(self.cert)
        self.oid = oids[0] if oids else None


class Config:
    def __init__(self, path, args):
        with open(path) as f:
            raw = json.load(f)
        base = os.path.abspath(args.pki_dir) if args.pki_dir else os.path.dirname(os.path.abspath(path))
        self.base = base
        self.role = raw.get("role", "smdp")
        if self.role not in ("smdp", "smds"):
            raise ValueError("role must be smdp or smds")
        self.address = raw["address"]
        tls = dict(raw["tls"])
        if args.tls_cert:
            tls["cert"] = os.path.abspath(args.tls_cert)
        if args.tls_key:
            tls["key"] = os.path.abspath(args.tls_key)
        self.tls_cert = os.path.join(base, tls["cert"])
        self.tls_key = os.path.join(base, tls["key"])
        auth_role = certs.ROLE_DP_AUTH if self.role == "smdp" else certs.ROLE_DS_AUTH
        self.auth = Identity(base, raw["auth"], auth_role)
        self.pb = Identity(base, raw["pb"], certs.ROLE_DP_PB) if "pb" in raw else None
        if self.role == "smdp" and self.pb is None:
            raise ValueError("an SM-DP+ needs a 'pb' (DPpb) certificate and key")
        self.wrong_auth = Identity(base, raw["wrongAuth"], auth_role) if "wrongAuth" in raw else None
        self.trusted_ci = [certs.load_cert(os.path.join(base, p)) for p in raw["trustedCi"]]
        self.replace_session_keys = bool(raw.get("replaceSessionKeys", True))
        self.host_id = bytes.fromhex(raw["hostId"]) if "hostId" in raw else b"euiccdtd"
        if not 1 <= len(self.host_id) <= 16:
            raise ValueError("hostId must be 1..16 bytes")
        self.session_timeout = float(raw.get("sessionTimeoutSeconds", 600))
        self.segment_plaintext = int(raw.get("segmentPlaintextSize", rsp_crypto.MAX_SEGMENT_PLAINTEXT))
        self.orders_spec = raw.get("orders", [])
        self.events_spec = raw.get("events", [])


class Order:
    def __init__(self, spec, base):
        self.spec = spec
        self.matching_id = spec.get("matchingId", "")
        self.metadata = dict(spec["metadata"])
        if "iccid" not in self.metadata:
            raise ValueError("order %r: metadata.iccid is mandatory" % self.matching_id)
        profile = spec.get("profile", {"generate": {"iccid": self.metadata["iccid"], "size": 4000}})
        if isinstance(profile, str):
            with open(os.path.join(base, profile), "rb") as f:
                self.upp = f.read()
        else:
            gen = profile["generate"]
            self.upp = upp.generate(gen.get("iccid", self.metadata["iccid"]), int(gen.get("size", 4000)))
        try:  # only real SAIP profiles for the ordered ICCID are served
            header = saip.check(saip.decode(self.upp))
        except saip.SaipError as e:
            raise ValueError("order %r: the profile is not a SAIP profile package: %s" % (self.matching_id, e)) from None
        if saip.header_iccid(header) != self.metadata["iccid"]:
            raise ValueError("order %r: the profile header's ICCID %s is not the order's %s"
                             % (self.matching_id, saip.header_iccid(header), self.metadata["iccid"]))
        self.confirmation_code = spec.get("confirmationCode")
        self.expires = parse_time(spec["expires"]) if spec.get("expires") else None
        self.eid = spec.get("eid")
        self.reusable = bool(spec.get("reusable", False))
        self.downloads = 0

    def summary(self):
        return {"matchingId": self.matching_id, "iccid": self.metadata["iccid"], "eid": self.eid,
                "reusable": self.reusable, "downloads": self.downloads,
                "ccRequired": self.confirmation_code is not None, "uppSize": len(self.upp),
                "expires": self.expires.isoformat() if self.expires else None}


class Session:
    def __init__(self, txid, server_challenge, euicc_challenge, ci_ski, auth):
        self.txid = txid
        self.server_challenge = server_challenge
        self.euicc_challenge = euicc_challenge
        self.ci_ski = ci_ski
        self.auth = auth
        self.created = time.monotonic()
        self.state = "initiated"
        self.eid = None
        self.euicc_cert = None
        self.order = None
        self.smdp_signature2_tlv = None
        self.metadata = None
        self.bpp_delivered = False

    def summary(self):
        return {"transactionId": self.txid, "state": self.state, "eid": self.eid,
                "matchingId": self.order.matching_id if self.order else None,
                "ageSeconds": round(time.monotonic() - self.created, 3)}


class Sabotage:
    def __init__(self, spec):
        self.function = spec.get("function", "*")
        self.mode = spec["mode"]
        if self.mode not in SABOTAGE_MODES:
            raise ValueError("unknown sabotage mode %r (known: %s)" % (self.mode, ", ".join(SABOTAGE_MODES)))
        self.count = int(spec.get("count", 1))  # 0 = until reset
        self.seconds = float(spec.get("seconds", 5))
        self.subject = str(spec.get("subject", "8.1"))
        self.reason = str(spec.get("reason", "6.1"))
        self.used = 0

    def summary(self):
        return {"function": self.function, "mode": self.mode, "count": self.count, "used": self.used,
                "seconds": self.seconds, "subject": self.subject, "reason": self.reason}


def parse_sabotage_arg(text):
    """FUNCTION:MODE[:COUNT[:ARG]] — ARG is seconds for slow, SUBJECT/REASON for failed-status."""
    parts = text.split(":")
    if len(parts) < 2:
        raise ValueError("--sabotage wants FUNCTION:MODE[:COUNT[:ARG]], got %r" % text)
    spec = {"function": parts[0], "mode": parts[1]}
    if len(parts) > 2 and parts[2]:
        spec["count"] = int(parts[2])
    if len(parts) > 3:
        if parts[1] == "slow":
            spec["seconds"] = float(parts[3])
        elif parts[1] == "failed-status":
            spec["subject"], spec["reason"] = parts[3].split("/", 1)
    return spec


class State:
    """Everything the server knows; one lock guards it (handlers run in threads)."""

    def __init__(self, config):
        self.config = config
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.orders = [Order(o, self.config.base) for o in self.config.orders_spec]
            self.events = [dict(e) for e in self.config.events_spec]
            self.sessions = {}
            self.notifications = []
            self.cancelled = []
            self.downloads = []
            self.request_counts = {}
            self.responses = []
            self.sabotages = []
            self.tls_handshakes = 0
            self.tls_failures = 0

    def take_sabotage(self, function):
        with self.lock:
            for s in self.sabotages:
                if s.function not in ("*", function):
                    continue
                if s.count and s.used >= s.count:
                    continue
                s.used += 1
                return s
        return None

    def snapshot(self):
        with self.lock:
            return {
                "role": self.config.role,
                "address": self.config.address,
                "sessions": [s.summary() for s in self.sessions.values()],
                "notifications": list(self.notifications),
                "cancelledSessions": list(self.cancelled),
                "downloads": list(self.downloads),
                "downloadCount": len(self.downloads),
                "requestCounts": dict(self.request_counts),
                "responses": list(self.responses[-200:]),
                "orders": [o.summary() for o in self.orders],
                "events": list(self.events),
                "sabotage": [s.summary() for s in self.sabotages],
                "tlsHandshakes": self.tls_handshakes,
                "tlsHandshakeFailures": self.tls_failures,
            }


# ---- the RSP logic -------------------------------------------------------------------------------

class Rsp:
    def __init__(self, state, verbose=False):
        self.state = state
        self.cfg = state.config
        self.verbose = verbose

    # common helpers
    def _session(self, txid):
        if not isinstance(txid, str) or not re.fullmatch(r"[0-9A-Fa-f]{2,32}", txid) or len(txid) % 2:
            raise ApiError("8.10.1", "3.9", "transactionId %r is not a known RSP session" % (txid,))
        with self.state.lock:
            s = self.state.sessions.get(txid.upper())
            if s and time.monotonic() - s.created > self.cfg.session_timeout:
                del self.state.sessions[txid.upper()]
                s = None
        if s is None:
            raise ApiError("8.10.1", "3.9", "the RSP session %s is unknown (or expired)" % txid)
        return s

    def _auth_identity(self, sabotage):
        if sabotage and sabotage.mode == "wrong-certificate":
            if self.cfg.wrong_auth:
                return self.cfg.wrong_auth
            if self.cfg.pb:  # a certificate with the wrong role
                return self.cfg.pb
        return self.cfg.auth

    def _sign(self, key, data, sabotage):
        sig = rsp_crypto.sign_raw(key, data)
        if sabotage and sabotage.mode == "wrong-signature":
            sig = bytes([sig[0] ^ 0x01]) + sig[1:]
        return sig

    def _address_codes(self):
        return ("8.8.1", "8.8.2", "8.8.3", "8.8.4") if self.cfg.role == "smdp" else ("8.9.1", "8.9.2", "8.9.3", "8.9.4")

    # ES9+/ES11 initiateAuthentication (digest §4.2, §6.7.1)
    def initiate_authentication(self, content, es11, sabotage):
        addr_code, pkid_code, svn_code, cert_code = self._address_codes()
        address = content.get("smdpAddress", content.get("smdsAddress")) if es11 else content.get("smdpAddress")
        if address is None:
            raise ApiError("1.2.1", "2.2", "mandatory element smdpAddress is missing")
        if not isinstance(address, str) or address.lower() != self.cfg.address.lower():
            raise ApiError(addr_code, "3.8", "address %r is not this server (%s)" % (address, self.cfg.address))
        challenge = b64d(require(content, "euiccChallenge"), "euiccChallenge")
        if len(challenge) != 16:
            raise ApiError("1.2.1", "2.1", "euiccChallenge must be 16 bytes, got %d" % len(challenge))
        info1 = parse_der(b64d(require(content, "euiccInfo1"), "euiccInfo1"), 0xBF20, "euiccInfo1")
        try:
            svn = info1.find(0x82)
            verification = [c.value for c in info1.find(0xA9).children() if c.tag == 0x04] if info1.find(0xA9) else []
            signing = [c.value for c in info1.find(0xAA).children() if c.tag == 0x04] if info1.find(0xAA) else []
        except der.DerError as e:
            raise ApiError("1.2.1", "2.1", "euiccInfo1: %s" % e)
        if svn is None or len(svn.value) != 3 or svn.value[0] != 2:
            raise ApiError(svn_code, "3.1", "eUICC SVN %s is not supported (need 2.x)"
                           % (svn.value.hex() if svn else "missing"))
        identity = self._auth_identity(sabotage)
        ci_ski = certs.aki(self.cfg.auth.cert)
        trusted = certs.find_ci(self.cfg.trusted_ci, ci_ski)
        if trusted is None or ci_ski not in signing:
            raise ApiError(pkid_code, "3.1", "none of the eUICC's CI key ids for signing (%s) is supported"
                           % ",".join(x.hex() for x in signing))
        if ci_ski not in verification:
            raise ApiError(cert_code, "3.7", "no %s certificate chains to a CI the eUICC can verify"
                           % ("DPauth" if self.cfg.role == "smdp" else "DSauth"))
        txid = secrets.token_hex(16).upper()
        server_challenge = secrets.token_bytes(16)
        signed1 = der.tlv(0x30, der.tlv(0x80, bytes.fromhex(txid)) + der.tlv(0x81, challenge)
                          + der.tlv(0x83, self.cfg.address.encode()) + der.tlv(0x84, server_challenge))
        signature1 = der.tlv(0x5F37, self._sign(identity.key, signed1, sabotage))
        session = Session(txid, server_challenge, challenge, ci_ski, identity)
        with self.state.lock:
            self.state.sessions[txid] = session
        return {"transactionId": txid, "serverSigned1": b64e(signed1), "serverSignature1": b64e(signature1),
                "euiccCiPKIdToBeUsed": b64e(der.tlv(0x04, ci_ski)), "serverCertificate": b64e(identity.der)}

    def _verify_euicc_chain(self, session, euicc_der, eum_der):
        try:
            euicc = certs.x509.load_der_x509_certificate(euicc_der)
            eum = certs.x509.load_der_x509_certificate(eum_der)
        except ValueError as e:
            raise ApiError("8.1.3", "6.1", "eUICC or EUM certificate does not parse: %s" % e)
        if certs.aki(eum) != session.ci_ski:
            raise ApiError("8.11.1", "3.9", "the EUM certificate is not issued by the CI %s chosen for this session"
                           % session.ci_ski.hex())
        ci = certs.find_ci(self.cfg.trusted_ci, session.ci_ski)
        try:
            certs.check_role(eum, (certs.ROLE_EUM, certs.ROLE_EUM_V3), "EUM certificate")
            certs.check_signed_by(eum, ci, "EUM certificate")
        except certs.CertError as e:
            raise ApiError("8.1.2", "6.1", str(e))
        try:
            certs.check_validity(eum, "EUM certificate")
        except certs.CertError as e:
            raise ApiError("8.1.2", "6.3", str(e))
        try:
            certs.check_role(euicc, (certs.ROLE_EUICC,), "eUICC certificate")
            certs.check_signed_by(euicc, eum, "eUICC certificate")
        except certs.CertError as e:
            raise ApiError("8.1.3", "6.1", str(e))
        try:
            certs.check_validity(euicc, "eUICC certificate")
        except certs.CertError as e:
            raise ApiError("8.1.3", "6.3", str(e))
        eid = certs.serial_number_attr(euicc)
        if not eid or not re.fullmatch(r"[0-9]{32}", eid):
            raise ApiError("8.1.3", "6.1", "eUICC certificate serialNumber %r is not a 32-digit EID" % eid)
        prefixes = certs.eum_permitted_eid_prefixes(eum)
        if prefixes is not None and not any(eid.startswith(p) for p in prefixes):
            raise ApiError("8.1.3", "6.1", "EID %s is outside the EUM's permitted ranges %s" % (eid, prefixes))
        return euicc, eid

    def _find_order(self, matching_id, eid):
        with self.state.lock:
            candidates = [o for o in self.state.orders if o.matching_id == matching_id]
        if not candidates:
            raise ApiError("8.2.6", "3.8", "matchingId %r is refused (no such order)" % matching_id)
        usable = [o for o in candidates if o.reusable or o.downloads == 0]
        if not usable:
            raise ApiError("8.2.6", "3.8", "the order for matchingId %r was already downloaded" % matching_id)
        bound = [o for o in usable if o.eid is None or o.eid == eid]
        if not bound:
            raise ApiError("8.1.1", "3.8", "EID %s does not match the order's EID" % eid)
        return bound[0]

    @staticmethod
    def _check_expiry(order, sabotage):
        if (sabotage and sabotage.mode == "expired-order") or (order.expires and utcnow() > order.expires):
            raise ApiError("8.8.5", "4.1", "the download order for %r has expired" % order.matching_id)

    # ES9+/ES11 authenticateClient (digest §4.2, §6.7.2)
    def authenticate_client(self, content, es11, sabotage):
        txid = require(content, "transactionId")
        session = self._session(txid)
        resp = parse_der(b64d(require(content, "authenticateServerResponse"), "authenticateServerResponse"),
                         0xBF38, "authenticateServerResponse")
        kids = resp.children()
        if len(kids) != 1 or kids[0].tag not in (0xA0, 0xA1):
            raise ApiError("1.2.1", "2.1", "authenticateServerResponse must hold A0 or A1")
        if kids[0].tag == 0xA1:
            code = kids[0].find(0x02)
            raise ApiError("8.1", "6.1", "the eUICC refused the server: authenticateErrorCode %s"
                           % (der.decode_uint(code.value) if code else "?"))
        ok = kids[0]
        signed1 = sub(ok, 0x30, "euiccSigned1")
        sig1 = sub(ok, 0x5F37, "euiccSignature1")
        parts = ok.children()
        if len(parts) < 4 or parts[2].tag != 0x30 or parts[3].tag != 0x30:
            raise ApiError("1.2.1", "2.1", "authenticateResponseOk must hold euiccCertificate and eumCertificate")
        euicc, eid = self._verify_euicc_chain(session, parts[2].raw, parts[3].raw)
        if not rsp_crypto.verify_raw(euicc.public_key(), signed1.raw, sig1.value):
            raise ApiError("8.1", "6.1", "euiccSignature1 does not verify")
        s_txid = sub(signed1, 0x80, "euiccSigned1").value
        if s_txid.hex().upper() != session.txid:
            raise ApiError("8.10.1", "3.9", "euiccSigned1 transactionId does not match the session")
        if sub(signed1, 0x84, "euiccSigned1").value != session.server_challenge:
            raise ApiError("8.1", "6.1", "serverChallenge in euiccSigned1 does not match")
        if sub(signed1, 0x83, "euiccSigned1").value.decode("utf-8", "replace").lower() != self.cfg.address.lower():
            raise ApiError("8.8.1" if not es11 else "8.9.1", "3.8", "serverAddress in euiccSigned1 is not this server")
        ctx = sub(signed1, 0xA0, "euiccSigned1")
        mid = ctx.find(0x80)
        matching_id = mid.value.decode("utf-8", "replace") if mid else ""
        session.eid = eid
        session.euicc_cert = euicc
        if es11 or self.cfg.role == "smds":
            return self._es11_events(session, eid)
        order = self._find_order(matching_id, eid)
        self._check_expiry(order, sabotage)
        session.order = order
        cc_required = order.confirmation_code is not None
        metadata = upp.store_metadata_request(order.metadata, self.cfg.address)
        signed2 = der.tlv(0x30, der.tlv(0x80, bytes.fromhex(session.txid))
                          + der.tlv(0x01, b"\xff" if cc_required else b"\x00"))
        sig2 = self._sign(self.cfg.pb.key, signed2 + sig1.raw, sabotage)
        session.smdp_signature2_tlv = der.tlv(0x5F37, sig2)
        session.metadata = metadata
        session.state = "authenticated"
        pb_der = self.cfg.pb.der
        if sabotage and sabotage.mode == "wrong-certificate":
            pb_der = (self.cfg.wrong_auth or self.cfg.auth).der
        return {"transactionId": session.txid, "profileMetadata": b64e(metadata), "smdpSigned2": b64e(signed2),
                "smdpSignature2": b64e(session.smdp_signature2_tlv), "smdpCertificate": b64e(pb_der)}

    def _es11_events(self, session, eid):
        with self.state.lock:
            entries = [{"eventId": e["eventId"], "rspServerAddress": e["rspServerAddress"]}
                       for e in self.state.events if e.get("eid") in (None, eid)]
            self.state.sessions.pop(session.txid, None)
        return {"transactionId": session.txid, "eventEntries": entries}

    # ES9+ getBoundProfilePackage (digest §3.1, §6.2-6.7)
    def get_bound_profile_package(self, content, sabotage):
        session = self._session(require(content, "transactionId"))
        if session.state not in ("authenticated", "bound"):
            raise ApiError("8.10.1", "3.9", "session %s has not passed authenticateClient" % session.txid)
        resp = parse_der(b64d(require(content, "prepareDownloadResponse"), "prepareDownloadResponse"),
                         0xBF21, "prepareDownloadResponse")
        kids = resp.children()
        if len(kids) != 1 or kids[0].tag not in (0xA0, 0xA1):
            raise ApiError("1.2.1", "2.1", "prepareDownloadResponse must hold A0 or A1")
        if kids[0].tag == 0xA1:
            code = kids[0].find(0x02)
            raise ApiError("8.1", "6.1", "the eUICC refused PrepareDownload: downloadErrorCode %s"
                           % (der.decode_uint(code.value) if code else "?"))
        signed2 = sub(kids[0], 0x30, "euiccSigned2")
        sig2 = sub(kids[0], 0x5F37, "euiccSignature2")
        if not rsp_crypto.verify_raw(session.euicc_cert.public_key(), signed2.raw + session.smdp_signature2_tlv,
                                     sig2.value):
            raise ApiError("8.1", "6.1", "euiccSignature2 does not verify")
        if sub(signed2, 0x80, "euiccSigned2").value.hex().upper() != session.txid:
            raise ApiError("8.10.1", "3.9", "euiccSigned2 transactionId does not match the session")
        otpk_tlv = sub(signed2, 0x5F49, "euiccSigned2")
        order = session.order
        self._check_expiry(order, sabotage)
        if order.confirmation_code is not None:
            hcc = signed2.find(0x04)
            if hcc is None:
                raise ApiError("8.2.7", "2.2", "the Confirmation Code is missing")
            expected = hashlib.sha256(hashlib.sha256(order.confirmation_code.encode("utf-8")).digest()
                                      + bytes.fromhex(session.txid)).digest()
            if hcc.value != expected:
                raise ApiError("8.2.7", "3.8", "the Confirmation Code is refused")
        with self.state.lock:
            if not order.reusable and order.downloads > 0 and not session.bpp_delivered:
                raise ApiError("8.2.6", "3.8", "the order for matchingId %r was already downloaded"
                               % order.matching_id)
        try:
            bpp = self._build_bpp(session, otpk_tlv, sabotage)
        except ValueError as e:
            raise ApiError("8.1", "6.1", "euiccOtpk is not a valid point: %s" % e)
        with self.state.lock:
            if not session.bpp_delivered:
                order.downloads += 1
                self.state.downloads.append({"transactionId": session.txid, "eid": session.eid,
                                             "matchingId": order.matching_id, "iccid": order.metadata["iccid"],
                                             "bppSize": len(bpp)})
            session.bpp_delivered = True
            session.state = "bound"
        return {"transactionId": session.txid, "boundProfilePackage": b64e(bpp)}

    def _build_bpp(self, session, euicc_otpk_tlv, sabotage):
        pb_key = self.cfg.pb.key
        ot = ec.generate_private_key(pb_key.curve)
        shs = rsp_crypto.ecdh(ot, euicc_otpk_tlv.value)
        smdp_otpk = der.tlv(0x5F49, rsp_crypto.point_bytes(ot.public_key()))
        signed = (der.tlv(0x82, b"\x01") + der.tlv(0x80, bytes.fromhex(session.txid))
                  + der.tlv(0xA6, der.tlv(0x80, b"\x88") + der.tlv(0x81, b"\x10") + der.tlv(0x84, self.cfg.host_id))
                  + smdp_otpk)
        smdp_sign = self._sign(pb_key, signed + euicc_otpk_tlv.raw, sabotage)
        bf23 = der.tlv(0xBF23, signed + der.tlv(0x5F37, smdp_sign))
        bsp = rsp_crypto.Bsp.from_shared_secret(shs, self.cfg.host_id, bytes.fromhex(session.eid))
        body = bf23
        body += der.tlv(0xA0, bsp.encrypt_and_mac_one(0x87, der.tlv(0xBF24, b"")))
        body += der.tlv(0xA1, bsp.mac_only_one(0x88, session.metadata))
        if self.cfg.replace_session_keys:
            mcv, ppk_enc, ppk_mac = (secrets.token_bytes(16) for _ in range(3))
            rsk = der.tlv(0xBF26, der.tlv(0x80, mcv) + der.tlv(0x81, ppk_enc) + der.tlv(0x82, ppk_mac))
            body += der.tlv(0xA2, bsp.encrypt_and_mac_one(0x87, rsk))
            bsp = rsp_crypto.Bsp(ppk_enc, ppk_mac, mcv)
        profile = session.order.upp
        if sabotage and sabotage.mode in upp.BROKEN_PROFILES:
            profile = upp.broken(profile, sabotage.mode)
        segments = bsp.encrypt_and_mac(0x86, profile, self.cfg.segment_plaintext)
        body += der.tlv(0xA3, b"".join(segments))
        return der.tlv(0xBF36, body)

    # ES9+ handleNotification (digest §2.5, §3.3)
    def handle_notification(self, content, sabotage):
        data = b64d(require(content, "pendingNotification"), "pendingNotification")
        try:
            pending = der.parse_exact(data)
        except der.DerError as e:
            raise ApiError("1.2.1", "2.1", "pendingNotification is not valid DER: %s" % e)
        record = {"kind": None, "verified": False, "problem": None}
        try:
            if pending.tag == 0xBF37:
                self._pir(pending, record)
            elif pending.tag == 0x30:
                self._other_notification(pending, record)
            else:
                raise ApiError("1.2.1", "2.1", "pendingNotification has tag %X (want BF37 or 30)" % pending.tag)
        except der.DerError as e:
            raise ApiError("1.2.1", "2.1", "pendingNotification: %s" % e)
        with self.state.lock:
            self.state.notifications.append(record)
        if self.verbose:
            sys.stderr.write("smdpp: notification %s\n" % json.dumps(record))
        return None

    @staticmethod
    def _metadata_fields(bf2f, record):
        seq = bf2f.require(0x80)
        pmo = bf2f.require(0x81)
        record["seqNumber"] = der.decode_uint(seq.value)
        bits = set()
        if len(pmo.value) >= 2:
            for i, byte in enumerate(pmo.value[1:]):
                for b in range(8):
                    if byte & (0x80 >> b):
                        bits.add(8 * i + b)
        record["operation"] = "+".join(PMO_NAMES.get(b, str(b)) for b in sorted(bits))
        addr = bf2f.find(0x0C)
        record["notificationAddress"] = addr.value.decode("utf-8", "replace") if addr else None
        iccid = bf2f.find(0x5A)
        record["iccid"] = der.iccid_from_bytes(iccid.value) if iccid else None

    def _pir(self, pending, record):
        record["kind"] = "profileInstallationResult"
        data = pending.require(0xBF27)
        sig = pending.require(0x5F37)
        txid = data.require(0x80).value.hex().upper()
        record["transactionId"] = txid
        self._metadata_fields(data.require(0xBF2F), record)
        oid = data.find(0x06)
        record["smdpOid"] = der.decode_oid(oid.value) if oid else None
        final = data.require(0xA2)
        inner = final.children()[0] if final.children() else None
        if inner is not None and inner.tag == 0xA0:
            record["result"] = "success"
            aid = inner.find(0x4F)
            record["isdpAid"] = aid.value.hex().upper() if aid else None
        elif inner is not None and inner.tag == 0xA1:
            record["result"] = "error"
            cmd = inner.find(0x80)
            reason = inner.find(0x81)
            record["bppCommandId"] = der.decode_uint(cmd.value) if cmd else None
            record["errorReason"] = der.decode_uint(reason.value) if reason else None
        else:
            record["result"] = "malformed"
        with self.state.lock:
            session = self.state.sessions.get(txid)
        if session is None or session.euicc_cert is None:
            record["problem"] = "no RSP session %s is known, so the signature cannot be checked" % txid
            return
        record["eid"] = session.eid
        if not rsp_crypto.verify_raw(session.euicc_cert.public_key(), data.raw, sig.value):
            record["problem"] = "euiccSignPIR does not verify"
            return
        if record["smdpOid"] != self.cfg.pb.oid:
            record["problem"] = "smdpOid %s is not this SM-DP+'s %s" % (record["smdpOid"], self.cfg.pb.oid)
            return
        if session.order and record["iccid"] != session.order.metadata["iccid"]:
            record["problem"] = "ICCID %s is not the ordered %s" % (record["iccid"], session.order.metadata["iccid"])
            return
        record["verified"] = True
        with self.state.lock:
            self.state.sessions.pop(txid, None)

    def _other_notification(self, pending, record):
        record["kind"] = "otherSignedNotification"
        kids = pending.children()
        if len(kids) != 4 or [k.tag for k in kids] != [0xBF2F, 0x5F37, 0x30, 0x30]:
            raise ApiError("1.2.1", "2.1", "otherSignedNotification must be BF2F, 5F37, 30, 30")
        bf2f, sig, euicc_c, eum_c = kids
        self._metadata_fields(bf2f, record)
        try:
            euicc = certs.x509.load_der_x509_certificate(euicc_c.raw)
            eum = certs.x509.load_der_x509_certificate(eum_c.raw)
            ci = certs.find_ci(self.cfg.trusted_ci, certs.aki(eum))
            if ci is None:
                raise certs.CertError("invalid", "the EUM certificate's CI is not trusted")
            certs.check_signed_by(eum, ci, "EUM certificate")
            certs.check_signed_by(euicc, eum, "eUICC certificate")
            certs.check_role(euicc, (certs.ROLE_EUICC,), "eUICC certificate")
        except (certs.CertError, ValueError) as e:
            record["problem"] = str(e)
            return
        record["eid"] = certs.serial_number_attr(euicc)
        if not rsp_crypto.verify_raw(euicc.public_key(), bf2f.raw, sig.value):
            record["problem"] = "euiccNotificationSignature does not verify"
            return
        record["verified"] = True

    # ES9+ cancelSession (digest §2.4)
    def cancel_session(self, content, sabotage):
        session = self._session(require(content, "transactionId"))
        resp = parse_der(b64d(require(content, "cancelSessionResponse"), "cancelSessionResponse"),
                         0xBF41, "cancelSessionResponse")
        kids = resp.children()
        if len(kids) != 1 or kids[0].tag not in (0xA0, 0x81):
            raise ApiError("1.2.1", "2.1", "cancelSessionResponse must hold A0 or 81")
        if kids[0].tag == 0x81:
            raise ApiError("8.1", "6.1", "the eUICC refused CancelSession: error %d" % der.decode_uint(kids[0].value))
        signed = sub(kids[0], 0x30, "euiccCancelSessionSigned")
        sig = sub(kids[0], 0x5F37, "euiccCancelSessionSignature")
        if sub(signed, 0x80, "euiccCancelSessionSigned").value.hex().upper() != session.txid:
            raise ApiError("8.10.1", "3.9", "the signed transactionId does not match the session")
        oid = der.decode_oid(sub(signed, 0x81, "euiccCancelSessionSigned").value)
        if oid != session.auth.oid and oid != self.cfg.auth.oid:
            raise ApiError("8.8", "3.1", "smdpOid %s is not this SM-DP+'s %s" % (oid, self.cfg.auth.oid))
        reason = der.decode_uint(sub(signed, 0x82, "euiccCancelSessionSigned").value)
        verified = None
        if session.euicc_cert is not None:
            if not rsp_crypto.verify_raw(session.euicc_cert.public_key(), signed.raw, sig.value):
                raise ApiError("8.1", "6.1", "euiccCancelSessionSignature does not verify")
            verified = True
        with self.state.lock:
            self.state.cancelled.append({"transactionId": session.txid, "reason": reason, "eid": session.eid,
                                         "signatureVerified": verified, "stateWhenCancelled": session.state})
            self.state.sessions.pop(session.txid, None)
        return {}


# ---- HTTP layer ---------------------------------------------------------------------------------

class Es9Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "euiccd-test-smdpp/1"
    timeout = 60

    def log_message(self, fmt, *args):  # request logging is ours (--verbose)
        pass

    def _send(self, code, body=b"", content_type="application/json;charset=UTF-8", admin=True):
        self.send_response(code)
        if body or code != 204:
            self.send_header("Content-Type", content_type)
        if admin:
            self.send_header("X-Admin-Protocol", RESPONSE_ADMIN_PROTOCOL)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _route(self):
        role = self.server.state.config.role
        path = self.path.split("?", 1)[0]
        if path.startswith(ES9_PREFIX):
            name = path[len(ES9_PREFIX):]
            if role == "smdp" and name in ES9_FUNCTIONS:
                return name, False
            if role == "smds" and name in ES11_FUNCTIONS:  # lpac sends ES11 to the es9plus paths
                return name, True
        if path.startswith(ES11_PREFIX) and role == "smds":
            name = path[len(ES11_PREFIX):]
            if name in ES11_FUNCTIONS:
                return name, True
        return None, False

    def do_GET(self):
        self._send(405, b"only POST is served here\n", "text/plain", admin=False)

    def do_POST(self):
        state = self.server.state
        function, es11 = self._route()
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > MAX_BODY:
            self._send(411 if length is None else 413, b"", "text/plain", admin=False)
            self.close_connection = True
            return
        body = self.rfile.read(int(length))
        if function is None:
            self._send(404, b"no such function\n", "text/plain", admin=False)
            return
        label = ("es11." if es11 else "es9plus.") + function
        with state.lock:
            state.request_counts[function] = state.request_counts.get(function, 0) + 1
        if self.server.rtt:
            time.sleep(self.server.rtt)
        sabotage = state.take_sabotage(function)
        try:
            code, payload = self._process(function, es11, body, sabotage)
        except DropConnection:
            self._log(label, "dropped")
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if code == 500:
            self._send(500, payload, "text/plain")
        elif code == 204:
            self._send(204)
        else:
            self._send(code, payload)
        status = "HTTP %d" % code
        if code == 200:
            try:
                fes = json.loads(payload)["header"]["functionExecutionStatus"]
                status = fes["status"]
                if "statusCodeData" in fes:
                    status += " %s/%s %s" % (fes["statusCodeData"]["subjectCode"], fes["statusCodeData"]["reasonCode"],
                                             fes["statusCodeData"].get("message", ""))
            except (ValueError, KeyError, TypeError):
                status = "HTTP 200 (not JSON)"
        with state.lock:
            state.responses.append({"function": label, "status": status})
        self._log(label, status)

    def _log(self, label, status):
        if self.server.verbose:
            sys.stderr.write("smdpp: %s -> %s\n" % (label, status))

    def _process(self, function, es11, body, sabotage):
        if sabotage:
            if sabotage.mode == "drop":
                raise DropConnection()
            if sabotage.mode == "http500":
                return 500, b"sabotage: internal server error\n"
            if sabotage.mode == "garbage-json":
                return 200, b'{"header": {"functionExecutionStatus": {"status": "Executed-Suc\x00\xff garbage'
            if sabotage.mode == "slow":
                time.sleep(sabotage.seconds)
            if sabotage.mode == "failed-status":
                return 200, self._failure(ApiError(sabotage.subject, sabotage.reason, "sabotage: failed-status"))
        try:
            ctype = self.headers.get("Content-Type", "")
            if ctype.split(";")[0].strip().lower() != "application/json":
                raise ApiError("1.2.1", "2.1", "Content-Type %r is not application/json" % ctype)
            admin = self.headers.get("X-Admin-Protocol", "")
            if not ADMIN_PROTOCOL_RE.match(admin):
                raise ApiError("1.2.1", "2.1", "X-Admin-Protocol %r is not gsma/rsp/v2.x.y" % admin)
            try:
                content = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise ApiError("1.2.1", "2.1", "the request body is not JSON")
            if not isinstance(content, dict):
                raise ApiError("1.2.1", "2.1", "the request body is not a JSON object")
            rsp = self.server.rsp
            # One request's RSP work at a time: handler threads share the CI certificates and
            # the server's keys, and cryptography's objects raise "Already borrowed" when two
            # threads use one at once (seen with 16 parallel downloads). The --rtt-ms delay and
            # the network I/O stay parallel; the work itself is bound by the GIL anyway.
            with RSP_WORK:
                if function == "initiateAuthentication":
                    out = rsp.initiate_authentication(content, es11, sabotage)
                elif function == "authenticateClient":
                    out = rsp.authenticate_client(content, es11, sabotage)
                elif function == "getBoundProfilePackage":
                    out = rsp.get_bound_profile_package(content, sabotage)
                elif function == "handleNotification":
                    rsp.handle_notification(content, sabotage)
                    return 204, b""
                else:
                    out = rsp.cancel_session(content, sabotage)
        except ApiError as e:
            return 200, self._failure(e)
        except Exception as e:  # a bug or unexpected input: still answer in the protocol, say what
            import traceback
            traceback.print_exc()
            return 200, self._failure(ApiError("8.1", "6.1", "internal error: %s" % e))
        result = {"header": {"functionExecutionStatus": {"status": "Executed-Success"}}}
        result.update(out)
        return 200, json.dumps(result).encode()

    @staticmethod
    def _failure(e):
        data = {"subjectCode": e.subject, "reasonCode": e.reason}
        if e.message:
            data["message"] = e.message
        return json.dumps({"header": {"functionExecutionStatus": {"status": "Failed",
                                                                  "statusCodeData": data}}}).encode()


class TlsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, state, ssl_ctx, rtt, verbose):
        self.state = state
        self.ssl_ctx = ssl_ctx
        self.rtt = rtt
        self.verbose = verbose
        self.rsp = Rsp(state, verbose)
        super().__init__(addr, Es9Handler)

    def finish_request(self, request, client_address):
        # Handshake in the worker thread, so one slow client does not block accepting others.
        request.settimeout(30)
        try:
            conn = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self.state.lock:
                self.state.tls_failures += 1
            if self.verbose:
                sys.stderr.write("smdpp: TLS handshake failed: %s\n" % e)
            return
        with self.state.lock:
            self.state.tls_handshakes += 1
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass


class ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _json(self, code, obj):
        body = json.dumps(obj, indent=1).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/state":
            self._json(200, self.server.state.snapshot())
        else:
            self._json(404, {"error": "GET /state; POST /sabotage, /reset, /order, /event, /clear-sabotage"})

    def do_POST(self):
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        try:
            data = json.loads(body) if body.strip() else {}
            if self.path == "/sabotage":
                items = data if isinstance(data, list) else [data]
                new = [Sabotage(d) for d in items]
                with state.lock:
                    state.sabotages.extend(new)
                self._json(200, {"sabotage": [s.summary() for s in state.sabotages]})
            elif self.path == "/clear-sabotage":
                with state.lock:
                    state.sabotages = []
                self._json(200, {})
            elif self.path == "/reset":
                state.reset()
                self._json(200, {})
            elif self.path == "/order":
                order = Order(data, state.config.base)
                with state.lock:
                    state.orders.append(order)
                self._json(200, order.summary())
            elif self.path == "/event":
                for key in ("eventId", "rspServerAddress"):
                    if key not in data:
                        raise ValueError("event needs %s" % key)
                with state.lock:
                    state.events.append(dict(data))
                self._json(200, {})
            else:
                self._json(404, {"error": "unknown control endpoint"})
        except (ValueError, KeyError, TypeError) as e:
            self._json(400, {"error": str(e)})


def make_ssl_context(cfg):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cfg.tls_cert, cfg.tls_key)
    return ctx


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="JSON configuration (see tests/smdpp/README.md)")
    ap.add_argument("--pki-dir", help="resolve relative paths of the config here (default: the config's folder)")
    ap.add_argument("--listen", default="127.0.0.1", help="address for HTTPS (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8443, help="HTTPS port, 0 = pick one (default 8443)")
    ap.add_argument("--control-port", type=int, default=None, help="plain-HTTP control port on 127.0.0.1 (0 = pick)")
    ap.add_argument("--ready-file", help="write {\"port\":..,\"controlPort\":..} here once listening")
    ap.add_argument("--sabotage", action="append", default=[], metavar="FUNCTION:MODE[:COUNT[:ARG]]",
                    help="e.g. authenticateClient:http500:2, '*:slow:0:3', getBoundProfilePackage:failed-status:1:8.2/1.2")
    ap.add_argument("--rtt-ms", type=float, default=0, help="delay every ES9+/ES11 request by this many ms")
    ap.add_argument("--tls-cert", help="override the TLS certificate (chain) file")
    ap.add_argument("--tls-key", help="override the TLS key file")
    ap.add_argument("--verbose", action="store_true", help="log each request and its status to stderr")
    args = ap.parse_args(argv)

    cfg = Config(args.config, args)
    state = State(cfg)
    for s in args.sabotage:
        state.sabotages.append(Sabotage(parse_sabotage_arg(s)))
    server = TlsServer((args.listen, args.port), state, make_ssl_context(cfg), args.rtt_ms / 1000.0, args.verbose)
    port = server.server_address[1]
    control = None
    if args.control_port is not None:
        control = http.server.ThreadingHTTPServer(("127.0.0.1", args.control_port), ControlHandler)
        control.daemon_threads = True
        control.state = state
        threading.Thread(target=control.serve_forever, daemon=True).start()
    info = {"port": port, "controlPort": control.server_address[1] if control else None, "role": cfg.role,
            "address": cfg.address}
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(info, f)
        os.replace(tmp, args.ready_file)
    print("smdpp: %s %s listening on https://%s:%d%s" % (cfg.role, cfg.address, args.listen, port,
          (", control http://127.0.0.1:%d" % info["controlPort"]) if control else ""), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
