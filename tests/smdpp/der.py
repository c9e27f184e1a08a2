"""Minimal strict BER-TLV (DER) reader/writer for the SGP.22 structures the test SM-DP+ handles.

Tags are kept as the integer of their raw bytes (0xBF23, 0x5F37, 0x80 ...), so a structure is
checked against the exact wire tags the digest lists. Signed data is always taken from the raw
received bytes (Tlv.raw), never from a re-encoding.
"""


class DerError(ValueError):
    """Malformed or unexpected TLV data."""


class Tlv:
    __slots__ = ("tag", "value", "raw")

    def __init__(self, tag, value, raw):
        self.tag = tag
        self.value = value
        self.raw = raw

    @property
    def constructed(self):
        first = self.tag
        while first > 0xFF:
            first >>= 8
        return bool(first & 0x20)

    def children(self):
        return parse_all(self.value)

    def find(self, tag):
        for child in self.children():
            if child.tag == tag:
                return child
        return None

    def require(self, tag, what=None):
        child = self.find(tag)
        if child is None:
            raise DerError("%s: missing tag %X in %X" % (what or "TLV", tag, self.tag))
        return child

    def __repr__(self):
        return "Tlv(%X, %s)" % (self.tag, self.value.hex())


def _read_tag(data, pos):
    if pos >= len(data):
        raise DerError("truncated tag")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise DerError("truncated multi-byte tag")
            b = data[pos]
            pos += 1
            tag = (tag << 8) | b
            if not b & 0x80:
                break
            if tag > 0xFFFFFFFF:
                raise DerError("tag too long")
    return tag, pos


def _read_len(data, pos):
    if pos >= len(data):
        raise DerError("truncated length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    n = first & 0x7F
    if n == 0:
        raise DerError("indefinite length not allowed")
    if n > 3 or pos + n > len(data):
        raise DerError("bad length field")
    length = int.from_bytes(data[pos:pos + n], "big")
    return length, pos + n


def parse_one(data, pos=0):
    """Parse one TLV at pos; return (Tlv, next_pos)."""
    start = pos
    tag, pos = _read_tag(data, pos)
    length, pos = _read_len(data, pos)
    if pos + length > len(data):
        raise DerError("value of tag %X runs past the end (%d > %d)" % (tag, pos + length, len(data)))
    value = bytes(data[pos:pos + length])
    return Tlv(tag, value, bytes(data[start:pos + length])), pos + length


def parse_exact(data):
    """Parse data that must be exactly one TLV."""
    tlv, end = parse_one(data, 0)
    if end != len(data):
        raise DerError("%d trailing bytes after tag %X" % (len(data) - end, tlv.tag))
    return tlv


def parse_all(data):
    out = []
    pos = 0
    while pos < len(data):
        tlv, pos = parse_one(data, pos)
        out.append(tlv)
    return out


def encode_tag(tag):
    n = max(1, (tag.bit_length() + 7) // 8)
    return tag.to_bytes(n, "big")


def encode_len(length):
    if length < 0x80:
        return bytes([length])
    n = (length.bit_length() + 7) // 8
    return bytes([0x80 | n]) + length.to_bytes(n, "big")


def tlv(tag, value=b""):
    return encode_tag(tag) + encode_len(len(value)) + bytes(value)


def encode_uint(n):
    """DER INTEGER contents for a non-negative int."""
    body = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    if body[0] & 0x80:
        body = b"\x00" + body
    return body


def decode_uint(b):
    if not b:
        raise DerError("empty INTEGER")
    return int.from_bytes(b, "big")


def encode_oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray()
    first = parts[0] * 40 + parts[1]
    for n in [first] + parts[2:]:
        chunk = [n & 0x7F]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7F))
            n >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def decode_oid(b):
    nums = []
    n = 0
    for byte in b:
        n = (n << 7) | (byte & 0x7F)
        if not byte & 0x80:
            nums.append(n)
            n = 0
    if not nums:
        raise DerError("empty OID")
    first = nums[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(x) for x in head + nums[1:])


def iccid_to_bytes(iccid):
    """ICCID digits -> 10 bytes, nibble-swapped BCD, F-padded (EF.ICCID coding)."""
    digits = iccid + "F" * (20 - len(iccid))
    if len(iccid) > 20 or not all(c in "0123456789" for c in iccid):
        raise ValueError("bad ICCID %r" % iccid)
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, 20, 2))


def iccid_from_bytes(b):
    s = "".join("%X%X" % (x & 0x0F, x >> 4) for x in b)
    return s.rstrip("F")
