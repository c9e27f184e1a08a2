#include "modem/qmi/qmi_channel_link.h"

#include <libqmi-glib.h>

#include <optional>
#include <string>
#include <thread>

#include "apdu/card.h"
#include "modem/glib/device_session.h"
#include "modem/qmi/uim.h"

namespace euiccd::modem::qmi {

namespace {

constexpr glib::PortNames kQmiPort{
    "QMI", "qmi-proxy", "qmicli -p -d ", " --uim-get-card-status", "Send APDU", "/dev/cdc-wdm0"};

constexpr glib::DeviceFunctions<QmiDevice, QmiDeviceOpenFlags> kQmiDevice{
    {qmi_device_new, qmi_device_new_finish},
    {qmi_device_open, qmi_device_open_finish},
    {qmi_device_close_async, qmi_device_close_finish},
    QMI_DEVICE_OPEN_FLAGS_PROXY,
    QMI_DEVICE_SIGNAL_REMOVED};

constexpr glib::CommandFunctions<QmiDevice, QmiMessage, gsize> kQmiCommand{
    [](QmiDevice* device, QmiMessage* message, guint timeout_s, GCancellable* cancellable,
       GAsyncReadyCallback done, gpointer data) {
      qmi_device_command_full(device, message, nullptr, timeout_s, cancellable, done, data);
    },
    qmi_device_command_full_finish, qmi_message_get_data, qmi_message_unref};

struct QmiSession final : glib::DeviceSession {
  QmiLinkOptions options;
  uint8_t uim_slot;  // options.slot as UIM's slot TLV carries it
  QmiDevice* device = nullptr;
  QmiClient* client = nullptr;

  explicit QmiSession(QmiLinkOptions o)
      : DeviceSession(kQmiPort, o.device_path, o.slot, o.timeout),
        options(std::move(o)),
        uim_slot(static_cast<uint8_t>(options.slot)) {}
  ~QmiSession() override {
    glib::ContextScope scope(context());
    drop_device();
  }

  bool has_device() const override { return device && client; }

  // Unrefs client and device without talking to the modem (it may be gone).
  void drop_device() noexcept override {
    unwatch_removal(device);
    g_clear_object(&client);
    g_clear_object(&device);
  }

  void open_device() override {
    open_port(kQmiDevice, device, options.use_proxy);
    const guint timeout_s = glib::seconds_of(options.timeout);
    GError* error = nullptr;
    GAsyncResult* res = call("allocating a UIM client", options.timeout,
                             [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                               qmi_device_allocate_client(device, QMI_SERVICE_UIM, QMI_CID_NONE,
                                                          timeout_s, c, done, p);
                             });
    QmiClient* uim = qmi_device_allocate_client_finish(device, res, &error);
    g_object_unref(res);
    if (!uim) {
      const std::string why = glib::take_message(error);
      drop_device();
      throw Error(Errc::Busy, "the QMI modem at " + options.device_path + " gave no UIM client: " +
                                  why + "; close other QMI tools or restart the modem");
    }
    client = uim;
  }

  // One UIM request/response; returns the decoded response SDU.
  Sdu request(uint16_t message, const std::vector<Tlv>& tlvs, const std::string& what,
              std::chrono::milliseconds bound) {
    if (!device || !client || removed) lost(what);
    Sdu sdu;
    sdu.kind = MessageKind::Request;
    sdu.transaction = qmi_client_get_next_transaction_id(client);
    sdu.message = message;
    sdu.tlvs = tlvs;
    const Bytes raw = encode_sdu(kServiceUim, sdu);
    GByteArray* buffer = g_byte_array_sized_new(static_cast<guint>(raw.size()));
    g_byte_array_append(buffer, raw.data(), static_cast<guint>(raw.size()));
    GError* error = nullptr;
    QmiMessage* msg =
        qmi_message_new_from_data(QMI_SERVICE_UIM, qmi_client_get_cid(client), buffer, &error);
    g_byte_array_unref(buffer);
    if (!msg)
      throw Error(Errc::Internal, "cannot build QMI " + what + ": " + glib::take_message(error));
    const Bytes answer = round_trip(kQmiCommand, device, msg, what, bound, [&](GError* e) {
      const bool timeout = g_error_matches(e, QMI_CORE_ERROR, QMI_CORE_ERROR_TIMEOUT);
      const std::string why = glib::take_message(e);
      if (timeout) return no_answer(what, why);
      if (removed) lost(what);
      return Error(Errc::CardRemoved,
                   "QMI " + what + " failed on " + options.device_path + ": " + why);
    });
    const Sdu response = decode_sdu(kServiceUim, answer);
    if (response.kind != MessageKind::Response || response.message != message) {
      throw Error(Errc::Malformed, "the modem answered " + what + " with QMI message 0x" +
                                       to_hex(Bytes{static_cast<uint8_t>(response.message >> 8),
                                                    static_cast<uint8_t>(response.message)}));
    }
    return response;
  }

