// The client side of the bus: connecting (system, session or an address), calling methods and
// reading properties, with every failure turned into a BusCallError that keeps the D-Bus error
// name ("org.euiccd1.Error.NotAuthorized") for the message and the exit code.
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace euiccctl {

inline constexpr char kBusName[] = "org.euiccd1";
inline constexpr char kRootPath[] = "/org/euiccd1";
inline constexpr char kManagerInterface[] = "org.euiccd1.Manager";
inline constexpr char kEuiccInterface[] = "org.euiccd1.Euicc";
inline constexpr char kProfileInterface[] = "org.euiccd1.Profile";
inline constexpr char kJobInterface[] = "org.euiccd1.Job";

class BusCallError : public std::runtime_error {
 public:
  BusCallError(std::string name, const std::string& message)
      : std::runtime_error(message), name_(std::move(name)) {}
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// Owns one sd_bus message reference.
class Message {
 public:
  Message() = default;
  explicit Message(sd_bus_message* m) : m_(m) {}  // takes the reference
  ~Message() { sd_bus_message_unref(m_); }
  Message(Message&& other) noexcept : m_(other.m_) { other.m_ = nullptr; }
  Message& operator=(Message&& other) noexcept {
    std::swap(m_, other.m_);
    return *this;
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  sd_bus_message* get() const { return m_; }

 private:
  sd_bus_message* m_ = nullptr;
};

class Bus {
 public:
  // `where`: "system", "session" or a D-Bus address ("unix:path=/run/x"). Throws BusCallError.
  explicit Bus(const std::string& where);
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  sd_bus* get() const { return bus_; }
  bool is_system() const { return system_; }
  // Lets polkit ask the user for a password during a call (ALLOW_INTERACTIVE_AUTHORIZATION).
  void allow_interactive_authorization(bool allow);
  void set_call_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  // Calls `method` on euiccd; `append` adds the arguments. Returns the reply.
  Message call(const std::string& path, const char* interface, const char* method,
               const std::function<void(sd_bus_message*)>& append = {});
  // Properties.GetAll(interface) as a JSON object.
  nlohmann::json get_all(const std::string& path, const char* interface);

 private:
  sd_bus* bus_ = nullptr;
  bool system_ = false;
  std::chrono::milliseconds timeout_{std::chrono::minutes(5)};
};

// Throws BusCallError for a negative sd-bus return value (`what` says what was being done).
void check(int r, const std::string& what);

}  // namespace euiccctl
