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


# ---- SAIP profile elements (TCA PE_Definitions, AUTOMATIC TAGS; tests/smdpp/saip.py decodes
# them from the module's types, written independently of the bytes below) ----

SAIP_VERSION = (2, 3)
OID_TEMPLATE_MF = "2.23.143.1.2.1"    # id-MF
OID_TEMPLATE_USIM = "2.23.143.1.2.4"  # id-USIM
USIM_AID = bytes.fromhex("A0000000871002FF33FF018900000100")
PIN_STATUS_DO = bytes.fromhex("90017083010183018183010A")  # PS_DO: PIN1, 2nd PIN1, ADM1
GFM_CONTENT_MAX = 1000   # bytes of one padding file (an EF written by genericFileManagement)
GFM_FID_BASE = 0x6000    # the padding EFs' file IDs, one per element
GFM_FID_COUNT = 0x1000


def _pe_header(ident, mandated=False):
    """PEHeader [0] { mandated [0] NULL OPTIONAL, identification [1] UInt15 }."""
    return der.tlv(0xA0, (der.tlv(0x80) if mandated else b"") + der.tlv(0x81, der.encode_uint(ident)))


def _file(*choices):
    """File ::= SEQUENCE OF CHOICE { doNotCreate [0], fileDescriptor [1] Fcp, fillFileOffset [2],
    fillFileContent [3] } — the caller wraps it in the template field's own tag."""
    return b"".join(choices)


def _content(data):
    return der.tlv(0x83, data)


def _profile_header(iccid, profile_type):
    services = der.tlv(0x81) + der.tlv(0x84)  # ServicesList: usim [1], milenage [4]
    gfste = der.tlv(0x06, der.encode_oid(OID_TEMPLATE_MF)) + der.tlv(0x06, der.encode_oid(OID_TEMPLATE_USIM))
    return der.tlv(0xA0, der.tlv(0x80, bytes([SAIP_VERSION[0]])) + der.tlv(0x81, bytes([SAIP_VERSION[1]]))
                   + der.tlv(0x82, profile_type.encode()) + der.tlv(0x83, bcd_plain(iccid))
                   + der.tlv(0xA5, services) + der.tlv(0xA6, gfste))


def _pe_mf(ident, iccid):
    """PE-MF [16]: header, templateID, mf [2], ef-iccid [4], ef-dir [5], ef-arr [6]."""
    ef_dir = der.tlv(0x61, der.tlv(0x4F, USIM_AID) + der.tlv(0x50, b"USIM"))
    arr = bytes.fromhex("8001019000800102A406830101950108800158A40683010A950108")
    return der.tlv(0xB0, _pe_header(ident, mandated=True) + der.tlv(0x81, der.encode_oid(OID_TEMPLATE_MF))
                   + der.tlv(0xA2, _file(der.tlv(0xA1, der.tlv(0xC6, PIN_STATUS_DO))))
                   + der.tlv(0xA4, _file(_content(der.iccid_to_bytes(iccid))))
                   + der.tlv(0xA5, _file(_content(ef_dir)))
                   + der.tlv(0xA6, _file(_content(arr))))


def _pe_puk_codes(ident):
    """PE-PUKCodes [3]: pukCodes [1] SEQUENCE OF { keyReference [0], pukValue [1] }."""
    puks = der.tlv(0x30, der.tlv(0x80, b"\x01") + der.tlv(0x81, b"12345678"))        # pukAppl1
    puks += der.tlv(0x30, der.tlv(0x80, b"\x00\x81") + der.tlv(0x81, b"87654321"))  # secondPUKAppl1
    return der.tlv(0xA3, _pe_header(ident, mandated=True) + der.tlv(0xA1, puks))


def _pe_pin_codes(ident):
    """PE-PINCodes [2]: pinCodes [1] CHOICE (explicit) { pinconfig [0] SEQUENCE OF ... }."""
    pin1 = der.tlv(0x80, b"\x01") + der.tlv(0x81, b"0000\xff\xff\xff\xff") + der.tlv(0x82, b"\x01")
    adm1 = der.tlv(0x80, b"\x0a") + der.tlv(0x81, b"88888888") + der.tlv(0x83, b"\x03")
    configs = der.tlv(0x30, pin1) + der.tlv(0x30, adm1)
    return der.tlv(0xA2, _pe_header(ident, mandated=True) + der.tlv(0xA1, der.tlv(0xA0, configs)))


