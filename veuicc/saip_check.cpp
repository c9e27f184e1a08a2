// SAIP profile package check (see saip_check.h). The tags are those of the PEDefinitions
// module's AUTOMATIC TAGS: ProfileElement ::= CHOICE { header [0], genericFileManagement [1],
// pinCodes [2], pukCodes [3], akaParameter [4], cdmaParameter [5], securityDomain [6], rfm [7],
// application [8], nonStandard [9], end [10], rfu1..rfu5 [11..15], mf [16], cd [17],
// telecom [18], usim [19], opt-usim [20], isim [21], opt-isim [22], phonebook [23],
// gsm-access [24], csim [25], opt-csim [26], eap [27], df-5gs [28], df-saip [29],
// df-snpn [30], df-5gprose [31], iot [32], opt-iot [33] }, each a constructed SEQUENCE.
// tests/smdpp/saip.py decodes the same module in full on the server side.
#include "veuicc/saip_check.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace euiccd::veuicc {
namespace {

struct Node {
  uint32_t tag = 0;  // the tag's bytes as one number (0xA0, 0xBF1F)
  bool constructed = false;
  ByteView value;
};

[[noreturn]] void fail(SaipProblem problem, const std::string& detail) {
  throw SaipError(problem, detail);
}

// One DER TLV at `pos`: tag of at most 3 bytes, definite minimal length. nullopt when `data`
// ends before the TLV does (more may follow); a malformed header fails at once.
std::optional<Node> try_read_tlv(ByteView data, size_t& pos) {
  size_t i = pos;
  bool truncated = false;
  const auto next = [&]() -> uint8_t {
    if (i >= data.size()) {
      truncated = true;
      return 0;
    }
    return data[i++];
  };
  Node n;
  const uint8_t first = next();
  if (truncated) return std::nullopt;
  n.constructed = (first & 0x20) != 0;
  n.tag = first;
  if ((first & 0x1F) == 0x1F) {
    uint32_t number = 0;
    for (int k = 0;; ++k) {
      if (k == 2) fail(SaipProblem::NotDer, "tag longer than 3 bytes");
      const uint8_t b = next();
      if (truncated) return std::nullopt;
      if (k == 0 && b == 0x80) fail(SaipProblem::NotDer, "tag number not minimal");
      n.tag = (n.tag << 8) | b;
      number = (number << 7) | (b & 0x7F);
      if (!(b & 0x80)) break;
    }
    if (number < 0x1F) fail(SaipProblem::NotDer, "a short tag number in the long form");
  }
  size_t length = next();
  if (truncated) return std::nullopt;
  if (length == 0x80) fail(SaipProblem::NotDer, "indefinite length");
  if (length > 0x80) {
    const size_t count = length & 0x7F;
    if (count > 3) fail(SaipProblem::NotDer, "length field longer than 3 bytes");
    length = 0;
    for (size_t k = 0; k < count; ++k) {
      const uint8_t b = next();
      if (truncated) return std::nullopt;
      if (k == 0 && b == 0) fail(SaipProblem::NotDer, "length not minimal");
      length = (length << 8) | b;
    }
    if (length < 0x80) fail(SaipProblem::NotDer, "length not minimal");
  }
  if (length > data.size() - i) return std::nullopt;
  n.value = data.subspan(i, length);
  pos = i + length;
  return n;
}

// A TLV inside a value: it must end within that value.
Node read_tlv(ByteView data, size_t& pos) {
  std::optional<Node> n = try_read_tlv(data, pos);
  if (!n) fail(SaipProblem::NotDer, "a TLV runs past its container");
  return *n;
}

std::string tag_hex(uint32_t tag) {
  Bytes b;
  for (int shift = 16; shift >= 0; shift -= 8)
    if ((tag >> shift) != 0 || shift == 0) b.push_back(static_cast<uint8_t>(tag >> shift));
  return to_hex(b);
}

std::vector<Node> children(ByteView value) {
  std::vector<Node> out;
  size_t pos = 0;
  while (pos < value.size()) out.push_back(read_tlv(value, pos));
  return out;
}

// Every constructed value below a PE must itself be TLVs, to a bounded depth.
void check_tree(ByteView value, int depth) {
  size_t pos = 0;
  while (pos < value.size()) {
    const Node n = read_tlv(value, pos);
    if (!n.constructed) continue;
    if (depth + 1 > kSaipMaxDepth) fail(SaipProblem::TooDeep, "nested deeper than PE_Definitions");
    check_tree(n.value, depth + 1);
  }
}

// A non-negative DER INTEGER, minimal, at most `max`; nullopt when it is not.
std::optional<uint32_t> small_uint(ByteView v, uint32_t max) {
  if (v.empty() || v.size() > 3 || (v[0] & 0x80)) return std::nullopt;
  if (v.size() > 1 && v[0] == 0 && !(v[1] & 0x80)) return std::nullopt;
  uint32_t n = 0;
  for (uint8_t b : v) n = (n << 8) | b;
  if (n > max) return std::nullopt;
  return n;
}

struct Alternative {
  uint32_t tag;
  std::string_view name;
};
// ProfileElement alternatives the card accepts (rfu1..rfu5 are placeholders, PE-Dummy).
constexpr std::array<Alternative, 29> kAlternatives{{
    {0xA0, "header"},
    {0xA1, "genericFileManagement"},
    {0xA2, "pinCodes"},
    {0xA3, "pukCodes"},
    {0xA4, "akaParameter"},
    {0xA5, "cdmaParameter"},
    {0xA6, "securityDomain"},
    {0xA7, "rfm"},
    {0xA8, "application"},
    {0xA9, "nonStandard"},
    {0xAA, "end"},
    {0xB0, "mf"},
    {0xB1, "cd"},
    {0xB2, "telecom"},
    {0xB3, "usim"},
    {0xB4, "opt-usim"},
    {0xB5, "isim"},
    {0xB6, "opt-isim"},
    {0xB7, "phonebook"},
    {0xB8, "gsm-access"},
    {0xB9, "csim"},
    {0xBA, "opt-csim"},
    {0xBB, "eap"},
    {0xBC, "df-5gs"},
    {0xBD, "df-saip"},
    {0xBE, "df-snpn"},
    {0xBF1F, "df-5gprose"},
    {0xBF20, "iot"},
    {0xBF21, "opt-iot"},
}};

std::string_view element_name(uint32_t tag) {
  for (const Alternative& a : kAlternatives)
    if (a.tag == tag) return a.name;
  return {};
}

// PEs allowed once, and the PEs that need another one before them (pySim CheckBasicStructure).
constexpr std::array<std::string_view, 11> kOnce{"end",      "cd",      "telecom",  "usim",
                                                 "isim",     "csim",    "opt-usim", "opt-isim",
                                                 "opt-csim", "df-saip", "df-5gs"};
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kNeeds{{
    {"opt-usim", "usim"},
    {"opt-isim", "isim"},
    {"gsm-access", "usim"},
    {"phonebook", "usim"},
    {"df-5gs", "usim"},
    {"df-saip", "usim"},
    {"opt-csim", "csim"},
}};

// SAIP major versions this card implements (v2.x and v3.x share the element set it checks).
constexpr uint32_t kMinMajorVersion = 2, kMaxMajorVersion = 3;
// ServicesList has 30 NULL components, [0] contactless ... [29] eaka.
constexpr uint32_t kLastService = 29;
constexpr size_t kIccidBytes = 10;

// ServicesList bit for usim [1], isim [2], csim [3].
constexpr std::array<std::pair<uint32_t, std::string_view>, 3> kNaaServices{
    {{1, "usim"}, {2, "isim"}, {3, "csim"}}};

struct Header {
  std::string iccid;
  std::set<uint32_t> services;
};

std::string header_iccid(ByteView v) {
  if (v.size() != kIccidBytes) fail(SaipProblem::BadProfileHeader, "iccid is not 10 bytes");
  std::string digits = to_hex(v);
  while (!digits.empty() && digits.back() == 'F') digits.pop_back();
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    fail(SaipProblem::BadProfileHeader, "iccid is not BCD digits");
  return digits;
}

// ProfileHeader ::= SEQUENCE { major-version [0], minor-version [1], profileType [2] OPTIONAL,
// iccid [3], pol [4] OPTIONAL, eUICC-Mandatory-services [5], eUICC-Mandatory-GFSTEList [6],
// connectivityParameters [7] OPTIONAL, eUICC-Mandatory-AIDs [8] OPTIONAL, iotOptions [9] OPTIONAL }
Header check_profile_header(const Node& pe) {
  struct Field {
    uint32_t tag;
    bool optional;
  };
  static constexpr std::array<Field, 10> kFields{{{0x80, false},
                                                  {0x81, false},
                                                  {0x82, true},
                                                  {0x83, false},
                                                  {0x84, true},
                                                  {0xA5, false},
                                                  {0xA6, false},
                                                  {0x87, true},
                                                  {0xA8, true},
                                                  {0xA9, true}}};
  const std::vector<Node> items = children(pe.value);
  Header h;
  size_t i = 0;
  for (const Field& f : kFields) {
    if (i < items.size() && items[i].tag == f.tag) {
      const Node& n = items[i++];
      switch (f.tag) {
        case 0x80: {
          const auto major = small_uint(n.value, 255);
          if (!major || *major < kMinMajorVersion || *major > kMaxMajorVersion)
            fail(SaipProblem::BadProfileHeader, "unsupported major-version");
          break;
        }
        case 0x81:
          if (!small_uint(n.value, 255)) fail(SaipProblem::BadProfileHeader, "bad minor-version");
          break;
        case 0x83: h.iccid = header_iccid(n.value); break;
        case 0xA5: {
          uint32_t last = 0;
          bool any = false;
          for (const Node& s : children(n.value)) {
            const uint32_t number = s.tag & 0x1F;
            if ((s.tag & 0xE0) != 0x80 || number > kLastService || !s.value.empty() ||
                (any && number <= last))
              fail(SaipProblem::BadProfileHeader, "bad eUICC-Mandatory-services");
            h.services.insert(number);
            last = number;
            any = true;
          }
          break;
        }
        case 0xA6:
          for (const Node& oid : children(n.value))
            if (oid.tag != 0x06 || oid.value.empty())
              fail(SaipProblem::BadProfileHeader, "bad eUICC-Mandatory-GFSTEList");
          break;
        default: break;
      }
    } else if (!f.optional) {
      fail(SaipProblem::BadProfileHeader, "a mandatory ProfileHeader field is missing");
    }
  }
  if (i != items.size()) fail(SaipProblem::BadProfileHeader, "unexpected ProfileHeader field");
  return h;
}

// PEHeader ::= SEQUENCE { mandated [0] NULL OPTIONAL, identification [1] UInt15 }, as the first
// component (tag [0]) of every PE but the ProfileHeader.
uint32_t element_identification(const Node& pe) {
  const std::vector<Node> items = children(pe.value);
  if (items.empty() || items[0].tag != 0xA0)
    fail(SaipProblem::BadElementHeader, "the PE does not start with its PEHeader");
  const std::vector<Node> fields = children(items[0].value);
  size_t i = 0;
  if (i < fields.size() && fields[i].tag == 0x80) {
    if (!fields[i].value.empty()) fail(SaipProblem::BadElementHeader, "mandated is not NULL");
    ++i;
  }
  if (i + 1 != fields.size() || fields[i].tag != 0x81)
    fail(SaipProblem::BadElementHeader, "PEHeader is not { [mandated], identification }");
  const auto id = small_uint(fields[i].value, 32767);
  if (!id) fail(SaipProblem::BadElementHeader, "identification is not a UInt15");
  if (pe.tag == 0xAA && items.size() != 1)
    fail(SaipProblem::BadElementHeader, "PE-End holds more than its header");
  return *id;
}

}  // namespace

