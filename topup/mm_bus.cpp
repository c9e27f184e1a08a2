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

struct ErrorGuard {
  sd_bus_error error{};  // SD_BUS_ERROR_NULL is a C compound literal
  ~ErrorGuard() { sd_bus_error_free(&error); }
};

[[noreturn]] void fail(int r, const sd_bus_error* error, const char* what) {
  if (error != nullptr && sd_bus_error_is_set(error)) {
    throw BusFailure(error->name, error->message != nullptr ? error->message : "", -r);
  }
  throw BusFailure("", std::string(what) + ": " + std::strerror(-r), -r);
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
  int r = 0;
  if (address.empty()) {
    r = sd_bus_open_system(&bus_);
  } else {
    r = sd_bus_new(&bus_);
    if (r >= 0) r = sd_bus_set_address(bus_, address.c_str());
    if (r >= 0) r = sd_bus_set_bus_client(bus_, 1);
    if (r >= 0) r = sd_bus_start(bus_);
  }
  if (r < 0) {
    bus_ = sd_bus_flush_close_unref(bus_);
    fail(r, nullptr, "cannot connect to the D-Bus bus");
  }
}

Bus::~Bus() {
  sd_bus_flush_close_unref(bus_);
}

MessagePtr Bus::call(const char* destination, const std::string& path, const char* interface,
                     const char* member, std::chrono::milliseconds timeout,
                     const Appender& append) {
  sd_bus_message* raw = nullptr;
  check(sd_bus_message_new_method_call(bus_, &raw, destination, path.c_str(), interface, member),
        "cannot build a D-Bus call");
  MessagePtr request(raw);
  if (append) append(request.get());
  ErrorGuard guard;
  sd_bus_message* reply = nullptr;
  const int r = sd_bus_call(bus_, request.get(), to_usec(timeout), &guard.error, &reply);
  if (r < 0) fail(r, &guard.error, member);
  return MessagePtr(reply);
}

MessagePtr Bus::get_property(const char* destination, const std::string& path,
                             const char* interface, const char* property,
                             std::chrono::milliseconds timeout, const char* type) {
  MessagePtr reply = call(
      destination, path, "org.freedesktop.DBus.Properties", "Get", timeout, [&](sd_bus_message* m) {
        check(sd_bus_message_append(m, "ss", interface, property), "cannot build a property read");
      });
  check(sd_bus_message_enter_container(reply.get(), 'v', type), property);
  return reply;
}

std::string Bus::get_string(const char* destination, const std::string& path, const char* interface,
                            const char* property, std::chrono::milliseconds timeout) {
  MessagePtr reply = get_property(destination, path, interface, property, timeout, "s");
  return read_string(reply.get());
}

uint32_t Bus::get_u32(const char* destination, const std::string& path, const char* interface,
                      const char* property, std::chrono::milliseconds timeout) {
  MessagePtr reply = get_property(destination, path, interface, property, timeout, "u");
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
