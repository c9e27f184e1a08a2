#include "modem/mbim/mbim_channel_link.h"

#include <libmbim-glib.h>

#include <optional>
#include <string>

#include "apdu/card.h"
#include "modem/mbim/services.h"
#include "modem/mbim/status.h"

namespace euiccd::modem::mbim {

namespace {

// After we stop waiting (deadline, device gone), a cancelled libmbim call still completes on
// the context; this long at most is spent iterating for it before its slot is abandoned.
constexpr std::chrono::milliseconds kCancelGrace{500};
// close() spends at most this long per step, whatever the configured timeout.
constexpr std::chrono::milliseconds kCloseStepBound{2000};
constexpr uint32_t kChannelGroup = 1;  // as ModemManager and lpac

// One asynchronous libmbim call in flight. Heap-allocated: when we give up on a call whose
// callback never ran, the callback may still run later and must find live memory.
struct Pending {
  GAsyncResult* result = nullptr;
  bool abandoned = false;
};

void on_ready(GObject*, GAsyncResult* res, gpointer data) {
  auto* p = static_cast<Pending*>(data);
  if (p->abandoned) {
    delete p;
    return;
  }
  p->result = G_ASYNC_RESULT(g_object_ref(res));
}

// Makes `ctx` the calling thread's default while libmbim is used, so that every source it
// creates lands on it.
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

// Iterates `ctx` until `done()` or `bound` passes; false on the deadline.
template <typename Done>
bool iterate_until(GMainContext* ctx, std::chrono::milliseconds bound, Done done) {
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
  while (!done() && !expired) g_main_context_iteration(ctx, TRUE);
  g_source_destroy(timer);
  g_source_unref(timer);
  return done();
}

}  // namespace

struct MbimChannelLink::Impl {
  MbimLinkOptions options;
  GMainContext* ctx = g_main_context_new();
  MbimDevice* device = nullptr;
  gulong removed_handler = 0;
  bool removed = false;  // the device hung up (modem reset, pty closed, mbim-proxy gone)
  std::optional<uint32_t> channel;
  uint64_t resets = 0;
  uint64_t round_trips = 0;

  explicit Impl(MbimLinkOptions o) : options(std::move(o)) {}
  ~Impl() {
    {
      ContextScope scope(ctx);
      drop_device();
    }
    g_main_context_unref(ctx);
  }

  enum class Outcome { Done, TimedOut, Removed };
  Outcome wait(Pending* p, GCancellable* cancel, std::chrono::milliseconds bound) {
    iterate_until(ctx, bound, [&] { return p->result != nullptr || removed; });
    if (p->result) return Outcome::Done;
    const Outcome why = removed ? Outcome::Removed : Outcome::TimedOut;
    g_cancellable_cancel(cancel);
    iterate_until(ctx, kCancelGrace, [&] { return p->result != nullptr; });
    return why;
  }

