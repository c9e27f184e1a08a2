// Writes fuzz seeds from the virtual eUICC's real answers (veuicc/card.h, in-process, no
// pcscd): a card with profiles carrying every ProfileInfo field, pending notifications and a
// RAT is driven through the engine's own card stack, and what the card said is stored:
//
//   fuzz/corpus/es10/  <decoder> <ES10 response>           (es10_fuzz.cpp selectors)
//   fuzz/corpus/apdu/  <config> <op> <op> <R-APDU records>  (apdu_fuzz.cpp format)
//
// Build and run (from the repository root; needs the veuicc and the test PKI script):
//   cmake --build build-fuzz --target veuicc_seeds && build-fuzz/fuzz/veuicc_seeds .
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "apdu/card.h"
#include "apdu/es10_channel.h"
#include "apdu/logical_channel.h"
#include "base/error.h"
#include "lpa/es10_client.h"
#include "lpa/tlv.h"
#include "veuicc/card.h"
#include "veuicc/credentials.h"
#include "veuicc/state.h"

using namespace euiccd;
namespace fs = std::filesystem;

namespace {

fs::path g_root;

void write(const std::string& corpus, const std::string& name, const Bytes& data) {
  const fs::path dir = g_root / "fuzz" / "corpus" / corpus;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// es10_fuzz.cpp Decoder numbers by the command's tag.
const std::map<tlv::Tag, uint8_t> kEs10Selector = {
    {0xBF3E, 0},  {0xBF20, 1},  {0xBF22, 2},  {0xBF2E, 3},  {0xBF2D, 4},  {0xBF31, 6},
    {0xBF32, 7},  {0xBF33, 8},  {0xBF29, 9},  {0xBF34, 10}, {0xBF28, 11}, {0xBF2B, 13},
    {0xBF30, 15}, {0xBF3C, 16}, {0xBF3F, 17}, {0xBF43, 18}};

// Sits between Es10Client and the card transport and keeps every response as an es10 seed.
class RecordingTransport : public lpa::Es10Transport {
 public:
  explicit RecordingTransport(lpa::Es10Transport& inner) : inner_(inner) {}
  Bytes transceive(ByteView command) override {
    Bytes response = inner_.transceive(command);
    size_t used = 0;
    const tlv::Tlv c = tlv::parse_prefix(command, &used);
    const auto it = kEs10Selector.find(c.tag);
    if (it != kEs10Selector.end() && !response.empty()) {
      Bytes seed{it->second};
      append(seed, response);
      write("es10", tag_name(c.tag) + "_" + std::to_string(++count_[c.tag]), seed);
      split_lists(c.tag, response);
    }
    return response;
  }

 private:
  static std::string tag_name(tlv::Tag tag) {
    Bytes b;
    tlv::append_tag(b, tag);
    return to_hex(b);
  }
  // Entries of the lists also go to the single-entry decoders (ProfileInfo, metadata).
  void split_lists(tlv::Tag tag, ByteView response) {
    const tlv::Tlv r = tlv::parse_one(response);
    const auto list = r.find(0xA0);
    if (!list) return;
    int n = 0;
    for (const tlv::Tlv& item : list->children()) {
      if (tag == 0xBF2D) write("es10", "profile_info_" + std::to_string(++n), with(5, item.raw));
      if (tag == 0xBF28) write("es10", "metadata_" + std::to_string(++n), with(12, item.raw));
    }
  }
  static Bytes with(uint8_t selector, ByteView body) {
    Bytes out{selector};
    append(out, body);
    return out;
  }

  lpa::Es10Transport& inner_;
  std::map<tlv::Tag, int> count_;
};

// apdu::Card on the virtual eUICC that keeps every R-APDU in apdu_fuzz.cpp's record format.
class RecordingCard : public apdu::Card {
 public:
  RecordingCard(veuicc::Card& card, apdu::Protocol protocol) : card_(card), protocol_(protocol) {}
  Bytes transmit(ByteView command) override {
    Bytes r = card_.transmit(command);
    if (r.size() < 0xFD) {
      records_.push_back(static_cast<uint8_t>(r.size()));
    } else {
      records_.insert(records_.end(), {0xFD, static_cast<uint8_t>(r.size() >> 8),
                                       static_cast<uint8_t>(r.size() & 0xFF)});
    }
    append(records_, r);
    return r;
  }
  apdu::Protocol protocol() const override { return protocol_; }
  void reconnect() override {}
  const Bytes& records() const { return records_; }

 private:
  veuicc::Card& card_;
  apdu::Protocol protocol_;
  Bytes records_;
};

veuicc::CardState rich_state() {
  veuicc::CardState s;
  s.default_dp_address = "smdp.example.com";
  veuicc::Profile a;
  a.iccid = "8944476500001224158";
  a.isdp_aid = from_hex("A0000005591010FFFFFFFF8900001100");
  a.enabled = true;
  a.nickname = "Work";
  a.service_provider_name = "Operator A";
  a.profile_name = "A Prepaid";
  a.icon_type = 1;
  a.icon = from_hex("89504E470D0A1A0A");
  a.profile_class = veuicc::ProfileClass::Operational;
  a.notification_configuration = std::vector<veuicc::NotificationConfig>{
      {veuicc::NotificationEvent::Install, "smdp.example.com"},
      {veuicc::NotificationEvent::Delete, "smdp.example.com"}};
  a.profile_owner = veuicc::OperatorId{from_hex("02F601"), from_hex("01"), std::nullopt};
  a.dp_proprietary_data = from_hex("8001AA");
  a.policy_rules = veuicc::kPpr2;
  a.size = 10000;
  veuicc::Profile b;
  b.iccid = "894447650000122415";
  b.isdp_aid = from_hex("A0000005591010FFFFFFFF8900001200");
  b.profile_class = veuicc::ProfileClass::Test;
  b.size = 5000;
  s.profiles = {a, b};
  s.notifications = {{1, veuicc::NotificationEvent::Enable, "smdp.example.com", a.iccid, {}},
                     {2, veuicc::NotificationEvent::Delete, "other.example.com", b.iccid, {}}};
  s.next_seq_number = 3;
  veuicc::RatRule rule;
  rule.ppr_ids = veuicc::kPpr1;
  rule.allowed_operators = {veuicc::OperatorId{from_hex("02F6E0"), std::nullopt, std::nullopt}};
  rule.consent_required = true;
  s.rat = {rule};
  return s;
}

// apdu_fuzz.cpp operation numbers.
const std::vector<std::pair<uint8_t, const char*>> kOperations = {{0, "get_eid"},
                                                                  {1, "euicc_info1"},
                                                                  {2, "euicc_info2"},
                                                                  {3, "challenge"},
                                                                  {4, "profiles_info"},
                                                                  {5, "enable"},
                                                                  {6, "disable"},
                                                                  {7, "delete"},
                                                                  {8, "set_nickname"},
                                                                  {9, "memory_reset"},
                                                                  {10, "list_notifications"},
                                                                  {11, "retrieve_all"},
                                                                  {12, "retrieve_one"},
                                                                  {13, "remove_notification"},
                                                                  {14, "addresses"},
                                                                  {15, "set_default_dp"},
                                                                  {16, "rat"},
                                                                  {17, "authenticate_server"},
                                                                  {18, "prepare_download"},
                                                                  {19, "cancel_session"},
                                                                  {20, "load_bpp_piece"}};

void run_operation(uint8_t op, lpa::Es10Client& es10) {
  const auto id = lpa::ProfileIdentifier::from_iccid("894447650000122415");
  switch (op) {
    case 0: es10.get_eid(); break;
    case 1: es10.get_euicc_info1(); break;
    case 2: es10.get_euicc_info2(); break;
    case 3: es10.get_euicc_challenge(); break;
    case 4: es10.get_profiles_info(); break;
    case 5: es10.enable_profile(id, true); break;
    case 6: es10.disable_profile(id, false); break;
    case 7: es10.delete_profile(id); break;
    case 8: es10.set_nickname("8944476500001224158", "fuzz"); break;
    case 9: es10.memory_reset({true, true, true}); break;
    case 10: es10.list_notifications(); break;
    case 11: es10.retrieve_notifications(); break;
    case 12: es10.retrieve_notifications(1); break;
    case 13: es10.remove_notification(1); break;
    case 14: es10.get_configured_addresses(); break;
    case 15: es10.set_default_dp_address("smdp.example.com"); break;
    case 16: es10.get_rat(); break;
    // Download commands outside a session: the card's refusals are real answers too. The
    // requests are the ones apdu_fuzz.cpp sends.
    case 17: {
      lpa::AuthenticateServerRequest r;
      r.server_signed1 = tlv::Builder(0x30).add(0x80, Bytes(16, 0x01)).bytes();
      r.server_signature1 = tlv::encode(0x5F37, Bytes(64, 0x5A));
      r.euicc_ci_pkid_to_be_used = tlv::encode(0x04, Bytes(20, 0x81));
      r.server_certificate = tlv::Builder(0x30).add(0x04, Bytes(500, 0x30)).bytes();
      r.matching_id = "FUZZ-1";
      es10.authenticate_server(r);
      break;
    }
    case 18: {
      lpa::PrepareDownloadRequest r;
      r.smdp_signed2 = tlv::Builder(0x30).add(0x80, Bytes(16, 1)).add(0x01, Bytes{0}).bytes();
      r.smdp_signature2 = tlv::encode(0x5F37, Bytes(64, 0x5A));
      r.smdp_certificate = tlv::Builder(0x30).add(0x04, Bytes(300, 0x30)).bytes();
      es10.prepare_download(r);
      break;
    }
    case 19: es10.cancel_session(Bytes(16, 1), CancelReason::EndUserRejection); break;
    case 20: es10.load_bound_profile_package_piece(tlv::encode(0x86, Bytes(1020, 0x86))); break;
    default: break;
  }
}

struct Variant {
  const char* suffix;
  uint8_t config;  // apdu_fuzz config byte
  veuicc::Protocol protocol;
  size_t max_block;
};

}  // namespace

int main(int argc, char** argv) {
  g_root = argc > 1 ? fs::path(argv[1]) : fs::current_path();
  const fs::path pki = fs::temp_directory_path() / ("veuicc-seeds-" + std::to_string(::getpid()));
  const std::string script =
      "sh " + (g_root / "tests/pki/make-test-pki.sh").string() + " " + pki.string() + " >/dev/null";
  if (std::system(script.c_str()) != 0) {
    std::cerr << "make-test-pki.sh failed\n";
    return 1;
  }
  const veuicc::Credentials credentials = veuicc::Credentials::load({(pki / "euicc.pem").string(),
                                                                     (pki / "euicc.key").string(),
                                                                     (pki / "eum.pem").string(),
                                                                     {(pki / "ci.pem").string()}});

  const Variant variants[] = {{"", 0x00, veuicc::Protocol::T1, 0},
                              {"_t0", 0x01, veuicc::Protocol::T0, 0},
                              {"_small_blocks", 0x00, veuicc::Protocol::T1, 64}};
  for (const Variant& v : variants) {
    for (const auto& [op, name] : kOperations) {
      veuicc::StateStore store("", rich_state());
      veuicc::CardConfig config;
      config.protocol = v.protocol;
      config.max_block = v.max_block;
      config.eid = from_hex("89049032123451234512345678901235");
      veuicc::Card vcard(config, store, credentials);
      RecordingCard card(
          vcard, v.protocol == veuicc::Protocol::T0 ? apdu::Protocol::T0 : apdu::Protocol::T1);
      {
        apdu::LogicalChannel channel(card);
        apdu::Es10Channel es10_channel(channel);
        RecordingTransport recording(es10_channel);
        lpa::Es10Client es10(recording);
        lpa::Es10Client plain(es10_channel);
        for (uint8_t o : {op, uint8_t{3}}) {
          try {
            run_operation(o, *v.suffix ? plain : es10);
          } catch (const Error& e) {
            std::cerr << name << v.suffix << ": " << e.what() << "\n";
          }
        }
      }  // the channel closes here: its MANAGE CHANNEL answer is recorded too
      Bytes seed{v.config, op, 3};
      append(seed, card.records());
      write("apdu", std::string(name) + v.suffix, seed);
    }
  }
  fs::remove_all(pki);
  return 0;
}
