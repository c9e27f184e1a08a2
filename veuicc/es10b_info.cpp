// ES10b GetEUICCChallenge (BF2E), GetEUICCInfo1 (BF20), GetEUICCInfo2 (BF22), GetRAT (BF43).
#include <openssl/rand.h>

#include <algorithm>

#include "base/error.h"
#include "veuicc/bits.h"
#include "veuicc/es10.h"

namespace euiccd::veuicc {
namespace {

Bytes version(const std::array<uint8_t, 3>& v) {
  return Bytes(v.begin(), v.end());
}

Bytes ci_list(tlv::Tag tag, const Credentials& credentials) {
  tlv::Builder list(tag);
  for (const auto& ski : credentials.ci_key_ids()) list.add(0x04, ski);
  return list.bytes();
}

Bytes be32(uint64_t v) {
  const uint32_t x = v > 0xFFFFFFFF ? 0xFFFFFFFF : static_cast<uint32_t>(v);
  return {static_cast<uint8_t>(x >> 24), static_cast<uint8_t>(x >> 16),
          static_cast<uint8_t>(x >> 8), static_cast<uint8_t>(x)};
}

// extCardResource (ETSI TS 102 226): 81 installed applications, 82 free NVM, 83 free RAM,
// with the fixed widths real cards use.
Bytes ext_card_resource(const CardState& state) {
  uint64_t used = 0;
  for (const auto& p : state.profiles) used += p.size;
  const uint64_t free_nvm = used >= state.nvm_bytes ? 0 : state.nvm_bytes - used;
  Bytes out;
  tlv::append(out, 0x81, Bytes{static_cast<uint8_t>(std::min<size_t>(state.profiles.size(), 255))});
  tlv::append(out, 0x82, be32(free_nvm));
  tlv::append(out, 0x83, be32(state.free_ram_bytes));
  return out;
}

}  // namespace

Bytes get_euicc_challenge(const tlv::Tlv&, Es10Context& ctx) {
  Bytes challenge(16);
  if (RAND_bytes(challenge.data(), static_cast<int>(challenge.size())) != 1) {
    throw Error(Errc::Internal, "RAND_bytes failed");
  }
  ctx.session.euicc_challenge = challenge;
  return tlv::Builder(0xBF2E).add(0x80, challenge).bytes();
}

Bytes get_euicc_info1(const tlv::Tlv&, Es10Context& ctx) {
  return tlv::Builder(0xBF20)
      .add(0x82, version(ctx.info.svn))
      .add_raw(ci_list(0xA9, ctx.credentials))
      .add_raw(ci_list(0xAA, ctx.credentials))
      .bytes();
}

Bytes get_euicc_info2(const tlv::Tlv&, Es10Context& ctx) {
  // UICCCapability: usimSupport(1), isimSupport(2), akaMilenage(4), akaTuak128(6),
  // akaTuak256(7). RspCapability: additionalProfile(0), testProfileSupport(3).
  const uint32_t uicc_capability = (1u << 1) | (1u << 2) | (1u << 4) | (1u << 6) | (1u << 7);
  const uint32_t rsp_capability = (1u << 0) | (1u << 3);
  return tlv::Builder(0xBF22)
      .add(0x81, version(ctx.info.profile_version))
      .add(0x82, version(ctx.info.svn))
      .add(0x83, version(ctx.info.firmware_version))
      .add(0x84, ext_card_resource(ctx.state()))
      .add(0x85, encode_named_bits(uicc_capability))
      .add(0x86, Bytes{9, 2, 0})  // ts102241Version
      .add(0x87, Bytes{2, 3, 0})  // globalplatformVersion
      .add(0x88, encode_named_bits(rsp_capability))
      .add_raw(ci_list(0xA9, ctx.credentials))
      .add_raw(ci_list(0xAA, ctx.credentials))
      .add(0x8B, tlv::encode_uint(2))              // euiccCategory mediumEuicc
      .add(0x99, encode_named_bits(kPpr1))         // forbiddenProfilePolicyRules
      .add(0x04, Bytes{0, 0, 1})                   // ppVersion (untagged: universal OCTET STRING)
      .add(0x0C, std::string_view("EUICCD-TEST"))  // sasAcreditationNumber (universal UTF8String)
      .bytes();
}

Bytes get_rat(const tlv::Tlv&, Es10Context& ctx) {
  tlv::Builder rat(0xA0);
  for (const auto& rule : ctx.state().rat) {
    tlv::Builder operators(0xA1);
    for (const auto& op : rule.allowed_operators) {
      tlv::Builder id(0x30);
      id.add(0x80, op.mcc_mnc);
      if (op.gid1) id.add(0x81, *op.gid1);
      if (op.gid2) id.add(0x82, *op.gid2);
      operators.add(id);
    }
    rat.add(tlv::Builder(0x30)
                .add(0x80, encode_named_bits(rule.ppr_ids))
                .add(operators)
                .add(0x82, encode_named_bits(rule.consent_required ? 1u : 0u)));
  }
  return tlv::Builder(0xBF43).add(rat).bytes();
}

}  // namespace euiccd::veuicc