  // Runs one asynchronous libmbim call: `start(cancellable, pending)`, then waits. Returns
  // the GAsyncResult (caller unrefs) or throws Timeout / CardResetError / CardRemoved.
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
                                   " ms; check that the modem is up (mbimcli -p -d " +
                                   options.device_path + " --query-device-caps)");
  }

  // The device went away: forget it and the channel, count a reset, throw. With a command in
  // flight nobody knows whether the card got it: CardRemoved (the caller must not resend
  // blindly); before sending, a CardResetError.
  [[noreturn]] void lost(const std::string& what, bool in_flight = false) {
    drop_device();
    channel.reset();
    ++resets;
    const std::string message =
        "the MBIM modem at " + options.device_path + " went away during " + what +
        " (modem reset, device unplugged or mbim-proxy gone); counted as a card reset, the "
        "next operation reconnects";
    if (in_flight) throw Error(Errc::CardRemoved, message);
    throw apdu::CardResetError(message);
  }

  static void on_removed(MbimDevice*, gpointer data) { static_cast<Impl*>(data)->removed = true; }

  void drop_device() {
    if (device && removed_handler) g_signal_handler_disconnect(device, removed_handler);
    removed_handler = 0;
    g_clear_object(&device);
    removed = false;
  }

  void connect() {
    if (device && !removed) return;
    if (removed) {
      drop_device();
      channel.reset();
      ++resets;
    }
    const guint timeout_s = static_cast<guint>((options.timeout.count() + 999) / 1000);
    GFile* file = g_file_new_for_path(options.device_path.c_str());
    GAsyncResult* res =
        call("opening the device", options.timeout,
             [&](GCancellable* c, Pending* p) { mbim_device_new(file, c, on_ready, p); });
    g_object_unref(file);
    GError* error = nullptr;
    device = mbim_device_new_finish(res, &error);
    g_object_unref(res);
    if (!device) {
      throw Error(Errc::NoReader, "cannot use the MBIM device " + options.device_path + ": " +
                                      take_message(error) +
                                      "; check the path (e.g. /dev/cdc-wdm0 or /dev/wwan0mbim0)");
    }
    removed_handler =
        g_signal_connect(device, MBIM_DEVICE_SIGNAL_REMOVED, G_CALLBACK(on_removed), this);
    const auto flags =
        options.use_proxy ? MBIM_DEVICE_OPEN_FLAGS_PROXY : MBIM_DEVICE_OPEN_FLAGS_NONE;
    res = call("opening the device", options.timeout, [&](GCancellable* c, Pending* p) {
      mbim_device_open_full(device, flags, timeout_s, c, on_ready, p);
    });
    const bool opened = mbim_device_open_full_finish(device, res, &error);
    g_object_unref(res);
    if (!opened) {
      const std::string why = take_message(error);
      drop_device();
      throw Error(Errc::NoReader,
                  "cannot open the MBIM device " + options.device_path +
                      (options.use_proxy ? " through mbim-proxy" : "") + ": " + why +
                      (options.use_proxy ? "; mbim-proxy accepts root clients only" : ""));
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
    const guint timeout_s = static_cast<guint>((bound.count() + 999) / 1000) + 1;
    ++round_trips;
    GAsyncResult* res = nullptr;
    try {
      res = call(
          what, bound,
          [&](GCancellable* c, Pending* p) {
            mbim_device_command(device, msg, timeout_s, c, on_ready, p);
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
      const std::string why = take_message(error);
      if (removed) lost(what, true);
      if (timeout) {
        throw Error(Errc::Timeout,
                    "the modem at " + options.device_path + " did not answer " + what + ": " + why);
      }
      throw Error(Errc::CardError,
                  "MBIM " + what + " failed on " + options.device_path + ": " + why);
    }
    guint32 len = 0;
    const guint8* data = mbim_message_get_raw(reply, &len, &error);
    if (!data) {
      mbim_message_unref(reply);
      throw Error(Errc::Malformed,
                  "the modem's answer to " + what + " has no MBIM data: " + take_message(error));
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
        const guint timeout_s = static_cast<guint>((bound.count() + 999) / 1000);
        GAsyncResult* res = call("closing the device", bound, [&](GCancellable* c, Pending* p) {
          mbim_device_close(device, timeout_s, c, on_ready, p);
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
  if (impl_->options.device_path.empty()) {
    throw Error(Errc::InvalidArgument, "no MBIM device path given");
  }
  if (impl_->options.slot == 0) throw Error(Errc::InvalidArgument, "MBIM slots count from 1");
  if (impl_->options.timeout.count() <= 0) {
    throw Error(Errc::InvalidArgument, "the MBIM timeout must be positive");
  }
}

MbimChannelLink::~MbimChannelLink() {
  close();
}

apdu::OpenedChannel MbimChannelLink::open(const std::vector<Bytes>& aids) {
  ContextScope scope(impl_->ctx);
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
  throw Error(Errc::NotSupported, "the card in slot " + std::to_string(m.options.slot) +
                                      " of the modem at " + m.options.device_path +
                                      " has none of the ISD-R AIDs tried (" + hex_list(aids) +
                                      "); configure the card's ISD-R AID if it uses another one");
}

Bytes MbimChannelLink::transmit(ByteView command_apdu) {
  ContextScope scope(impl_->ctx);
  Impl& m = *impl_;
  if (!m.channel || m.removed || !m.device) {
    if (m.removed) m.lost("UICC APDU");
    throw apdu::CardResetError("no logical channel is open on the MBIM modem at " +
                               m.options.device_path + "; it must be opened again");
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
  ContextScope scope(impl_->ctx);
  const auto bound = std::min(impl_->options.timeout, kCloseStepBound);
  impl_->close_channel(bound);
  impl_->close_device(bound);
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
