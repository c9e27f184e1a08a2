#include "vmodem/qmi/qmi_modem.h"

#include "modem/qmi/ctl.h"
#include "modem/qmi/result.h"
#include "modem/qmi/uim.h"
#include "vmodem/uim/uim_task.h"

namespace euiccd::vmodem::qmi {

using namespace euiccd::modem::qmi;
using std::chrono::milliseconds;

namespace {

constexpr uint8_t kEmulatedSlot = 1;  // the one slot this modem has

Bytes response_frame(uint8_t service, uint8_t client, const Sdu& request, std::vector<Tlv> tlvs) {
  Frame f;
  f.from_service = true;
  f.service = service;
  f.client = client;
  f.sdu.kind = MessageKind::Response;
  f.sdu.transaction = request.transaction;
  f.sdu.message = request.message;
  f.sdu.tlvs = std::move(tlvs);
  return encode_frame(f);
}

}  // namespace

FaultPlan parse_qmi_fault(const std::string& spec) {
  return parse_modem_fault(spec, "--qmi-fault",
                           {ModemFault::AccessDenied, ModemFault::NoReply, ModemFault::Garbled,
                            ModemFault::Truncated, ModemFault::ResetMid, ModemFault::Slow});
}

std::optional<size_t> QmiModem::message_size(ByteView bytes) const {
  return frame_size(bytes);
}

void QmiModem::forget_channels() {
  channel_owner_.clear();
}

void QmiModem::reset() {
  next_cid_.clear();
  sim_on_ = true;  // a restarted modem powers its SIM up
  restart_card();
}

std::vector<Tlv> QmiModem::power(const Sdu& request) {
  (void)decode_sim_power_request(request);
  if (request.message == kUimPowerOffSim) {
    // The card loses power: its logical channels with it; it answers nothing until powered on.
    forget_channels();
    sim_on_ = false;
  } else if (!sim_on_) {
    restart_card();  // a cold start
    sim_on_ = true;
  }
  return encode_plain_response(kErrNone);
}

PtyAction QmiModem::handle(ByteView bytes) {
  const std::optional<Frame> decoded_frame = decoded(decode_frame, bytes);
  if (!decoded_frame) return {};
  const Frame& frame = *decoded_frame;
  if (frame.from_service || frame.sdu.kind != MessageKind::Request) return {};
  if (frame.service == kServiceCtl) {
    return {
        {{response_frame(kServiceCtl, frame.client, frame.sdu, ctl(frame.sdu)), milliseconds(0)}},
        false};
  }
  if (frame.service == kServiceUim) {
    PtyAction action = uim(frame.client, frame.sdu);
    return action;
  }
  return {{{response_frame(frame.service, frame.client, frame.sdu,
                           encode_plain_response(kErrInvalidQmiCommand)),
            milliseconds(0)}},
          false};
}

std::vector<Tlv> QmiModem::ctl(const Sdu& request) {
  try {
    switch (request.message) {
      case kCtlGetVersionInfo:
        return encode_version_info_response({{kServiceCtl, 1, 5}, {kServiceUim, 1, 40}});
      case kCtlAllocateCid: {
        const uint8_t service = decode_allocate_cid_request(request);
        uint8_t& last = next_cid_[service];
        if (last == 0xFE) return encode_plain_response(kErrClientIdsExhausted);
        return encode_allocate_cid_response(service, ++last);
      }
      case kCtlReleaseCid: {
        const auto [service, cid] = decode_release_cid_request(request);
        if (service == kServiceUim) close_channels_of(cid);
        return encode_release_cid_response(service, cid);
      }
      case kCtlSync:
        // Sync: the host starts over; every client it had is gone.
        for (auto it = channel_owner_.begin(); it != channel_owner_.end();) {
          card_.transmit(Bytes{0x00, 0x70, 0x80, it->first, 0x00});
          it = channel_owner_.erase(it);
        }
        return encode_plain_response(kErrNone);
      default: return encode_plain_response(kErrInvalidQmiCommand);
    }
  } catch (const Error&) {
    return encode_plain_response(kErrMalformedMessage);
  }
}

PtyAction QmiModem::uim(uint8_t cid, const Sdu& request) {
  const milliseconds latency = faults_.latency;
  auto reply = [&](std::vector<Tlv> tlvs, milliseconds delay) {
    return PtyAction{{{response_frame(kServiceUim, cid, request, std::move(tlvs)), delay}}, false};
  };
  try {
    if (const auto slot = decode_slot(request); slot && *slot != kEmulatedSlot) {
      return reply(encode_plain_response(kErrNoSim), latency);
    }
    switch (request.message) {
      case kUimGetCardStatus: {
        CardStatus status;
        status.present = sim_on_;
        if (sim_on_ && !started_iccid().empty()) {
          // The enabled profile's USIM (3GPP RID A000000087, application 1002).
          status.applications.push_back({2, 7, from_hex("A0000000871002FF49FF0589")});
        }
        return reply(encode(status), latency);
      }
      case kUimGetSlotStatus: {
        SlotStatus status;
        status.card_present = sim_on_;
        const std::string iccid = sim_on_ ? started_iccid() : std::string();
        if (!iccid.empty()) status.iccid = iccid_to_bcd(iccid);
        if (sim_on_) status.atr = card_.atr();
        status.eid = card_.config().eid;
        return reply(encode(status), latency);
      }
      case 0x002E: {  // Register Events: echo the mask
        std::vector<Tlv> tlvs = encode_plain_response(kErrNone);
        if (const Tlv* mask = request.find(0x01)) tlvs.push_back({0x10, mask->value});
        return reply(std::move(tlvs), latency);
      }
      case kUimPowerOffSim:
      case kUimPowerOnSim: return reply(power(request), latency);
      case kUimOpenLogicalChannel:
      case kUimLogicalChannel:
      case kUimSendApdu:
        if (!sim_on_) return reply(encode_plain_response(kErrDeviceNotReady), latency);
        break;
      default: break;
    }
    switch (request.message) {
      case kUimOpenLogicalChannel: {
        if (open_fault() == ModemFault::AccessDenied) {
          return reply(encode_plain_response(kErrAccessDenied), latency);
        }
        return reply(open_channel(cid, request), latency);
      }
      case kUimLogicalChannel: return reply(close_channel(cid, request), latency);
      case kUimSendApdu: {
        const SendApduRequest req = decode_send_apdu_request(request);
        if (req.channel && channel_owner_.count(*req.channel) == 0) {
          return reply(encode_plain_response(kErrInvalidArgument), latency);
        }
        const ModemFault fired = apdu_fault();
        if (fired == ModemFault::NoReply) return {};
        if (fired == ModemFault::ResetMid) return {{}, true};
        SendApduResponse rsp;
        rsp.apdu_response = transmit_whole(card_, req.apdu);
        if (card_.take_refresh_request()) {
          // A profile switch with REFRESH: the modem restarts the UICC after answering, and
          // every logical channel is gone (a Send APDU on one answers InvalidArgument).
          restart_card();
        }
        std::vector<Tlv> tlvs = encode(rsp);
        if (fired == ModemFault::Garbled) {
          // The APDU array claims more bytes than its TLV holds.
          tlvs[1].value = Bytes{0x2C, 0x01, 0x90, 0x00};
        } else if (fired == ModemFault::Truncated) {
          // The response is cut before its status word.
          tlvs[1].value = Bytes{0x01, 0x00, rsp.apdu_response->front()};
        }
        return reply(std::move(tlvs), answer_delay(fired));
      }
      default: return reply(encode_plain_response(kErrInvalidQmiCommand), latency);
    }
  } catch (const Error& e) {
    return reply(encode_plain_response(e.code() == Errc::InvalidArgument ? kErrNotSupported
                                                                         : kErrMalformedMessage),
                 latency);
  }
}

std::vector<Tlv> QmiModem::open_channel(uint8_t cid, const Sdu& request) {
  const OpenLogicalChannelRequest req = decode_open_logical_channel_request(request);
  OpenLogicalChannelResponse rsp;
  const Bytes opened = card_.transmit(Bytes{0x00, 0x70, 0x00, 0x00, 0x01});
  if (sw_of(opened) != 0x9000 || opened.size() != 3) {
    rsp.result = {1, kErrInsufficientResources};
    rsp.card_sw = sw_of(opened);
    return encode(rsp);
  }
  const uint8_t channel = opened[0];
  const Bytes selected = transmit_whole(card_, select_by_aid(channel, 0x00, req.aid));
  const uint16_t sw = sw_of(selected);
  rsp.card_sw = sw;
  if (sw != 0x9000) {
    card_.transmit(Bytes{0x00, 0x70, 0x80, channel, 0x00});
    rsp.result = {1, kErrInternal};
    return encode(rsp);
  }
  channel_owner_[channel] = cid;
  rsp.channel = channel;
  rsp.select_response = Bytes(selected.begin(), selected.end() - 2);
  return encode(rsp);
}

std::vector<Tlv> QmiModem::close_channel(uint8_t cid, const Sdu& request) {
  const CloseLogicalChannelRequest req = decode_close_logical_channel_request(request);
  CloseLogicalChannelResponse rsp;
  const auto it = channel_owner_.find(req.channel);
  if (it == channel_owner_.end() || it->second != cid) {
    rsp.result = {1, kErrInvalidArgument};
    return encode(rsp);
  }
  channel_owner_.erase(it);
  rsp.card_sw = sw_of(card_.transmit(Bytes{0x00, 0x70, 0x80, req.channel, 0x00}));
  return encode(rsp);
}

void QmiModem::close_channels_of(uint8_t cid) {
  for (auto it = channel_owner_.begin(); it != channel_owner_.end();) {
    if (it->second == cid) {
      card_.transmit(Bytes{0x00, 0x70, 0x80, it->first, 0x00});
      it = channel_owner_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace euiccd::vmodem::qmi
