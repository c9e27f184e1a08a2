#include "modem/mbim/mbim_channel_link.h"

#include <libmbim-glib.h>

#include <optional>
#include <string>

#include "apdu/card.h"
#include "modem/glib/device_session.h"
#include "modem/mbim/services.h"
#include "modem/mbim/status.h"

namespace euiccd::modem::mbim {

namespace {

// close() spends at most this long per step, whatever the configured timeout.
constexpr std::chrono::milliseconds kCloseStepBound{2000};
constexpr uint32_t kChannelGroup = 1;  // as ModemManager and lpac

constexpr glib::PortNames kMbimPort{"MBIM", "mbim-proxy", "mbimcli -p -d ", " --query-device-caps"};

}  // namespace

struct MbimChannelLink::Impl final : glib::DeviceSession {
  MbimLinkOptions options;
  MbimDevice* device = nullptr;
  std::optional<uint32_t> channel;

  explicit Impl(MbimLinkOptions o)
      : DeviceSession(kMbimPort, o.device_path), options(std::move(o)) {}
  ~Impl() override {
    glib::ContextScope scope(context());
    drop_device();
  }

  void forget() noexcept override {
    drop_device();
    channel.reset();
  }

  void drop_device() {
    unwatch_removal(device);
    g_clear_object(&device);
  }

  void connect() {
    if (device && !removed) return;
    forget_if_removed();
    const guint timeout_s = glib::seconds_of(options.timeout);
    GFile* file = g_file_new_for_path(options.device_path.c_str());
    GAsyncResult* res = call("opening the device", options.timeout,
                             [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                               mbim_device_new(file, c, done, p);
                             });
    g_object_unref(file);
    GError* error = nullptr;
    device = mbim_device_new_finish(res, &error);
    g_object_unref(res);
    if (!device) {
      throw cannot_use(error, "/dev/cdc-wdm0 or /dev/wwan0mbim0");
    }
    watch_removal(device, MBIM_DEVICE_SIGNAL_REMOVED);
    const auto flags =
        options.use_proxy ? MBIM_DEVICE_OPEN_FLAGS_PROXY : MBIM_DEVICE_OPEN_FLAGS_NONE;
    res = call("opening the device", options.timeout,
               [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                 mbim_device_open_full(device, flags, timeout_s, c, done, p);
               });
    const bool opened = mbim_device_open_full_finish(device, res, &error);
    g_object_unref(res);
    if (!opened) {
      const std::string why = glib::take_message(error);
      drop_device();
      throw cannot_open(why, options.use_proxy);
    }
    select_slot();
  }

  // LLA talks to the SIM in the slot executor 0 uses: map the configured slot there when it
  // is not (lpac does the same). Slot 1 on a modem without slot mappings is that SIM.
  void select_slot() {
    const uint32_t wanted = options.slot - 1;
    const Message mappings = command(kServiceMsBasicConnectExt, kCidDeviceSlotMappings, kQuery, {},
                                     "Device Slot Mappings (query)", options.timeout);
    if (mappings.status != kStatusNone) {
      if (wanted == 0) return;  // a single-slot modem without MS Basic Connect Extensions
      throw error_for("Device Slot Mappings", mappings.status, std::nullopt);
    }
    const std::vector<uint32_t> slots = decode_slot_mappings(mappings.information);
    if (!slots.empty() && slots[0] == wanted) return;
    const Message info =
        command(kServiceMsBasicConnectExt, kCidSlotInfoStatus, kQuery,
                encode_slot_info_request(wanted), "Slot Info Status", options.timeout);
    if (info.status != kStatusNone) {
      throw error_for("Slot Info Status (slot " + std::to_string(options.slot) + ")", info.status,
                      std::nullopt);
    }
    const SlotInfo state = decode_slot_info(info.information);
    if (state.state == kSlotEmpty || state.state == kSlotOffEmpty || state.state == kSlotUnknown ||
        state.state == kSlotError) {
      throw Error(Errc::CardRemoved,
                  "slot " + std::to_string(options.slot) + " of the MBIM modem at " +
                      options.device_path + " has no usable SIM (slot state " +
                      std::to_string(state.state) + "); check the configured slot number");
    }
    std::vector<uint32_t> map = slots.empty() ? std::vector<uint32_t>{wanted} : slots;
    map[0] = wanted;
    const Message set =
        command(kServiceMsBasicConnectExt, kCidDeviceSlotMappings, kSet, encode_slot_mappings(map),
                "Device Slot Mappings (set)", options.timeout);
    if (set.status != kStatusNone)
      throw error_for("Device Slot Mappings", set.status, std::nullopt);
    ++resets;  // the modem's active SIM changed: whatever it had open there is gone
  }

