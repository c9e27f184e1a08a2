// The emulated QMI modem's logic, without I/O: one QMUX frame from a client (through
// qmi-proxy) in, the frames to answer with out. It answers CTL Get Version Info / Allocate CID
// / Release CID / Sync and UIM Get Card Status, Get Slot Status, Register Events, Power Off /
// On, Open Logical Channel, Send APDU and Logical Channel (close) from the virtual eUICC, and
// InvalidQmiCommand (71) for everything else (docs/modem-research.md section 9). Power Off SIM
// closes every logical channel and leaves the card unpowered (Get Card Status: absent; channel
// requests: DeviceNotReady) until Power On SIM, which resets it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "modem/qmi/qmux.h"
#include "veuicc/card.h"
#include "vmodem/pty/message_pty.h"
#include "vmodem/uim/uim_task.h"

namespace euiccd::vmodem::qmi {

// Faults, each fired once (the card is usable again afterwards), at the `at`-th request of its
// kind: access-denied counts Open Logical Channel requests, the others Send APDU requests.
enum class QmiFault { None, AccessDenied, NoReply, Garbled, Truncated, ResetMid, Slow };

struct QmiFaultPlan {
  QmiFault fault = QmiFault::None;
  uint64_t at = 1;
  std::chrono::milliseconds slow_delay{1500};  // Slow: how late the answer comes
  std::chrono::milliseconds latency{0};        // every UIM answer (veuicc --latency-ms)
};

// "KIND" or "KIND@N" (access-denied, no-reply, garbled, truncated, reset-mid, slow); throws
// InvalidArgument naming the kinds.
QmiFaultPlan parse_qmi_fault(const std::string& spec);

using QmiAction = PtyAction;

class QmiModem {
 public:
  // `enabled_iccid` gives the enabled profile's ICCID (decimal), empty when none. Like a real
  // modem, this one reads it when the card starts (power-up, REFRESH, Power On SIM) and
  // reports that in Get Card/Slot Status: an Enable without REFRESH shows only after a restart.
  QmiModem(veuicc::Card& card, std::function<std::string()> enabled_iccid, QmiFaultPlan faults);

  // One whole QMUX frame from the host. Malformed frames are answered with nothing.
  QmiAction handle(ByteView frame);

  // This modem as the pty loop (vmodem/pty/message_pty.h) drives it: QMUX frames.
  MessageModem message_modem();

  // The modem restarts: clients and channels are gone, the card is reset.
  void reset();

  uint64_t apdus() const { return apdus_; }
  bool sim_powered() const { return sim_on_; }

 private:
  std::vector<modem::qmi::Tlv> ctl(const modem::qmi::Sdu& request);
  QmiAction uim(uint8_t cid, const modem::qmi::Sdu& request);
  std::vector<modem::qmi::Tlv> open_channel(uint8_t cid, const modem::qmi::Sdu& request);
  std::vector<modem::qmi::Tlv> close_channel(uint8_t cid, const modem::qmi::Sdu& request);
  void close_channels_of(uint8_t cid);
  void restart_card();  // the card starts again: ATR, basic channel only, its profile read anew
  std::vector<modem::qmi::Tlv> power(const modem::qmi::Sdu& request);

  veuicc::Card& card_;
  StartedCard started_;  // what the modem read when the card last started
  QmiFaultPlan faults_;
  bool fault_fired_ = false;
  std::map<uint8_t, uint8_t> next_cid_;       // service → last CID handed out
  std::map<uint8_t, uint8_t> channel_owner_;  // logical channel → UIM CID
  uint64_t opens_ = 0;
  uint64_t apdus_ = 0;
  bool sim_on_ = true;  // Power Off SIM / Power On SIM
};

}  // namespace euiccd::vmodem::qmi
