#!/usr/bin/python3
"""Every profile the test SM-DP+ serves decodes as SAIP (tests/smdpp/saip.py, the PE_Definitions
module's types) with pySim's structure rules, and the decoder refuses what is not SAIP.

Run: /usr/bin/python3 tests/smdpp/test_saip.py      (prints "N passed, M failed")
"""

import glob
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import der  # noqa: E402
import saip  # noqa: E402
import smdpp  # noqa: E402
import upp  # noqa: E402

ICCID = "8944000000000000017"
# Every size an order of the C++ tests, the bench or the demo asks the generator for, and the
# smallest one the self-test writes to a file.
ORDERED_SIZES = (2500, 3000, 4000, 5000, 6000, 8000, 12000, 20000, 50000, 60000, 80000, 90000, 120000)


def decode_checked(package):
    return saip.check(saip.decode(package))


def elements(package):
    return [e.raw for e in der.parse_all(package)]


def pe(tag, *fields):
    return der.tlv(tag, b"".join(fields))


def old_saip_like(iccid):
    """What upp.generate built before: a header, then PE-NonStandard whose issuerID and content
    carry universal tags (06, 04) where the module's automatic tags say [1] and [2], and no MF."""
    header = elements(upp.generate(iccid, 5000))[0]
    filler = pe(0xA9, pe(0xA0, der.tlv(0x81, b"\x01")), der.tlv(0x06, der.encode_oid("2.999.10")),
                der.tlv(0x04, b"\x00" * 900))
    end = pe(0xAA, pe(0xA0, der.tlv(0x80) + der.tlv(0x81, b"\x02")))
    return header + filler + end


class ServedProfiles(unittest.TestCase):
    def check_order(self, spec, base):
        order = smdpp.Order(spec, base)  # the server's own loading path (it also checks)
        header = decode_checked(order.upp)
        self.assertEqual(saip.header_iccid(header), spec["metadata"]["iccid"], spec["matchingId"])
        return order

    def test_every_configured_order(self):
        configs = glob.glob(os.path.join(HERE, "*.json"))
        checked = 0
        for path in configs:
            with open(path) as f:
                cfg = json.load(f)
            for spec in cfg.get("orders", []):
                self.check_order(spec, HERE)
                checked += 1
        self.assertGreater(checked, 0, configs)

    def test_every_ordered_size(self):
        for size in ORDERED_SIZES:
            order = self.check_order({"matchingId": "S%d" % size, "profile": {"generate": {"iccid": ICCID, "size": size}},
                                      "metadata": {"iccid": ICCID}}, HERE)
            self.assertEqual(len(order.upp), size)

    def test_sizes_across_length_steps_are_exact_and_decode(self):
        # the smallest sizes, and around the points where DER lengths grow a byte
        minimum = None
        for size in range(600, 800):
            try:
                upp.generate(ICCID, size)
                minimum = size
                break
            except ValueError:
                pass
        self.assertIsNotNone(minimum)
        for size in list(range(minimum, minimum + 1400, 3)) + list(range(126500, 128500, 97)):
            package = upp.generate(ICCID, size)
            self.assertEqual(len(package), size)
            self.assertEqual(saip.header_iccid(decode_checked(package)), ICCID)

    def test_structure_of_a_served_profile(self):
        pes = saip.decode(upp.generate(ICCID, 5000))
        types = [t for t, _ in pes]
        self.assertEqual(types[:7], ["header", "mf", "pukCodes", "pinCodes", "usim", "akaParameter",
                                     "securityDomain"])
        self.assertEqual(types[-1], "end")
        self.assertTrue(all(t == "genericFileManagement" for t in types[7:-1]))
        header = pes[0][1]
        self.assertEqual((header["major-version"], header["minor-version"]), upp.SAIP_VERSION)
        self.assertEqual(set(header["eUICC-Mandatory-services"]), {"usim", "milenage"})
        self.assertEqual(header["eUICC-Mandatory-GFSTEList"], [upp.OID_TEMPLATE_MF, upp.OID_TEMPLATE_USIM])
        mf = pes[1][1]
        self.assertEqual(mf["ef-iccid"], [("fillFileContent", der.iccid_to_bytes(ICCID))])
        gfm = pes[7][1]["fileManagementCMD"][0]
        self.assertEqual([c for c, _ in gfm], ["filePath", "createFCP", "fillFileContent"])
        self.assertEqual(int.from_bytes(gfm[1][1]["efFileSize"], "big"), len(gfm[2][1]))

    def test_the_server_refuses_an_order_whose_profile_is_not_saip(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "old.der"), "wb") as f:
                f.write(old_saip_like(ICCID))
            with self.assertRaisesRegex(ValueError, "not a SAIP profile package"):
                smdpp.Order({"matchingId": "OLD", "profile": "old.der", "metadata": {"iccid": ICCID}}, tmp)
            with open(os.path.join(tmp, "other.der"), "wb") as f:
                f.write(upp.generate("8944000000000000025", 3000))
            with self.assertRaisesRegex(ValueError, "ICCID 8944000000000000025 is not the order's"):
                smdpp.Order({"matchingId": "X", "profile": "other.der", "metadata": {"iccid": ICCID}}, tmp)


