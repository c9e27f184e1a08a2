#include "vmodem/mbim/mbim_modem.h"

#include <algorithm>
#include <optional>

#include "modem/mbim/services.h"
#include "modem/mbim/status.h"
#include "vmodem/uim/uim_task.h"

namespace euiccd::vmodem::mbim {

using namespace euiccd::modem::mbim;
using std::chrono::milliseconds;

namespace {

constexpr size_t kMaxAnswerData = 256;  // Qualcomm QBI's limit for one APDU answer
constexpr uint32_t kCidDeviceServiceSubscribeList = 19;

// The status an Open Channel fault answers with; nullopt for none.
std::optional<uint32_t> open_refusal(ModemFault fault) {
  switch (fault) {
    case ModemFault::AccessDenied: return kStatusOperationNotAllowed;
    case ModemFault::SelectFailed: return kStatusMsSelectFailed;
    case ModemFault::NotSupported: return kStatusNoDeviceSupport;
    case ModemFault::NoChannels: return kStatusMsNoLogicalChannels;
    default: return std::nullopt;
  }
}

Bytes done(const Message& request, uint32_t status, Bytes info) {
  Message m;
  m.type = kCommandDone;
  m.transaction = request.transaction;
  m.service = request.service;
  m.cid = request.cid;
  m.status = status;
  m.information = std::move(info);
  return encode_message(m);
}

}  // namespace

FaultPlan parse_mbim_fault(const std::string& spec) {
  return parse_modem_fault(
      spec, "--mbim-fault",
      {ModemFault::AccessDenied, ModemFault::SelectFailed, ModemFault::NotSupported,
       ModemFault::NoChannels, ModemFault::NoReply, ModemFault::Garbled, ModemFault::Truncated,
       ModemFault::ResetMid, ModemFault::Slow});
}

std::optional<size_t> MbimModem::message_size(ByteView bytes) const {
  return euiccd::modem::mbim::message_size(bytes);
}

void MbimModem::forget_channels() {
  groups_.clear();
  pending_.clear();
}

void MbimModem::reset() {
  pass_through_ = kPassThroughDisabled;
  active_slot_ = 0;
  restart_card();
}

void MbimModem::close_all() {
  for (const auto& [channel, group] : groups_) {
    card_.transmit(Bytes{0x00, 0x70, 0x80, static_cast<uint8_t>(channel), 0x00});
  }
  forget_channels();
}

PtyAction MbimModem::handle(ByteView bytes) {
  const std::optional<Message> message = decoded(decode_message, bytes);
  if (!message) return {};
  const Message& m = *message;
  Message answer;
  answer.transaction = m.transaction;
  switch (m.type) {
    case kOpen:
      close_all();  // a new host session: what the last one had open is gone
      answer.type = kOpenDone;
      return {{{encode_message(answer), milliseconds(0)}}, false};
    case kClose:
      close_all();
      answer.type = kCloseDone;
      return {{{encode_message(answer), milliseconds(0)}}, false};
    case kCommand: return command(m);
    default: return {};
  }
}

PtyAction MbimModem::command(const Message& request) {
  const milliseconds latency = faults_.latency;
  auto reply = [&](std::pair<uint32_t, Bytes> r, milliseconds delay = milliseconds(-1)) {
    return PtyAction{
        {{done(request, r.first, std::move(r.second)), delay.count() < 0 ? latency : delay}},
        false};
  };
  try {
    if (request.service == kServiceBasicConnect) return reply(basic_connect(request));
    if (request.service == kServiceMsBasicConnectExt) return reply(slots(request));
    if (request.service != kServiceMsUiccLowLevel || request.command_type != kSet) {
      if (request.service == kServiceMsUiccLowLevel && request.cid == kCidAtr) {
        if (active_slot_ != 0) return reply({kStatusSimNotInserted, {}});
        return reply({kStatusNone, encode_atr_response(card_.atr())});
      }
      if (request.service == kServiceMsUiccLowLevel && request.cid == kCidReset) {
        return reply({kStatusNone, encode(ResetResponse{pass_through_})});
      }
      return reply({kStatusNoDeviceSupport, {}});
    }
    if (active_slot_ != 0) return reply({kStatusSimNotInserted, {}});
    switch (request.cid) {
      case kCidOpenChannel: {
        if (const auto refusal = open_refusal(open_fault())) return reply({*refusal, {}});
        return reply(open_channel(request));
      }
      case kCidCloseChannel: return reply(close_channel(request));
      case kCidReset: return reply(uicc_reset(request));
      case kCidApdu: {
        const ApduRequest req = decode_apdu_request(request.information);
        if (groups_.count(req.channel) == 0) return reply({kStatusMsInvalidLogicalChannel, {}});
        const ModemFault fired = apdu_fault();
        if (fired == ModemFault::NoReply) return {};
        if (fired == ModemFault::ResetMid) return {{}, true};
        auto [status, info] = apdu(req.channel, req.command);
        if (card_.take_refresh_request()) {
          // A profile switch with REFRESH: the modem restarts the UICC after answering, and
          // every channel is gone (an APDU on one answers MsInvalidLogicalChannel).
          restart_card();
        }
        if (fired == ModemFault::Garbled) {
          // The Response array points far past the end of the buffer.
          info = Bytes{0x90, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00};
        } else if (fired == ModemFault::Truncated) {
          info.resize(6);  // cut in the middle of the Response array's size
        }
        return reply({status, std::move(info)}, answer_delay(fired));
      }
      default: return reply({kStatusNoDeviceSupport, {}});
    }
  } catch (const Error&) {
    return reply({kStatusInvalidParameters, {}});
  }
}

std::pair<uint32_t, Bytes> MbimModem::basic_connect(const Message& request) {
  const std::string& iccid = started_iccid();
  switch (request.cid) {
    case kCidDeviceCaps: {
      DeviceCaps caps;
      caps.device_id = "861234567890123";
      caps.firmware_info = "VEUICC.MBIM.1";
      caps.hardware_info = "euiccd emulated MBIM modem";
      return {kStatusNone, encode(caps)};
    }
    case kCidSubscriberReadyStatus: {
      SubscriberReadyStatus s;
      if (active_slot_ != 0) {
        s.ready_state = 2;  // SimNotInserted
      } else if (iccid.empty()) {
        s.ready_state = 7;  // NoEsimProfile
      } else {
        s.subscriber_id = "001010123456789";
        s.sim_iccid = iccid;
      }
      return {kStatusNone, encode(s)};
    }
    case kCidDeviceServiceSubscribeList:
      if (request.command_type == kSet) return {kStatusNone, request.information};
      return {kStatusNoDeviceSupport, {}};
    default: return {kStatusNoDeviceSupport, {}};
  }
}

std::pair<uint32_t, Bytes> MbimModem::slots(const Message& request) {
  switch (request.cid) {
    case kCidSlotInfoStatus: {
      if (request.command_type != kQuery) return {kStatusNoDeviceSupport, {}};
      const uint32_t slot = decode_slot_info_request(request.information);
      if (slot >= kSlots) return {kStatusInvalidParameters, {}};
      SlotInfo info{slot, kSlotEmpty};
      if (slot == 0)
        info.state = started_iccid().empty() ? kSlotActiveEsimNoProfiles : kSlotActiveEsim;
      return {kStatusNone, encode(info)};
    }
    case kCidDeviceSlotMappings: {
      if (request.command_type == kSet) {
        const std::vector<uint32_t> map = decode_slot_mappings(request.information);
        if (map.size() != 1 || map[0] >= kSlots) return {kStatusInvalidParameters, {}};
        if (map[0] != active_slot_) {
          // The executor switches SIMs: the card it leaves is reset.
          restart_card();
          active_slot_ = map[0];
        }
      }
      return {kStatusNone, encode_slot_mappings({active_slot_})};
    }
    default: return {kStatusNoDeviceSupport, {}};
  }
}

std::pair<uint32_t, Bytes> MbimModem::open_channel(const Message& request) {
  const OpenChannelRequest req = decode_open_channel_request(request.information);
  const Bytes opened = card_.transmit(Bytes{0x00, 0x70, 0x00, 0x00, 0x01});
  if (sw_of(opened) != 0x9000 || opened.size() != 3) return {kStatusMsNoLogicalChannels, {}};
  const uint32_t channel = opened[0];
  const Bytes select = select_by_aid(channel, static_cast<uint8_t>(req.select_p2), req.app_id);
  const ApduResponse selected = decode_apdu_response(apdu(channel, select).second);
  const uint32_t status = selected.status;
  const uint16_t sw = sw_of_status(status);
  if (sw != 0x9000) {
    card_.transmit(Bytes{0x00, 0x70, 0x80, static_cast<uint8_t>(channel), 0x00});
    pending_.erase(channel);
    OpenChannelResponse rsp;
    rsp.status = status;
    return {kStatusMsSelectFailed, encode(rsp)};
  }
  groups_[channel] = req.channel_group;
  OpenChannelResponse rsp;
  rsp.status = status;
  rsp.channel = channel;
  rsp.response = selected.response;
  return {kStatusNone, encode(rsp)};
}

std::pair<uint32_t, Bytes> MbimModem::uicc_reset(const Message& request) {
  const ResetRequest req = decode_reset_request(request.information);
  if (req.pass_through_action > kPassThroughEnabled) return {kStatusInvalidParameters, {}};
  // The modem resets the card: every logical channel is gone, the card starts over (ATR).
  restart_card();
  pass_through_ = req.pass_through_action;
  return {kStatusNone, encode(ResetResponse{pass_through_})};
}

std::pair<uint32_t, Bytes> MbimModem::close_channel(const Message& request) {
  const CloseChannelRequest req = decode_close_channel_request(request.information);
  std::vector<uint32_t> closing;
  for (const auto& [channel, group] : groups_) {
    if (req.channel == 0 ? group == req.channel_group : channel == req.channel) {
      closing.push_back(channel);
    }
  }
  if (closing.empty()) return {kStatusMsInvalidLogicalChannel, {}};
  uint16_t sw = 0x9000;
  for (uint32_t channel : closing) {
    groups_.erase(channel);
    pending_.erase(channel);
    sw = sw_of(card_.transmit(Bytes{0x00, 0x70, 0x80, static_cast<uint8_t>(channel), 0x00}));
  }
  return {kStatusNone, encode(CloseChannelResponse{status_of_sw(sw)})};
}

std::pair<uint32_t, Bytes> MbimModem::apdu(uint32_t channel, const Bytes& command) {
  Bytes whole;  // data + SW1 SW2
  const auto pending = pending_.find(channel);
  if (command.size() >= 2 && command[1] == 0xC0 && pending != pending_.end()) {
    whole = std::move(pending->second);
    pending_.erase(pending);
  } else {
    pending_.erase(channel);
    whole = transmit_whole(card_, command);
  }
  if (whole.size() < 2) whole = {0x6F, 0x00};
  ApduResponse rsp;
  const size_t data = whole.size() - 2;
  if (data > kMaxAnswerData) {
    // More than one answer holds: 256 bytes now, the rest after GET RESPONSE (61xx).
    rsp.response.assign(whole.begin(), whole.begin() + kMaxAnswerData);
    Bytes rest(whole.begin() + kMaxAnswerData, whole.end());
    const size_t left = rest.size() - 2;
    pending_[channel] = std::move(rest);
    rsp.status = status_of_sw(static_cast<uint16_t>(0x6100 | (left >= 256 ? 0 : left)));
  } else {
    rsp.response.assign(whole.begin(), whole.end() - 2);
    rsp.status = status_of_sw(sw_of(whole));
  }
  return {kStatusNone, encode(rsp)};
}

}  // namespace euiccd::vmodem::mbim
