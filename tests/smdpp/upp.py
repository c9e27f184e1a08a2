"""Profile package ("UPP") generation and StoreMetadataRequest (BF25) building for the test SM-DP+."""

import hashlib

import der

NOTIFICATION_EVENTS = {"install": 0, "enable": 1, "disable": 2, "delete": 3}
PROFILE_CLASSES = {"test": 0, "provisioning": 1, "operational": 2}


def bcd_plain(iccid):
    """ICCID as straight BCD (digit order kept), F-padded: the SAIP ProfileHeader coding (the
    SM-DP+ nibble-swaps it for BF25, as osmo-smdpp and the mode51 trace show; digest §6.7)."""
    digits = iccid + "F" * (20 - len(iccid))
    return bytes.fromhex(digits)


def named_bits(bits):
    """DER BIT STRING contents for a set of named bit numbers (trailing zero bits removed)."""
    if not bits:
        return b"\x00"
    top = max(bits)
    nbytes = top // 8 + 1
    value = bytearray(nbytes)
    for b in bits:
        value[b // 8] |= 0x80 >> (b % 8)
    unused = 8 * nbytes - (top + 1)
    return bytes([unused]) + bytes(value)


def mcc_mnc_bytes(mcc_mnc):
    """'20606' / '310410' -> 3 bytes, TS 24.008 coding."""
    if len(mcc_mnc) not in (5, 6) or not mcc_mnc.isdigit():
        raise ValueError("mccMnc must be 5 or 6 digits: %r" % mcc_mnc)
    mcc, mnc = mcc_mnc[:3], mcc_mnc[3:]
    mnc3 = mnc[2] if len(mnc) == 3 else "F"
    return bytes.fromhex(mcc[1] + mcc[0] + mnc3 + mcc[2] + mnc[1] + mnc[0])


def store_metadata_request(meta, default_notification_address):
    """BF25 from an order's metadata dict (digest §2.7)."""
    body = der.tlv(0x5A, der.iccid_to_bytes(meta["iccid"]))
    body += der.tlv(0x91, meta.get("serviceProviderName", "").encode("utf-8"))
    body += der.tlv(0x92, meta.get("profileName", "").encode("utf-8"))
    pclass = meta.get("profileClass", "operational")
    if pclass not in PROFILE_CLASSES:
        raise ValueError("profileClass must be one of %s" % sorted(PROFILE_CLASSES))
    if pclass != "operational":  # DEFAULT operational: DER omits the default
        body += der.tlv(0x95, bytes([PROFILE_CLASSES[pclass]]))
    events = meta.get("notificationEvents", ["install", "enable", "disable", "delete"])
    address = meta.get("notificationAddress", default_notification_address)
    if events:
        bits = named_bits({NOTIFICATION_EVENTS[e] for e in events})
        body += der.tlv(0xB6, der.tlv(0x30, der.tlv(0x80, bits) + der.tlv(0x81, address.encode("utf-8"))))
    owner = meta.get("profileOwner")
    if owner:
        ob = der.tlv(0x80, mcc_mnc_bytes(owner["mccMnc"]))
        if owner.get("gid1"):
            ob += der.tlv(0x81, bytes.fromhex(owner["gid1"]))
        if owner.get("gid2"):
            ob += der.tlv(0x82, bytes.fromhex(owner["gid2"]))
        body += der.tlv(0xB7, ob)
    return der.tlv(0xBF25, body)


def _filler(seed, n):
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:n]


def _nonstandard_pe(ident, content):
    """A SAIP-like PE-NonStandard [9]: header {identification}, issuer OID, opaque content."""
    return der.tlv(0xA9, der.tlv(0xA0, der.tlv(0x81, der.encode_uint(ident)))
                   + der.tlv(0x06, der.encode_oid("2.999.10")) + der.tlv(0x04, content))


def generate(iccid, size, profile_type="euiccd test profile"):
    """A plausible SAIP-like DER stream of exactly `size` bytes (size >= 200): a ProfileHeader with
    the ICCID, PE-NonStandard filler elements and a PE-End."""
    header = der.tlv(0xA0, der.tlv(0x80, b"\x02") + der.tlv(0x81, b"\x03")
                     + der.tlv(0x82, profile_type.encode()) + der.tlv(0x83, bcd_plain(iccid))
                     + der.tlv(0xA5, der.tlv(0x81, b"") + der.tlv(0x84, b""))
                     + der.tlv(0xA6, der.tlv(0x06, der.encode_oid("2.23.143.1.2.1"))
                               + der.tlv(0x06, der.encode_oid("2.23.143.1.2.4"))))
    seed = iccid.encode()
    elements = [header]
    ident = 1
    total = len(header)
    end_len = len(der.tlv(0xAA, der.tlv(0xA0, der.tlv(0x80, b"") + der.tlv(0x81, b"\x01"))))
    if size < total + end_len + 40:
        raise ValueError("generated profile size must be at least %d" % (total + end_len + 40))
    while True:
        remaining = size - total - end_len
        if remaining == 0:
            break
        want = 1000 if remaining > 1100 else remaining
        if remaining > 1100 and remaining - 1000 - 20 < 40:
            want = remaining // 2
        # find the content length whose element is exactly `want` bytes (or the largest below)
        c = max(0, want - 20)
        while len(_nonstandard_pe(ident, b"\x00" * (c + 1))) <= want:
            c += 1
        while len(_nonstandard_pe(ident, b"\x00" * c)) > want:
            c -= 1
        element = _nonstandard_pe(ident, _filler(seed + ident.to_bytes(4, "big"), c))
        elements.append(element)
        total += len(element)
        ident += 1
        if ident > 100000:
            raise RuntimeError("cannot reach the requested profile size")
    end = der.tlv(0xAA, der.tlv(0xA0, der.tlv(0x80, b"") + der.tlv(0x81, der.encode_uint(ident))))
    elements.append(end)
    out = b"".join(elements)
    if len(out) != size:
        raise RuntimeError("generated %d bytes instead of %d" % (len(out), size))
    return out


def header_iccid(upp):
    """ICCID digits from the ProfileHeader (A0 / 83) of a UPP, or None."""
    first, _ = der.parse_one(upp, 0)
    if first.tag != 0xA0:
        return None
    f = first.find(0x83)
    return f.value.hex().upper().rstrip("F") if f else None
