// What the emulated QMI and MBIM modems share of a real modem's UIM task and of their setup:
// the card's status word, the class byte of a logical channel, the 61xx pieces the modem
// fetches from the card itself, the profile the modem read when the card last started, and the
// --qmi-fault / --mbim-fault "KIND@N" syntax.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "veuicc/card.h"

namespace euiccd::vmodem {

// SW1 SW2 of a card response; 6F00 when it is too short to have one.
inline uint16_t sw_of(const Bytes& r) {
  return r.size() < 2 ? 0x6F00 : static_cast<uint16_t>(r[r.size() - 2] << 8 | r[r.size() - 1]);
}

// SELECT by AID (00 A4 04 P2 Lc AID 00) on logical channel `channel` (class byte 0x0N, or
// 0x4M for channels 4..19).
Bytes select_by_aid(uint32_t channel, uint8_t p2, const Bytes& aid);

// Sends `command` to the card and, like a modem's UIM task, fetches the 61xx pieces with GET
// RESPONSE itself (64 at most), so the host gets one whole answer: all data + the last SW.
Bytes transmit_whole(veuicc::Card& card, const Bytes& command);

// The card as a modem's UIM task starts it: at power-up, after a REFRESH, a SIM power cycle or
// a UICC reset the card is reset and the modem reads the enabled profile's ICCID anew, which it
// reports (card/slot status, subscriber ready status) until the next start. So an Enable
// without REFRESH shows only after a SIM restart, as on a real modem.
class StartedCard {
 public:
  // `enabled_iccid` gives the enabled profile's ICCID (decimal), empty when none.
  StartedCard(veuicc::Card& card, std::function<std::string()> enabled_iccid)
      : card_(card), enabled_iccid_(std::move(enabled_iccid)), iccid_(enabled_iccid_()) {}

  void restart() {
    card_.reset();
    iccid_ = enabled_iccid_();
  }
  const std::string& iccid() const { return iccid_; }

 private:
  veuicc::Card& card_;
  std::function<std::string()> enabled_iccid_;
  std::string iccid_;
};

// Parses `spec`, "KIND" or "KIND@N" (N ≥ 1, default 1), into a fault plan with the members
// `fault` (one of `kinds`) and `at`. Throws InvalidArgument: "<option> KIND@N wants N ≥ 1…",
// or "<option> wants <wanted>, not …" for an unknown kind.
struct FaultSpec {
  std::string kind;
  uint64_t at = 1;
};
FaultSpec split_fault_spec(const std::string& spec, const std::string& option);

template <typename Plan, typename Kind>
Plan parse_fault_plan(const std::string& spec, const std::string& option,
                      const std::map<std::string, Kind>& kinds, const std::string& wanted) {
  const FaultSpec parsed = split_fault_spec(spec, option);
  const auto it = kinds.find(parsed.kind);
  if (it == kinds.end()) {
    throw Error(Errc::InvalidArgument, option + " wants " + wanted + ", not \"" + spec + "\"");
  }
  Plan plan;
  plan.fault = it->second;
  plan.at = parsed.at;
  return plan;
}

}  // namespace euiccd::vmodem
