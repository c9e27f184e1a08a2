// The card's R-APDUs, through the whole card stack the daemon uses: LogicalChannel (MANAGE
// CHANNEL, SELECT with AID fallback, 61xx / 6Cxx, 91xx), Es10Channel (STORE DATA blocks,
// segment-size fallback, reset retry) and Es10Client with its decoders. A fake apdu::Card
// answers each command APDU with the next record of the input.
//
// Input: <config> <operation> <operation> then one record per command APDU: <len> <R-APDU>,
// where len FD is followed by a two-byte length (answers of 253 bytes and more), FE makes the
// card go away and FF makes it report a reset (CardResetError) instead of answering. When the
// records run out the card is gone too, so every run ends. config bit 0 picks T=0, bits 1-3
// the first STORE DATA segment size.
//
// Must hold: nothing but euiccd::Error escapes, every command APDU we send is a well-formed
// short APDU, and STORE DATA goes out on the logical channel the card opened for us.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "apdu/card.h"
#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "lpa/es10_client.h"
#include "lpa/tlv.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::fuzz::check;

namespace {

constexpr uint8_t kRecordLong = 0xFD;
constexpr uint8_t kRecordRemoved = 0xFE;
constexpr uint8_t kRecordReset = 0xFF;

// CLA → logical channel (ISO 7816-4 §5.4.1: 0x0N/0x8N for 0-3, 0x4M/0xCM for 4 + M).
unsigned channel_of(uint8_t cla) {
  return (cla & 0x40) ? 4U + (cla & 0x0FU) : cla & 0x03U;
}

void check_short_apdu(ByteView c) {
  check(c.size() >= 4);
  if (c.size() <= 5) return;  // case 1, or case 2 with its Le
  const size_t lc = c[4];
  check(lc != 0);  // Lc 00 would be an extended APDU
  check(c.size() == 5 + lc || c.size() == 6 + lc);
}

class FuzzedCard : public apdu::Card {
 public:
  FuzzedCard(fuzz::Input& in, apdu::Protocol protocol) : in_(in), protocol_(protocol) {}

  void watch(const apdu::LogicalChannel* channel) { channel_ = channel; }

  Bytes transmit(ByteView command) override {
    check_short_apdu(command);
    if (command[1] == 0xE2 && channel_ != nullptr && channel_->is_open())
      check(channel_of(command[0]) == channel_->number());
    if (in_.empty()) throw Error(Errc::CardRemoved, "fuzzed card: out of answers");
    size_t len = in_.byte();
    if (len == kRecordReset) {
      ++resets_;
      throw apdu::CardResetError("fuzzed card: reset");
    }
    if (len == kRecordRemoved) throw Error(Errc::CardRemoved, "fuzzed card: removed");
    if (len == kRecordLong) {
      const size_t high = in_.byte();
      len = high << 8 | in_.byte();
    }
    const ByteView answer = in_.take(len);
    return {answer.begin(), answer.end()};
  }
  apdu::Protocol protocol() const override { return protocol_; }
  void reconnect() override { ++resets_; }
  uint64_t reset_count() const override { return resets_; }

 private:
  fuzz::Input& in_;
  apdu::Protocol protocol_;
  const apdu::LogicalChannel* channel_ = nullptr;
  uint64_t resets_ = 0;
};

const ProfileIdentifier& profile() {
  static const ProfileIdentifier id = ProfileIdentifier::from_iccid("8944476500001224158");
  return id;
}

AuthenticateServerRequest authenticate_request() {
  AuthenticateServerRequest r;
  r.server_signed1 = tlv::Builder(0x30).add(0x80, Bytes(16, 0x01)).bytes();
  r.server_signature1 = tlv::encode(0x5F37, Bytes(64, 0x5A));
  r.euicc_ci_pkid_to_be_used = tlv::encode(0x04, Bytes(20, 0x81));
  // A certificate-sized part, so the command takes several STORE DATA blocks.
  r.server_certificate = tlv::Builder(0x30).add(0x04, Bytes(500, 0x30)).bytes();
  r.matching_id = "FUZZ-1";
  return r;
}

void run(uint8_t operation, Es10Client& es10) {
  switch (operation % 22) {
    case 0: check(es10.get_eid().size() == 32); break;
    case 1: es10.get_euicc_info1(); break;
    case 2: es10.get_euicc_info2(); break;
    case 3: check(es10.get_euicc_challenge().size() == 16); break;
    case 4: es10.get_profiles_info(); break;
    case 5: es10.enable_profile(profile(), true); break;
    case 6: es10.disable_profile(profile(), false); break;
    case 7: es10.delete_profile(profile()); break;
    case 8: es10.set_nickname("8944476500001224158", "fuzz"); break;
    case 9: es10.memory_reset({true, true, true}); break;
    case 10: es10.list_notifications(); break;
    case 11: es10.retrieve_notifications(); break;
    case 12: es10.retrieve_notifications(7); break;
    case 13: es10.remove_notification(7); break;
    case 14: es10.get_configured_addresses(); break;
    case 15: es10.set_default_dp_address("smdp.example.com"); break;
    case 16: es10.get_rat(); break;
    case 17: es10.authenticate_server(authenticate_request()); break;
    case 18: {
      PrepareDownloadRequest r;
      r.smdp_signed2 = tlv::Builder(0x30).add(0x80, Bytes(16, 1)).add(0x01, Bytes{0}).bytes();
      r.smdp_signature2 = tlv::encode(0x5F37, Bytes(64, 0x5A));
      r.smdp_certificate = tlv::Builder(0x30).add(0x04, Bytes(300, 0x30)).bytes();
      es10.prepare_download(r);
      break;
    }
    case 19: es10.cancel_session(Bytes(16, 1), CancelReason::EndUserRejection); break;
    case 20: es10.load_bound_profile_package_piece(tlv::encode(0x86, Bytes(1020, 0x86))); break;
    case 21: es10.get_euicc_challenge(); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr size_t kSegmentSizes[] = {255, 255, 255, 200, 120, 64, 32, 16};
  fuzz::Input in(data, size);
  const uint8_t config = in.byte();
  const uint8_t first = in.byte();
  const uint8_t second = in.byte();
  FuzzedCard card(in, (config & 1) ? apdu::Protocol::T0 : apdu::Protocol::T1);
  try {
    apdu::LogicalChannel channel(card);
    card.watch(&channel);
    apdu::Es10Channel es10_channel(channel, kSegmentSizes[(config >> 1) & 7]);
    Es10Client es10(es10_channel);
    for (uint8_t operation : {first, second}) {
      try {
        run(operation, es10);
      } catch (const Error&) {
        // The next operation runs on whatever state the failure left (as the daemon does).
      }
      check(es10_channel.segment_size() >= 1 && es10_channel.segment_size() <= 255);
    }
    card.watch(nullptr);
  } catch (const Error&) {
  }
  return 0;
}
