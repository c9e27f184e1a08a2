#include "dbus/validate.h"

#include <cerrno>
#include <cstring>

#include "lpa/activation_code.h"
#include "lpa/error.h"
#include "lpa/iccid.h"

namespace euiccd::dbus {

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Error(Errc::InvalidArgument, message);
}

// The caller's text in our message, which goes back to it and into the log: control
// characters (C0, DEL, C1) become '?', and a long text is cut (on a character boundary). The
// text is UTF-8: D-Bus refuses anything else before it reaches us.
std::string quoted(std::string_view text) {
  constexpr size_t kMaxShown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool continues = (c & 0xC0) == 0x80;
    if (i >= kMaxShown && !continues) {
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7F) {
      out += '?';
    } else if (c == 0xC2 && i + 1 < text.size() &&
               (static_cast<unsigned char>(text[i + 1]) & 0xE0) == 0x80) {
      out += '?';  // U+0080..U+009F
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void check(int r, const char* what) {
  if (r < 0) invalid(std::string("cannot read ") + what + ": " + std::strerror(-r));
}

std::string read_string_variant(sd_bus_message* m, const std::string& name) {
  const char* value = nullptr;
  if (sd_bus_message_read(m, "v", "s", &value) < 0)
    invalid("option \"" + name + "\" must be a string (s)");
  return value;
}

bool read_bool_variant(sd_bus_message* m, const std::string& name) {
  int value = 0;
  if (sd_bus_message_read(m, "v", "b", &value) < 0)
    invalid("option \"" + name + "\" must be a boolean (b)");
  return value != 0;
}

}  // namespace

void validate_text(std::string_view value, std::string_view what, size_t max_bytes) {
  if (value.size() > max_bytes)
    invalid(std::string(what) + " is too long: " + std::to_string(value.size()) +
            " bytes, at most " + std::to_string(max_bytes) + " allowed");
  // D-Bus already guarantees UTF-8 for strings; control characters we refuse ourselves: C0,
  // DEL, and C1 (U+0080..U+009F, encoded C2 80..C2 9F).
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool c1 = c == 0xC2 && i + 1 < value.size() &&
                    (static_cast<unsigned char>(value[i + 1]) & 0xE0) == 0x80;
    if (c < 0x20 || c == 0x7F || c1) invalid(std::string(what) + " contains a control character");
  }
}

void validate_nickname(std::string_view nickname) {
  validate_text(nickname, "the nickname", kMaxNicknameBytes);
}

void validate_iccid(std::string_view iccid) {
  if (!lpa::is_valid_iccid(iccid)) invalid(quoted(iccid) + " is not an ICCID (18 to 20 digits)");
}

void validate_optional_address(std::string_view address, std::string_view what) {
  if (address.empty()) return;
  validate_text(address, what, lpa::kMaxActivationCodeFieldLength);
  lpa::validate_server_address(address, what);
}

void validate_reset_options(uint32_t options) {
  if (options == 0)
    invalid(
        "ResetMemory needs at least one option bit: 1 = delete operational profiles, 2 = "
        "delete field-loaded test profiles, 4 = reset the default SM-DP+ address");
  if (options & ~7U)
    invalid("ResetMemory options " + std::to_string(options) +
            " has unknown bits; only 1, 2 and 4 exist");
}

daemon::DownloadRequest read_download_request(sd_bus_message* m) {
  daemon::DownloadRequest request;
  const char* code = nullptr;
  check(sd_bus_message_read(m, "s", &code), "the activation code");
  request.activation_code = code;
  if (!request.activation_code.empty()) {
    validate_text(request.activation_code, "the activation code", lpa::kMaxActivationCodeLength);
    lpa::parse_activation_code(request.activation_code);  // throws InvalidArgument with why
  }
  check(sd_bus_message_enter_container(m, 'a', "{sv}"), "the options");
  for (;;) {
    int r = sd_bus_message_enter_container(m, 'e', "sv");
    check(r, "the options");
    if (r == 0) break;
    const char* key = nullptr;
    check(sd_bus_message_read(m, "s", &key), "an option name");
    const std::string name = key;
    if (name == "confirmation_code") {
      std::string value = read_string_variant(m, name);
      validate_text(value, "the confirmation code", kMaxConfirmationCodeBytes);
      if (!value.empty()) request.confirmation_code = std::move(value);
    } else if (name == "enable") {
      request.enable = read_bool_variant(m, name);
    } else if (name == "nickname") {
      request.nickname = read_string_variant(m, name);
      validate_nickname(*request.nickname);
    } else if (name == "imei") {
      request.imei = read_string_variant(m, name);
      const bool digits = request.imei.find_first_not_of("0123456789") == std::string::npos;
      if (!request.imei.empty() &&
          (!digits || (request.imei.size() != 15 && request.imei.size() != 16)))
        invalid("the imei option must be 15 (IMEI) or 16 (IMEISV) digits");
    } else if (name == "confirm_metadata") {
      request.confirm_metadata = read_bool_variant(m, name);
    } else {
      invalid("unknown option " + quoted(name) +
              "; known: confirmation_code (s), enable (b), nickname (s), imei (s), "
              "confirm_metadata (b)");
    }
    check(sd_bus_message_exit_container(m), "the options");
  }
  check(sd_bus_message_exit_container(m), "the options");
  return request;
}

}  // namespace euiccd::dbus