def _imsi_bytes(imsi):
    """EF.IMSI: length 8, then BCD with the parity/type nibble '9' first (TS 31.102 §4.2.2)."""
    digits = "9" + imsi
    return bytes([8]) + bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, 16, 2))


def _pe_usim(ident, iccid):
    """PE-USIM [19]: adf-usim [2], ef-imsi [3], ef-arr [4], ef-ust [8], ef-spn [13], ef-est [14],
    ef-acc [18], ef-ecc [22] (the template's mandatory files)."""
    adf = der.tlv(0xA1, der.tlv(0x83, b"\x7f\xf1") + der.tlv(0x84, USIM_AID) + der.tlv(0xC6, PIN_STATUS_DO))
    imsi = "00101" + iccid[-11:-1]
    spn = b"\x01" + b"euiccd test".ljust(16, b"\xff")
    return der.tlv(0xB3, _pe_header(ident, mandated=True) + der.tlv(0x81, der.encode_oid(OID_TEMPLATE_USIM))
                   + der.tlv(0xA2, _file(adf))
                   + der.tlv(0xA3, _file(_content(_imsi_bytes(imsi))))
                   + der.tlv(0xA4, _file(_content(bytes.fromhex("800101A40683010195010880015AA40683010A950108"))))
                   + der.tlv(0xA8, _file(_content(bytes.fromhex("0A2E178CE7320400000000000000"))))
                   + der.tlv(0xAD, _file(_content(spn)))
                   + der.tlv(0xAE, _file(_content(b"\x00")))
                   + der.tlv(0xB2, _file(_content(bytes([1 << (int(imsi[-1]) % 8), 0]))))
                   + der.tlv(0xB6, _file(_content(bytes.fromhex("19F1FF01")))))


def _pe_aka(ident, seed):
    """PE-AKAParameter [4]: algoConfiguration [1] CHOICE (explicit) { algoParameter [1] {
    algorithmID [0] milenage(1), algorithmOptions [1], key [2], opc [3] } }."""
    keys = hashlib.sha256(b"aka" + seed).digest()
    algo = (der.tlv(0x80, b"\x01") + der.tlv(0x81, b"\x00") + der.tlv(0x82, keys[:16])
            + der.tlv(0x83, keys[16:]))
    return der.tlv(0xA4, _pe_header(ident, mandated=True) + der.tlv(0xA1, der.tlv(0xA1, algo)))


def _pe_security_domain(ident, seed):
    """PE-SecurityDomain [6]: the MNO-SD instance [1] and its SCP80/SCP03 keys, keyList [2]."""
    instance = (der.tlv(0x4F, bytes.fromhex("A0000001515350")) + der.tlv(0x4F, bytes.fromhex("A000000151535041"))
                + der.tlv(0x4F, bytes.fromhex("A000000151000000")) + der.tlv(0x82, bytes.fromhex("82FC80"))
                + der.tlv(0xC9, bytes.fromhex("810280008201F0")))
    keys = b""
    material = hashlib.sha256(b"sd" + seed).digest() + hashlib.sha256(b"sd2" + seed).digest()
    for kid in (1, 2, 3):  # ENC, MAC, DEK of key version 0x30
        component = der.tlv(0x30, der.tlv(0x80, b"\x88") + der.tlv(0x86, material[16 * (kid - 1):16 * kid]))
        keys += der.tlv(0x30, der.tlv(0x95, b"\x38" if kid < 3 else b"\x48") + der.tlv(0x82, bytes([kid]))
                        + der.tlv(0x83, b"\x30") + der.tlv(0x30, component))
    return der.tlv(0xA6, _pe_header(ident) + der.tlv(0xA1, instance) + der.tlv(0xA2, keys))


def _pe_gfm(ident, fid, content, mandated=False, sfi=None):
    """PE-GenericFileManagement [1]: one transparent EF under the MF with its content.
    FileManagement keeps the module's own tags (filePath [0], createFCP [APPLICATION 2] = 62,
    fillFileContent [1]); the Fcp's are the ETSI FCP tags (82 descriptor, 83 FID, 8B security
    attributes, 80 size, 88 SFI)."""
    size = der.encode_uint(len(content)).lstrip(b"\x00") or b"\x00"
    fcp = (der.tlv(0x82, b"\x41\x21") + der.tlv(0x83, fid.to_bytes(2, "big"))
           + der.tlv(0x8B, b"\x2f\x06\x02") + der.tlv(0x80, size)
           + (der.tlv(0x88, sfi) if sfi is not None else b""))
    command = der.tlv(0x80, b"") + der.tlv(0x62, fcp) + der.tlv(0x81, content)  # filePath '' = MF
    return der.tlv(0xA1, _pe_header(ident, mandated) + der.tlv(0xA1, der.tlv(0x30, command)))


