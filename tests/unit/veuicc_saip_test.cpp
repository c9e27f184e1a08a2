// The virtual eUICC's SAIP check (veuicc/saip_check.h) on real profile packages from the test
// SM-DP+'s generator (tests/smdpp/upp.py, run with Debian's python3) and on broken ones made
// from them, each refused with its named problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "lpa/tlv.h"
#include "veuicc/saip_check.h"

using namespace euiccd;
using ::testing::HasSubstr;
using veuicc::check_saip;
using veuicc::SaipError;
using veuicc::SaipProblem;

namespace {

constexpr char kIccid[] = "8944000000000000017";

// upp.generate(iccid, size), or the old SAIP-like generator's stream (kept in test_saip.py).
Bytes python_profile(const std::string& expression) {
  const std::string cmd = "/usr/bin/python3 -c 'import sys; sys.path[:0] = [\"" EUICCD_SOURCE_DIR
                          "/tests/smdpp\"]; import upp, test_saip; print(" +
                          expression + ".hex())'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  std::string hex;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) hex.append(buf, n);
  if (pclose(p) != 0) throw std::runtime_error("python failed: " + cmd);
  while (!hex.empty() && (hex.back() == '\n')) hex.pop_back();
  return from_hex(hex);
}

const Bytes& profile_5000() {
  static const Bytes p = python_profile("upp.generate(\"8944000000000000017\", 5000)");
  return p;
}

// The profile's elements as separate byte strings, to rearrange.
std::vector<Bytes> elements(const Bytes& package) {
  std::vector<Bytes> out;
  for (const tlv::Tlv& t : tlv::parse_all(package)) out.emplace_back(t.raw.begin(), t.raw.end());
  return out;
}

Bytes join(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& p : parts) append(out, p);
  return out;
}

SaipProblem problem_of(const Bytes& package) {
  try {
    check_saip(package);
  } catch (const SaipError& e) {
    EXPECT_EQ(e.code(), Errc::Malformed);
    EXPECT_THAT(e.what(), HasSubstr(veuicc::saip_problem_name(e.problem())));
    return e.problem();
  }
  ADD_FAILURE() << "the package was accepted";
  return SaipProblem::NotDer;
}

TEST(VeuiccSaip, GeneratedProfilesPass) {
  const veuicc::SaipSummary s = check_saip(profile_5000());
  EXPECT_EQ(s.iccid, kIccid);
  EXPECT_EQ(s.elements, elements(profile_5000()).size());
  const Bytes big = python_profile("upp.generate(\"8944000000000000025\", 60000)");
  ASSERT_EQ(big.size(), 60000u);
  EXPECT_EQ(check_saip(big).iccid, "8944000000000000025");
}

TEST(VeuiccSaip, OrderAndOccurrence) {
  const std::vector<Bytes> g = elements(profile_5000());
  // header, mf, pukCodes, pinCodes, usim, akaParameter, securityDomain, genericFileManagement...,
  // end
  ASSERT_GE(g.size(), 9u);
  auto without = [&](size_t i) {
    std::vector<Bytes> v = g;
    v.erase(v.begin() + static_cast<long>(i));
    return join(v);
  };
  auto with_extra = [&](size_t at, const Bytes& e) {
    std::vector<Bytes> v = g;
    v.insert(v.begin() + static_cast<long>(at), e);
    return join(v);
  };
  EXPECT_EQ(problem_of(without(0)), SaipProblem::HeaderNotFirst);
  EXPECT_EQ(problem_of(without(g.size() - 1)), SaipProblem::EndNotLast);
  EXPECT_EQ(problem_of(with_extra(g.size(), g.back())), SaipProblem::EndNotLast);
  std::vector<Bytes> swapped = g;
  std::swap(swapped[1], swapped[2]);
  EXPECT_EQ(problem_of(join(swapped)), SaipProblem::MfNotSecond);
  EXPECT_EQ(problem_of(with_extra(4, g[4])), SaipProblem::DuplicateElement);  // two usim
  EXPECT_EQ(problem_of(without(4)), SaipProblem::MissingMandatoryService);    // usim mandated
  EXPECT_EQ(problem_of(with_extra(8, g[7])), SaipProblem::DuplicateIdentification);
  EXPECT_EQ(problem_of(with_extra(2, g[0])), SaipProblem::HeaderNotFirst);
  // opt-usim [20] { optusim-header [0], templateID [1] } before any usim
  EXPECT_EQ(problem_of(with_extra(2, from_hex("B40AA00381016381032B0601"))),
            SaipProblem::MissingBaseElement);
  EXPECT_EQ(problem_of({}), SaipProblem::HeaderNotFirst);
}

