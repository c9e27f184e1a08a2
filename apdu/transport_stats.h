// Counters of what crossed the reader: benchmarks and logs report APDU counts and bytes.
#pragma once

#include <cstdint>

#include "apdu/layering.h"

namespace euiccd::apdu {

struct TransportStats {
  uint64_t apdus = 0;      // command APDUs sent, including MANAGE CHANNEL, SELECT, GET RESPONSE
  uint64_t bytes_out = 0;  // command APDU bytes, headers included
  uint64_t bytes_in = 0;   // response bytes, SW1 SW2 included
};

}  // namespace euiccd::apdu
