// The GLib side that the QMI and MBIM links share (issue 12): a GMainContext of the link's own,
// made the calling thread's default while a link call runs (ContextScope), one asynchronous
// libqmi/libmbim call at a time run on it with a deadline and a cancellable, and what happens
// when the device goes away (modem reset, pty closed, proxy gone): the link forgets device and
// channel, counts a card reset and throws. Each link keeps only its protocol.
//
// GLib shows here, so only the links' .cpp files include this; lpa/ and the daemon binary
// never do (the links live in the dlopen'd modem-glib.so, daemon/modem_glib_module.cpp).
#pragma once

#include <gio/gio.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "apdu/card.h"
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

// How a port's errors name it: protocol "QMI", proxy "qmi-proxy", and a command line that
// checks whether the modem answers (`probe` before and `probe_args` after the device path).
struct PortNames {
  const char* protocol;
  const char* proxy;
  const char* probe;
  const char* probe_args;
};

// Starts one asynchronous call: `start(cancellable, callback, user_data)` passes the last
// three to a libqmi/libmbim `_async`-style function.
using StartCall = std::function<void(GCancellable*, GAsyncReadyCallback, gpointer)>;

// One modem port's session state. A link's Impl derives from it and says in forget() how it
// drops its device, client and channel without talking to the modem.
class DeviceSession {
 public:
  DeviceSession(PortNames names, std::string device_path);
  virtual ~DeviceSession();  // the derived destructor drops its objects first (in a scope)
  DeviceSession(const DeviceSession&) = delete;
  DeviceSession& operator=(const DeviceSession&) = delete;

  GMainContext* context() const { return ctx_; }
  const std::string& device_path() const { return device_path_; }

  // Runs `start`, then iterates the context until the call completes, `bound` passes or the
  // device is removed. Returns the GAsyncResult (the caller unrefs it); throws Timeout, or as
  // lost() says when the device went away (`in_flight`: a command was on its way to the card).
  GAsyncResult* call(const std::string& what, std::chrono::milliseconds bound,
                     const StartCall& start, bool in_flight = false);

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

  // The errors of a failed connect: the device cannot be created (`path_hint` names typical
  // paths) or opened (through the proxy or not).
  Error cannot_use(GError* error, const char* path_hint) const;
  Error cannot_open(const std::string& why, bool use_proxy) const;
  // The modem's library gave up waiting for a command's reply.
  Error no_answer(const std::string& what, const std::string& why) const;
  // transmit() without an open channel.
  apdu::CardResetError no_channel() const;
  // open() found none of the ISD-R AIDs.
  Error no_isd_r(uint32_t slot, const std::vector<Bytes>& aids) const;

  bool removed = false;  // the device hung up (modem reset, pty closed, proxy gone)
  uint64_t resets = 0;
  uint64_t round_trips = 0;

 protected:
  // Drops the device (and client) and the channel without talking to the modem.
  virtual void forget() noexcept = 0;

 private:
  PortNames names_;
  std::string device_path_;
  GMainContext* ctx_;
  gulong removed_handler_ = 0;
};

// The options every port link checks in its constructor: throws InvalidArgument.
void check_port_options(const char* protocol, const std::string& device_path, uint32_t slot,
                        std::chrono::milliseconds timeout);

// Whole seconds for the libraries' own timeouts, rounded up.
guint seconds_of(std::chrono::milliseconds bound);

}  // namespace euiccd::modem::glib
