#include "modem/qmi/qmi_channel_link.h"

#include <libqmi-glib.h>

#include <optional>
#include <string>

#include "apdu/card.h"
#include "modem/qmi/uim.h"

namespace euiccd::modem::qmi {

namespace {

// After we stop waiting (deadline, device gone), a cancelled libqmi call still completes on
// the context; this long at most is spent iterating for it before its slot is abandoned.
constexpr std::chrono::milliseconds kCancelGrace{500};
// close() spends at most this long per step, whatever the configured timeout.
constexpr std::chrono::milliseconds kCloseStepBound{2000};

// One asynchronous libqmi call in flight. Heap-allocated: when we give up on a call whose
// callback never ran, the callback may still run later and must find live memory.
struct Pending {
  GAsyncResult* result = nullptr;
  bool abandoned = false;
};

void on_ready(GObject*, GAsyncResult* res, gpointer data) {
  auto* p = static_cast<Pending*>(data);
  if (p->abandoned) {
    delete p;  // nobody waits any more; the result is dropped with the task
    return;
  }
  p->result = G_ASYNC_RESULT(g_object_ref(res));
}

// Makes `ctx` the calling thread's default while libqmi is used, so that every source libqmi
// creates lands on it (qmi-endpoint-qmux.c uses g_main_context_get_thread_default()).
class ContextScope {
 public:
  explicit ContextScope(GMainContext* ctx) : ctx_(ctx) { g_main_context_push_thread_default(ctx_); }
  ~ContextScope() { g_main_context_pop_thread_default(ctx_); }
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  GMainContext* ctx_;
};

std::string take_message(GError* error) {
  std::string m = error ? error->message : "unknown error";
  if (error) g_error_free(error);
  return m;
}

std::string hex_list(const std::vector<Bytes>& aids) {
  std::string s;
  for (const Bytes& a : aids) s += (s.empty() ? "" : ", ") + to_hex(a);
  return s;
}

}  // namespace

struct QmiChannelLink::Impl {
  QmiLinkOptions options;
  GMainContext* ctx = g_main_context_new();
  QmiDevice* device = nullptr;
  QmiClient* client = nullptr;
  gulong removed_handler = 0;
  bool removed = false;  // the device hung up (modem reset, pty closed, qmi-proxy gone)
  std::optional<uint8_t> channel;
  uint64_t resets = 0;
  uint64_t round_trips = 0;

  explicit Impl(QmiLinkOptions o) : options(std::move(o)) {}
  ~Impl() {
    {
      ContextScope scope(ctx);
      drop_device();
    }
    g_main_context_unref(ctx);
  }

  // Iterates the context until `p` completes or `bound` passes (or, with `stop_on_removal`, the
  // device is removed).
  void iterate_until(Pending* p, std::chrono::milliseconds bound, bool stop_on_removal) {
    bool expired = false;
    GSource* timer = g_timeout_source_new(static_cast<guint>(bound.count()));
    g_source_set_callback(
        timer,
        [](gpointer flag) -> gboolean {
          *static_cast<bool*>(flag) = true;
          return G_SOURCE_REMOVE;
        },
        &expired, nullptr);
    g_source_attach(timer, ctx);
    while (!p->result && !expired && !(stop_on_removal && removed)) {
      g_main_context_iteration(ctx, TRUE);
    }
    g_source_destroy(timer);
    g_source_unref(timer);
  }

  // Iterates the context until `p` completes, `deadline` passes or the device is removed.
  // Returns the result (owned by the caller) or null; on null `timed_out` says which.
  enum class Outcome { Done, TimedOut, Removed };
  Outcome wait(Pending* p, GCancellable* cancel, std::chrono::milliseconds bound) {
    iterate_until(p, bound, /*stop_on_removal=*/true);
    if (p->result) return Outcome::Done;
    const Outcome why = removed ? Outcome::Removed : Outcome::TimedOut;
    // Cancel and give the call a short, bounded chance to complete, so its memory is freed.
    g_cancellable_cancel(cancel);
    iterate_until(p, kCancelGrace, /*stop_on_removal=*/false);
    return why;
  }

