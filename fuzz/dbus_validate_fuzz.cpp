// The checks of what D-Bus callers send (dbus/validate.h), before anything reaches the engine.
// Input: <selector> <payload>; the selector (modulo 6) picks
//   0 validate_text       <max bytes> <text...>
//   1 validate_nickname   <text...>
//   2 validate_iccid      <text...>
//   3 validate_optional_address <text...>
//   4 validate_reset_options    <4 bytes, big-endian>
//   5 read_download_request on a real sd-bus method call "sa{sv}":
//       <2-byte length> <activation code>, then up to 16 options, each
//       <key: 0..199 = confirmation_code, enable, nickname, imei, confirm_metadata in turn;
//             200..255 = <len> <any name>>
//       <variant type: s b i u d as ay v, modulo 8> <value: <len> <bytes>, or 1 byte for b i u d>
// Strings are only those D-Bus can carry (valid UTF-8, no NUL); others are skipped, as the bus
// would refuse them before euiccd sees them.
//
// Every check returns or throws Error(InvalidArgument) with a printable message (it goes back
// to the caller and into the log); nothing else may escape. Each check's verdict is compared
// with its rule written out here, and a download request that is read holds exactly the last
// value given for each option.
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "dbus/validate.h"
#include "fuzz/fuzz_input.h"
#include "lpa/activation_code.h"
#include "lpa/imei.h"
#include "lpa/nickname.h"
#include "sdbus/sdbus.h"

using namespace euiccd;
using euiccd::fuzz::check;
using euiccd::fuzz::violated;

