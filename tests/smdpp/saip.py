"""A DER decoder for SAIP profile packages, driven by the TCA PE_Definitions ASN.1 module.

The module (TCA "eUICC Profile Package: Interoperable Format Technical Specification", the
PEDefinitions module pySim ships as PE_Definitions-3.3.1.asn) is written with AUTOMATIC TAGS:
a SEQUENCE / CHOICE none of whose components carries a tag gets context tags [0], [1], ... in
order; one with any tagged component keeps its tags as written and the untagged components
keep their universal tags (X.680 §25.3). Tags are implicit, except on a CHOICE (always explicit).
The types below are transcribed from the module in that form, so the tags come from the module
and not from a table of bytes; `decode()` walks a profile with them the way pySim's
`ProfileElementSequence.from_der` (asn1tools) does, and `check()` adds pySim's
`CheckBasicStructure` rules (header first, MF second, end last, occurrence counts, mandatory
services present, unique identification numbers).

Only the profile element types the test SM-DP+ and common test profiles use are modelled (header,
genericFileManagement, pinCodes, pukCodes, akaParameter, securityDomain, application,
nonStandard, end, mf, usim, opt-usim); a profile with another CHOICE alternative is reported as
not modelled rather than accepted unread. Debian has no Python asn1tools, hence this file.
"""

import der

UNIVERSAL, APPLICATION, CONTEXT, PRIVATE = 0x00, 0x40, 0x80, 0xC0
MAX_DEPTH = 24  # deeper than any PE_Definitions type nests; bounds hostile input


class SaipError(ValueError):
    """The data is not a profile package PE_Definitions accepts (path names the place)."""


def make_tag(cls, number, constructed):
    first = cls | (0x20 if constructed else 0)
    if number < 31:
        return first | number
    out = [number & 0x7F]
    number >>= 7
    while number:
        out.append(0x80 | (number & 0x7F))
        number >>= 7
    tag = first | 0x1F
    for b in reversed(out):
        tag = (tag << 8) | b
    return tag


# ---- types ----

class Type:
    universal = None  # (number, constructed) of the untagged type
    constructed = False

    def tags(self, tag):
        """The wire tags this type may start with when given `tag` (None = untagged)."""
        if tag is not None:
            return {tag}
        return {make_tag(UNIVERSAL, self.universal, self.constructed)}


class Null(Type):
    universal = 0x05

    def decode(self, t, path, depth):
        if t.value:
            raise SaipError("%s: NULL with content" % path)
        return True


class Integer(Type):
    universal = 0x02

    def __init__(self, lo=None, hi=None):
        self.lo, self.hi = lo, hi

    def decode(self, t, path, depth):
        b = t.value
        if not b or (len(b) > 1 and ((b[0] == 0 and not b[1] & 0x80) or (b[0] == 0xFF and b[1] & 0x80))):
            raise SaipError("%s: INTEGER not in minimal DER form" % path)
        n = int.from_bytes(b, "big", signed=True)
        if (self.lo is not None and n < self.lo) or (self.hi is not None and n > self.hi):
            raise SaipError("%s: %d out of range %s..%s" % (path, n, self.lo, self.hi))
        return n


class OctetString(Type):
    universal = 0x04

    def __init__(self, lo=None, hi=None):
        self.lo, self.hi = lo, hi

    def decode(self, t, path, depth):
        n = len(t.value)
        if (self.lo is not None and n < self.lo) or (self.hi is not None and n > self.hi):
            raise SaipError("%s: %d bytes, allowed %s..%s" % (path, n, self.lo, self.hi))
        return t.value


class Utf8(OctetString):
    universal = 0x0C

    def decode(self, t, path, depth):
        try:
            s = t.value.decode("utf-8")
        except UnicodeDecodeError:
            raise SaipError("%s: not UTF-8" % path) from None
        if (self.lo is not None and len(s) < self.lo) or (self.hi is not None and len(s) > self.hi):
            raise SaipError("%s: %d characters, allowed %s..%s" % (path, len(s), self.lo, self.hi))
        return s


class Oid(Type):
    universal = 0x06

    def decode(self, t, path, depth):
        if not t.value or t.value[-1] & 0x80:
            raise SaipError("%s: truncated OBJECT IDENTIFIER" % path)
        return der.decode_oid(t.value)