  // One MBIM command and its COMMAND_DONE, decoded by our codec.
  Message command(const Uuid& service, uint32_t cid, uint32_t type, const Bytes& information,
                  const std::string& what, std::chrono::milliseconds bound) {
    if (!device || removed) lost(what);
    Message request;
    request.type = kCommand;
    request.transaction = mbim_device_get_next_transaction_id(device);
    request.service = service;
    request.cid = cid;
    request.command_type = type;
    request.information = information;
    const Bytes raw = encode_message(request);
    MbimMessage* msg = mbim_message_new(raw.data(), static_cast<guint32>(raw.size()));
    const guint timeout_s = glib::seconds_of(bound) + 1;
    ++round_trips;
    GAsyncResult* res = nullptr;
    try {
      res = call(
          what, bound,
          [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
            mbim_device_command(device, msg, timeout_s, c, done, p);
          },
          true);
    } catch (...) {
      mbim_message_unref(msg);
      throw;
    }
    mbim_message_unref(msg);
    GError* error = nullptr;
    MbimMessage* reply = mbim_device_command_finish(device, res, &error);
    g_object_unref(res);
    if (!reply) {
      const bool timeout = g_error_matches(error, MBIM_CORE_ERROR, MBIM_CORE_ERROR_TIMEOUT);
      const std::string why = glib::take_message(error);
      if (removed) lost(what, true);
      if (timeout) {
        throw no_answer(what, why);
      }
      throw Error(Errc::CardError,
                  "MBIM " + what + " failed on " + options.device_path + ": " + why);
    }
    guint32 len = 0;
    const guint8* data = mbim_message_get_raw(reply, &len, &error);
    if (!data) {
      mbim_message_unref(reply);
      throw Error(Errc::Malformed, "the modem's answer to " + what +
                                       " has no MBIM data: " + glib::take_message(error));
    }
    Message response;
    try {
      response = decode_message(ByteView(data, len));
    } catch (...) {
      mbim_message_unref(reply);
      throw;
    }
    mbim_message_unref(reply);
    if (response.type != kCommandDone || response.service != service || response.cid != cid) {
      throw Error(Errc::Malformed, "the modem answered " + what + " with " +
                                       describe_service(response.service) + " CID " +
                                       std::to_string(response.cid));
    }
    return response;
  }

  void close_channel(std::chrono::milliseconds bound) noexcept {
    if (!channel) return;
    const uint32_t number = *channel;
    channel.reset();
    try {
      (void)command(kServiceMsUiccLowLevel, kCidCloseChannel, kSet,
                    encode(CloseChannelRequest{number, kChannelGroup}), "UICC Close Channel",
                    bound);
    } catch (...) {
      // The channel is gone with the modem, or the card drops it at its next reset.
    }
  }