class Refused(unittest.TestCase):
    """The decoder can fail: each of these is not a valid profile package."""

    @classmethod
    def setUpClass(cls):
        cls.good = elements(upp.generate(ICCID, 5000))

    def refused(self, package, message):
        with self.assertRaisesRegex(saip.SaipError, message):
            decode_checked(package)

    def test_the_old_saip_like_stream(self):
        self.refused(old_saip_like(ICCID), r"nonStandard: mandatory issuerID missing \(found 6\)")

    def test_order_and_occurrence(self):
        g = self.good
        self.refused(b"".join(g[1:]), "first element is mf, not header")
        self.refused(b"".join([g[0], g[2], g[1]] + g[3:]), "second element is not mf")
        self.refused(b"".join(g[:-1]), "last element is genericFileManagement, not end")
        self.refused(b"".join(g[:5] + [g[4]] + g[5:]), "more than one usim")
        self.refused(b"".join(g[:4] + g[5:]), "mandatory service usim but no usim element")
        self.refused(b"".join(g[:8] + [g[7]] + g[8:]), "identification numbers are not unique")
        self.refused(b"", "empty profile package")

    def test_tags_the_module_does_not_have(self):
        g = self.good
        self.refused(b"".join(g[:7] + [pe(0xBF22, pe(0xA0, der.tlv(0x81, b"\x63")))] + g[7:]),
                     "tag BF22 is no alternative")
        # fillFileContent of a genericFileManagement is [1] (81), not an OCTET STRING (04)
        gfm = g[7].replace(b"\x81\x82\x03", b"\x04\x82\x03", 1)
        self.assertNotEqual(gfm, g[7])
        self.refused(b"".join(g[:7] + [gfm] + g[8:]), "fileManagementCMD.*unexpected tag 4")

    def test_fields_and_der_form(self):
        g = self.good
        header = der.parse_exact(g[0])
        no_iccid = pe(0xA0, *[f.raw for f in header.children() if f.tag != 0x83])
        self.refused(b"".join([no_iccid] + g[1:]), "mandatory iccid missing")
        long_form = b"\xaa\x81" + g[-1][1:]  # PE-End with a non-minimal length
        self.refused(b"".join(g[:-1]) + long_form, "DER")
        self.refused(b"".join(g[:-1]) + pe(0xAA, b"\xa0\x81\x03" + der.tlv(0x81, b"\x09")), "DER")
        # DER leaves DEFAULT values out: lifeCycleState '07' written out is an error
        sd = der.parse_exact(g[6])
        parts = sd.children()
        instance = parts[1]
        fields = instance.children()
        with_default = pe(0xA1, *[f.raw for f in fields[:4]], der.tlv(0x83, b"\x07"), *[f.raw for f in fields[4:]])
        self.refused(b"".join(g[:6] + [pe(0xA6, parts[0].raw, with_default, parts[2].raw)] + g[7:]),
                     "DER forbids encoding the DEFAULT value")
        self.refused(b"".join(g[:-1]) + pe(0xAA, pe(0xA0, der.tlv(0x81, b"\x80\x00"))), "out of range")

    def test_the_sabotaged_profiles(self):
        package = upp.generate(ICCID, 5000)
        self.refused(upp.broken(package, "profile-without-end"), "not end")
        other = upp.broken(package, "profile-other-iccid")
        self.assertEqual(len(other), len(package))
        self.assertEqual(saip.header_iccid(decode_checked(other)), upp.OTHER_ICCID)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