def _check_der_header(t, path):
    """DER: the tag and length as the shortest encoding writes them (der.py reads BER lengths)."""
    if der.encode_tag(t.tag) + der.encode_len(len(t.value)) != t.raw[:len(t.raw) - len(t.value)]:
        raise SaipError("%s: length not in DER (minimal) form" % path)


def _children(t, path):
    if not t.constructed:
        raise SaipError("%s: primitive encoding of a constructed type" % path)
    try:
        items = der.parse_all(t.value)
    except der.DerError as e:
        raise SaipError("%s: %s" % (path, e)) from None
    for item in items:
        _check_der_header(item, path)
    return items


class Field:
    def __init__(self, name, typ, tag=None, optional=False, default=None):
        self.name, self.type, self.tag = name, typ, tag
        self.optional = optional or default is not None
        self.default = default


def _auto_tag(fields):
    """AUTOMATIC TAGS: untagged components get [0], [1], ... unless any component is tagged."""
    if any(f.tag is not None for f in fields):
        return
    for n, f in enumerate(fields):
        f.tag = ("ctx", n)


def _wire_tag(f):
    """The tag a component carries on the wire (implicit, or the explicit wrapper for a CHOICE)."""
    if f.tag is None:
        return None
    cls = {"ctx": CONTEXT, "app": APPLICATION, "priv": PRIVATE}[f.tag[0]]
    constructed = f.type.constructed or isinstance(f.type, Choice)
    return make_tag(cls, f.tag[1], constructed)


def _decode_field(f, t, path, depth):
    if isinstance(f.type, Choice) and f.tag is not None:  # explicit: one inner TLV
        inner = _children(t, path)
        if len(inner) != 1:
            raise SaipError("%s: explicit tag must hold exactly one value" % path)
        return f.type.decode(inner[0], path, depth + 1)
    return f.type.decode(t, path, depth + 1)


def _field_tags(f):
    wire = _wire_tag(f)
    return {wire} if wire is not None else f.type.tags(None)


class Sequence(Type):
    universal = 0x10
    constructed = True

    def __init__(self, *fields):
        self.fields = list(fields)
        _auto_tag(self.fields)

    def decode(self, t, path, depth):
        if depth > MAX_DEPTH:
            raise SaipError("%s: nested too deep" % path)
        items = _children(t, path)
        out = {}
        i = 0
        for f in self.fields:
            if i < len(items) and items[i].tag in _field_tags(f):
                value = _decode_field(f, items[i], "%s.%s" % (path, f.name), depth)
                if f.default is not None and items[i].value == f.default:
                    raise SaipError("%s.%s: DER forbids encoding the DEFAULT value" % (path, f.name))
                out[f.name] = value
                i += 1
            elif not f.optional:
                got = "%X" % items[i].tag if i < len(items) else "the end"
                raise SaipError("%s: mandatory %s missing (found %s)" % (path, f.name, got))
        if i != len(items):
            raise SaipError("%s: unexpected tag %X" % (path, items[i].tag))
        return out


class SequenceOf(Type):
    universal = 0x10
    constructed = True

    def __init__(self, item, lo=None, hi=None):
        self.item, self.lo, self.hi = item, lo, hi

    def decode(self, t, path, depth):
        if depth > MAX_DEPTH:
            raise SaipError("%s: nested too deep" % path)
        items = _children(t, path)
        if (self.lo is not None and len(items) < self.lo) or (self.hi is not None and len(items) > self.hi):
            raise SaipError("%s: %d items, allowed %s..%s" % (path, len(items), self.lo, self.hi))
        out = []
        for n, it in enumerate(items):
            if it.tag not in self.item.tags(None):
                raise SaipError("%s[%d]: unexpected tag %X" % (path, n, it.tag))
            out.append(self.item.decode(it, "%s[%d]" % (path, n), depth + 1))
        return out


class Choice(Type):
    def __init__(self, *alternatives):
        self.alternatives = list(alternatives)
        _auto_tag(self.alternatives)

    def tags(self, tag):
        if tag is not None:
            return {tag}
        out = set()
        for a in self.alternatives:
            out |= _field_tags(a)
        return out

    def alternative(self, tag):
        for a in self.alternatives:
            if tag in _field_tags(a):
                return a
        return None

    def decode(self, t, path, depth):
        a = self.alternative(t.tag)
        if a is None:
            raise SaipError("%s: tag %X is no alternative" % (path, t.tag))
        return (a.name, _decode_field(a, t, "%s.%s" % (path, a.name), depth))


