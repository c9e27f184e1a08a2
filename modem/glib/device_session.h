// The GLib side that the QMI and MBIM links share (issue 12): a GMainContext of the link's own,
// made the calling thread's default while a link call runs (ContextScope), one asynchronous
// libqmi/libmbim call at a time run on it with a deadline and a cancellable, and what happens
// when the device goes away (modem reset, pty closed, proxy gone): the link forgets device and
// channel, counts a card reset and throws. The link's outline (connect, try the AIDs, the
// channel's life, closing in bounded steps) is modem/glib/port_channel_link.h; each link keeps
// only its protocol, in the hooks below.
//
// GLib shows here, so only the links' .cpp files include this; lpa/ and the daemon binary
// never do (the links live in the dlopen'd modem-glib.so, daemon/modem_glib_module.cpp).
#pragma once

#include <gio/gio.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "apdu/card.h"
#include "apdu/channel_link.h"
#include "base/bytes.h"
#include "base/error.h"

namespace euiccd::modem::glib {

// Makes `ctx` the calling thread's default while the library is used, so that every source it
// creates lands on it (qmi-endpoint-qmux.c, mbim-device.c use
// g_main_context_get_thread_default()).
class ContextScope {
 public:
  explicit ContextScope(GMainContext* ctx) : ctx_(ctx) { g_main_context_push_thread_default(ctx_); }
  ~ContextScope() { g_main_context_pop_thread_default(ctx_); }
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  GMainContext* ctx_;
};

// The message of `error` (which it frees), or "unknown error" for null.
std::string take_message(GError* error);

// How a port's errors name it: protocol "QMI", proxy "qmi-proxy", a command line that checks
// whether the modem answers (`probe` before and `probe_args` after the device path), the
// protocol's name of the command that carries an APDU ("Send APDU"), and typical device paths.
struct PortNames {
  const char* protocol;
  const char* proxy;
  const char* probe;
  const char* probe_args;
  const char* apdu_command;
  const char* typical_paths;
};

// Starts one asynchronous call: `start(cancellable, callback, user_data)` passes the last
// three to a libqmi/libmbim `_async`-style function.
using StartCall = std::function<void(GCancellable*, GAsyncReadyCallback, gpointer)>;

// One asynchronous call of a library: the function that starts it and the one that finishes
// it (qmi_device_open, qmi_device_open_finish).
template <typename Start, typename Finish>
struct AsyncCall {
  Start start;
  Finish finish;
};

// How a library creates, opens and closes its device object (libqmi: qmi_device_new,
// qmi_device_open, qmi_device_close_async; libmbim: mbim_device_new, mbim_device_open_full,
// mbim_device_close), the flag that opens it through the proxy, and the signal that says it
// went away.
template <typename Device, typename Flags>
struct DeviceFunctions {
  AsyncCall<void (*)(GFile*, GCancellable*, GAsyncReadyCallback, gpointer),
            Device* (*)(GAsyncResult*, GError**)>
      create;
  AsyncCall<void (*)(Device*, Flags, guint, GCancellable*, GAsyncReadyCallback, gpointer),
            gboolean (*)(Device*, GAsyncResult*, GError**)>
      open;
  AsyncCall<void (*)(Device*, guint, GCancellable*, GAsyncReadyCallback, gpointer),
            gboolean (*)(Device*, GAsyncResult*, GError**)>
      close;
  Flags through_proxy;
  const char* removed_signal;
};

// How a library sends one message and reads the answer (libqmi: qmi_device_command_full,
// qmi_message_get_data; libmbim: mbim_device_command, mbim_message_get_raw, which takes a
// const message and counts in guint32).
template <typename Device, typename Message, typename Length, typename Read = Message>
struct CommandFunctions {
  void (*start)(Device*, Message*, guint timeout_s, GCancellable*, GAsyncReadyCallback, gpointer);
  Message* (*finish)(Device*, GAsyncResult*, GError**);
  const guint8* (*data)(Read*, Length*, GError**);
  void (*unref)(Message*);
};

// One modem port's session state. A link's session derives from it and implements the protocol
// hooks; PortChannelLink runs the outline around them.
class DeviceSession {
 public:
  DeviceSession(PortNames names, std::string device_path, uint32_t slot,
                std::chrono::milliseconds timeout);
  virtual ~DeviceSession();  // the derived destructor drops its objects first (in a scope)
  DeviceSession(const DeviceSession&) = delete;
  DeviceSession& operator=(const DeviceSession&) = delete;