TEST(VeuiccSaip, TagsAndHeaders) {
  const std::vector<Bytes> g = elements(profile_5000());
  std::vector<Bytes> v = g;
  v.insert(v.begin() + 7, from_hex("BF2205A003810163"));  // [34]: no such ProfileElement
  EXPECT_EQ(problem_of(join(v)), SaipProblem::UnknownElement);
  v = g;
  v.insert(v.begin() + 7, from_hex("AB05A003810163"));  // rfu1: a placeholder, not a PE
  EXPECT_EQ(problem_of(join(v)), SaipProblem::UnknownElement);
  v = g;
  v.insert(v.begin() + 7, from_hex("A1058103016363"));  // a PE without its PEHeader [0]
  EXPECT_EQ(problem_of(join(v)), SaipProblem::BadElementHeader);
  v = g;
  v.back() = from_hex("AA06A00481020064");  // identification 0x64 written in 2 bytes
  EXPECT_EQ(problem_of(join(v)), SaipProblem::BadElementHeader);
  v = g;
  v.back() = from_hex("AA08A0038101648101FF");  // PE-End with more than its header
  EXPECT_EQ(problem_of(join(v)), SaipProblem::BadElementHeader);

  // ProfileHeader: the ICCID left out; major-version 1 (not a SAIP version this card has).
  const tlv::Tlv header = tlv::parse_one(g[0]);
  tlv::Builder no_iccid(0xA0), old_major(0xA0);
  for (const tlv::Tlv& f : header.children()) {
    if (f.tag != 0x83) no_iccid.add_raw(Bytes(f.raw.begin(), f.raw.end()));
    old_major.add_raw(f.tag == 0x80 ? from_hex("800101") : Bytes(f.raw.begin(), f.raw.end()));
  }
  v = g;
  v[0] = no_iccid.bytes();
  EXPECT_EQ(problem_of(join(v)), SaipProblem::BadProfileHeader);
  v[0] = old_major.bytes();
  EXPECT_EQ(problem_of(join(v)), SaipProblem::BadProfileHeader);
}

TEST(VeuiccSaip, TheOldSaipLikeStreamIsRefused) {
  // Header, PE-NonStandard filler, end: no PE-MF.
  const Bytes old = python_profile("test_saip.old_saip_like(\"8944000000000000017\")");
  EXPECT_EQ(problem_of(old), SaipProblem::MfNotSecond);
}

TEST(VeuiccSaip, DerFormAndDepthAreBounded) {
  std::vector<Bytes> g = elements(profile_5000());
  Bytes bad = join(g);
  bad.push_back(0x00);  // a trailing byte
  EXPECT_EQ(problem_of(bad), SaipProblem::NotDer);
  g.back() = from_hex("AA8105A003810164");  // non-minimal length
  EXPECT_EQ(problem_of(join(g)), SaipProblem::NotDer);
  g.back() = from_hex("AA80A0038101640000");  // indefinite length
  EXPECT_EQ(problem_of(join(g)), SaipProblem::NotDer);

  // A genericFileManagement nested 200 levels deep: refused without deep recursion.
  Bytes nest = from_hex("0400");
  for (int i = 0; i < 200; ++i) nest = tlv::encode(0x30, nest);
  g = elements(profile_5000());
  g.insert(g.end() - 1, tlv::encode(0xA1, join({from_hex("A003810163"), tlv::encode(0xA1, nest)})));
  EXPECT_EQ(problem_of(join(g)), SaipProblem::TooDeep);
}

// As the card receives the package in 1007-byte segments: a bad element is refused as soon as it
// is complete, and the ICCID is known once the header is.
TEST(VeuiccSaip, ChecksElementsAsTheyArrive) {
  const Bytes& p = profile_5000();
  veuicc::SaipChecker streaming;
  for (size_t n = 1007; n < p.size(); n += 1007) {
    streaming.check_available(ByteView(p.data(), n));
    EXPECT_EQ(streaming.iccid(), kIccid);
  }
  EXPECT_EQ(streaming.finish(p).iccid, kIccid);

  std::vector<Bytes> g = elements(p);
  std::swap(g[1], g[2]);  // pukCodes before the MF
  const Bytes bad = join(g);
  veuicc::SaipChecker early;
  try {
    early.check_available(ByteView(bad.data(), 1007));  // header, pukCodes and the MF are in it
    ADD_FAILURE() << "the misplaced element passed";
  } catch (const SaipError& e) {
    EXPECT_EQ(e.problem(), SaipProblem::MfNotSecond);
  }
}

// Every prefix of a valid package is refused with a SaipError (never accepted, never another
// exception): a package cut short in transit cannot be installed.
TEST(VeuiccSaip, EveryTruncationIsRefused) {
  const Bytes& p = profile_5000();
  for (size_t n = 0; n < p.size(); ++n) {
    try {
      check_saip(ByteView(p.data(), n));
      ADD_FAILURE() << "a prefix of " << n << " bytes was accepted";
    } catch (const SaipError&) {
    }
  }
}

}  // namespace
