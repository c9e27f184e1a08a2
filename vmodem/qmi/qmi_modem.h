// The emulated QMI modem's logic, without I/O: one QMUX frame from a client (through
// qmi-proxy) in, the frames to answer with out. It answers CTL Get Version Info / Allocate CID
// / Release CID / Sync and UIM Get Card Status, Get Slot Status, Register Events, Power Off /
// On, Open Logical Channel, Send APDU and Logical Channel (close) from the virtual eUICC, and
// InvalidQmiCommand (71) for everything else (docs/modem-research.md section 9). Power Off SIM
// closes every logical channel and leaves the card unpowered (Get Card Status: absent; channel
// requests: DeviceNotReady) until Power On SIM, which restarts it (its profile read anew).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "modem/qmi/qmux.h"
#include "vmodem/uim/uim_modem.h"

namespace euiccd::vmodem::qmi {

// "KIND" or "KIND@N" (access-denied, no-reply, garbled, truncated, reset-mid, slow); throws
// InvalidArgument naming the kinds. Access-denied counts Open Logical Channel requests, the
// others Send APDU requests.
FaultPlan parse_qmi_fault(const std::string& spec);

class QmiModem final : public UimModem {
 public:
  using UimModem::UimModem;

  // One whole QMUX frame from the host. Malformed frames are answered with nothing.
  PtyAction handle(ByteView frame) override;
  void reset() override;

  bool sim_powered() const { return sim_on_; }

 private:
  std::optional<size_t> message_size(ByteView bytes) const override;
  std::vector<modem::qmi::Tlv> ctl(const modem::qmi::Sdu& request);
  PtyAction uim(uint8_t cid, const modem::qmi::Sdu& request);
  std::vector<modem::qmi::Tlv> open_channel(uint8_t cid, const modem::qmi::Sdu& request);
  std::vector<modem::qmi::Tlv> close_channel(uint8_t cid, const modem::qmi::Sdu& request);
  void close_channels_of(uint8_t cid);
  void forget_channels() override;
  std::vector<modem::qmi::Tlv> power(const modem::qmi::Sdu& request);

  std::map<uint8_t, uint8_t> next_cid_;       // service → last CID handed out
  std::map<uint8_t, uint8_t> channel_owner_;  // logical channel → UIM CID
  bool sim_on_ = true;                        // Power Off SIM / Power On SIM
};

}  // namespace euiccd::vmodem::qmi
