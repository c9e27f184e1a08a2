// The emulated MBIM modem's logic, without I/O: one whole MBIM message from the host (through
// mbim-proxy) in, the messages to answer with out. It answers OPEN / CLOSE, Basic Connect
// Device Caps / Subscriber Ready Status / Device Service Subscribe List, MS Basic Connect
// Extensions Device Slot Mappings / Slot Info Status (two slots: the eUICC in slot 0, slot 1
// empty) and MS UICC Low Level Access ATR / Open Channel / APDU / Close Channel from the
// virtual eUICC, and NoDeviceSupport for everything else (docs/modem-research.md section 9).
// MS UICC Low Level Access Reset restarts the card (its profile read anew) and sets the
// pass-through status it answers with.
// Like Qualcomm's firmware (QBI), an APDU answer carries at most 256 bytes of data; the rest
// waits for the host's GET RESPONSE (61xx).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "modem/mbim/message.h"
#include "vmodem/uim/uim_modem.h"

namespace euiccd::vmodem::mbim {

// "KIND" or "KIND@N"; throws InvalidArgument naming the kinds. Access-denied
// (OperationNotAllowed), select-failed (MsSelectFailed without a card status, as Qualcomm
// firmware reports its own AccessDenied), not-supported (NoDeviceSupport) and no-channels
// (MsNoLogicalChannels) count UICC Open Channel requests; no-reply, garbled, truncated,
// reset-mid and slow count UICC APDU requests.
FaultPlan parse_mbim_fault(const std::string& spec);

class MbimModem final : public UimModem {
 public:
  static constexpr uint32_t kSlots = 2;

  using UimModem::UimModem;

  // One whole MBIM message from the host. Messages that do not parse get nothing back.
  PtyAction handle(ByteView message) override;
  void reset() override;

 private:
  std::optional<size_t> message_size(ByteView bytes) const override;
  PtyAction command(const modem::mbim::Message& request);
  // Status and information buffer of one command.
  std::pair<uint32_t, Bytes> basic_connect(const modem::mbim::Message& request);
  std::pair<uint32_t, Bytes> slots(const modem::mbim::Message& request);
  std::pair<uint32_t, Bytes> open_channel(const modem::mbim::Message& request);
  std::pair<uint32_t, Bytes> close_channel(const modem::mbim::Message& request);
  std::pair<uint32_t, Bytes> apdu(uint32_t channel, const Bytes& command);
  std::pair<uint32_t, Bytes> uicc_reset(const modem::mbim::Message& request);
  void close_all();
  void forget_channels() override;

  uint32_t active_slot_ = 0;             // executor 0's slot
  std::map<uint32_t, uint32_t> groups_;  // open logical channel → channel group
  std::map<uint32_t, Bytes> pending_;    // channel → answer data beyond 256 bytes
  uint32_t pass_through_ = 0;            // UICC Reset's pass-through status
};

}  // namespace euiccd::vmodem::mbim
