// A Card fake for unit tests: a script of expected command APDUs (hex) and the raw responses
// to give back. Any APDU off the script fails the test and throws, so the code under test stops.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "apdu/card.h"
#include "base/bytes.h"
#include "base/error.h"

namespace euiccd::apdu::testing {

class ScriptedCard : public Card {
 public:
  explicit ScriptedCard(Protocol protocol = Protocol::T1) : protocol_(protocol) {}

  // Spaces in the hex are for reading only.
  ScriptedCard& expect(std::string command_hex, std::string response_hex) {
    steps_.push_back({strip(command_hex), strip(response_hex), false});
    return *this;
  }
  // The card is found reset when this command is sent: it does not reach the card, the reset
  // count goes up and CardResetError is thrown, as PcscCard does for SCARD_W_RESET_CARD.
  ScriptedCard& expect_reset_on(std::string command_hex) {
    steps_.push_back({strip(command_hex), {}, true});
    return *this;
  }

  Bytes transmit(ByteView command_apdu) override {
    const std::string got = to_hex(command_apdu);
    sent_.push_back(got);
    if (steps_.empty()) {
      ADD_FAILURE() << "unexpected APDU after the end of the script: " << got;
      throw Error(Errc::Internal, "ScriptedCard: unexpected APDU " + got);
    }
    Step step = steps_.front();
    steps_.pop_front();
    if (got != step.command) {
      ADD_FAILURE() << "APDU " << sent_.size() << " differs from the script\n  expected "
                    << step.command << "\n  got      " << got;
      throw Error(Errc::Internal, "ScriptedCard: unexpected APDU " + got);
    }
    if (step.reset) {
      ++resets_;
      throw CardResetError("ScriptedCard: card was reset");
    }
    return from_hex(step.response);
  }
  Protocol protocol() const override { return protocol_; }
  void reconnect() override { ++resets_; }
  uint64_t reset_count() const override { return resets_; }

  // Simulates a reset noticed elsewhere (another channel, a hotplug reconnect).
  void bump_reset_count() { ++resets_; }
  size_t remaining() const { return steps_.size(); }
  const std::vector<std::string>& sent() const { return sent_; }

 private:
  struct Step {
    std::string command;
    std::string response;
    bool reset;
  };
  static std::string strip(std::string s) {
    std::erase(s, ' ');
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

  Protocol protocol_;
  std::deque<Step> steps_;
  std::vector<std::string> sent_;
  uint64_t resets_ = 0;
};

inline constexpr const char* kIsdR = "A0000005591010FFFFFFFF8900000100";

// MANAGE CHANNEL open answered with `channel`, then SELECT ISD-R answered 9000.
inline void script_open(ScriptedCard& card, uint8_t channel, uint8_t select_cla) {
  const Bytes ch{channel};
  const Bytes cla{select_cla};
  card.expect("00 70 00 00 01", to_hex(ch) + "9000")
      .expect(to_hex(cla) + "A4 04 00 10" + kIsdR, "9000");
}

}  // namespace euiccd::apdu::testing
