"""X.509 helpers for the test SM-DP+: loading, SGP.22 role checks and chain verification (digest §6.1)."""

import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID

ROLE_CI = "2.23.146.1.2.1.0"
ROLE_EUICC = "2.23.146.1.2.1.1"
ROLE_EUM = "2.23.146.1.2.1.2"
ROLE_EUM_V3 = "2.23.146.1.2.1.0.0.0"
ROLE_DP_TLS = "2.23.146.1.2.1.3"
ROLE_DP_AUTH = "2.23.146.1.2.1.4"
ROLE_DP_PB = "2.23.146.1.2.1.5"
ROLE_DS_TLS = "2.23.146.1.2.1.6"
ROLE_DS_AUTH = "2.23.146.1.2.1.7"


class CertError(Exception):
    """kind: 'invalid' or 'expired'."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def load_cert(path):
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def load_key(path):
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN" in data:
        return serialization.load_pem_private_key(data, password=None)
    return serialization.load_der_private_key(data, password=None)


def cert_der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def ski(cert):
    try:
        return cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest


def aki(cert):
    try:
        return cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value.key_identifier
    except x509.ExtensionNotFound:
        return None


def policies(cert):
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.CERTIFICATE_POLICIES).value
    except x509.ExtensionNotFound:
        return set()
    return {p.policy_identifier.dotted_string for p in ext}


def registered_ids(cert):
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return []
    return [r.dotted_string for r in san.get_values_for_type(x509.RegisteredID)]


def serial_number_attr(cert):
    attrs = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return attrs[0].value if attrs else None


def _now():
    return datetime.datetime.utcnow()


def check_validity(cert, what):
    now = _now()
    if now < cert.not_valid_before or now > cert.not_valid_after:
        raise CertError("expired", "%s is outside its validity period (%s .. %s)"
                        % (what, cert.not_valid_before, cert.not_valid_after))


def check_signed_by(cert, issuer, what):
    if cert.issuer != issuer.subject:
        raise CertError("invalid", "%s issuer name does not match %s" % (what, issuer.subject.rfc4514_string()))
    cert_aki = aki(cert)
    if cert_aki is not None and cert_aki != ski(issuer):
        raise CertError("invalid", "%s AKI does not match the issuer's SKI" % what)
    pub = issuer.public_key()
    if not isinstance(pub, ec.EllipticCurvePublicKey):
        raise CertError("invalid", "%s issuer key is not EC" % what)
    try:
        pub.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    except InvalidSignature:
        raise CertError("invalid", "%s signature does not verify against its issuer" % what)


def check_role(cert, roles, what):
    if not policies(cert) & set(roles):
        raise CertError("invalid", "%s lacks role policy %s (has %s)" % (what, "/".join(roles), sorted(policies(cert))))


def find_ci(trusted, key_id):
    for ci in trusted:
        if ski(ci) == key_id:
            return ci
    return None


def eum_permitted_eid_prefixes(eum):
    """Variant-O EUM certs list permitted EID prefixes in nameConstraints (digest §6.1)."""
    try:
        nc = eum.extensions.get_extension_for_oid(ExtensionOID.NAME_CONSTRAINTS).value
    except x509.ExtensionNotFound:
        return None
    prefixes = []
    for sub in nc.permitted_subtrees or []:
        if isinstance(sub, x509.DirectoryName):
            for attr in sub.value.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
                prefixes.append(attr.value)
    return prefixes or None