_GFM_VARIANTS = [(False, None), (True, None), (False, b""), (True, b""), (False, b"\x08"), (True, b"\x08")]


def _gfm_exact(ident, seed, want):
    """A padding element of exactly `want` bytes, or None: the content length is searched, and the
    optional parts (mandated, shortEFID) bridge the steps where a DER length grows a byte."""
    fid = GFM_FID_BASE + ident % GFM_FID_COUNT
    for mandated, sfi in _GFM_VARIANTS:
        lo, hi = 0, want
        while lo < hi:  # the element grows with the content: smallest c with len >= want
            mid = (lo + hi) // 2
            if len(_pe_gfm(ident, fid, b"\x00" * mid, mandated, sfi)) < want:
                lo = mid + 1
            else:
                hi = mid
        if len(_pe_gfm(ident, fid, b"\x00" * lo, mandated, sfi)) == want:
            return _pe_gfm(ident, fid, _filler(seed + ident.to_bytes(4, "big"), lo), mandated, sfi)
    return None


def _pe_end(ident):
    """PE-End [10] { end-header [0] PEHeader }."""
    return der.tlv(0xAA, _pe_header(ident))


def _gfm_min():
    return len(_pe_gfm(1, GFM_FID_BASE, b"\x00"))


def generate(iccid, size, profile_type="euiccd test profile"):
    """A SAIP profile package (PE_Definitions DER) of exactly `size` bytes: ProfileHeader, PE-MF,
    PUK and PIN codes, PE-USIM, AKA parameters, the MNO-SD, transparent EFs with deterministic
    content (genericFileManagement, up to GFM_CONTENT_MAX bytes each) to reach the size, PE-End."""
    seed = iccid.encode()
    fixed = [_profile_header(iccid, profile_type), _pe_mf(1, iccid), _pe_puk_codes(2), _pe_pin_codes(3),
             _pe_usim(4, iccid), _pe_aka(5, seed), _pe_security_domain(6, seed)]
    ident = len(fixed)
    total = sum(len(e) for e in fixed)
    minimum = total + len(_pe_end(ident + 2)) + _gfm_min()
    if size < minimum:
        raise ValueError("generated profile size must be at least %d" % minimum)
    elements = fixed
    while True:
        if size - total == len(_pe_end(ident + 1)):
            break
        ident += 1  # the next padding element; the end then takes ident + 1
        if ident >= 32767:
            raise ValueError("generated profile size too large")
        left = size - total - len(_pe_end(ident + 1))
        want = left if left <= GFM_CONTENT_MAX + 100 else GFM_CONTENT_MAX
        element = _gfm_exact(ident, seed, want) if want >= _gfm_min() else None
        if element is None:  # a length no variant reaches: leave room for one more element
            element = _gfm_exact(ident, seed, want - _gfm_min() - 8)
        if element is None:
            raise RuntimeError("cannot reach the requested profile size %d" % size)
        elements.append(element)
        total += len(element)
    elements.append(_pe_end(ident + 1))
    out = b"".join(elements)
    if len(out) != size:
        raise RuntimeError("generated %d bytes instead of %d" % (len(out), size))
    return out


BROKEN_PROFILES = ("profile-without-end", "profile-other-iccid")
OTHER_ICCID = "8999999999999999999"


def broken(upp, how):
    """A profile package a card must refuse (sabotage): without its PE-End, or with a ProfileHeader
    naming OTHER_ICCID instead of the ordered one (same size)."""
    elements = der.parse_all(upp)
    if how == "profile-without-end":
        return b"".join(e.raw for e in elements[:-1])
    if how == "profile-other-iccid":
        fields = [der.tlv(0x83, bcd_plain(OTHER_ICCID)) if f.tag == 0x83 else f.raw
                  for f in elements[0].children()]
        return der.tlv(elements[0].tag, b"".join(fields)) + b"".join(e.raw for e in elements[1:])
    raise ValueError("unknown broken profile %r" % how)


def header_iccid(upp):
    """ICCID digits from the ProfileHeader (A0 / 83) of a UPP, or None."""
    first, _ = der.parse_one(upp, 0)
    if first.tag != 0xA0:
        return None
    f = first.find(0x83)
    return f.value.hex().upper().rstrip("F") if f else None