namespace {

enum Selector : uint8_t { kText, kNickname, kIccid, kAddress, kResetOptions, kDownload, kCount };

// sd-bus makes messages only on a bus past its unset state: one that has started talking on a
// socket pair nobody answers is enough, and never sends anything.
sd_bus* offline_bus() {
  static sd_bus* bus = [] {
    sd_bus* b = nullptr;
    int fds[2];
    if (sd_bus_new(&b) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 ||
        sd_bus_set_fd(b, fds[0], fds[0]) < 0 || sd_bus_start(b) < 0) {
      violated();
    }
    return b;
  }();
  return bus;
}

void new_call(euiccd::sdbus::Message& call) {
  if (sd_bus_message_new_method_call(offline_bus(), call.put(), "org.euiccd1",
                                     "/org/euiccd1/Euicc/0", "org.euiccd1.Euicc",
                                     "DownloadProfile") < 0) {
    violated();
  }
}

// What the bus lets through as a string: sd-bus's own check, as on the receiving side.
bool dbus_string(const std::string& s) {
  euiccd::sdbus::Message probe;
  new_call(probe);
  return sd_bus_message_append(probe, "s", s.c_str()) >= 0 && s.find('\0') == std::string::npos;
}

// Valid UTF-8 without control characters (C0, DEL, C1): safe in a log line and a D-Bus reply.
bool printable(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    const size_t extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
    if (extra == 0 || c > 0xF4 || extra >= text.size() - i) return false;
    uint32_t code = c & (0x3F >> extra);
    for (size_t k = 1; k <= extra; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      code = (code << 6) | (cont & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMin[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    if (code >= 0x80 && code <= 0x9F) return false;
    i += extra + 1;
  }
  return true;
}

bool digits(std::string_view s) {
  return s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Runs one check: true when it accepted, false when it refused as the header says.
template <typename F>
bool accepted(F&& run) {
  try {
    run();
    return true;
  } catch (const Error& e) {
    check(e.code() == Errc::InvalidArgument);
    const std::string_view message = e.what();
    check(!message.empty() && printable(message));
    return false;
  } catch (...) {
    violated();
  }
}

// The rules of dbus/validate.h, written out independently. Text: "valid UTF-8 without control
// characters" (C1 ones are control characters too), at most max_bytes bytes.
bool text_ok(std::string_view s, size_t max_bytes) {
  return s.size() <= max_bytes && printable(s);
}
bool iccid_ok(std::string_view s) {
  return s.size() >= 18 && s.size() <= 20 && digits(s);
}
bool imei_ok(std::string_view s) {
  return s.empty() || (digits(s) && (s.size() == 15 || s.size() == 16));
}

void check_address(const std::string& address) {
  const bool ok = accepted([&] { dbus::validate_optional_address(address, "the SM-DP+ address"); });
  if (!ok) {
    check(!address.empty());
    return;
  }
  if (address.empty()) return;
  check(text_ok(address, lpa::kMaxActivationCodeFieldLength));
  // An accepted address is a host[:port] the rest of euiccd takes: it makes an activation code.
  lpa::ActivationCode code;
  check(accepted([&] { code = lpa::parse_activation_code("1$" + address + "$"); }));
  check(code.smdp_address == address);
  const size_t colon = address.find(':');
  const std::string_view host = std::string_view(address).substr(0, colon);
  check(!host.empty() && host.size() <= 253 && host.front() != '.' && host.back() != '.');
  check(
      host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") ==
      std::string_view::npos);
  if (colon != std::string::npos) {
    const std::string_view port = std::string_view(address).substr(colon + 1);
    check(!port.empty() && port.size() <= 5 && digits(port));
    const unsigned long value = std::stoul(std::string(port));
    check(value >= 1 && value <= 65535);
  }
}

// --- read_download_request ---

const char* const kKnownOptions[] = {"confirmation_code", "enable", "nickname", "imei",
                                     "confirm_metadata"};
bool string_option(std::string_view key) {
  return key == "confirmation_code" || key == "nickname" || key == "imei";
}
bool bool_option(std::string_view key) {
  return key == "enable" || key == "confirm_metadata";
}

enum class VariantType : uint8_t { S, B, I, U, D, As, Ay, V, kCount };

std::string text_of(fuzz::Input& in) {
  return std::string(fuzz::as_text(in.record()));
}

// What read_download_request must make of the options, following them in order.
struct Expected {
  bool valid = true;
  daemon::DownloadRequest request;
};

// Appends one option and updates the expectation; false when D-Bus could not carry it.
bool add_option(fuzz::Input& in, sd_bus_message* m, Expected& expected) {
  // Mostly the known names (choices 0..199), so the fuzzer spends its time on their values.
  const uint8_t choice = in.byte();
  const std::string key =
      choice < 200 ? kKnownOptions[choice % std::size(kKnownOptions)] : text_of(in);
  if (!dbus_string(key)) return false;
  const auto type = static_cast<VariantType>(in.byte() % static_cast<uint8_t>(VariantType::kCount));
  int r = sd_bus_message_open_container(m, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", key.c_str());
  if (!string_option(key) && !bool_option(key)) expected.valid = false;
  daemon::DownloadRequest& request = expected.request;
  switch (type) {
    case VariantType::S: {
      const std::string value = text_of(in);
      if (!dbus_string(value)) return false;
      if (r >= 0) r = sd_bus_message_append(m, "v", "s", value.c_str());
      if (!string_option(key)) {
        expected.valid = false;
      } else if (key == "confirmation_code") {
        if (!text_ok(value, dbus::kMaxConfirmationCodeBytes)) expected.valid = false;
        if (!value.empty()) request.confirmation_code = value;
      } else if (key == "nickname") {
        if (!text_ok(value, dbus::kMaxNicknameBytes)) {
          expected.valid = false;
        } else {
          request.nickname = lpa::Nickname::parse(value);
        }
      } else if (!imei_ok(value)) {
        expected.valid = false;
      } else if (value.empty()) {
        request.imei.reset();
      } else {
        request.imei = lpa::Imei::parse(value);
      }
      break;
    }
    case VariantType::B: {
      const bool value = in.byte() & 1;
      if (r >= 0) r = sd_bus_message_append(m, "v", "b", static_cast<int>(value));
      if (!bool_option(key)) {
        expected.valid = false;
      } else if (key == "enable") {
        request.enable = value;
      } else {
        request.confirm_metadata = value;
      }
      break;
    }
    case VariantType::I:
      if (r >= 0) r = sd_bus_message_append(m, "v", "i", static_cast<int32_t>(in.byte()));
      expected.valid = false;
      break;
    case VariantType::U:
      if (r >= 0) r = sd_bus_message_append(m, "v", "u", static_cast<uint32_t>(in.byte()));
      expected.valid = false;
      break;
    case VariantType::D:
      if (r >= 0) r = sd_bus_message_append(m, "v", "d", static_cast<double>(in.byte()));
      expected.valid = false;
      break;
    case VariantType::As: {
      const std::string value = text_of(in);
      if (!dbus_string(value)) return false;
      if (r >= 0) r = sd_bus_message_append(m, "v", "as", 1, value.c_str());
      expected.valid = false;
      break;
    }
    case VariantType::Ay: {
      const ByteView value = in.record();
      if (r >= 0) r = sd_bus_message_open_container(m, 'v', "ay");
      if (r >= 0) r = sd_bus_message_append_array(m, 'y', value.data(), value.size());
      if (r >= 0) r = sd_bus_message_close_container(m);
      expected.valid = false;
      break;
    }
    case VariantType::V: {  // a string inside one variant more
      const std::string value = text_of(in);
      if (!dbus_string(value)) return false;
      if (r >= 0) r = sd_bus_message_append(m, "v", "v", "s", value.c_str());
      expected.valid = false;
      break;
    }
    case VariantType::kCount: violated();
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r < 0) violated();  // every value here is one D-Bus can carry
  return true;
}

void check_download(fuzz::Input& in) {
  euiccd::sdbus::Message call;
  new_call(call);
  const size_t code_length = (size_t{in.byte()} << 8) | in.byte();
  const std::string code(fuzz::as_text(in.take(code_length)));
  if (!dbus_string(code)) return;
  Expected expected;
  if (!code.empty()) {
    expected.valid = text_ok(code, lpa::kMaxActivationCodeLength) && accepted([&] {
                       expected.request.activation_code = lpa::parse_activation_code(code);
                     });
  }
  if (sd_bus_message_append(call, "s", code.c_str()) < 0 ||
      sd_bus_message_open_container(call, 'a', "{sv}") < 0) {
    violated();
  }
  for (int options = 0; !in.empty() && options < 16; ++options) {
    if (!add_option(in, call, expected)) return;
  }
  if (sd_bus_message_close_container(call) < 0 || sd_bus_message_seal(call, 1, 0) < 0 ||
      sd_bus_message_rewind(call, 1) < 0) {
    violated();
  }

  std::optional<daemon::DownloadRequest> read;
  const bool ok = accepted([&] { read = dbus::read_download_request(call); });
  check(ok == expected.valid);
  if (!ok) return;
  const daemon::DownloadRequest& want = expected.request;
  check(read->activation_code == want.activation_code);
  check(read->confirmation_code == want.confirmation_code);
  check(read->enable == want.enable);
  check(read->nickname == want.nickname);
  check(read->imei == want.imei);
  check(read->confirm_metadata == want.confirm_metadata);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const auto selector = static_cast<Selector>(in.byte() % kCount);
  switch (selector) {
    case kText: {
      const size_t max_bytes = in.byte();
      const std::string text(fuzz::as_text(in.rest()));
      if (!dbus_string(text)) return 0;
      check(accepted([&] { dbus::validate_text(text, "the text", max_bytes); }) ==
            text_ok(text, max_bytes));
      break;
    }
    case kNickname: {
      const std::string text(fuzz::as_text(in.rest()));
      if (!dbus_string(text)) return 0;
      check(accepted([&] { dbus::validate_nickname(text); }) ==
            text_ok(text, dbus::kMaxNicknameBytes));
      break;
    }
    case kIccid: {
      const std::string text(fuzz::as_text(in.rest()));
      if (!dbus_string(text)) return 0;
      check(accepted([&] { dbus::validate_iccid(text); }) == iccid_ok(text));
      break;
    }
    case kAddress: {
      const std::string text(fuzz::as_text(in.rest()));
      if (!dbus_string(text)) return 0;
      check_address(text);
      break;
    }
    case kResetOptions: {
      uint32_t options = 0;
      for (int i = 0; i < 4; ++i) options = (options << 8) | in.byte();
      check(accepted([&] { dbus::validate_reset_options(options); }) ==
            (options >= 1 && options <= 7));
      break;
    }
    case kDownload: check_download(in); break;
    case kCount: violated();
  }
  return 0;
}