  // Runs one asynchronous libqmi call: `start(cancellable, callback, pending)`, then waits.
  // Returns the GAsyncResult (caller unrefs) or throws Timeout / CardResetError.
  template <typename Start>
  GAsyncResult* call(const std::string& what, std::chrono::milliseconds bound, Start start,
                     bool in_flight = false) {
    auto* p = new Pending;
    GCancellable* cancel = g_cancellable_new();
    start(cancel, p);
    const Outcome outcome = wait(p, cancel, bound);
    g_object_unref(cancel);
    GAsyncResult* res = p->result;
    if (res) {
      delete p;
    } else {
      p->abandoned = true;  // on_ready frees it if it ever runs
    }
    if (outcome == Outcome::Done) return res;
    if (res) g_object_unref(res);
    if (outcome == Outcome::Removed) lost(what, in_flight);
    throw Error(Errc::Timeout, "the modem at " + options.device_path + " did not answer " + what +
                                   " within " + std::to_string(bound.count()) +
                                   " ms; check that the modem is up (qmicli -p -d " +
                                   options.device_path + " --uim-get-card-status)");
  }

  // The device went away under us: forget it and the channel, count a reset, throw. When a
  // command was in flight nobody knows whether the card got it, so that is a plain
  // CardRemoved (the caller must not resend blindly); before sending, a CardResetError.
  [[noreturn]] void lost(const std::string& what, bool in_flight = false) {
    drop_device();
    channel.reset();
    ++resets;
    const std::string message =
        "the QMI modem at " + options.device_path + " went away during " + what +
        " (modem reset, device unplugged or qmi-proxy gone); counted as a card reset, the next "
        "operation reconnects";
    if (in_flight) throw Error(Errc::CardRemoved, message);
    throw apdu::CardResetError(message);
  }

  static void on_removed(QmiDevice*, gpointer data) { static_cast<Impl*>(data)->removed = true; }

  // Unrefs client and device without talking to the modem (it may be gone).
  void drop_device() {
    if (device && removed_handler) g_signal_handler_disconnect(device, removed_handler);
    removed_handler = 0;
    g_clear_object(&client);
    g_clear_object(&device);
    removed = false;
  }