  GMainContext* context() const { return ctx_; }
  const PortNames& names() const { return names_; }
  const std::string& device_path() const { return device_path_; }
  uint32_t slot() const { return slot_; }
  // Bound of every wait: opening the device, each request.
  std::chrono::milliseconds timeout() const { return timeout_; }

  // The protocol's hooks. Whether device (and client) are there; opening them (device, proxy,
  // client or slot: throws as ChannelLink::open says); opening a channel to `aid` (its number
  // and SELECT answer; nullopt when the card has no such application: see not_opened());
  // sending one APDU on `number`; closing the channel and the device politely (both may throw:
  // the outline swallows it); dropping device and client without talking to the modem.
  virtual bool has_device() const = 0;
  virtual void open_device() = 0;
  virtual std::optional<apdu::OpenedChannel> open_channel(const Bytes& aid) = 0;
  virtual Bytes send_apdu(uint8_t number, ByteView command_apdu) = 0;
  virtual void close_channel(uint8_t number, std::chrono::milliseconds bound) = 0;
  virtual void close_device(std::chrono::milliseconds bound) = 0;
  virtual void drop_device() noexcept = 0;
  // Has the modem restart the card in the protocol's way (issue 13), the device open and no
  // channel on it; calls channel_lost() as soon as the card is off or reset, so that a later
  // step's failure still leaves the channel forgotten and the reset counted. Throws as
  // ModemLink::restart_sim says.
  virtual void restart_card() = 0;

  // How open_channel() ends when the channel did not open with `refusal`: nullopt (try the next
  // AID) when it says the card has no such application (NotSupported), unless
  // `modem_lacks_command` (the modem does not do the command at all); else throws it.
  static std::optional<apdu::OpenedChannel> not_opened(const Error& refusal,
                                                       bool modem_lacks_command);

  // The modem or the card no longer knows our channel (a SIM restart, 6881): forget it and
  // count a card reset.
  void channel_lost() noexcept;

  // Runs `start`, then iterates the context until the call completes, `bound` passes or the
  // device is removed. Returns the GAsyncResult (the caller unrefs it); throws Timeout, or as
  // lost() says when the device went away (`in_flight`: a command was on its way to the card).
  GAsyncResult* call(const std::string& what, std::chrono::milliseconds bound,
                     const StartCall& start, bool in_flight = false);

  // Creates `device` on the port and opens it (through the proxy when `use_proxy`), watching
  // its removal. Throws NoReader as cannot_use() / cannot_open() say, and as call() says.
  template <typename Device, typename Flags>
  void open_port(const DeviceFunctions<Device, Flags>& f, Device*& device, bool use_proxy);

  // Closes `device` on the modem within `bound` (its errors ignored); the caller drops it.
  template <typename Device, typename Flags>
  void close_port(const DeviceFunctions<Device, Flags>& f, Device* device,
                  std::chrono::milliseconds bound);

  // Sends `message` (and unrefs it) on `device` within `bound`, counted in round_trips, and
  // returns the answer's bytes for the codec. A command that fails is what `failed(error)`
  // returns (an Error; it frees `error` and may throw itself); an answer without bytes is
  // Malformed.
  template <typename Device, typename Message, typename Length, typename Read, typename Failed>
  Bytes round_trip(const CommandFunctions<Device, Message, Length, Read>& f, Device* device,
                   Message* message, const std::string& what, std::chrono::milliseconds bound,
                   Failed&& failed);

  // The device went away under us: forget it and the channel, count a reset, throw. When a
  // command was in flight nobody knows whether the card got it, so that is a plain CardRemoved
  // (the caller must not resend blindly); before sending, a CardResetError.
  [[noreturn]] void lost(const std::string& what, bool in_flight = false);
  // At the start of a connect: a device that was removed is forgotten and counted as a reset.
  void forget_if_removed();

