#include "dbus/validate.h"

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "lpa/activation_code.h"
#include "lpa/iccid.h"
#include "lpa/imei.h"
#include "lpa/nickname.h"
#include "lpa/text_rules.h"

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
  // D-Bus already guarantees UTF-8 for strings.
  lpa::check_display_text(value, what, max_bytes);
}

void validate_nickname(std::string_view nickname) {
  lpa::Nickname::parse(nickname);
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

void read_basic(sd_bus_message* m, char type, void* value, const char* what) {
  check(sd_bus_message_read_basic(m, type, value), what);
}

std::string read_nickname(sd_bus_message* m) {
  const char* nickname = nullptr;
  read_basic(m, 's', &nickname, "the nickname");
  validate_nickname(nickname);
  return nickname;
}

std::string read_optional_address(sd_bus_message* m, std::string_view what) {
  const char* address = nullptr;
  read_basic(m, 's', &address, std::string(what).c_str());
  validate_optional_address(address, what);
  return address;
}

lpa::MemoryResetOptions read_reset_options(sd_bus_message* m) {
  uint32_t options = 0;
  read_basic(m, 'u', &options, "the options");
  validate_reset_options(options);
  lpa::MemoryResetOptions o;
  o.delete_operational_profiles = options & 1U;
  o.delete_field_loaded_test_profiles = options & 2U;
  o.reset_default_smdp_address = options & 4U;
  return o;
}

daemon::DownloadRequest read_download_request(sd_bus_message* m) {
  daemon::DownloadRequest request;
  const char* code = nullptr;
  check(sd_bus_message_read(m, "s", &code), "the activation code");
  const std::string_view code_text = code;
  if (!code_text.empty()) {
    validate_text(code_text, "the activation code", lpa::kMaxActivationCodeLength);
    request.activation_code = lpa::parse_activation_code(code_text);  // throws with why
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
      request.nickname = lpa::Nickname::parse(read_string_variant(m, name));
    } else if (name == "imei") {
      const std::string value = read_string_variant(m, name);
      if (value.empty()) {
        request.imei.reset();  // the configured device info
      } else {
        try {
          request.imei = lpa::Imei::parse(value);
        } catch (const Error& e) {
          invalid(std::string("the imei option: ") + e.what());
        }
      }
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
