#include "topup/mm_bus.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace euiccd::topup {
namespace {

uint64_t to_usec(std::chrono::milliseconds timeout) {
  // 0 would mean sd-bus's default of 25 s: a deadline is always at least 1 ms.
  return static_cast<uint64_t>(std::max<int64_t>(timeout.count(), 1)) * 1000;
}

[[noreturn]] void fail(int r, const sd_bus_error* error, const char* what) {
  if (error != nullptr && sd_bus_error_is_set(error)) {
    throw BusFailure(error->name, error->message != nullptr ? error->message : "", -r);
  }
  throw BusFailure("", std::string(what) + ": " + std::strerror(-r), -r);
}

// The answer to one asynchronous call, once it is in.
struct PendingReply {
  sdbus::Message reply;
};

int on_reply(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
  static_cast<PendingReply*>(userdata)->reply = sdbus::Message::ref(m);
  return 0;
}

}  // namespace

BusFailure::BusFailure(std::string error_name, std::string error_message, int errno_value)
    : std::runtime_error(error_name.empty() ? error_message : error_name + ": " + error_message),
      name(std::move(error_name)),
      message(std::move(error_message)),
      error(errno_value < 0 ? -errno_value : errno_value) {}

bool BusFailure::timed_out() const {
  return error == ETIMEDOUT || name == "org.freedesktop.DBus.Error.Timeout" ||
         name == "org.freedesktop.DBus.Error.TimedOut" ||
         name == "org.freedesktop.DBus.Error.NoReply";
}

bool BusFailure::service_missing() const {
  return name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
         name == "org.freedesktop.DBus.Error.NameHasNoOwner";
}

int check(int r, const char* what) {
  if (r < 0) fail(r, nullptr, what);
  return r;
}

Bus::Bus(const std::string& address) {
  const int r =
      address.empty() ? sd_bus_open_system(bus_.put()) : sdbus::open_address(bus_, address);
  if (r < 0) {
    bus_.reset();
    fail(r, nullptr, "cannot connect to the D-Bus bus");
  }
}

sdbus::Message Bus::new_call(const char* destination, const std::string& path,
                             const char* interface, const char* member, const Appender& append) {
  sdbus::Message request;
  check(sd_bus_message_new_method_call(bus_, request.put(), destination, path.c_str(), interface,
                                       member),
        "cannot build a D-Bus call");
  if (append) append(request);
  return request;
}

sdbus::Message Bus::call(const char* destination, const std::string& path, const char* interface,
                         const char* member, std::chrono::milliseconds timeout,
                         const Appender& append) {
  const sdbus::Message request = new_call(destination, path, interface, member, append);
  sdbus::Error error;
  sdbus::Message reply;
  const int r = sd_bus_call(bus_, request, to_usec(timeout), error, reply.put());
  if (r < 0) fail(r, error, member);
  return reply;
}

std::optional<sdbus::Message> Bus::call_unless(const std::function<bool()>& abandon,
                                               const char* destination, const std::string& path,
                                               const char* interface, const char* member,
                                               std::chrono::milliseconds timeout,
                                               const Appender& append) {
  const sdbus::Message request = new_call(destination, path, interface, member, append);
  PendingReply pending;
  sdbus::Slot slot;  // dropping it (any way out of here) forgets the call
  if (const int r =
          sd_bus_call_async(bus_, slot.put(), request, on_reply, &pending, to_usec(timeout));
      r < 0)
    fail(r, nullptr, member);
  // sd-bus answers a call past its timeout with a NoReply error itself; the margin only
  // guards against a loop that would otherwise never end.
  const auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(1);
  wait_until([&] { return pending.reply.get() != nullptr || abandon(); }, deadline);
  if (!pending.reply) {
    if (abandon()) return std::nullopt;
    fail(-ETIMEDOUT, nullptr, member);
  }
  if (sd_bus_message_is_method_error(pending.reply, nullptr)) {
    const sd_bus_error* error = sd_bus_message_get_error(pending.reply);
    fail(-std::max(sd_bus_message_get_errno(pending.reply), 1), error, member);
  }
  return std::move(pending.reply);
}

sdbus::Message Bus::get_property(const char* destination, const std::string& path,
                                 const char* interface, const char* property,
                                 std::chrono::milliseconds timeout, const char* type) {
  sdbus::Message reply = call(
      destination, path, "org.freedesktop.DBus.Properties", "Get", timeout, [&](sd_bus_message* m) {
        check(sd_bus_message_append(m, "ss", interface, property), "cannot build a property read");
      });
  check(sd_bus_message_enter_container(reply.get(), 'v', type), property);
  return reply;
}

std::string Bus::get_string(const char* destination, const std::string& path, const char* interface,
                            const char* property, std::chrono::milliseconds timeout) {
  sdbus::Message reply = get_property(destination, path, interface, property, timeout, "s");
  return read_string(reply.get());
}

uint32_t Bus::get_u32(const char* destination, const std::string& path, const char* interface,
                      const char* property, std::chrono::milliseconds timeout) {
  sdbus::Message reply = get_property(destination, path, interface, property, timeout, "u");
  uint32_t value = 0;
  check(sd_bus_message_read(reply.get(), "u", &value), property);
  return value;
}

bool Bus::wait_until(const std::function<bool()>& done,
                     std::chrono::steady_clock::time_point deadline,
                     const std::function<bool()>& keep_going) {
  using namespace std::chrono;
  for (;;) {
    if (done()) return true;
    const int r = sd_bus_process(bus_, nullptr);
    check(r, "D-Bus connection failed");
    if (r > 0) continue;  // more may be queued
    const auto now = steady_clock::now();
    if (now >= deadline) return done();
    if (keep_going && !keep_going()) return done();
    // Short waits so a cancel request is seen within 100 ms.
    const auto slice = std::min(duration_cast<microseconds>(deadline - now),
                                duration_cast<microseconds>(milliseconds(100)));
    check(sd_bus_wait(bus_, static_cast<uint64_t>(std::max<int64_t>(slice.count(), 1))),
          "D-Bus wait failed");
  }
}

std::string read_string(sd_bus_message* m, char type) {
  const char* value = nullptr;
  const char signature[2] = {type, '\0'};
  check(sd_bus_message_read(m, signature, &value), "cannot read a D-Bus string");
  return value != nullptr ? value : "";
}

}  // namespace euiccd::topup
