// A value that must never reach a log line, a D-Bus property or an error message: the matching
// id of an activation code, a confirmation code. Its printable forms (to_string, operator<<,
// and so gtest's failure output) are "[hidden]"; the value itself comes out only through
// reveal(), so every place that sends it somewhere is a grep away.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

namespace euiccd::lpa {

class Secret {
 public:
  // What every printable form shows instead of the value.
  static constexpr std::string_view kShown = "[hidden]";

  Secret() = default;
  // Implicit: wrapping a text can only hide more; getting it out again is the explicit step.
  Secret(std::string value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Secret(const char* value) : value_(value) {}             // NOLINT(google-explicit-constructor)

  // The value, for the one place that must send it (the card, the SM-DP+, a hash).
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  // "[hidden]", whatever the value (even empty: the form says nothing about it).
  std::string to_string() const { return std::string(kShown); }

  bool operator==(const Secret&) const = default;

 private:
  std::string value_;
};

std::ostream& operator<<(std::ostream& out, const Secret& secret);

}  // namespace euiccd::lpa
