#include "vmodem/uim/uim_task.h"

#include <algorithm>

namespace euiccd::vmodem {
namespace {

uint8_t cla_for(uint32_t channel) {
  return channel < 4 ? static_cast<uint8_t>(channel) : static_cast<uint8_t>(0x40 | (channel - 4));
}

}  // namespace

Bytes select_by_aid(uint32_t channel, uint8_t p2, const Bytes& aid) {
  Bytes select(5 + aid.size() + 1, 0x00);  // sized once: the last byte is Le 00
  select[0] = cla_for(channel);
  select[1] = 0xA4;
  select[2] = 0x04;
  select[3] = p2;
  select[4] = static_cast<uint8_t>(aid.size());
  std::copy(aid.begin(), aid.end(), select.begin() + 5);
  return select;
}

Bytes transmit_whole(veuicc::Card& card, const Bytes& command) {
  Bytes r = card.transmit(command);
  Bytes whole;
  for (int i = 0; i < 64 && (sw_of(r) >> 8) == 0x61; ++i) {
    whole.insert(whole.end(), r.begin(), r.end() - 2);
    const uint8_t cla = command.empty() ? 0 : static_cast<uint8_t>(command[0] & 0x43);
    r = card.transmit(Bytes{cla, 0xC0, 0x00, 0x00, static_cast<uint8_t>(sw_of(r) & 0xFF)});
  }
  whole.insert(whole.end(), r.begin(), r.end());
  return whole;
}

FaultSpec split_fault_spec(const std::string& spec, const std::string& option) {
  FaultSpec parsed;
  const auto at = spec.find('@');
  parsed.kind = spec.substr(0, at);
  if (at != std::string::npos) {
    const std::string n = spec.substr(at + 1);
    if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos ||
        std::stoull(n) == 0) {
      throw Error(Errc::InvalidArgument, option + " KIND@N wants N ≥ 1, not \"" + n + "\"");
    }
    parsed.at = std::stoull(n);
  }
  return parsed;
}

}  // namespace euiccd::vmodem
