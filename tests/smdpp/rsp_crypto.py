"""SGP.22 crypto used by the test SM-DP+ and its self-test: raw ECDSA signatures, the X9.63 KDF for
the BPP session keys and the SCP03t/BSP protection of 86/87/88 TLVs (digest §6.2, §6.4, §6.5).

Written from the digest against python3-cryptography; proven by tests/smdpp/test_crypto_kat.py.
"""

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import cmac, hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import der

# Each 86/87/88 TLV is at most 1020 bytes; 1007-byte plaintext gives exactly 1020 (digest §6.5).
MAX_SEGMENT_PLAINTEXT = 1007


class BspError(ValueError):
    """MAC mismatch or broken padding/structure while unwrapping a protected TLV."""


# ---- signatures ---------------------------------------------------------------------------------

def _coord_len(key):
    return (key.curve.key_size + 7) // 8


def sign_raw(private_key, data):
    """ECDSA-SHA256 over data, returned as r||s (TR-03111), 64 bytes on a 256-bit curve."""
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
    n = _coord_len(private_key)
    return r.to_bytes(n, "big") + s.to_bytes(n, "big")


def verify_raw(public_key, data, sig):
    n = _coord_len(public_key)
    if len(sig) != 2 * n:
        return False
    dss = encode_dss_signature(int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big"))
    try:
        public_key.verify(dss, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def point_bytes(public_key):
    """Uncompressed point 04||X||Y."""
    return public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def ecdh(private_key, peer_point):
    """ShS: the x-coordinate of the ECDH product (digest §6.3)."""
    peer = ec.EllipticCurvePublicKey.from_encoded_point(private_key.curve, peer_point)
    return private_key.exchange(ec.ECDH(), peer)


# ---- KDF (digest §6.4) --------------------------------------------------------------------------

def kdf(shared_secret, key_type, key_length, host_id, eid):
    """Return (initial MCV, S-ENC, S-MAC)."""
    shared_info = (bytes([key_type, key_length, len(host_id)]) + host_id + bytes([len(eid)]) + eid)
    out = b""
    counter = 1
    while len(out) < 3 * key_length:
        out += hashlib.sha256(shared_secret + counter.to_bytes(4, "big") + shared_info).digest()
        counter += 1
    return out[0:key_length], out[key_length:2 * key_length], out[2 * key_length:3 * key_length]


# ---- BSP (digest §6.5) --------------------------------------------------------------------------

def _aes_ecb(key, block):
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def _cmac(key, data):
    c = cmac.CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def _pad(data):
    data = data + b"\x80"
    return data + b"\x00" * (-len(data) % 16)


def _unpad(data):
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80 or len(data) - len(stripped) > 15:
        raise BspError("bad 80 00.. padding")
    return stripped[:-1]


class Bsp:
    """One BSP key set: S-ENC, S-MAC, the MAC chaining value and the block counter."""

    def __init__(self, s_enc, s_mac, mcv):
        self.s_enc = s_enc
        self.s_mac = s_mac
        self.mcv = mcv
        self.block_nr = 1

    @classmethod
    def from_shared_secret(cls, shared_secret, host_id, eid, key_type=0x88, key_length=16):
        mcv, s_enc, s_mac = kdf(shared_secret, key_type, key_length, host_id, eid)
        return cls(s_enc, s_mac, mcv)

    def _icv(self):
        return _aes_ecb(self.s_enc, self.block_nr.to_bytes(16, "big"))

    def _mac_tlv(self, tag, body):
        header = bytes([tag]) + der.encode_len(len(body) + 8)
        full = _cmac(self.s_mac, self.mcv + header + body)
        self.mcv = full
        return header + body + full[:8]

    def encrypt_and_mac_one(self, tag, plaintext):
        enc = Cipher(algorithms.AES(self.s_enc), modes.CBC(self._icv())).encryptor()
        ciphertext = enc.update(_pad(plaintext)) + enc.finalize()
        self.block_nr += 1
        return self._mac_tlv(tag, ciphertext)

    def mac_only_one(self, tag, plaintext):
        self.block_nr += 1
        return self._mac_tlv(tag, plaintext)

    def encrypt_and_mac(self, tag, data, chunk=MAX_SEGMENT_PLAINTEXT):
        return [self.encrypt_and_mac_one(tag, data[i:i + chunk]) for i in range(0, len(data), chunk)]

    def _demac(self, raw):
        tlv = der.parse_exact(raw)
        if len(tlv.value) < 8:
            raise BspError("protected TLV %X shorter than its MAC" % tlv.tag)
        body, mac = tlv.value[:-8], tlv.value[-8:]
        header = raw[:len(raw) - len(tlv.value)]
        full = _cmac(self.s_mac, self.mcv + header + body)
        if full[:8] != mac:
            raise BspError("MAC of TLV %X (block %d) does not verify" % (tlv.tag, self.block_nr))
        self.mcv = full
        return tlv.tag, body

    def demac_and_decrypt_one(self, raw):
        tag, body = self._demac(raw)
        if len(body) == 0 or len(body) % 16:
            raise BspError("ciphertext length %d not a multiple of 16" % len(body))
        dec = Cipher(algorithms.AES(self.s_enc), modes.CBC(self._icv())).decryptor()
        plaintext = _unpad(dec.update(body) + dec.finalize())
        self.block_nr += 1
        return tag, plaintext

    def demac_only_one(self, raw):
        tag, body = self._demac(raw)
        self.block_nr += 1
        return tag, body
