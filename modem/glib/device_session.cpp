#include "modem/glib/device_session.h"

namespace euiccd::modem::glib {

namespace {

// After we stop waiting (deadline, device gone), a cancelled call still completes on the
// context; this long at most is spent iterating for it before its slot is abandoned.
constexpr std::chrono::milliseconds kCancelGrace{500};

// One asynchronous call in flight. Heap-allocated: when we give up on a call whose callback
// never ran, the callback may still run later and must find live memory.
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

void on_removed(GObject*, gpointer flag) {
  *static_cast<bool*>(flag) = true;
}

// Iterates `ctx` until `p` completes, `bound` passes or (when given) `*removed` turns true.
void iterate_until(GMainContext* ctx, const Pending* p, std::chrono::milliseconds bound,
                   const bool* removed) {
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
  while (!p->result && !expired && !(removed && *removed)) g_main_context_iteration(ctx, TRUE);
  g_source_destroy(timer);
  g_source_unref(timer);
}

std::string hex_list(const std::vector<Bytes>& aids) {
  std::string s;
  for (const Bytes& a : aids) s += (s.empty() ? "" : ", ") + to_hex(a);
  return s;
}

}  // namespace

std::string take_message(GError* error) {
  std::string m = error ? error->message : "unknown error";
  if (error) g_error_free(error);
  return m;
}

DeviceSession::DeviceSession(PortNames names, std::string device_path, uint32_t slot,
                             std::chrono::milliseconds timeout)
    : names_(names),
      device_path_(std::move(device_path)),
      slot_(slot),
      timeout_(timeout),
      ctx_(g_main_context_new()) {}

DeviceSession::~DeviceSession() {
  g_main_context_unref(ctx_);
}

GAsyncResult* DeviceSession::call(const std::string& what, std::chrono::milliseconds bound,
                                  const StartCall& start, bool in_flight) {
  auto* p = new Pending;
  GCancellable* cancel = g_cancellable_new();
  start(cancel, on_ready, p);
  iterate_until(ctx_, p, bound, &removed);
  const bool done = p->result != nullptr;
  const bool was_removed = removed;
  if (!done) {
    // Cancel and give the call a short, bounded chance to complete, so its memory is freed.
    g_cancellable_cancel(cancel);
    iterate_until(ctx_, p, kCancelGrace, nullptr);
  }
  g_object_unref(cancel);
  GAsyncResult* res = p->result;
  if (res) {
    delete p;
  } else {
    p->abandoned = true;  // on_ready frees it if it ever runs
  }
  if (done) return res;
  if (res) g_object_unref(res);
  if (was_removed) lost(what, in_flight);
  throw Error(Errc::Timeout, "the modem at " + device_path_ + " did not answer " + what +
                                 " within " + std::to_string(bound.count()) +
                                 " ms; check that the modem is up (" + names_.probe + device_path_ +
                                 names_.probe_args + ")");
}

std::optional<apdu::OpenedChannel> DeviceSession::not_opened(const Error& refusal,
                                                             bool modem_lacks_command) {
  if (refusal.code() != Errc::NotSupported || modem_lacks_command) throw refusal;
  return std::nullopt;
}

void DeviceSession::channel_lost() noexcept {
  channel.reset();
  ++resets;
}

void DeviceSession::forget() noexcept {
  drop_device();
  channel.reset();
}

void DeviceSession::lost(const std::string& what, bool in_flight) {
  forget();
  ++resets;
  const std::string message = std::string("the ") + names_.protocol + " modem at " + device_path_ +
                              " went away during " + what + " (modem reset, device unplugged or " +
                              names_.proxy +
                              " gone); counted as a card reset, the next operation reconnects";
  if (in_flight) throw Error(Errc::CardRemoved, message);
  throw apdu::CardResetError(message);
}

void DeviceSession::forget_if_removed() {
  if (!removed) return;
  forget();
  ++resets;
}

void DeviceSession::watch_removal(gpointer device, const char* signal) {
  removed_handler_ = g_signal_connect(device, signal, G_CALLBACK(on_removed), &removed);
}

void DeviceSession::unwatch_removal(gpointer device) {
  if (device && removed_handler_) g_signal_handler_disconnect(device, removed_handler_);
  removed_handler_ = 0;
  removed = false;
}

Error DeviceSession::cannot_use(GError* error) const {
  return Error(Errc::NoReader, std::string("cannot use the ") + names_.protocol + " device " +
                                   device_path_ + ": " + take_message(error) +
                                   "; check the path (e.g. " + names_.typical_paths + ")");
}

Error DeviceSession::cannot_open(const std::string& why, bool use_proxy) const {
  return Error(Errc::NoReader,
               std::string("cannot open the ") + names_.protocol + " device " + device_path_ +
                   (use_proxy ? std::string(" through ") + names_.proxy : std::string()) + ": " +
                   why +
                   (use_proxy ? std::string("; ") + names_.proxy + " accepts root clients only"
                              : std::string()));
}

Error DeviceSession::no_answer(const std::string& what, const std::string& why) const {
  return Error(Errc::Timeout,
               "the modem at " + device_path_ + " did not answer " + what + ": " + why);
}

apdu::CardResetError DeviceSession::no_channel() const {
  return apdu::CardResetError(std::string("no logical channel is open on the ") + names_.protocol +
                              " modem at " + device_path_ + "; it must be opened again");
}

Error DeviceSession::no_isd_r(uint32_t slot, const std::vector<Bytes>& aids) const {
  return Error(Errc::NotSupported, "the card in slot " + std::to_string(slot) +
                                       " of the modem at " + device_path_ +
                                       " has none of the ISD-R AIDs tried (" + hex_list(aids) +
                                       "); configure the card's ISD-R AID if it uses another one");
}

void check_port_options(const char* protocol, const std::string& device_path, uint32_t slot,
                        std::chrono::milliseconds timeout) {
  if (device_path.empty()) {
    throw Error(Errc::InvalidArgument, std::string("no ") + protocol + " device path given");
  }
  if (slot == 0) throw Error(Errc::InvalidArgument, std::string(protocol) + " slots count from 1");
  if (timeout.count() <= 0) {
    throw Error(Errc::InvalidArgument,
                std::string("the ") + protocol + " timeout must be positive");
  }
}

guint seconds_of(std::chrono::milliseconds bound) {
  return static_cast<guint>((bound.count() + 999) / 1000);
}

}  // namespace euiccd::modem::glib
