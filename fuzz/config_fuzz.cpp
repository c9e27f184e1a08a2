// euiccd.conf and its drop-ins (daemon/config.h), through the loader the daemon uses
// (load_config_text, what load_config_file does once a file is read). Input: the main file,
// then optionally a NUL byte and a drop-in that is layered on top of it. A real config file is
// a seed as it is.
//
// Loading never throws. Every diagnostic names the file it came from and a line of it (in file
// order, at most 50 per file, printed as "file:line: message"). Every value that was accepted
// keeps the promises of config.h (segment size 1..255, timeouts of at least 1 ms/1 s and at
// most ten years, valid ICCIDs and MCC/MNC keys, dialable-looking codes, an 8-digit TAC, ...). And
// a bad line never takes the rest of its file with it: two settings appended after the drop-in's
// text always apply (and the Deny= pattern refuses its reader whatever Allow= says).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/config.h"
#include "fuzz/fuzz_input.h"
#include "lpa/iccid.h"

using namespace euiccd;
using namespace euiccd::daemon;
using euiccd::fuzz::check;
using euiccd::fuzz::violated;

namespace {

constexpr const char* kMainFile = "/etc/euiccd/euiccd.conf";
constexpr const char* kDropinFile = "/etc/euiccd/euiccd.conf.d/50-fuzz.conf";
// Appended to the drop-in on lines of their own: whatever came before, these must apply.
constexpr std::string_view kTail =
    "\n[Boot]\nRegistrationTimeoutSec=77\n[Readers]\nDeny=fuzz-tail\n";
constexpr size_t kMaxDiagnosticsPerFile = 50;
constexpr std::chrono::milliseconds kTenYears{10LL * 365 * 86400 * 1000};

bool digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}
bool graphic(std::string_view s) {  // printable ASCII, no spaces
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7F; });
}
bool printable(std::string_view s) {  // printable ASCII, spaces allowed
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= ' ' && c < 0x7F; });
}
bool upper_hex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789ABCDEF") == std::string_view::npos;
}
bool phone_number(std::string_view s) {
  if (s.starts_with('+')) s.remove_prefix(1);
  return digits(s) && s.size() <= 20;
}
bool non_empty_up_to(const std::optional<std::string>& value, size_t max_size) {
  return !value || (!value->empty() && value->size() <= max_size);
}