  // Watches `device`'s "removed" signal (QMI_DEVICE_SIGNAL_REMOVED, MBIM_DEVICE_SIGNAL_REMOVED)
  // until unwatch(), which also clears the flag.
  void watch_removal(gpointer device, const char* signal);
  void unwatch_removal(gpointer device);

  // The errors of a failed connect: the device cannot be created or opened (through the proxy
  // or not).
  Error cannot_use(GError* error) const;
  Error cannot_open(const std::string& why, bool use_proxy) const;
  // The modem's library gave up waiting for a command's reply.
  Error no_answer(const std::string& what, const std::string& why) const;
  // transmit() without an open channel.
  apdu::CardResetError no_channel() const;
  // open() found none of the ISD-R AIDs.
  Error no_isd_r(uint32_t slot, const std::vector<Bytes>& aids) const;

  bool removed = false;            // the device hung up (modem reset, pty closed, proxy gone)
  std::optional<uint8_t> channel;  // the open logical channel
  uint64_t resets = 0;
  uint64_t round_trips = 0;  // the protocol's requests (the library's own traffic not counted)

 private:
  // Drops the device (and client) and the channel without talking to the modem.
  void forget() noexcept;

  PortNames names_;
  std::string device_path_;
  uint32_t slot_;
  std::chrono::milliseconds timeout_;
  GMainContext* ctx_;
  gulong removed_handler_ = 0;
};

// The options every port link checks in its constructor: throws InvalidArgument.
void check_port_options(const char* protocol, const std::string& device_path, uint32_t slot,
                        std::chrono::milliseconds timeout);

// Whole seconds for the libraries' own timeouts, rounded up.
guint seconds_of(std::chrono::milliseconds bound);

template <typename Device, typename Flags>
void DeviceSession::open_port(const DeviceFunctions<Device, Flags>& f, Device*& device,
                              bool use_proxy) {
  GFile* file = g_file_new_for_path(device_path_.c_str());
  GAsyncResult* res = call("opening the device", timeout_,
                           [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
                             f.create.start(file, c, done, p);
                           });
  g_object_unref(file);
  GError* error = nullptr;
  device = f.create.finish(res, &error);
  g_object_unref(res);
  if (!device) throw cannot_use(error);
  watch_removal(device, f.removed_signal);
  const Flags flags = use_proxy ? f.through_proxy : Flags{};
  res = call("opening the device", timeout_,
             [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
               f.open.start(device, flags, seconds_of(timeout_), c, done, p);
             });
  const bool opened = f.open.finish(device, res, &error);
  g_object_unref(res);
  if (!opened) {
    const std::string why = take_message(error);
    drop_device();
    throw cannot_open(why, use_proxy);
  }
}

template <typename Device, typename Flags>
void DeviceSession::close_port(const DeviceFunctions<Device, Flags>& f, Device* device,
                               std::chrono::milliseconds bound) {
  GAsyncResult* res =
      call("closing the device", bound, [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
        f.close.start(device, seconds_of(bound), c, done, p);
      });
  (void)f.close.finish(device, res, nullptr);
  g_object_unref(res);
}

template <typename Device, typename Message, typename Length, typename Read, typename Failed>
Bytes DeviceSession::round_trip(const CommandFunctions<Device, Message, Length, Read>& f,
                                Device* device, Message* message, const std::string& what,
                                std::chrono::milliseconds bound, Failed&& failed) {
  const guint timeout_s = seconds_of(bound) + 1;
  ++round_trips;
  GAsyncResult* res = nullptr;
  try {
    res = call(
        what, bound,
        [&](GCancellable* c, GAsyncReadyCallback done, gpointer p) {
          f.start(device, message, timeout_s, c, done, p);
        },
        true);
  } catch (...) {
    f.unref(message);
    throw;
  }
  f.unref(message);
  GError* error = nullptr;
  Message* reply = f.finish(device, res, &error);
  g_object_unref(res);
  if (!reply) throw failed(error);
  Length length = 0;
  const guint8* data = f.data(reply, &length, &error);
  if (!data) {
    f.unref(reply);
    throw Error(Errc::Malformed, "the modem's answer to " + what + " has no " + names_.protocol +
                                     " data: " + take_message(error));
  }
  Bytes answer(data, data + length);
  f.unref(reply);
  return answer;
}

}  // namespace euiccd::modem::glib
