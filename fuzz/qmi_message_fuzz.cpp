// What a QMI modem sends (modem/qmi/): QMUX frames read from a byte stream, UIM responses as
// the QMI link decodes them (the SDU bytes libqmi's qmi_message_get_data() hands over), and,
// for the emulated modem, the requests and CTL messages it decodes. First byte picks:
//   0  a QMUX byte stream: frame_size + decode_frame, frame after frame
//   1  a UIM response SDU: Open Logical Channel / Send APDU / Logical Channel decoders
//   2  a UIM request SDU: the emulated modem's request decoders
//   3  a CTL SDU: Allocate / Release CID decoders
// Every decoder returns or throws Error(Malformed / InvalidArgument); a decoded frame encodes
// back to exactly its bytes (the codec is strict: one encoding per message); decoded values
// keep their promises (channel 1..19 on success, a response APDU with its status word, AIDs
// of 5..16 bytes); every failed result maps to a named error with a message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "modem/qmi/ctl.h"
#include "modem/qmi/qmux.h"
#include "modem/qmi/result.h"
#include "modem/qmi/uim.h"

using namespace euiccd;
using namespace euiccd::modem::qmi;
using euiccd::fuzz::check;

namespace {

void expected(const Error& e) {
  check(e.code() == Errc::Malformed || e.code() == Errc::InvalidArgument);
  check(std::string(e.what()).size() > 0);
}

void stream(ByteView bytes) {
  while (!bytes.empty()) {
    const auto size = frame_size(bytes);
    if (!size || *size > bytes.size()) return;
    check(*size <= kMaxFrameBytes);
    const ByteView one = bytes.first(*size);
    bytes = bytes.subspan(*size);
    try {
      const Frame f = decode_frame(one);
      const Bytes again = encode_frame(f);
      check(again.size() == one.size() && std::equal(again.begin(), again.end(), one.begin()));
    } catch (const Error& e) {
      expected(e);
    }
  }
}

void named(const std::string& op, const Result& r, std::optional<uint16_t> sw) {
  if (r.ok()) return;
  const Error e = error_for(op, r.error, sw);
  check(std::string(e.what()).find(op) != std::string::npos);
}

void uim_response(ByteView bytes) {
  const Sdu sdu = decode_sdu(kServiceUim, bytes);
  try {
    const auto open = decode_open_logical_channel_response(sdu);
    if (open.result.ok()) check(open.channel && *open.channel >= 1 && *open.channel <= 19);
    named("Open Logical Channel", open.result, open.card_sw);
  } catch (const Error& e) {
    expected(e);
  }
  try {
    const auto apdu = decode_send_apdu_response(sdu);
    if (apdu.result.ok()) {
      check(apdu.apdu_response && apdu.apdu_response->size() >= 2 &&
            apdu.apdu_response->size() <= kMaxResponseApduBytes);
    }
    named("Send APDU", apdu.result, std::nullopt);
  } catch (const Error& e) {
    expected(e);
  }
  try {
    const auto close = decode_close_logical_channel_response(sdu);
    named("Logical Channel", close.result, close.card_sw);
  } catch (const Error& e) {
    expected(e);
  }
  try {
    named("Power Off SIM", decode_result(sdu), std::nullopt);  // Power Off / On SIM answers
  } catch (const Error& e) {
    expected(e);
  }
}

void uim_request(ByteView bytes) {
  const Sdu sdu = decode_sdu(kServiceUim, bytes);
  try {
    const auto open = decode_open_logical_channel_request(sdu);
    check(open.slot >= 1 && open.aid.size() >= modem::kMinAidBytes &&
          open.aid.size() <= modem::kMaxAidBytes);
    check(!encode(open).empty());
  } catch (const Error& e) {
    expected(e);
  }
  try {
    const auto apdu = decode_send_apdu_request(sdu);
    check(apdu.apdu.size() >= 4 && apdu.apdu.size() <= modem::kMaxCommandApduBytes);
    check(!encode(apdu).empty());
  } catch (const Error& e) {
    expected(e);
  }
  try {
    (void)decode_close_logical_channel_request(sdu);
  } catch (const Error& e) {
    expected(e);
  }
  try {
    const auto power = decode_sim_power_request(sdu);
    check(power.slot >= 1 && encode(power).size() == 1);
  } catch (const Error& e) {
    expected(e);
  }
}

void ctl(ByteView bytes) {
  const Sdu sdu = decode_sdu(kServiceCtl, bytes);
  try {
    (void)decode_allocate_cid_request(sdu);
  } catch (const Error& e) {
    expected(e);
  }
  try {
    (void)decode_release_cid_request(sdu);
  } catch (const Error& e) {
    expected(e);
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
      case 1: uim_response(rest); break;
      case 2: uim_request(rest); break;
      case 3: ctl(rest); break;
    }
  } catch (const Error& e) {
    expected(e);
  }
  return 0;
}