def F(name, typ, tag=None, **kw):
    return Field(name, typ, tag, **kw)


def Opt(name, typ, tag=None):
    return Field(name, typ, tag, optional=True)


# ---- PEDefinitions, as in the module ----

UInt8, UInt15, UInt16 = Integer(0, 255), Integer(0, 32767), Integer(0, 65535)
ApplicationIdentifier = OctetString(5, 16)

PEHeader = Sequence(Opt("mandated", Null()), F("identification", UInt15))

SERVICES = ("contactless usim isim csim milenage tuak128 cave gba-usim gba-isim mbms eap javacard "
            "multos multiple-usim multiple-isim multiple-csim tuak256 usim-test-algorithm ber-tlv "
            "dfLink cat-tp get-identity profile-a-x25519 profile-b-p256 suciCalculatorApi "
            "dns-resolution scp11ac scp11c-authorization-mechanism s16mode eaka").split()
ServicesList = Sequence(*[Opt(s, Null()) for s in SERVICES])

ProfileHeader = Sequence(
    F("major-version", UInt8), F("minor-version", UInt8), Opt("profileType", Utf8(1, 100)),
    F("iccid", OctetString(10, 10)), Opt("pol", OctetString()),
    F("eUICC-Mandatory-services", ServicesList),
    F("eUICC-Mandatory-GFSTEList", SequenceOf(Oid())),
    Opt("connectivityParameters", OctetString()),
    Opt("eUICC-Mandatory-AIDs", SequenceOf(Sequence(F("aid", ApplicationIdentifier),
                                                    F("version", OctetString(2, 2))))),
    Opt("iotOptions", Sequence(F("pix", OctetString(7, 11)))))

ProprietaryInfo = Sequence(
    F("specialFileInformation", OctetString(1, 1), ("priv", 0), default=b"\x00"),
    Opt("fillPattern", OctetString(1, 200), ("priv", 1)),
    Opt("repeatPattern", OctetString(1, 200), ("priv", 2)),
    Opt("maximumFileSize", OctetString(), ("ctx", 6)),
    F("fileDetails", OctetString(1, 1), ("ctx", 4), default=b"\x01"))

Fcp = Sequence(
    Opt("fileDescriptor", OctetString(2, 4), ("ctx", 2)),
    Opt("fileID", OctetString(2, 2), ("ctx", 3)),
    Opt("dfName", ApplicationIdentifier, ("ctx", 4)),
    F("lcsi", OctetString(1, 1), ("ctx", 10), default=b"\x05"),
    Opt("securityAttributesReferenced", OctetString(1, 3), ("ctx", 11)),
    Opt("efFileSize", OctetString(), ("ctx", 0)),
    Opt("pinStatusTemplateDO", OctetString(), ("priv", 6)),
    Opt("shortEFID", OctetString(0, 1), ("ctx", 8)),
    Opt("proprietaryEFInfo", ProprietaryInfo, ("ctx", 5)),
    Opt("linkPath", OctetString(0, 8), ("priv", 7)))

File = SequenceOf(Choice(F("doNotCreate", Null()), F("fileDescriptor", Fcp),
                         F("fillFileOffset", UInt16), F("fillFileContent", OctetString())))


def template(header, files):
    """A file-system PE: header, templateID, then Files; `files` is 'name' or 'name?' words."""
    fields = [F(header, PEHeader), F("templateID", Oid())]
    for word in files.split():
        fields.append(Opt(word[:-1], File) if word.endswith("?") else F(word, File))
    return Sequence(*fields)


PE_MF = template("mf-header", "mf ef-pl? ef-iccid ef-dir ef-arr ef-umpc?")
PE_USIM = template("usim-header", (
    "adf-usim ef-imsi ef-arr ef-keys? ef-keysPS? ef-hpplmn? ef-ust ef-fdn? ef-sms? ef-smsp? ef-smss? "
    "ef-spn ef-est ef-start-hfn? ef-threshold? ef-psloci? ef-acc ef-fplmn? ef-loci? ef-ad? ef-ecc "
    "ef-netpar? ef-epsloci? ef-epsnsc?"))
