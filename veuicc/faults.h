// Fault injection for tests: slow card, wrong status words, card pulled out, garbage answers.
// APDUs are numbered from 1 in the order they arrive over the vpcd link, across reconnects
// (control codes such as power on or "get ATR" are not counted).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "base/bytes.h"

namespace euiccd::veuicc {

struct FaultPlan {
  unsigned latency_ms = 0;                // added before every answer
  std::map<uint64_t, uint16_t> sw_at;     // APDU n → answered with only this SW, not processed
  std::set<uint64_t> remove_at;           // APDU n → connection closed instead of an answer
  std::optional<unsigned> remove_for_ms;  // after a removal: come back after this long, or exit
  std::set<uint64_t> garbage_at;          // APDU n → processed, answer replaced by broken TLV

  bool empty() const {
    return latency_ms == 0 && sw_at.empty() && remove_at.empty() && garbage_at.empty();
  }
};

// Parses "N=XXXX" (decimal APDU number, 4 hex digits) for --sw-at; throws InvalidArgument.
std::pair<uint64_t, uint16_t> parse_sw_at(const std::string& spec);

// A truncated / lying TLV in place of `response` (data + SW): half of the data with the SW
// kept, or, for an answer without data, a TLV whose length claims 16 MiB + 9000.
Bytes garble_response(ByteView response);

}  // namespace euiccd::veuicc