  void close_channel(uint8_t number, std::chrono::milliseconds bound) override {
    CloseLogicalChannelRequest req;
    req.slot = uim_slot;
    req.channel = number;
    (void)decode_close_logical_channel_response(
        request(kUimLogicalChannel, encode(req), "Logical Channel (close)", bound));
  }

  // Releases the UIM client, then closes the device.
  void close_device(std::chrono::milliseconds bound) override {
    const guint timeout_s = glib::seconds_of(bound);
    GAsyncResult* res = call("releasing the UIM client", bound,
                             [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                               qmi_device_release_client(
                                   device, client, QMI_DEVICE_RELEASE_CLIENT_FLAGS_RELEASE_CID,
                                   timeout_s, c, done, p);
                             });
    (void)qmi_device_release_client_finish(device, res, nullptr);
    g_object_unref(res);
    close_port(kQmiDevice, device, bound);
  }

  std::optional<apdu::OpenedChannel> open_channel(const Bytes& aid) override {
    OpenLogicalChannelRequest req;
    req.slot = uim_slot;
    req.aid = aid;
    const auto rsp = decode_open_logical_channel_response(
        request(kUimOpenLogicalChannel, encode(req), "Open Logical Channel", options.timeout));
    if (rsp.result.ok()) {
      apdu::OpenedChannel opened;
      opened.number = *rsp.channel;
      if (rsp.select_response) opened.select_response = *rsp.select_response;
      return opened;
    }
    return not_opened(
        error_for("Open Logical Channel", rsp.result.error, rsp.card_sw),
        rsp.result.error == kErrInvalidQmiCommand || rsp.result.error == kErrNotSupported);
  }

  Bytes send_apdu(uint8_t number, ByteView command_apdu) override {
    SendApduRequest req;
    req.slot = uim_slot;
    req.apdu.assign(command_apdu.begin(), command_apdu.end());
    req.channel = number;
    const auto rsp =
        decode_send_apdu_response(request(kUimSendApdu, encode(req), "Send APDU", options.timeout));
    if (!rsp.result.ok() && rsp.result.error == kErrInvalidArgument) {
      // The modem no longer knows our channel: it restarted the UICC (a REFRESH after a profile
      // switch, a SIM power cycle) and the command did not reach the card. Like 6881 from a
      // card.
      channel_lost();
      throw apdu::CardResetError("the QMI modem at " + options.device_path +
                                 " no longer knows logical channel " + std::to_string(number) +
                                 " (the SIM was restarted); the command was not run");
    }
    if (!rsp.result.ok()) throw error_for("Send APDU", rsp.result.error, std::nullopt);
    return *rsp.apdu_response;
  }

  // Power Off SIM, sim_off_time, Power On SIM.
  void restart_card() override {
    const SimPowerRequest req{uim_slot};
    const Result off =
        decode_result(request(kUimPowerOffSim, encode(req), "Power Off SIM", options.timeout));
    if (!off.ok()) throw error_for("Power Off SIM", off.error, std::nullopt);
    channel_lost();  // the card is off: every channel on it is gone
    std::this_thread::sleep_for(options.sim_off_time);
    const Result on =
        decode_result(request(kUimPowerOnSim, encode(req), "Power On SIM", options.timeout));
    if (!on.ok()) {
      const Error e = error_for("Power On SIM", on.error, std::nullopt);
      throw Error(e.code(), std::string(e.what()) + "; the SIM in slot " +
                                std::to_string(uim_slot) +
                                " stays off until it is powered on (or the modem restarts)");
    }
  }
};

}  // namespace

QmiChannelLink::QmiChannelLink(QmiLinkOptions options)
    : PortChannelLink(std::make_unique<QmiSession>(std::move(options))) {
  if (session().slot() > 0xFF)
    throw Error(Errc::InvalidArgument,
                "QMI slots count up to 255, not " + std::to_string(session().slot()));
}

}  // namespace euiccd::modem::qmi