PE_OPT_USIM = template("optusim-header", " ".join(n + "?" for n in (
    "ef-li ef-acmax ef-acm ef-gid1 ef-gid2 ef-msisdn ef-puct ef-cbmi ef-cbmid ef-sdn ef-ext2 ef-ext3 "
    "ef-cbmir ef-plmnwact ef-oplmnwact ef-hplmnwact ef-dck ef-cnl ef-smsr ef-bdn ef-ext5 ef-ccp2 "
    "ef-ext4 ef-acl ef-cmi ef-ici ef-oci ef-ict ef-oct ef-vgcs ef-vgcss ef-vbs ef-vbss ef-emlpp "
    "ef-aaem ef-hiddenkey ef-pnn ef-opl ef-mbdn ef-ext6 ef-mbi ef-mwis ef-cfis ef-ext7 ef-spdi "
    "ef-mmsn ef-ext8 ef-mmsicp ef-mmsup ef-mmsucp ef-nia ef-vgcsca ef-vbsca ef-gbabp ef-msk ef-muk "
    "ef-ehplmn ef-gbanl ef-ehplmnpi ef-lrplmnsi ef-nafkca ef-spni ef-pnni ef-ncp-ip ef-ufc "
    "ef-nasconfig ef-uicciari ef-pws ef-fdnuri ef-bdnuri ef-sdnuri ef-ial ef-ips ef-ipd ef-epdgid "
    "ef-epdgselection ef-epdgidem ef-epdgselectionem ef-frompreferred ef-imsconfigdata "
    "ef-3gpppsdataoff ef-3gpppsdataoffservicelist ef-xcapconfigdata ef-earfcnlist "
    "ef-mudmidconfigdata ef-eaka").split()))

FileManagement = SequenceOf(Choice(
    F("filePath", OctetString(0, 8), ("ctx", 0)), F("createFCP", Fcp, ("app", 2)),
    F("fillFileOffset", UInt16), F("fillFileContent", OctetString(), ("ctx", 1))), lo=1)
PE_GenericFileManagement = Sequence(F("gfm-header", PEHeader),
                                    F("fileManagementCMD", SequenceOf(FileManagement, lo=1)))

AlgoParameter = Sequence(
    F("algorithmID", Integer(1, 3)), F("algorithmOptions", OctetString(1, 1)),
    F("key", OctetString()), F("opc", OctetString()),
    F("rotationConstants", OctetString(5, 5), default=bytes.fromhex("4000204060")),
    F("xoringConstants", OctetString(80, 80), default=bytes(15) + b"\x01" + bytes(15) + b"\x02"
      + bytes(15) + b"\x04" + bytes(15) + b"\x08" + bytes(16)),
    Opt("authCounterMax", OctetString(3, 3)),
    F("numberOfKeccak", UInt8, default=b"\x01"))
PE_AKAParameter = Sequence(
    F("aka-header", PEHeader),
    F("algoConfiguration", Choice(F("mappingParameter", Sequence(
        F("mappingOptions", OctetString(1, 1)), F("mappingSource", ApplicationIdentifier))),
        F("algoParameter", AlgoParameter))),
    F("sqnOptions", OctetString(1, 1), default=b"\x02"),
    F("sqnDelta", OctetString(6, 6), default=bytes.fromhex("000010000000")),
    F("sqnAgeLimit", OctetString(6, 6), default=bytes.fromhex("000010000000")),
    Opt("sqnInit", SequenceOf(OctetString(6, 6), 32, 32)))

PINConfiguration = Sequence(
    F("keyReference", Integer(0, 255)), F("pinValue", OctetString(8, 8)),
    Opt("unblockingPINReference", Integer(0, 255)),
    F("pinAttributes", UInt8, default=b"\x07"),
    F("maxNumOfAttemps-retryNumLeft", UInt8, default=b"\x33"))
PE_PINCodes = Sequence(F("pin-Header", PEHeader), F("pinCodes", Choice(
    F("pinconfig", SequenceOf(PINConfiguration, 1, 26)), F("filePath", OctetString(0, 8)))))
PUKConfiguration = Sequence(
    F("keyReference", Integer(0, 255)), F("pukValue", OctetString(8, 8)),
    F("maxNumOfAttemps-retryNumLeft", UInt8, default=b"\xaa"))
PE_PUKCodes = Sequence(F("puk-Header", PEHeader), F("pukCodes", SequenceOf(PUKConfiguration, 1, 16)))

