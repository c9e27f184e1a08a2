// What an MBIM modem sends (modem/mbim/): messages read from a byte stream, COMMAND_DONE
// information buffers as the MBIM link decodes them, and, for the emulated modem, the requests
// it decodes. First byte picks:
//   0  a byte stream: message_size + Reassembler, message after message (fragments joined)
//   1  an LLA response buffer: Open Channel / APDU / Close Channel, slot info and mappings
//   2  an LLA request buffer: the emulated modem's request decoders
//   3  one whole message: decode_message, then its information buffer by service and CID
// Every decoder returns or throws Error(Malformed / InvalidArgument); a decoded unfragmented
// message encodes back to exactly its bytes (one encoding per message); decoded values keep
// their promises (AIDs of 5..16 bytes, command APDUs of 4..261 bytes on channels 1..19,
// response arrays within their bound); every status maps to a named error whose message names
// the operation.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "modem/mbim/message.h"
#include "modem/mbim/services.h"
#include "modem/mbim/status.h"

using namespace euiccd;
using namespace euiccd::modem::mbim;
using euiccd::fuzz::check;

namespace {

void expected(const Error& e) {
  check(e.code() == Errc::Malformed || e.code() == Errc::InvalidArgument);
  check(std::string(e.what()).size() > 0);
}

template <typename F>
void guarded(F f) {
  try {
    f();
  } catch (const Error& e) {
    expected(e);
  }
}

void named(const std::string& op, uint32_t status, std::optional<uint16_t> sw) {
  const Error e = error_for(op, status, sw);
  check(std::string(e.what()).find(op) != std::string::npos);
}

void responses(ByteView info) {
  guarded([&] {
    const auto open = decode_open_channel_response(info);
    check(open.response.size() <= kMaxResponseBytes);
    named("UICC Open Channel", open.status, sw_of_status(open.status));
  });
  guarded([&] {
    const auto apdu = decode_apdu_response(info);
    check(apdu.response.size() <= kMaxResponseBytes);
    check(status_of_sw(sw_of_status(apdu.status)) == (apdu.status & 0xFFFF));
  });
  guarded([&] { (void)decode_close_channel_response(info); });
  guarded([&] {
    const auto reset = decode_reset_response(info);
    check(decode_reset_response(encode(reset)).pass_through_status == reset.pass_through_status);
  });
  guarded([&] { (void)decode_slot_info(info); });
  guarded([&] { check(decode_slot_mappings(info).size() <= 16); });
}

void requests(ByteView info) {
  guarded([&] {
    const auto open = decode_open_channel_request(info);
    check(open.app_id.size() >= modem::kMinAidBytes && open.app_id.size() <= modem::kMaxAidBytes);
    check(decode_open_channel_request(encode(open)).app_id == open.app_id);
  });
  guarded([&] {
    const auto apdu = decode_apdu_request(info);
    check(apdu.command.size() >= 4 && apdu.command.size() <= modem::kMaxCommandApduBytes);
    check(apdu.channel >= 1 && apdu.channel <= kMaxChannel);
    check(decode_apdu_request(encode(apdu)).command == apdu.command);
  });
  guarded([&] { (void)decode_close_channel_request(info); });
  guarded([&] { (void)decode_reset_request(info); });
  guarded([&] { (void)decode_slot_info_request(info); });
}

void whole(ByteView bytes) {
  const Message m = decode_message(bytes);
  const Bytes again = encode_message(m);
  check(again.size() == bytes.size() && std::equal(again.begin(), again.end(), bytes.begin()));
  named("command", m.status, std::nullopt);
  check(!describe_service(m.service).empty());
  if (m.type == kCommandDone || m.type == kIndicateStatus) responses(m.information);
  if (m.type == kCommand) requests(m.information);
}

void stream(ByteView bytes) {
  Reassembler joiner;
  while (!bytes.empty()) {
    const auto size = message_size(bytes);
    if (!size || *size > bytes.size()) return;
    const ByteView one = bytes.first(*size);
    bytes = bytes.subspan(*size);
    try {
      if (const auto m = joiner.add(one)) {
        check(m->information.size() <= kMaxMessageBytes);
        if (m->type == kCommandDone) responses(m->information);
      }
    } catch (const Error& e) {
      expected(e);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  euiccd::fuzz::Input in(data, size);
  const uint8_t selector = in.byte();
  const ByteView rest = in.rest();
  try {
    switch (selector % 4) {
      case 0: stream(rest); break;
      case 1: responses(rest); break;
      case 2: requests(rest); break;
      case 3: whole(rest); break;
    }
  } catch (const Error& e) {
    expected(e);
  }
  return 0;
}