// 1-based lines the loader can name: a last line without '\n' counts too.
unsigned line_count(std::string_view text) {
  const auto breaks = static_cast<unsigned>(std::count(text.begin(), text.end(), '\n'));
  return breaks + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

template <typename Duration>
void check_span(Duration value, Duration at_least) {
  check(value >= at_least && value <= kTenYears);
}

void check_codes(const OperatorCodes& c) {
  for (const auto* ussd : {&c.balance_ussd, &c.topup_ussd}) {
    check(non_empty_up_to(*ussd, 160) && (!*ussd || graphic(**ussd)));
  }
  for (const std::string& choice : c.balance_ussd_responses) {
    check(!choice.empty() && choice.size() <= 32 && graphic(choice) &&
          choice.find(',') == std::string::npos);
  }
  for (const auto* number : {&c.balance_sms_number, &c.topup_sms_number}) {
    check(!*number || phone_number(**number));
  }
  check(non_empty_up_to(c.balance_sms_text, 160) && non_empty_up_to(c.topup_sms_text, 160));
  check(non_empty_up_to(c.topup_replacement, 32));
  check(!c.topup_replacement || c.topup_replacement->find_first_of(" \t") == std::string::npos);
  check(non_empty_up_to(c.voucher_charset, 128));
  check(!c.voucher_charset || (graphic(*c.voucher_charset) &&
                               c.voucher_charset->find_first_of("*#") == std::string::npos));
  check(non_empty_up_to(c.sms_reply_from, 32) &&
        (!c.sms_reply_from || printable(*c.sms_reply_from)));
}

// "MCCMNC" or "MCCMNC/GID1" with GID1 in upper-case hex, whole bytes, no FF padding left.
void check_operator_key(std::string_view key) {
  const size_t slash = key.find('/');
  const std::string_view mcc_mnc = key.substr(0, slash);
  check(digits(mcc_mnc) && (mcc_mnc.size() == 5 || mcc_mnc.size() == 6));
  if (slash == std::string_view::npos) return;
  const std::string_view gid1 = key.substr(slash + 1);
  check(upper_hex(gid1) && gid1.size() % 2 == 0 && gid1.size() <= 32);
  check(gid1 == "FF" || !gid1.ends_with("FF"));
}

void check_config(const Config& c) {
  check(c.readers.segment_size >= 1 && c.readers.segment_size <= 255);
  for (const Bytes& aid : c.readers.extra_isd_r_aids) check(aid.size() >= 5 && aid.size() <= 16);
  for (const auto* list :
       {&c.readers.allow, &c.readers.deny, &c.network.ca_files, &c.network.ca_dirs}) {
    for (const std::string& entry : *list) check(!entry.empty());
  }
  for (const std::string& resolve : c.network.resolve) {
    const size_t first = resolve.find(':');
    check(first != std::string::npos && first > 0);
    const size_t second = resolve.find(':', first + 1);
    check(second != std::string::npos && second + 1 < resolve.size());
    const std::string port = resolve.substr(first + 1, second - first - 1);
    check(digits(port) && port.size() <= 5 && std::stoul(port) >= 1 && std::stoul(port) <= 65535);
  }
  check_span(c.network.connect_timeout, std::chrono::milliseconds(1));
  check_span(c.network.total_timeout, std::chrono::milliseconds(1));
  check_span(c.notifications.retry_interval, std::chrono::seconds(0));
  check_span(c.boot.registration_timeout, std::chrono::seconds(1));
  check(c.device.tac.size() == 4 && digits(to_hex(c.device.tac)));  // 8 digits, two a byte
  check(c.device.imei.empty() ||
        (digits(c.device.imei) && (c.device.imei.size() == 15 || c.device.imei.size() == 16)));
  for (size_t i = 0; i < c.boot.preferred_iccids.size(); ++i) {
    const std::string& iccid = c.boot.preferred_iccids[i];
    check(lpa::is_valid_iccid(iccid));
    check(std::find(c.boot.preferred_iccids.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    c.boot.preferred_iccids.end(), iccid) == c.boot.preferred_iccids.end());
  }
  for (const auto& [key, codes] : c.topup.operators) {
    check_operator_key(key);
    check(c.operator_codes(key) == &codes);
    check_codes(codes);
  }
  for (const auto& [iccid, profile] : c.profiles) {
    check(lpa::is_valid_iccid(iccid));
    check(c.profile(iccid) == &profile);
    check(non_empty_up_to(profile.nickname, 64));
    check(!profile.low_balance_threshold || std::isfinite(*profile.low_balance_threshold));
    check_span(profile.balance_check_interval, std::chrono::seconds(0));
    check(profile.plan_expiry_reminder_days <= 365);
    check_codes(profile.codes);
  }
}

// Diagnostics [from, to) belong to `file`, whose text has `lines` lines; they come in order.
void check_diagnostics(const LoadedConfig& loaded, size_t from, size_t to, const char* file,
                       unsigned lines) {
  check(to - from <= kMaxDiagnosticsPerFile);
  unsigned previous = 1;
  for (size_t i = from; i < to; ++i) {
    const ConfigDiagnostic& d = loaded.diagnostics[i];
    check(d.file == file);
    check(d.line >= previous && d.line <= lines);
    previous = d.line;
    check(!d.message.empty() && d.message.find('\n') == std::string::npos);
    check(d.to_string() == d.file + ":" + std::to_string(d.line) + ": " + d.message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = fuzz::as_text(ByteView(data, size));
  const size_t nul = input.find('\0');
  const std::string_view main_text = input.substr(0, nul);
  std::string dropin_text(nul == std::string_view::npos ? "" : input.substr(nul + 1));
  const unsigned dropin_lines = line_count(dropin_text + "\n");  // the lines before the tail
  dropin_text += kTail;

  LoadedConfig loaded;
  size_t main_diagnostics = 0;
  try {
    load_config_text(main_text, kMainFile, loaded);
    main_diagnostics = loaded.diagnostics.size();
    check_config(loaded.config);
    load_config_text(dropin_text, kDropinFile, loaded);
  } catch (...) {
    violated();  // a config file never takes the daemon down
  }
  check_diagnostics(loaded, 0, main_diagnostics, kMainFile, line_count(main_text));
  // Nothing reported on the tail's lines: they are good, whatever came before them.
  check_diagnostics(loaded, main_diagnostics, loaded.diagnostics.size(), kDropinFile, dropin_lines);
  check_config(loaded.config);
  check(loaded.config.boot.registration_timeout == std::chrono::seconds(77));
  check(!loaded.config.readers.deny.empty() && loaded.config.readers.deny.back() == "fuzz-tail");
  // Deny wins over any Allow pattern the input wrote.
  check(!loaded.config.readers.reader_allowed("fuzz-tail"));
  (void)loaded.config.readers.reader_allowed("Virtual PCD 00 00");
  return 0;
}
