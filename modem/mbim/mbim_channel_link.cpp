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

constexpr uint32_t kChannelGroup = 1;  // as ModemManager and lpac

constexpr glib::PortNames kMbimPort{"MBIM",           "mbim-proxy",
                                    "mbimcli -p -d ", " --query-device-caps",
                                    "UICC APDU",      "/dev/cdc-wdm0 or /dev/wwan0mbim0"};

constexpr glib::DeviceFunctions<MbimDevice, MbimDeviceOpenFlags> kMbimDevice{
    {mbim_device_new, mbim_device_new_finish},
    {mbim_device_open_full, mbim_device_open_full_finish},
    {mbim_device_close, mbim_device_close_finish},
    MBIM_DEVICE_OPEN_FLAGS_PROXY,
    MBIM_DEVICE_SIGNAL_REMOVED};

constexpr glib::CommandFunctions<MbimDevice, MbimMessage, guint32, const MbimMessage> kMbimCommand{
    mbim_device_command, mbim_device_command_finish, mbim_message_get_raw, mbim_message_unref};

struct MbimSession final : glib::DeviceSession {
  MbimLinkOptions options;
  MbimDevice* device = nullptr;

  explicit MbimSession(MbimLinkOptions o)
      : DeviceSession(kMbimPort, o.device_path, o.slot, o.timeout), options(std::move(o)) {}
  ~MbimSession() override {
    glib::ContextScope scope(context());
    drop_device();
  }

  bool has_device() const override { return device != nullptr; }

  void drop_device() noexcept override {
    unwatch_removal(device);
    g_clear_object(&device);
  }

  void open_device() override {
    open_port(kMbimDevice, device, options.use_proxy);
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
    const Bytes answer = round_trip(kMbimCommand, device, msg, what, bound, [&](GError* e) {
      const bool timeout = g_error_matches(e, MBIM_CORE_ERROR, MBIM_CORE_ERROR_TIMEOUT);
      const std::string why = glib::take_message(e);
      if (removed) lost(what, true);
      if (timeout) return no_answer(what, why);
      return Error(Errc::CardError,
                   "MBIM " + what + " failed on " + options.device_path + ": " + why);
    });
    const Message response = decode_message(answer);
    if (response.type != kCommandDone || response.service != service || response.cid != cid) {
      throw Error(Errc::Malformed, "the modem answered " + what + " with " +
                                       describe_service(response.service) + " CID " +
                                       std::to_string(response.cid));
    }
    return response;
  }

  void close_channel(uint8_t number, std::chrono::milliseconds bound) override {
    (void)command(kServiceMsUiccLowLevel, kCidCloseChannel, kSet,
                  encode(CloseChannelRequest{number, kChannelGroup}), "UICC Close Channel", bound);
  }

  void close_device(std::chrono::milliseconds bound) override {
    close_port(kMbimDevice, device, bound);
  }

  std::optional<apdu::OpenedChannel> open_channel(const Bytes& aid) override {
    OpenChannelRequest req;
    req.app_id = aid;
    req.channel_group = kChannelGroup;
    const Message done = command(kServiceMsUiccLowLevel, kCidOpenChannel, kSet, encode(req),
                                 "UICC Open Channel", options.timeout);
    std::optional<OpenChannelResponse> rsp;
    if (!done.information.empty()) rsp = decode_open_channel_response(done.information);
    const std::optional<uint16_t> sw =
        rsp ? std::optional<uint16_t>(sw_of_status(rsp->status)) : std::nullopt;
    if (done.status == kStatusNone && sw == 0x9000) {
      if (rsp->channel == 0 || rsp->channel > kMaxChannel) {
        throw Error(Errc::Malformed, "the modem opened channel " + std::to_string(rsp->channel) +
                                         ", which ISO 7816 does not have");
      }
      apdu::OpenedChannel opened;
      opened.number = static_cast<uint8_t>(rsp->channel);
      opened.select_response = rsp->response;
      return opened;
    }
    return not_opened(error_for("UICC Open Channel",
                                done.status == kStatusNone ? kStatusFailure : done.status, sw),
                      done.status == kStatusNoDeviceSupport ||
                          done.status == kStatusInvalidDeviceServiceOperation);
  }

  Bytes send_apdu(uint8_t number, ByteView command_apdu) override {
    ApduRequest req;
    req.channel = number;
    req.command.assign(command_apdu.begin(), command_apdu.end());
    // The CLA already carries the channel; channels 4..19 use the extended class byte coding.
    req.class_byte_type = !command_apdu.empty() && (command_apdu[0] & 0x40) ? 1 : 0;
    const Message done =
        command(kServiceMsUiccLowLevel, kCidApdu, kSet, encode(req), "UICC APDU", options.timeout);
    if (done.status != kStatusNone) {
      if (done.status == kStatusMsInvalidLogicalChannel) {
        channel_lost();
        throw apdu::CardResetError("the MBIM modem at " + options.device_path +
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
                                       std::to_string(rsp.status) +
                                       ", which is no card status word");
    }
    out.push_back(static_cast<uint8_t>(sw >> 8));
    out.push_back(static_cast<uint8_t>(sw));
    return out;
  }

  // UICC Reset (set, pass-through action disable).
  void restart_card() override {
    const Message done = command(kServiceMsUiccLowLevel, kCidReset, kSet, encode(ResetRequest{}),
                                 "UICC Reset", options.timeout);
    if (done.status != kStatusNone) throw error_for("UICC Reset", done.status, std::nullopt);
    channel_lost();  // the card was reset: every channel on it is gone
    const ResetResponse rsp = decode_reset_response(done.information);
    if (rsp.pass_through_status != kPassThroughDisabled) {
      throw Error(Errc::CardError, "the MBIM modem at " + options.device_path +
                                       " reset the SIM but left it in pass-through mode (status " +
                                       std::to_string(rsp.pass_through_status) +
                                       "): it will not attach with it; restart the modem");
    }
  }
};

}  // namespace

MbimChannelLink::MbimChannelLink(MbimLinkOptions options)
    : PortChannelLink(std::make_unique<MbimSession>(std::move(options))) {}

}  // namespace euiccd::modem::mbim
