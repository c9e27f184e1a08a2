// What the emulated QMI and MBIM modems share around their protocol: the virtual eUICC and the
// enabled profile's ICCID they report (read, like a real modem's UIM task does, when the card
// starts: so an Enable without REFRESH shows only after a SIM restart), the fault plan (each fault
// fired once, at the `at`-th request of its kind), the request counters, and how the pty loop
// (vmodem/pty/message_pty.h) drives them. Each modem keeps only its protocol: handle(), reset(),
// message_size().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "veuicc/card.h"
#include "vmodem/pty/message_pty.h"

namespace euiccd::vmodem {

// The faults an emulated modem can inject. The Open Channel faults (AccessDenied up to
// NoChannels) count Open Channel requests, the APDU faults (NoReply and after) APDU requests.
// Which of them a modem offers is its --qmi-fault / --mbim-fault table.
enum class ModemFault {
  None,
  AccessDenied,  // QMI AccessDenied, MBIM OperationNotAllowed
  SelectFailed,  // MBIM MsSelectFailed without a card status (Qualcomm's own AccessDenied)
  NotSupported,  // MBIM NoDeviceSupport
  NoChannels,    // MBIM MsNoLogicalChannels
  NoReply,
  Garbled,
  Truncated,
  ResetMid,
  Slow
};

struct FaultPlan {
  ModemFault fault = ModemFault::None;
  uint64_t at = 1;
  std::chrono::milliseconds slow_delay{1500};  // Slow: how late the answer comes
  std::chrono::milliseconds latency{0};        // every answer (veuicc --latency-ms)
};

// Parses `spec`, "KIND" or "KIND@N", given with `option` ("--qmi-fault"), into a plan. KIND is
// the name of one of the `offered` faults: access-denied, select-failed, not-supported,
// no-channels, no-reply, garbled, truncated, reset-mid, slow. Throws InvalidArgument naming
// the kinds offered.
FaultPlan parse_modem_fault(const std::string& spec, const std::string& option,
                            std::initializer_list<ModemFault> offered);

class UimModem {
 public:
  // `enabled_iccid` gives the enabled profile's ICCID (decimal), empty when none; the modem
  // reads it now and whenever the card starts again (restart_card()).
  UimModem(veuicc::Card& card, std::function<std::string()> enabled_iccid, FaultPlan faults);
  virtual ~UimModem() = default;
  UimModem(const UimModem&) = delete;
  UimModem& operator=(const UimModem&) = delete;

  // One whole message from the host. Messages that do not parse get nothing back.
  virtual PtyAction handle(ByteView message) = 0;

  // The modem restarts: clients, channels and slot mappings are gone, the card is reset.
  virtual void reset() = 0;

  // This modem as the pty loop drives it.
  MessageModem message_modem();

  uint64_t apdus() const { return apdus_; }

 protected:
  // The size of the message starting `bytes` (message_pty.h's MessageModem::message_size).
  virtual std::optional<size_t> message_size(ByteView bytes) const = 0;

  // A message from the host decoded with `decode`; nullopt for one that does not parse, which a
  // real modem drops without an answer.
  template <typename Decode>
  static auto decoded(Decode decode, ByteView bytes) -> std::optional<decltype(decode(bytes))> {
    try {
      return decode(bytes);
    } catch (const Error&) {
      return std::nullopt;
    }
  }

  // Counts an Open Channel request: the plan's Open Channel fault when it fires on this one,
  // else None.
  ModemFault open_fault();
  // Counts an APDU request: the plan's APDU fault when it fires on this one, else None.
  ModemFault apdu_fault();
  // How late an APDU answer goes out: the latency, plus the slow delay when Slow `fired`.
  std::chrono::milliseconds answer_delay(ModemFault fired) const;

  // The card starts again (power-up, REFRESH, SIM power cycle, UICC reset, another slot):
  // the protocol's channels are forgotten (forget_channels()), the card is reset (ATR, only
  // the basic channel), and the enabled profile's ICCID is read anew.
  void restart_card();
  // The protocol forgets every logical channel it had on the card (which is being reset).
  virtual void forget_channels() = 0;
  // The enabled profile's ICCID as read when the card last started; empty when none.
  const std::string& started_iccid() const { return started_iccid_; }

  veuicc::Card& card_;
  FaultPlan faults_;

 private:
  std::function<std::string()> enabled_iccid_;
  std::string started_iccid_;
  bool fault_fired_ = false;
  uint64_t opens_ = 0;
  uint64_t apdus_ = 0;
};

}  // namespace euiccd::vmodem