  void close_device(std::chrono::milliseconds bound) noexcept {
    if (device && !removed) {
      try {
        const guint timeout_s = glib::seconds_of(bound);
        GAsyncResult* res = call("closing the device", bound,
                                 [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                                   mbim_device_close(device, timeout_s, c, done, p);
                                 });
        (void)mbim_device_close_finish(device, res, nullptr);
        g_object_unref(res);
      } catch (...) {
      }
    }
    drop_device();
  }
};

MbimChannelLink::MbimChannelLink(MbimLinkOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  glib::check_port_options("MBIM", impl_->options.device_path, impl_->options.slot,
                           impl_->options.timeout);
}

MbimChannelLink::~MbimChannelLink() {
  close();
}

apdu::OpenedChannel MbimChannelLink::open(const std::vector<Bytes>& aids) {
  glib::ContextScope scope(impl_->context());
  Impl& m = *impl_;
  if (m.channel) m.close_channel(std::min(m.options.timeout, kCloseStepBound));
  m.connect();
  for (const Bytes& aid : aids) {
    OpenChannelRequest req;
    req.app_id = aid;
    req.channel_group = kChannelGroup;
    const Message done = m.command(kServiceMsUiccLowLevel, kCidOpenChannel, kSet, encode(req),
                                   "UICC Open Channel", m.options.timeout);
    std::optional<OpenChannelResponse> rsp;
    if (!done.information.empty()) rsp = decode_open_channel_response(done.information);
    const std::optional<uint16_t> sw =
        rsp ? std::optional<uint16_t>(sw_of_status(rsp->status)) : std::nullopt;
    if (done.status == kStatusNone && sw == 0x9000) {
      if (rsp->channel == 0 || rsp->channel > kMaxChannel) {
        throw Error(Errc::Malformed, "the modem opened channel " + std::to_string(rsp->channel) +
                                         ", which ISO 7816 does not have");
      }
      m.channel = rsp->channel;
      apdu::OpenedChannel opened;
      opened.number = static_cast<uint8_t>(rsp->channel);
      opened.aid = aid;
      opened.select_response = rsp->response;
      return opened;
    }
    const Error e = error_for("UICC Open Channel",
                              done.status == kStatusNone ? kStatusFailure : done.status, sw);
    if (e.code() != Errc::NotSupported || done.status == kStatusNoDeviceSupport ||
        done.status == kStatusInvalidDeviceServiceOperation) {
      throw e;
    }
    // The card has no such application: try the next AID.
  }
  throw m.no_isd_r(m.options.slot, aids);
}

Bytes MbimChannelLink::transmit(ByteView command_apdu) {
  glib::ContextScope scope(impl_->context());
  Impl& m = *impl_;
  if (!m.channel || m.removed || !m.device) {
    if (m.removed) m.lost("UICC APDU");
    throw m.no_channel();
  }
  ApduRequest req;
  req.channel = *m.channel;
  req.command.assign(command_apdu.begin(), command_apdu.end());
  // The CLA already carries the channel; channels 4..19 use the extended class byte coding.
  req.class_byte_type = !command_apdu.empty() && (command_apdu[0] & 0x40) ? 1 : 0;
  const Message done = m.command(kServiceMsUiccLowLevel, kCidApdu, kSet, encode(req), "UICC APDU",
                                 m.options.timeout);
  if (done.status != kStatusNone) {
    if (done.status == kStatusMsInvalidLogicalChannel) {
      m.channel.reset();
      ++m.resets;
      throw apdu::CardResetError("the MBIM modem at " + m.options.device_path +
                                 " no longer knows channel " + std::to_string(req.channel) +
                                 " (SIM reset); counted as a card reset");
    }
    throw error_for("UICC APDU", done.status, std::nullopt);
  }
  const ApduResponse rsp = decode_apdu_response(done.information);
  Bytes out = rsp.response;
  const uint16_t sw = sw_of_status(rsp.status);
  if (rsp.status > 0xFFFF || (sw >> 8) == 0) {
    throw Error(Errc::Malformed, "the modem's UICC APDU answer has status " +
                                     std::to_string(rsp.status) + ", which is no card status word");
  }
  out.push_back(static_cast<uint8_t>(sw >> 8));
  out.push_back(static_cast<uint8_t>(sw));
  return out;
}

void MbimChannelLink::close() noexcept {
  if (!impl_) return;
  glib::ContextScope scope(impl_->context());
  const auto bound = std::min(impl_->options.timeout, kCloseStepBound);
  impl_->close_channel(bound);
  impl_->close_device(bound);
}

void MbimChannelLink::restart_sim() {
  glib::ContextScope scope(impl_->context());
  Impl& m = *impl_;
  m.close_channel(std::min(m.options.timeout, kCloseStepBound));
  m.connect();
  const Message done = m.command(kServiceMsUiccLowLevel, kCidReset, kSet, encode(ResetRequest{}),
                                 "UICC Reset", m.options.timeout);
  if (done.status != kStatusNone) throw error_for("UICC Reset", done.status, std::nullopt);
  // The card was reset: every channel on it is gone.
  ++m.resets;
  const ResetResponse rsp = decode_reset_response(done.information);
  if (rsp.pass_through_status != kPassThroughDisabled) {
    throw Error(Errc::CardError, "the MBIM modem at " + m.options.device_path +
                                     " reset the SIM but left it in pass-through mode (status " +
                                     std::to_string(rsp.pass_through_status) +
                                     "): it will not attach with it; restart the modem");
  }
}

void MbimChannelLink::reattach() {
  impl_->channel.reset();
  ++impl_->resets;
}

uint64_t MbimChannelLink::reset_count() const {
  return impl_->resets;
}
uint64_t MbimChannelLink::round_trips() const {
  return impl_->round_trips;
}

}  // namespace euiccd::modem::mbim