ApplicationSystemParameters = Sequence(
    Opt("volatileMemoryQuotaC7", OctetString(2, 4), ("priv", 7)),
    Opt("nonVolatileMemoryQuotaC8", OctetString(2, 4), ("priv", 8)),
    Opt("globalServiceParameters", OctetString(), ("priv", 11)),
    Opt("implicitSelectionParameter", OctetString(), ("priv", 15)),
    Opt("volatileReservedMemory", OctetString(2, 4), ("priv", 23)),
    Opt("nonVolatileReservedMemory", OctetString(2, 4), ("priv", 24)),
    Opt("ts102226SIMFileAccessToolkitParameter", OctetString(), ("priv", 10)),
    Opt("ts102226AdditionalContactlessParameters",
        Sequence(F("protocolParameterData", OctetString())), ("ctx", 0)),
    Opt("contactlessProtocolParameters", OctetString(), ("priv", 25)),
    Opt("userInteractionContactlessParameters", OctetString(), ("priv", 26)),
    Opt("cumulativeGrantedVolatileMemory", OctetString(2, 4), ("ctx", 2)),
    Opt("cumulativeGrantedNonVolatileMemory", OctetString(2, 4), ("ctx", 3)))

# Several components share [APPLICATION 15]; as in any DER decoder, order decides which is which.
ApplicationInstance = Sequence(
    F("applicationLoadPackageAID", ApplicationIdentifier, ("app", 15)),
    F("classAID", ApplicationIdentifier, ("app", 15)),
    F("instanceAID", ApplicationIdentifier, ("app", 15)),
    Opt("extraditeSecurityDomainAID", ApplicationIdentifier, ("app", 15)),
    F("applicationPrivileges", OctetString(), ("ctx", 2)),
    F("lifeCycleState", OctetString(1, 1), ("ctx", 3), default=b"\x07"),
    F("applicationSpecificParametersC9", OctetString(), ("priv", 9)),
    Opt("systemSpecificParameters", ApplicationSystemParameters, ("priv", 15)),
    Opt("applicationParameters", Sequence(
        Opt("uiccToolkitApplicationSpecificParametersField", OctetString(), ("ctx", 0)),
        Opt("uiccAccessApplicationSpecificParametersField", OctetString(), ("ctx", 1)),
        Opt("uiccAdministrativeAccessApplicationSpecificParametersField", OctetString(), ("ctx", 2))),
        ("priv", 10)),
    Opt("processData", SequenceOf(OctetString(), lo=1)),
    Opt("controlReferenceTemplate", Sequence(
        F("applicationProviderIdentifier", OctetString(), ("app", 32))), ("ctx", 16)))

KeyObject = Sequence(
    F("keyUsageQualifier", OctetString(1, 2), ("ctx", 21)),
    F("keyAccess", OctetString(1, 1), ("ctx", 22), default=b"\x00"),
    F("keyIdentifier", OctetString(1, 1), ("ctx", 2)),
    F("keyVersionNumber", OctetString(1, 1), ("ctx", 3)),
    Opt("keyCounterValue", OctetString(), ("ctx", 5)),
    F("keyComponents", SequenceOf(Sequence(
        F("keyType", OctetString(), ("ctx", 0)), F("keyData", OctetString(), ("ctx", 6)),
        F("macLength", UInt8, ("ctx", 7), default=b"\x08")), lo=1)))
PE_SecurityDomain = Sequence(
    F("sd-Header", PEHeader), F("instance", ApplicationInstance),
    Opt("keyList", SequenceOf(KeyObject, lo=1)),
    Opt("sdPersoData", SequenceOf(OctetString(), lo=1)),
    Opt("openPersoData", Sequence(Opt("restrictParameter", OctetString(1, 1), ("priv", 25)),
                                  Opt("contactlessProtocolParameters", OctetString()))),
    Opt("catTpParameters", Sequence(F("catTpMaxSduSize", UInt16), F("catTpMaxPduSize", UInt16))))

PE_Application = Sequence(
    F("app-Header", PEHeader),
    Opt("loadBlock", Sequence(
        F("loadPackageAID", ApplicationIdentifier, ("app", 15)),
        Opt("securityDomainAID", ApplicationIdentifier, ("app", 15)),
        Opt("nonVolatileCodeLimitC6", OctetString(), ("priv", 6)),
        Opt("volatileDataLimitC7", OctetString(), ("priv", 7)),
        Opt("nonVolatileDataLimitC8", OctetString(), ("priv", 8)),
        Opt("hashValue", OctetString(), ("priv", 1)),
        F("loadBlockObject", OctetString(), ("priv", 4)))),
    Opt("instanceList", SequenceOf(ApplicationInstance, lo=1)))

