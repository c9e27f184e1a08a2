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

// close() spends at most this long per step, whatever the configured timeout.
constexpr std::chrono::milliseconds kCloseStepBound{2000};

constexpr glib::PortNames kQmiPort{"QMI", "qmi-proxy", "qmicli -p -d ", " --uim-get-card-status"};

}  // namespace

struct QmiChannelLink::Impl final : glib::DeviceSession {
  QmiLinkOptions options;
  QmiDevice* device = nullptr;
  QmiClient* client = nullptr;
  std::optional<uint8_t> channel;

  explicit Impl(QmiLinkOptions o) : DeviceSession(kQmiPort, o.device_path), options(std::move(o)) {}
  ~Impl() override {
    glib::ContextScope scope(context());
    drop_device();
  }

  void forget() noexcept override {
    drop_device();
    channel.reset();
  }

  // Unrefs client and device without talking to the modem (it may be gone).
  void drop_device() {
    unwatch_removal(device);
    g_clear_object(&client);
    g_clear_object(&device);
  }

  void connect() {
    if (device && client && !removed) return;
    forget_if_removed();
    drop_device();
    const guint timeout_s = glib::seconds_of(options.timeout);
    GFile* file = g_file_new_for_path(options.device_path.c_str());
    GAsyncResult* res = call("opening the device", options.timeout,
                             [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                               qmi_device_new(file, c, done, p);
                             });
    g_object_unref(file);
    GError* error = nullptr;
    device = qmi_device_new_finish(res, &error);
    g_object_unref(res);
    if (!device) {
      throw cannot_use(error, "/dev/cdc-wdm0");
    }
    watch_removal(device, QMI_DEVICE_SIGNAL_REMOVED);
    const auto flags = options.use_proxy ? QMI_DEVICE_OPEN_FLAGS_PROXY : QMI_DEVICE_OPEN_FLAGS_NONE;
    res = call("opening the device", options.timeout,
               [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                 qmi_device_open(device, flags, timeout_s, c, done, p);
               });
    const bool opened = qmi_device_open_finish(device, res, &error);
    g_object_unref(res);
    if (!opened) {
      const std::string why = glib::take_message(error);
      drop_device();
      throw cannot_open(why, options.use_proxy);
    }
    res = call("allocating a UIM client", options.timeout,
               [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                 qmi_device_allocate_client(device, QMI_SERVICE_UIM, QMI_CID_NONE, timeout_s, c,
                                            done, p);
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
    const guint timeout_s = glib::seconds_of(bound) + 1;
    ++round_trips;
    GAsyncResult* res = nullptr;
    try {
      res = call(
          what, bound,
          [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
            qmi_device_command_full(device, msg, nullptr, timeout_s, c, done, p);
          },
          true);
    } catch (...) {
      qmi_message_unref(msg);
      throw;
    }
    qmi_message_unref(msg);
    QmiMessage* reply = qmi_device_command_full_finish(device, res, &error);
    g_object_unref(res);
    if (!reply) {
      const bool timeout = g_error_matches(error, QMI_CORE_ERROR, QMI_CORE_ERROR_TIMEOUT);
      const std::string why = glib::take_message(error);
      if (timeout) {
        throw no_answer(what, why);
      }
      if (removed) lost(what);
      throw Error(Errc::CardRemoved,
                  "QMI " + what + " failed on " + options.device_path + ": " + why);
    }
    gsize len = 0;
    const guint8* data = qmi_message_get_data(reply, &len, &error);
    if (!data) {
      qmi_message_unref(reply);
      throw Error(Errc::Malformed, "the modem's answer to " + what +
                                       " has no QMI data: " + glib::take_message(error));
    }
    Sdu response;
    try {
      response = decode_sdu(kServiceUim, ByteView(data, len));
    } catch (...) {
      qmi_message_unref(reply);
      throw;
    }
    qmi_message_unref(reply);
    if (response.kind != MessageKind::Response || response.message != message) {
      throw Error(Errc::Malformed, "the modem answered " + what + " with QMI message 0x" +
                                       to_hex(Bytes{static_cast<uint8_t>(response.message >> 8),
                                                    static_cast<uint8_t>(response.message)}));
    }
    return response;
  }

  void close_channel(std::chrono::milliseconds bound) noexcept {
    if (!channel) return;
    const uint8_t number = *channel;
    channel.reset();
    try {
      CloseLogicalChannelRequest req;
      req.slot = options.slot;
      req.channel = number;
      (void)decode_close_logical_channel_response(
          request(kUimLogicalChannel, encode(req), "Logical Channel (close)", bound));
    } catch (...) {
      // The channel is gone with the modem or the card will drop it at its next reset.
    }
  }

  void release_client(std::chrono::milliseconds bound) noexcept {
    if (device && client && !removed) {
      try {
        const guint timeout_s = glib::seconds_of(bound);
        GAsyncResult* res = call("releasing the UIM client", bound,
                                 [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                                   qmi_device_release_client(
                                       device, client, QMI_DEVICE_RELEASE_CLIENT_FLAGS_RELEASE_CID,
                                       timeout_s, c, done, p);
                                 });
        (void)qmi_device_release_client_finish(device, res, nullptr);
        g_object_unref(res);
        res = call("closing the device", bound,
                   [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                     qmi_device_close_async(device, timeout_s, c, done, p);
                   });
        (void)qmi_device_close_finish(device, res, nullptr);
        g_object_unref(res);
      } catch (...) {
      }
    }
    drop_device();
  }
};

QmiChannelLink::QmiChannelLink(QmiLinkOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  glib::check_port_options("QMI", impl_->options.device_path, impl_->options.slot,
                           impl_->options.timeout);
}

QmiChannelLink::~QmiChannelLink() {
  close();
}

apdu::OpenedChannel QmiChannelLink::open(const std::vector<Bytes>& aids) {
  glib::ContextScope scope(impl_->context());
  Impl& m = *impl_;
  if (m.channel) {
    // One channel per link: a second open replaces the first.
    m.close_channel(std::min(m.options.timeout, kCloseStepBound));
  }
  m.connect();
  for (const Bytes& aid : aids) {
    OpenLogicalChannelRequest req;
    req.slot = m.options.slot;
    req.aid = aid;
    const auto rsp = decode_open_logical_channel_response(
        m.request(kUimOpenLogicalChannel, encode(req), "Open Logical Channel", m.options.timeout));
    if (rsp.result.ok()) {
      m.channel = *rsp.channel;
      apdu::OpenedChannel opened;
      opened.number = *rsp.channel;
      opened.aid = aid;
      if (rsp.select_response) opened.select_response = *rsp.select_response;
      return opened;
    }
    const Error e = error_for("Open Logical Channel", rsp.result.error, rsp.card_sw);
    if (e.code() != Errc::NotSupported || rsp.result.error == kErrInvalidQmiCommand ||
        rsp.result.error == kErrNotSupported) {
      throw e;
    }
    // The card has no such application: try the next AID.
  }
  throw m.no_isd_r(m.options.slot, aids);
}

Bytes QmiChannelLink::transmit(ByteView command_apdu) {
  glib::ContextScope scope(impl_->context());
  Impl& m = *impl_;
  if (!m.channel || m.removed || !m.device) {
    if (m.removed) m.lost("Send APDU");
    throw m.no_channel();
  }
  SendApduRequest req;
  req.slot = m.options.slot;
  req.apdu.assign(command_apdu.begin(), command_apdu.end());
  req.channel = *m.channel;
  const auto rsp = decode_send_apdu_response(
      m.request(kUimSendApdu, encode(req), "Send APDU", m.options.timeout));
  if (!rsp.result.ok() && rsp.result.error == kErrInvalidArgument) {
    // The modem no longer knows our channel: it restarted the UICC (a REFRESH after a profile
    // switch, a SIM power cycle) and the command did not reach the card. Like 6881 from a card.
    m.channel.reset();
    ++m.resets;
    throw apdu::CardResetError("the QMI modem at " + m.options.device_path +
                               " no longer knows logical channel " +
                               std::to_string(req.channel.value_or(0)) +
                               " (the SIM was restarted); the command was not run");
  }
  if (!rsp.result.ok()) throw error_for("Send APDU", rsp.result.error, std::nullopt);
  return *rsp.apdu_response;
}

void QmiChannelLink::close() noexcept {
  if (!impl_) return;
  glib::ContextScope scope(impl_->context());
  const auto bound = std::min(impl_->options.timeout, kCloseStepBound);
  impl_->close_channel(bound);
  impl_->release_client(bound);
}

void QmiChannelLink::restart_sim() {
  glib::ContextScope scope(impl_->context());
  Impl& m = *impl_;
  m.close_channel(std::min(m.options.timeout, kCloseStepBound));
  m.connect();
  const SimPowerRequest req{m.options.slot};
  const Result off =
      decode_result(m.request(kUimPowerOffSim, encode(req), "Power Off SIM", m.options.timeout));
  if (!off.ok()) throw error_for("Power Off SIM", off.error, std::nullopt);
  // The card is off: every channel on it is gone.
  ++m.resets;
  std::this_thread::sleep_for(m.options.sim_off_time);
  const Result on =
      decode_result(m.request(kUimPowerOnSim, encode(req), "Power On SIM", m.options.timeout));
  if (!on.ok()) {
    const Error e = error_for("Power On SIM", on.error, std::nullopt);
    throw Error(e.code(), std::string(e.what()) + "; the SIM in slot " +
                              std::to_string(m.options.slot) +
                              " stays off until it is powered on (or the modem restarts)");
  }
}

void QmiChannelLink::reattach() {
  // The card no longer knows our channel (6881): it was reset without the modem saying so.
  impl_->channel.reset();
  ++impl_->resets;
}

uint64_t QmiChannelLink::reset_count() const {
  return impl_->resets;
}
uint64_t QmiChannelLink::round_trips() const {
  return impl_->round_trips;
}

}  // namespace euiccd::modem::qmi