const char* saip_problem_name(SaipProblem problem) {
  switch (problem) {
    case SaipProblem::NotDer: return "NotDer";
    case SaipProblem::TooDeep: return "TooDeep";
    case SaipProblem::UnknownElement: return "UnknownElement";
    case SaipProblem::BadProfileHeader: return "BadProfileHeader";
    case SaipProblem::BadElementHeader: return "BadElementHeader";
    case SaipProblem::HeaderNotFirst: return "HeaderNotFirst";
    case SaipProblem::MfNotSecond: return "MfNotSecond";
    case SaipProblem::EndNotLast: return "EndNotLast";
    case SaipProblem::DuplicateElement: return "DuplicateElement";
    case SaipProblem::MissingBaseElement: return "MissingBaseElement";
    case SaipProblem::MissingMandatoryService: return "MissingMandatoryService";
    case SaipProblem::DuplicateIdentification: return "DuplicateIdentification";
  }
  return "?";
}

SaipError::SaipError(SaipProblem problem, const std::string& detail)
    : Error(Errc::Malformed,
            std::string("profile package: ") + saip_problem_name(problem) + ": " + detail),
      problem_(problem) {}

void SaipChecker::check_available(ByteView received) {
  while (checked_ < received.size()) {
    size_t pos = checked_;
    const std::optional<Node> pe = try_read_tlv(received, pos);
    if (!pe) return;  // the element is not complete yet
    check_element(pe->tag, pe->constructed, pe->value);
    checked_ = pos;
  }
}