PE_NonStandard = Sequence(F("nonStandard-header", PEHeader), F("issuerID", Oid()),
                          F("content", OctetString()))
PE_End = Sequence(F("end-header", PEHeader))


class NotModelled(Type):
    constructed = True

    def __init__(self, name):
        self.name = name

    def decode(self, t, path, depth):
        raise SaipError("%s: PE %s is valid in PE_Definitions but not modelled here" % (path, self.name))


# ProfileElement ::= CHOICE, alternatives in module order (AUTOMATIC TAGS: [0] header ... [33]).
_PE_ORDER = [
    ("header", ProfileHeader), ("genericFileManagement", PE_GenericFileManagement),
    ("pinCodes", PE_PINCodes), ("pukCodes", PE_PUKCodes), ("akaParameter", PE_AKAParameter),
    ("cdmaParameter", None), ("securityDomain", PE_SecurityDomain), ("rfm", None),
    ("application", PE_Application), ("nonStandard", PE_NonStandard), ("end", PE_End),
    ("rfu1", None), ("rfu2", None), ("rfu3", None), ("rfu4", None), ("rfu5", None),
    ("mf", PE_MF), ("cd", None), ("telecom", None), ("usim", PE_USIM), ("opt-usim", PE_OPT_USIM),
    ("isim", None), ("opt-isim", None), ("phonebook", None), ("gsm-access", None), ("csim", None),
    ("opt-csim", None), ("eap", None), ("df-5gs", None), ("df-saip", None), ("df-snpn", None),
    ("df-5gprose", None), ("iot", None), ("opt-iot", None)]
ProfileElement = Choice(*[F(n, t or NotModelled(n)) for n, t in _PE_ORDER])

# The header field of each PE type (the first component: its PEHeader).
PE_TAGS = {a.name: _wire_tag(a) for a in ProfileElement.alternatives}


def decode(upp):
    """[(pe type, decoded value)] for a profile package; raises SaipError."""
    out = []
    pos = 0
    while pos < len(upp):
        try:
            t, pos = der.parse_one(upp, pos)
        except der.DerError as e:
            raise SaipError("PE #%d: %s" % (len(out), e)) from None
        _check_der_header(t, "PE #%d" % len(out))
        out.append(ProfileElement.decode(t, "PE #%d" % len(out), 0))
    if not out:
        raise SaipError("empty profile package")
    return out


def pe_header(pe_type, value):
    if pe_type == "header":
        return None
    return next(iter(value.values()))  # every PE's first component is its PEHeader


SINGLE = ("end", "cd", "telecom", "usim", "isim", "csim", "opt-usim", "opt-isim", "opt-csim",
          "df-saip", "df-5gs")
NEEDS = {"opt-usim": "usim", "opt-isim": "isim", "gsm-access": "usim", "phonebook": "usim",
         "df-5gs": "usim", "df-saip": "usim", "opt-csim": "csim"}


def check(pes):
    """pySim CheckBasicStructure's rules over decode()'s result; returns the header."""
    types = [t for t, _ in pes]
    if types[0] != "header":
        raise SaipError("first element is %s, not header" % types[0])
    if len(types) < 2 or types[1] != "mf":
        raise SaipError("second element is not mf")
    if types[-1] != "end":
        raise SaipError("last element is %s, not end" % types[-1])
    if types.count("header") != 1 or types.count("mf") != 1:
        raise SaipError("header and mf must occur once")
    for name in SINGLE:
        if types.count(name) > 1:
            raise SaipError("more than one %s" % name)
    for opt, base in NEEDS.items():
        if opt in types and (base not in types or types.index(base) > types.index(opt)):
            raise SaipError("%s without a %s before it" % (opt, base))
    header = pes[0][1]
    for svc in ("usim", "isim", "csim"):
        if svc in header["eUICC-Mandatory-services"] and svc not in types:
            raise SaipError("mandatory service %s but no %s element" % (svc, svc))
    ids = [pe_header(t, v)["identification"] for t, v in pes[1:]]
    if len(ids) != len(set(ids)):
        raise SaipError("PE identification numbers are not unique")
    return header


def header_iccid(header):
    """ICCID digits of a decoded ProfileHeader (straight BCD, F-padded)."""
    return header["iccid"].hex().upper().rstrip("F")
