// The emulated MBIM modem's logic, without I/O: one whole MBIM message from the host (through
// mbim-proxy) in, the messages to answer with out. It answers OPEN / CLOSE, Basic Connect
// Device Caps / Subscriber Ready Status / Device Service Subscribe List, MS Basic Connect
// Extensions Device Slot Mappings / Slot Info Status (two slots: the eUICC in slot 0, slot 1
// empty) and MS UICC Low Level Access ATR / Open Channel / APDU / Close Channel from the
// virtual eUICC, and NoDeviceSupport for everything else (docs/modem-research.md section 9).
// Like Qualcomm's firmware (QBI), an APDU answer carries at most 256 bytes of data; the rest
// waits for the host's GET RESPONSE (61xx).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "modem/mbim/message.h"
#include "veuicc/card.h"
#include "vmodem/pty/message_pty.h"
#include "vmodem/uim/uim_task.h"

namespace euiccd::vmodem::mbim {

// Faults, each fired once (the card is usable again afterwards), at the `at`-th request of its
// kind: access-denied (OperationNotAllowed), select-failed (MsSelectFailed without a card
// status, as Qualcomm firmware reports its own AccessDenied), not-supported (NoDeviceSupport)
// and no-channels (MsNoLogicalChannels) count UICC Open Channel requests; no-reply, garbled,
// truncated, reset-mid and slow count UICC APDU requests.
enum class MbimFault {
  None,
  AccessDenied,
  SelectFailed,
  NotSupported,
  NoChannels,
  NoReply,
  Garbled,
  Truncated,
  ResetMid,
  Slow
};

struct MbimFaultPlan {
  MbimFault fault = MbimFault::None;
  uint64_t at = 1;
  std::chrono::milliseconds slow_delay{1500};  // Slow: how late the answer comes
  std::chrono::milliseconds latency{0};        // every answer (veuicc --latency-ms)
};

// "KIND" or "KIND@N"; throws InvalidArgument naming the kinds.
MbimFaultPlan parse_mbim_fault(const std::string& spec);

using MbimAction = PtyAction;

class MbimModem {
 public:
  static constexpr uint32_t kSlots = 2;

  // `enabled_iccid` gives the enabled profile's ICCID (decimal), empty when none. Like a real
  // modem, this one reads it when the card starts (power-up, REFRESH, UICC Reset) and reports
  // that in Subscriber Ready Status and Slot Info Status.
  MbimModem(veuicc::Card& card, std::function<std::string()> enabled_iccid, MbimFaultPlan faults);

  // One whole MBIM message from the host. Messages that do not parse get nothing back.
  MbimAction handle(ByteView message);

  // This modem as the pty loop (vmodem/pty/message_pty.h) drives it: MBIM messages.
  MessageModem message_modem();

  // The modem restarts: channels and slot mappings are gone, the card is reset.
  void reset();

  uint64_t apdus() const { return apdus_; }

 private:
  MbimAction command(const modem::mbim::Message& request);
  // Status and information buffer of one command.
  std::pair<uint32_t, Bytes> basic_connect(const modem::mbim::Message& request);
  std::pair<uint32_t, Bytes> slots(const modem::mbim::Message& request);
  std::pair<uint32_t, Bytes> open_channel(const modem::mbim::Message& request);
  std::pair<uint32_t, Bytes> close_channel(const modem::mbim::Message& request);
  std::pair<uint32_t, Bytes> apdu(uint32_t channel, const Bytes& command);
  std::pair<uint32_t, Bytes> uicc_reset(const modem::mbim::Message& request);
  void close_all();
  void restart_card();  // the card starts again: channels gone, its profile read anew

  veuicc::Card& card_;
  StartedCard started_;  // what the modem read when the card last started
  MbimFaultPlan faults_;
  bool fault_fired_ = false;
  uint32_t active_slot_ = 0;             // executor 0's slot
  std::map<uint32_t, uint32_t> groups_;  // open logical channel → channel group
  std::map<uint32_t, Bytes> pending_;    // channel → answer data beyond 256 bytes
  uint64_t opens_ = 0;
  uint64_t apdus_ = 0;
  uint32_t pass_through_ = 0;  // UICC Reset's pass-through status
};

}  // namespace euiccd::vmodem::mbim