  void connect() {
    if (device && client && !removed) return;
    if (removed) {
      drop_device();
      channel.reset();
      ++resets;
    }
    drop_device();
    const guint timeout_s = static_cast<guint>((options.timeout.count() + 999) / 1000);
    GFile* file = g_file_new_for_path(options.device_path.c_str());
    GAsyncResult* res =
        call("opening the device", options.timeout,
             [&](GCancellable* c, Pending* p) { qmi_device_new(file, c, on_ready, p); });
    g_object_unref(file);
    GError* error = nullptr;
    device = qmi_device_new_finish(res, &error);
    g_object_unref(res);
    if (!device) {
      throw Error(Errc::NoReader, "cannot use the QMI device " + options.device_path + ": " +
                                      take_message(error) +
                                      "; check the path (e.g. /dev/cdc-wdm0)");
    }
    removed_handler =
        g_signal_connect(device, QMI_DEVICE_SIGNAL_REMOVED, G_CALLBACK(on_removed), this);
    const auto flags = options.use_proxy ? QMI_DEVICE_OPEN_FLAGS_PROXY : QMI_DEVICE_OPEN_FLAGS_NONE;
    res = call("opening the device", options.timeout, [&](GCancellable* c, Pending* p) {
      qmi_device_open(device, flags, timeout_s, c, on_ready, p);
    });
    const bool opened = qmi_device_open_finish(device, res, &error);
    g_object_unref(res);
    if (!opened) {
      const std::string why = take_message(error);
      drop_device();
      throw Error(Errc::NoReader,
                  "cannot open the QMI device " + options.device_path +
                      (options.use_proxy ? " through qmi-proxy" : "") + ": " + why +
                      (options.use_proxy ? "; qmi-proxy accepts root clients only" : ""));
    }
    res = call("allocating a UIM client", options.timeout, [&](GCancellable* c, Pending* p) {
      qmi_device_allocate_client(device, QMI_SERVICE_UIM, QMI_CID_NONE, timeout_s, c, on_ready, p);
    });
    QmiClient* uim = qmi_device_allocate_client_finish(device, res, &error);
    g_object_unref(res);
    if (!uim) {
      const std::string why = take_message(error);
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
    if (!msg) throw Error(Errc::Internal, "cannot build QMI " + what + ": " + take_message(error));
    const guint timeout_s = static_cast<guint>((bound.count() + 999) / 1000) + 1;
    ++round_trips;
    GAsyncResult* res = nullptr;
    try {
      res = call(
          what, bound,
          [&](GCancellable* c, Pending* p) {
            qmi_device_command_full(device, msg, nullptr, timeout_s, c, on_ready, p);
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
      const std::string why = take_message(error);
      if (timeout) {
        throw Error(Errc::Timeout,
                    "the modem at " + options.device_path + " did not answer " + what + ": " + why);
      }
      if (removed) lost(what);
      throw Error(Errc::CardRemoved,
                  "QMI " + what + " failed on " + options.device_path + ": " + why);
    }
    gsize len = 0;
    const guint8* data = qmi_message_get_data(reply, &len, &error);
    if (!data) {
      qmi_message_unref(reply);
      throw Error(Errc::Malformed,
                  "the modem's answer to " + what + " has no QMI data: " + take_message(error));
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
        const guint timeout_s = static_cast<guint>((bound.count() + 999) / 1000);
        GAsyncResult* res =
            call("releasing the UIM client", bound, [&](GCancellable* c, Pending* p) {
              qmi_device_release_client(device, client, QMI_DEVICE_RELEASE_CLIENT_FLAGS_RELEASE_CID,
                                        timeout_s, c, on_ready, p);
            });
        (void)qmi_device_release_client_finish(device, res, nullptr);
        g_object_unref(res);
        res = call("closing the device", bound, [&](GCancellable* c, Pending* p) {
          qmi_device_close_async(device, timeout_s, c, on_ready, p);
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
  if (impl_->options.device_path.empty()) {
    throw Error(Errc::InvalidArgument, "no QMI device path given");
  }
  if (impl_->options.slot == 0) throw Error(Errc::InvalidArgument, "QMI slots count from 1");
  if (impl_->options.timeout.count() <= 0) {
    throw Error(Errc::InvalidArgument, "the QMI timeout must be positive");
  }
}

QmiChannelLink::~QmiChannelLink() {
  close();
}

apdu::OpenedChannel QmiChannelLink::open(const std::vector<Bytes>& aids) {
  ContextScope scope(impl_->ctx);
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
  throw Error(Errc::NotSupported, "the card in slot " + std::to_string(m.options.slot) +
                                      " of the modem at " + m.options.device_path +
                                      " has none of the ISD-R AIDs tried (" + hex_list(aids) +
                                      "); configure the card's ISD-R AID if it uses another one");
}

Bytes QmiChannelLink::transmit(ByteView command_apdu) {
  ContextScope scope(impl_->ctx);
  Impl& m = *impl_;
  if (!m.channel || m.removed || !m.device) {
    if (m.removed) m.lost("Send APDU");
    throw apdu::CardResetError("no logical channel is open on the QMI modem at " +
                               m.options.device_path + "; it must be opened again");
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
  ContextScope scope(impl_->ctx);
  const auto bound = std::min(impl_->options.timeout, kCloseStepBound);
  impl_->close_channel(bound);
  impl_->release_client(bound);
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
