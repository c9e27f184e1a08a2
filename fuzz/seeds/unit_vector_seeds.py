#!/usr/bin/python3
"""Writes fuzz seeds from the byte vectors of the unit tests (tests/unit/es10_*_test.cpp,
download_codec_test.cpp, iccid_test.cpp, activation_code_test.cpp, es9p_base64_test.cpp):
every complete hex literal h("...") whose first tag names an ES10 message goes to the decoder
for that tag (fuzz/corpus/es10, es10_download), and the text vectors of the small parsers go
to theirs. Requests share their response's tag; fed to a decoder they are just one more odd
input. Run from the repository root: /usr/bin/python3 fuzz/seeds/unit_vector_seeds.py
"""

import glob
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")

# es10_fuzz.cpp / es10_download_fuzz.cpp selectors by outer tag.
ES10 = {0xBF3E: 0, 0xBF20: 1, 0xBF22: 2, 0xBF2E: 3, 0xBF2D: 4, 0xE3: 5, 0xBF31: 6, 0xBF32: 7,
        0xBF33: 8, 0xBF29: 9, 0xBF34: 10, 0xBF28: 11, 0xBF2F: 12, 0xBF2B: 13, 0xBF30: 15,
        0xBF3C: 16, 0xBF3F: 17, 0xBF43: 18}
DOWNLOAD = {0xBF38: 0, 0xBF21: 1, 0xBF41: 2, 0x30: 3, 0xBF25: 4, 0xBF36: 5, 0xBF37: 6}


def outer_tag(b):
    if not b:
        return None
    tag, i = b[0], 1
    if b[0] & 0x1F == 0x1F:
        while i < len(b):
            tag = tag << 8 | b[i]
            i += 1
            if not b[i - 1] & 0x80:
                break
    return tag


def write(corpus, name, data):
    d = os.path.join(CORPUS, corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def literals(pattern, regex):
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "unit", pattern))):
        with open(path) as f:
            for m in re.finditer(regex, f.read()):
                yield os.path.basename(path).replace("_test.cpp", ""), m.group(1)


def main():
    seen = set()
    for files in ("es10_*_test.cpp", "download_codec_test.cpp"):
        for source, text in literals(files, r'\bh\("([0-9A-Fa-f ]+)"\)'):
            try:
                b = bytes.fromhex(text.replace(" ", ""))
            except ValueError:
                continue
            tag = outer_tag(b)
            for corpus, table in (("es10", ES10), ("es10_download", DOWNLOAD)):
                if tag in table and (corpus, b) not in seen:
                    seen.add((corpus, b))
                    write(corpus, "unit_%s_%d" % (source, len(seen)), bytes([table[tag]]) + b)
    # Text vectors: quoted strings of the small parsers' tests.
    for corpus, files, regex in (
            ("activation_code", "activation_code_test.cpp", r'"((?:LPA:|lpa:)?1\$[^"]*)"'),
            ("iccid", "iccid_test.cpp", r'"([0-9]{17,21})"'),
            ("base64", "es9p_base64_test.cpp", r'"([A-Za-z0-9+/=\\n ]{4,})"')):
        for n, (_, text) in enumerate(literals(files, regex)):
            write(corpus, "unit_%d" % n, text.encode().decode("unicode_escape").encode("latin-1"))


if __name__ == "__main__":
    main()