void SaipChecker::check_element(uint32_t tag, bool constructed, ByteView value) {
  const Node pe{tag, constructed, value};
  const std::string_view name = element_name(pe.tag);
  if (name.empty() || !pe.constructed)
    fail(SaipProblem::UnknownElement, "tag " + tag_hex(pe.tag) + " is no ProfileElement");
  check_tree(pe.value, 1);
  if ((count_ == 0) != (name == "header"))
    fail(SaipProblem::HeaderNotFirst, "the ProfileHeader must come first, once");
  if ((count_ == 1) != (name == "mf"))
    fail(SaipProblem::MfNotSecond, "PE-MF must be the second element, once");
  if (last_ == "end") fail(SaipProblem::EndNotLast, "an element follows PE-End");
  if (std::find(kOnce.begin(), kOnce.end(), name) != kOnce.end() && seen_.count(name))
    fail(SaipProblem::DuplicateElement, std::string(name) + " occurs twice");
  if (name == "header") {
    const Header h = check_profile_header(pe);
    iccid_ = h.iccid;
    services_ = h.services;
  } else if (!identifications_.insert(element_identification(pe)).second) {
    fail(SaipProblem::DuplicateIdentification, "identification used twice");
  }
  for (const auto& [element, base] : kNeeds)
    if (name == element && !seen_.count(base))
      fail(SaipProblem::MissingBaseElement, std::string(name) + " without " + std::string(base));
  seen_.insert(name);
  last_ = name;
  ++count_;
}

SaipSummary SaipChecker::finish(ByteView package) {
  check_available(package);
  if (checked_ != package.size()) fail(SaipProblem::NotDer, "the last element is incomplete");
  if (count_ == 0) fail(SaipProblem::HeaderNotFirst, "empty profile package");
  if (count_ < 2) fail(SaipProblem::MfNotSecond, "no PE-MF");
  if (last_ != "end") fail(SaipProblem::EndNotLast, "the last element is not PE-End");
  for (const auto& [bit, naa] : kNaaServices)
    if (services_.count(bit) && !seen_.count(naa))
      fail(SaipProblem::MissingMandatoryService,
           "the header mandates " + std::string(naa) + " but no such PE follows");
  return {iccid_, count_};
}

SaipSummary check_saip(ByteView package) {
  return SaipChecker().finish(package);
}

}  // namespace euiccd::veuicc
