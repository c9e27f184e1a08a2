// An Es10Transport in front of the real one that remembers each ES10 command's tag and the
// sizes of command and response, so the benchmark can compute the physical minimum of APDUs
// for exactly the messages that crossed (bench/physical_minimum.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lpa/transport.h"

namespace euiccd::bench {

struct Es10Message {
  uint32_t tag = 0;  // BF2D, BF36, A0, 86, ... (the first tag of the command)
  size_t command_bytes = 0;
  size_t response_bytes = 0;
};

class Es10Recorder : public lpa::Es10Transport {
 public:
  explicit Es10Recorder(lpa::Es10Transport& inner) : inner_(inner) {}

  Bytes transceive(ByteView command) override {
    Es10Message m;
    m.tag = first_tag(command);
    m.command_bytes = command.size();
    Bytes response = inner_.transceive(command);
    m.response_bytes = response.size();
    messages_.push_back(m);
    return response;
  }

  const std::vector<Es10Message>& messages() const { return messages_; }
  void clear() { messages_.clear(); }

  static uint32_t first_tag(ByteView command) {
    if (command.empty()) return 0;
    uint32_t tag = command[0];
    if ((command[0] & 0x1F) != 0x1F) return tag;
    for (size_t i = 1; i < command.size() && i < 4; ++i) {
      tag = (tag << 8) | command[i];
      if ((command[i] & 0x80) == 0) break;
    }
    return tag;
  }

 private:
  lpa::Es10Transport& inner_;
  std::vector<Es10Message> messages_;
};

}  // namespace euiccd::bench
