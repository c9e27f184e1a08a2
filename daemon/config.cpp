// Loading euiccd.conf with libinih. inih does the INI syntax; this file feeds it one line at a
// time through its own reader so every diagnostic can name the line (Debian's inih is built
// without INI_HANDLER_LINENO), tracks sections itself (so a bad header does not silently
// put keys under the previous one), and turns each key into a typed, validated setting.
#include "daemon/config.h"

#include <fnmatch.h>
#include <ini.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "base/error.h"
#include "daemon/modem_sim_restart.h"
#include "lpa/iccid.h"
#include "lpa/imei.h"
#include "lpa/nickname.h"
#include "topup/ussd_string.h"

namespace euiccd::daemon {
namespace fs = std::filesystem;

namespace {

// A config file is a few hundred lines; anything this big is a mistake (or not a config file),
// and refusing it keeps a stray file from costing memory and time at boot.
constexpr uintmax_t kMaxFileSize = 1 << 20;
// A binary file would otherwise produce one diagnostic per line.
constexpr size_t kMaxDiagnosticsPerFile = 50;

using Apply = std::optional<std::string>;  // the problem with a value; nullopt = applied

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  size_t begin = s.find_first_not_of(ws);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(ws) - begin + 1);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t begin = s.find_first_not_of(" \t", pos);
    if (begin == std::string_view::npos) break;
    size_t end = s.find_first_of(" \t", begin);
    if (end == std::string_view::npos) end = s.size();
    words.push_back(s.substr(begin, end - begin));
    pos = end;
  }
  return words;
}

// The items of a list value, separated by commas or spaces ("1,3", "1 3", "234, 235").
std::vector<std::string> split_list(std::string_view v) {
  std::string spaced(v);
  std::replace(spaced.begin(), spaced.end(), ',', ' ');
  std::vector<std::string> items;
  for (std::string_view word : split_words(spaced)) items.emplace_back(word);
  return items;
}

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

bool is_mcc_mnc(std::string_view s) {
  return all_digits(s) && (s.size() == 5 || s.size() == 6);
}

// "MCCMNC" or "MCCMNC/GID1" (GID1 in hex, 1..16 bytes) → the operators map key, with the GID1
// in upper case and its FF padding dropped; nullopt when malformed.
std::optional<std::string> operator_key(std::string_view text) {
  size_t slash = text.find('/');
  std::string_view mcc_mnc = text.substr(0, slash);
  if (!is_mcc_mnc(mcc_mnc)) return std::nullopt;
  if (slash == std::string_view::npos) return std::string(mcc_mnc);
  std::string gid1(text.substr(slash + 1));
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  if (gid1.empty() || gid1.size() % 2 != 0 || gid1.size() > 32 ||
      !std::all_of(gid1.begin(), gid1.end(), hex)) {
    return std::nullopt;
  }
  std::transform(gid1.begin(), gid1.end(), gid1.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  while (gid1.size() > 2 && gid1.ends_with("FF")) gid1.resize(gid1.size() - 2);
  return std::string(mcc_mnc) + "/" + gid1;
}

template <typename Unsigned>
std::optional<Unsigned> parse_unsigned(std::string_view s) {
  Unsigned value{};
  if (!all_digits(s)) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// --- setters: each applies one value (an empty one resets) or says what is wrong with it ---

Apply set_bool(bool& out, std::string_view v, bool default_value) {
  if (v.empty()) {
    out = default_value;
    return {};
  }
  std::string lower(v);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "yes" || lower == "true" || lower == "on" || lower == "1") {
    out = true;
  } else if (lower == "no" || lower == "false" || lower == "off" || lower == "0") {
    out = false;
  } else {
    return in_quotes(v) + " is not a boolean (use yes or no)";
  }
  return {};
}

template <typename Duration>
Apply set_duration(Duration& out, std::string_view v, Duration default_value, bool allow_zero) {
  if (v.empty()) {
    out = default_value;
    return {};
  }
  auto span = parse_time_span(v);
  if (!span) return in_quotes(v) + " is not a time span (e.g. 90, 90s, 5min, 1h 30min)";
  auto value = std::chrono::duration_cast<Duration>(*span);
  if (value.count() == 0 && (!allow_zero || span->count() != 0)) {
    return in_quotes(v) + " is too short (at least 1" +
           (std::is_same_v<Duration, std::chrono::seconds> ? "s" : "ms") + ")";
  }
  out = value;
  return {};
}

Apply set_optional_text(std::optional<std::string>& out, std::string_view v, size_t max_size,
                        std::string_view what) {
  if (v.empty()) {
    out.reset();
    return {};
  }
  if (v.size() > max_size) {
    return std::string(what) + " is longer than " + std::to_string(max_size) + " bytes";
  }
  out = std::string(v);
  return {};
}

// USSD strings and their templates: printable ASCII, no spaces ("*123*CODE#").
// A code sent as it is (BalanceUssd=): dialable characters only, as the network takes them.
Apply set_dialable_ussd(std::optional<std::string>& out, std::string_view v) {
  if (const std::string problem = topup::ussd_string_problem(v, ""); !v.empty() && !problem.empty())
    return in_quotes(v) + " is not a USSD code: " + problem;
  return set_optional_text(out, v, topup::kMaxUssdLength, "the USSD code");
}

// A template (TopUpUssd=): its replacement token may be set later in the section, so only the
// shape is checked here; the whole code is checked when it is sent.
Apply set_ussd(std::optional<std::string>& out, std::string_view v) {
  bool printable = std::all_of(v.begin(), v.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (!printable) return in_quotes(v) + " is not a USSD code (printable characters, no spaces)";
  return set_optional_text(out, v, 160, "the USSD code");
}

Apply set_phone_number(std::optional<std::string>& out, std::string_view v) {
  std::string_view digits = v.starts_with('+') ? v.substr(1) : v;
  if (!v.empty() && (!all_digits(digits) || digits.size() > 20)) {
    return in_quotes(v) + " is not a phone number (digits, optionally a leading +)";
  }
  return set_optional_text(out, v, 21, "the number");
}

Apply set_replacement_token(std::optional<std::string>& out, std::string_view v) {
  if (v.find_first_of(" \t") != std::string_view::npos) {
    return "the replacement token must not contain spaces";
  }
  return set_optional_text(out, v, 32, "the replacement token");
}

Apply set_voucher_charset(std::optional<std::string>& out, std::string_view v) {
  for (char c : v) {
    if (c <= ' ' || c >= 0x7f) return "the voucher charset holds printable characters only";
    // A voucher goes inside a USSD string, where these two end or split it.
    if (c == '*' || c == '#') return "the voucher charset must not contain '*' or '#'";
  }
  return set_optional_text(out, v, 128, "the voucher charset");
}

Apply set_sms_sender(std::optional<std::string>& out, std::string_view v) {
  bool printable = std::all_of(v.begin(), v.end(), [](char c) { return c >= ' ' && c < 0x7f; });
  if (!printable) return in_quotes(v) + " is not an SMS sender (a number, a name or *)";
  return set_optional_text(out, v, 32, "the SMS sender");
}

// Menu choices, separated by commas or spaces ("1,3" or "1 3").
Apply append_ussd_responses(std::vector<std::string>& list, std::string_view v) {
  if (v.empty()) {
    list.clear();
    return {};
  }
  std::vector<std::string> parsed = split_list(v);
  for (const std::string& word : parsed) {
    if (word.size() > 32 ||
        !std::all_of(word.begin(), word.end(), [](char c) { return c > ' ' && c < 0x7f; })) {
      return in_quotes(word) + " is not a USSD menu choice";
    }
  }
  if (parsed.empty()) return in_quotes(v) + " holds no menu choice";
  list.insert(list.end(), parsed.begin(), parsed.end());
  return {};
}

Apply append_text(std::vector<std::string>& list, std::string_view v) {
  if (v.empty()) {
    list.clear();
  } else {
    list.emplace_back(v);
  }
  return {};
}

Apply append_resolve(std::vector<std::string>& list, std::string_view v) {
  if (v.empty()) {
    list.clear();
    return {};
  }
  // HOST:PORT:ADDRESS; the address may be an IPv6 literal with colons of its own.
  size_t first = v.find(':');
  size_t second = first == std::string_view::npos ? first : v.find(':', first + 1);
  if (first == 0 || second == std::string_view::npos || second + 1 >= v.size()) {
    return in_quotes(v) + " is not HOST:PORT:ADDRESS";
  }
  auto port = parse_unsigned<unsigned>(v.substr(first + 1, second - first - 1));
  if (!port || *port == 0 || *port > 65535) return in_quotes(v) + " has no valid port";
  list.emplace_back(v);
  return {};
}

Apply append_aids(std::vector<Bytes>& list, std::string_view v) {
  if (v.empty()) {
    list.clear();
    return {};
  }
  std::vector<Bytes> parsed;
  for (std::string_view word : split_words(v)) {
    Bytes aid;
    try {
      aid = from_hex(word);
    } catch (const Error&) {
      return in_quotes(word) + " is not a hex AID";
    }
    if (aid.size() < 5 || aid.size() > 16) return in_quotes(word) + " is not 5 to 16 bytes long";
    parsed.push_back(std::move(aid));
  }
  list.insert(list.end(), parsed.begin(), parsed.end());
  return {};
}

Apply append_iccids(std::vector<std::string>& list, std::string_view v) {
  if (v.empty()) {
    list.clear();
    return {};
  }
  std::vector<std::string_view> words = split_words(v);
  for (std::string_view word : words) {
    if (!lpa::is_valid_iccid(word)) return in_quotes(word) + " is not an ICCID (18 to 20 digits)";
  }
  for (std::string_view word : words) {
    // The first mention fixes the position in the preference order.
    if (std::find(list.begin(), list.end(), word) == list.end()) list.emplace_back(word);
  }
  return {};
}

// A whole number in [min, max] ("a segment size (1..255)" names it in the diagnostic); empty:
// `default_value`.
template <typename Unsigned>
Apply set_number(Unsigned& out, std::string_view v, Unsigned default_value, Unsigned min,
                 Unsigned max, std::string_view what) {
  if (v.empty()) {
    out = default_value;
    return {};
  }
  auto number = parse_unsigned<Unsigned>(v);
  if (!number || *number < min || *number > max) {
    return in_quotes(v) + " is not " + std::string(what) + " (" + std::to_string(min) + ".." +
           std::to_string(max) + ")";
  }
  out = *number;
  return {};
}

Apply set_segment_size(size_t& out, std::string_view v) {
  return set_number<size_t>(out, v, ReadersConfig{}.segment_size, 1, 255, "a segment size");
}

// An optional setting: empty unsets it; anything else goes through `set`, the setter of the
// plain value.
template <typename T, typename Set>
Apply set_optional(std::optional<T>& out, std::string_view v, Set set) {
  if (v.empty()) {
    out.reset();
    return {};
  }
  T value{};
  if (auto problem = set(value, v)) return problem;
  out = std::move(value);
  return {};
}

Apply set_transport(std::optional<ModemTransport>& out, std::string_view v) {
  return set_optional(out, v, [](ModemTransport& transport, std::string_view text) -> Apply {
    auto parsed = parse_transport(text);
    if (!parsed) return in_quotes(text) + " is not a modem transport (qmi, mbim or at)";
    transport = *parsed;
    return {};
  });
}

Apply set_sim_restart(std::optional<SimRestart>& out, std::string_view v) {
  return set_optional(out, v, [](SimRestart& how, std::string_view text) -> Apply {
    auto parsed = parse_sim_restart(text);
    if (!parsed) {
      return in_quotes(text) + " is not a way to restart a SIM (refresh, power-cycle, " +
             "uicc-reset or cfun)";
    }
    how = *parsed;
    return {};
  });
}

Apply set_device(std::string& out, std::string_view v) {
  if (!v.empty() && !v.starts_with('/')) {
    return in_quotes(v) + " is not a device path (e.g. /dev/cdc-wdm0 or /dev/ttyUSB2)";
  }
  out = std::string(v);
  return {};
}

Apply set_slot(unsigned& out, std::string_view v) {
  return set_number<unsigned>(out, v, ModemConfig{}.slot, 1, 16, "a SIM slot");
}

Apply set_modem_timeout(std::optional<std::chrono::milliseconds>& out, std::string_view v) {
  return set_optional(out, v, [](std::chrono::milliseconds& timeout, std::string_view text) {
    return set_duration(timeout, text, timeout, false);
  });
}

// --- key tables, one per section ---

template <typename Target>
struct KeyRule {
  std::string_view name;
  Apply (*apply)(Target&, std::string_view);
};

// The rules of a duration or a boolean kept in `Field` of a section: an empty value restores
// the section's default (its Config{} value), so the default stays written once.
template <typename Member>
struct SectionOf;
template <typename Section, typename Value>
struct SectionOf<Value Section::*> {
  using Type = Section;
};

template <auto Field, bool allow_zero = false>
Apply set_duration_of(typename SectionOf<decltype(Field)>::Type& section, std::string_view v) {
  using Section = typename SectionOf<decltype(Field)>::Type;
  return set_duration(section.*Field, v, Section{}.*Field, allow_zero);
}

template <auto Field>
Apply set_bool_of(typename SectionOf<decltype(Field)>::Type& section, std::string_view v) {
  using Section = typename SectionOf<decltype(Field)>::Type;
  return set_bool(section.*Field, v, Section{}.*Field);
}

const KeyRule<ReadersConfig> kReadersKeys[] = {
    {"Allow", [](ReadersConfig& r, std::string_view v) { return append_text(r.allow, v); }},
    {"Deny", [](ReadersConfig& r, std::string_view v) { return append_text(r.deny, v); }},
    {"IsdRAid",
     [](ReadersConfig& r, std::string_view v) { return append_aids(r.extra_isd_r_aids, v); }},
    {"SegmentSize",
     [](ReadersConfig& r, std::string_view v) { return set_segment_size(r.segment_size, v); }},
};

const KeyRule<NetworkConfig> kNetworkKeys[] = {
    {"CAFile", [](NetworkConfig& n, std::string_view v) { return append_text(n.ca_files, v); }},
    {"CADirectory", [](NetworkConfig& n, std::string_view v) { return append_text(n.ca_dirs, v); }},
    {"Resolve", [](NetworkConfig& n, std::string_view v) { return append_resolve(n.resolve, v); }},
    {"ConnectTimeoutSec", set_duration_of<&NetworkConfig::connect_timeout>},
    {"TimeoutSec", set_duration_of<&NetworkConfig::total_timeout>},
};

const KeyRule<NotificationsConfig> kNotificationsKeys[] = {
    {"AutoProcess", set_bool_of<&NotificationsConfig::auto_process>},
    {"RetryIntervalSec", set_duration_of<&NotificationsConfig::retry_interval, true>},
};

// TAC=: the Type Allocation Code, the first 8 digits of an IMEI; DeviceInfo carries it as 4
// bytes, two digits a byte ("35290611" → 35 29 06 11).
Apply set_tac(Bytes& out, std::string_view v) {
  if (v.empty()) {
    out = DeviceConfig{}.tac;
    return {};
  }
  if (!all_digits(v) || v.size() != 8) return in_quotes(v) + " is not a TAC (8 digits)";
  out = from_hex(v);
  return {};
}

Apply set_imei(std::string& out, std::string_view v) {
  if (v.empty()) {
    out.clear();
    return {};
  }
  try {
    out = lpa::Imei::parse(v).digits();
  } catch (const Error& e) {
    return in_quotes(v) + " is not an IMEI: " + e.what();
  }
  return {};
}

const KeyRule<DeviceConfig> kDeviceKeys[] = {
    {"TAC", [](DeviceConfig& d, std::string_view v) { return set_tac(d.tac, v); }},
    {"IMEI", [](DeviceConfig& d, std::string_view v) { return set_imei(d.imei, v); }},
};

const KeyRule<BootConfig> kBootKeys[] = {
    {"PreferredProfiles",
     [](BootConfig& b, std::string_view v) { return append_iccids(b.preferred_iccids, v); }},
    {"RegistrationTimeoutSec", set_duration_of<&BootConfig::registration_timeout>},
    {"Fallback", set_bool_of<&BootConfig::fallback>},
};

// A profile as [TravelPolicy] names it: an ICCID, else a nickname (checked as the card would).
Apply check_profile_name(std::string_view v) {
  if (lpa::is_valid_iccid(v)) return {};
  if (all_digits(v)) return in_quotes(v) + " is not an ICCID (18 to 20 digits)";
  try {
    if (lpa::Nickname::parse(v).empty()) return "the profile is empty (an ICCID or a nickname)";
  } catch (const Error& e) {
    return in_quotes(v) + " is neither an ICCID nor a nickname: " + e.what();
  }
  return {};
}

bool is_mcc(std::string_view s) {
  return all_digits(s) && s.size() == 3;
}

Apply set_travel_home(std::string& out, std::string_view v) {
  if (!v.empty())
    if (auto problem = check_profile_name(v)) return problem;
  out = std::string(v);
  return {};
}

// HomeCountries=234 235: MCCs separated by spaces or commas.
Apply append_mccs(std::vector<std::string>& list, std::string_view v) {
  if (v.empty()) {
    list.clear();
    return {};
  }
  const std::vector<std::string> parsed = split_list(v);
  for (const std::string& word : parsed) {
    if (!is_mcc(word)) return in_quotes(word) + " is not a mobile country code (3 digits)";
  }
  for (const std::string& mcc : parsed)
    if (std::find(list.begin(), list.end(), mcc) == list.end()) list.push_back(mcc);
  return {};
}

// Country=426:Bahrain travel (repeatable); a later line for the same MCC replaces the earlier.
Apply set_country(std::map<std::string, std::string>& countries, std::string_view v) {
  if (v.empty()) {
    countries.clear();
    return {};
  }
  const size_t colon = v.find(':');
  if (colon == std::string_view::npos)
    return in_quotes(v) + " is not MCC:profile (e.g. 426:8944123456789012345)";
  const std::string_view mcc = trim(v.substr(0, colon));
  const std::string_view profile = trim(v.substr(colon + 1));
  if (!is_mcc(mcc)) return in_quotes(mcc) + " is not a mobile country code (3 digits)";
  if (auto problem = check_profile_name(profile)) return problem;
  countries[std::string(mcc)] = std::string(profile);
  return {};
}

const KeyRule<TravelConfig> kTravelKeys[] = {
    {"Enabled", set_bool_of<&TravelConfig::enabled>},
    {"Home", [](TravelConfig& t, std::string_view v) { return set_travel_home(t.home, v); }},
    {"HomeCountries",
     [](TravelConfig& t, std::string_view v) { return append_mccs(t.home_countries, v); }},
    {"Country", [](TravelConfig& t, std::string_view v) { return set_country(t.countries, v); }},
    {"HoldOffSec", set_duration_of<&TravelConfig::hold_off, true>},
    {"MaxSwitchesPerHour",
     [](TravelConfig& t, std::string_view v) {
       return set_number<unsigned>(t.max_switches_per_hour, v, TravelConfig{}.max_switches_per_hour,
                                   1, 60, "a number of switches per hour");
     }},
};

const KeyRule<TopUpConfig> kTopUpKeys[] = {
    {"ProviderInfo",
     [](TopUpConfig& t, std::string_view v) -> Apply {
       t.provider_info_path = std::string(v);  // empty: don't read it
       return {};
     }},
    {"UssdTimeoutSec", set_duration_of<&TopUpConfig::ussd_timeout>},
    {"SmsReplyTimeoutSec", set_duration_of<&TopUpConfig::sms_reply_timeout>},
};

const KeyRule<OperatorCodes> kOperatorKeys[] = {
    {"BalanceUssd",
     [](OperatorCodes& c, std::string_view v) { return set_dialable_ussd(c.balance_ussd, v); }},
    {"BalanceUssdResponses",
     [](OperatorCodes& c, std::string_view v) {
       return append_ussd_responses(c.balance_ussd_responses, v);
     }},
    {"BalanceSmsNumber",
     [](OperatorCodes& c, std::string_view v) {
       return set_phone_number(c.balance_sms_number, v);
     }},
    {"BalanceSmsText",
     [](OperatorCodes& c, std::string_view v) {
       return set_optional_text(c.balance_sms_text, v, 160, "the SMS text");
     }},
    {"TopUpUssd", [](OperatorCodes& c, std::string_view v) { return set_ussd(c.topup_ussd, v); }},
    {"TopUpSmsNumber",
     [](OperatorCodes& c, std::string_view v) { return set_phone_number(c.topup_sms_number, v); }},
    {"TopUpSmsText",
     [](OperatorCodes& c, std::string_view v) {
       return set_optional_text(c.topup_sms_text, v, 160, "the SMS text");
     }},
    {"TopUpReplacement",
     [](OperatorCodes& c, std::string_view v) {
       return set_replacement_token(c.topup_replacement, v);
     }},
    {"VoucherCharset",
     [](OperatorCodes& c, std::string_view v) {
       return set_voucher_charset(c.voucher_charset, v);
     }},
    {"SmsReplyFrom",
     [](OperatorCodes& c, std::string_view v) { return set_sms_sender(c.sms_reply_from, v); }},
};

const KeyRule<ProfileConfig> kProfileKeys[] = {
    // SGP.22 profileNickname: lpa/nickname.h.
    {"Nickname",
     [](ProfileConfig& p, std::string_view v) {
       return set_optional_text(p.nickname, v, lpa::kMaxNicknameBytes, "the nickname");
     }},
    {"LowBalanceThreshold",
     [](ProfileConfig& p, std::string_view v) -> Apply {
       if (v.empty()) {
         p.low_balance_threshold.reset();
         return {};
       }
       double value = 0;
       auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
       if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(value)) {
         return in_quotes(v) + " is not a number";
       }
       p.low_balance_threshold = value;
       return {};
     }},
    {"BalanceCheckIntervalSec", set_duration_of<&ProfileConfig::balance_check_interval, true>},
    {"PlanExpiryReminderDays",
     [](ProfileConfig& p, std::string_view v) {
       return set_number<unsigned>(p.plan_expiry_reminder_days, v,
                                   ProfileConfig{}.plan_expiry_reminder_days, 0, 365,
                                   "a number of days");
     }},
};

// Port= names a port as ModemManager lists it ("ttyUSB3") or as a device path ("/dev/ttyUSB3").
Apply set_modem_port(std::optional<std::string>& out, std::string_view v) {
  bool plain = std::all_of(v.begin(), v.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (!plain || v.find("..") != std::string_view::npos) {
    return in_quotes(v) + " is not a port name (cdc-wdm0, ttyUSB2) or a device path (/dev/ttyUSB2)";
  }
  return set_optional_text(out, v, 128, "the port");
}

const KeyRule<ModemOverrideConfig> kModemOverrideKeys[] = {
    {"Transport",
     [](ModemOverrideConfig& m, std::string_view v) { return set_transport(m.transport, v); }},
    {"Port", [](ModemOverrideConfig& m, std::string_view v) { return set_modem_port(m.port, v); }},
    {"Slot",
     [](ModemOverrideConfig& m, std::string_view v) { return set_optional(m.slot, v, set_slot); }},
    {"Ignore",
     [](ModemOverrideConfig& m, std::string_view v) { return set_bool(m.ignore, v, false); }},
    {"SimRestart",
     [](ModemOverrideConfig& m, std::string_view v) { return set_sim_restart(m.sim_restart, v); }},
};

const KeyRule<ModemConfig> kModemKeys[] = {
    {"Transport", [](ModemConfig& m, std::string_view v) { return set_transport(m.transport, v); }},
    {"Device", [](ModemConfig& m, std::string_view v) { return set_device(m.device, v); }},
    {"Slot", [](ModemConfig& m, std::string_view v) { return set_slot(m.slot, v); }},
    {"TimeoutSec",
     [](ModemConfig& m, std::string_view v) { return set_modem_timeout(m.timeout, v); }},
    {"SimRestart",
     [](ModemConfig& m, std::string_view v) { return set_sim_restart(m.sim_restart, v); }},
};

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

template <typename Target, size_t N>
const KeyRule<Target>* find_rule(const KeyRule<Target> (&rules)[N], std::string_view name) {
  for (const auto& rule : rules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

// Keys are case-sensitive like systemd's; a near miss gets a hint.
template <typename Target, size_t N>
std::string unknown_key(const KeyRule<Target> (&rules)[N], std::string_view name,
                        std::string_view section) {
  std::string message = "unknown key " + in_quotes(name) + " in [" + std::string(section) + "]";
  for (const auto& rule : rules) {
    if (lowercase(rule.name) == lowercase(name)) {
      return message + "; did you mean " + in_quotes(rule.name) + "?";
    }
  }
  return message;
}

// Feeds one file to inih line by line and applies what it hands back.
class FileParser {
 public:
  FileParser(std::string file_name, std::string_view text, LoadedConfig& into)
      : file_name_(std::move(file_name)), text_(text), into_(into) {}

  void run() { ini_parse_stream(&FileParser::read_line_cb, this, &FileParser::handle_cb, this); }

 private:
  enum class Section {
    None,
    Ignored,
    Readers,
    Network,
    Notifications,
    Device,
    Boot,
    Travel,
    TopUp,
    Operator,
    Profile,
    ModemOverride,
    Modem
  };

  static char* read_line_cb(char* str, int num, void* self) {
    return static_cast<FileParser*>(self)->read_line(str, num);
  }
  static int handle_cb(void* self, const char* /*section: tracked here*/, const char* name,
                       const char* value) {
    // With INI_CALL_HANDLER_ON_NEW_SECTION builds, a header arrives with name == nullptr.
    if (name != nullptr) static_cast<FileParser*>(self)->handle(name, value ? value : "");
    return 1;  // keep going: every bad line is reported, not just the first
  }

  // inih's ini_reader: hands out the next line (with '\n', within `num` bytes). Section
  // headers and comments are consumed here and given to inih as blank lines (so neither can
  // overrun its buffer, however long); leading whitespace is dropped so an indented line is
  // never taken as a continuation of the previous value.
  char* read_line(char* str, int num) {
    finish_line();
    if (pos_ >= text_.size() || num < 2) return nullptr;
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_;
    if (line_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
    line = trim(line);

    std::string_view out = line;
    if (line.find('\0') != std::string_view::npos) {
      diagnose("the line holds a NUL byte (is this a text file?)");
      out = {};
    } else if (line.starts_with('[')) {
      enter_section(line);
      out = {};
    } else if (line.starts_with('#') || line.starts_with(';')) {
      out = {};
    } else if (!line.empty()) {
      expect_assignment_ = true;
    }
    if (out.size() + 2 > static_cast<size_t>(num)) {  // with its "\n\0", it must fit in `str`
      diagnose("the line is longer than " + std::to_string(num - 2) + " characters");
      out = {};
      expect_assignment_ = false;
    }
    if (!out.empty()) std::memcpy(str, out.data(), out.size());  // data() is null when empty
    str[out.size()] = '\n';
    str[out.size() + 1] = '\0';
    return str;
  }

  // A content line that inih did not hand to the handler had no '=' (inih's syntax error).
  void finish_line() {
    if (expect_assignment_ && !assigned_) diagnose("expected Key=Value, [Section] or a comment");
    expect_assignment_ = false;
    assigned_ = false;
  }

  void enter_section(std::string_view line) {
    size_t close = line.find(']');
    if (close == std::string_view::npos) {
      diagnose("section header without ']'; keys up to the next section are ignored");
      section_ = Section::Ignored;
      return;
    }
    std::string_view rest = trim(line.substr(close + 1));
    if (!rest.empty() && !rest.starts_with('#') && !rest.starts_with(';')) {
      diagnose("text after the section header: " + in_quotes(rest));
    }
    std::string_view name = trim(line.substr(1, close - 1));
    section_name_ = std::string(name);
    section_ = Section::Ignored;
    if (name == "Readers") {
      section_ = Section::Readers;
    } else if (name == "Network") {
      section_ = Section::Network;
    } else if (name == "Notifications") {
      section_ = Section::Notifications;
    } else if (name == "Device") {
      section_ = Section::Device;
    } else if (name == "Boot") {
      section_ = Section::Boot;
    } else if (name == "TravelPolicy") {
      section_ = Section::Travel;
    } else if (name == "TopUp") {
      section_ = Section::TopUp;
    } else if (name.starts_with("TopUp:")) {
      std::string_view key = trim(name.substr(6));
      std::optional<std::string> normalized = operator_key(key);
      if (!normalized) {
        diagnose(in_quotes(key) +
                 " is not an MCC/MNC (5 or 6 digits, optionally /GID1 in hex); section ignored");
        return;
      }
      section_key_ = *normalized;
      into_.config.topup.operators[section_key_];
      section_ = Section::Operator;
    } else if (name.starts_with("Profile:")) {
      section_key_ = std::string(trim(name.substr(8)));
      if (!lpa::is_valid_iccid(section_key_)) {
        diagnose(in_quotes(section_key_) + " is not an ICCID (18 to 20 digits); section ignored");
        return;
      }
      into_.config.profiles[section_key_];
      section_ = Section::Profile;
    } else if (name.starts_with("ModemOverride:")) {
      section_key_ = std::string(trim(name.substr(14)));
      if (section_key_.empty()) {
        diagnose("[ModemOverride:] needs a modem's Device or EquipmentIdentifier; section ignored");
        return;
      }
      into_.config.modem_overrides[section_key_];
      section_ = Section::ModemOverride;
    } else if (name.starts_with("Modem:")) {
      section_key_ = std::string(trim(name.substr(6)));
      if (section_key_.empty()) {
        diagnose("[Modem:] needs a name, e.g. [Modem:wwan]; section ignored");
        return;
      }
      ModemConfig& modem = into_.config.modems[section_key_];
      modem.file = file_name_;
      modem.line = line_;
      section_ = Section::Modem;
    } else {
      diagnose("unknown section [" + section_name_ + "]; its keys are ignored");
    }
  }

  template <typename Target, size_t N>
  void apply(const KeyRule<Target> (&rules)[N], Target& target, std::string_view name,
             std::string_view value) {
    const KeyRule<Target>* rule = find_rule(rules, name);
    if (rule == nullptr) {
      diagnose(unknown_key(rules, name, section_name_));
      return;
    }
    if (auto problem = rule->apply(target, value)) {
      diagnose(std::string(name) + "=: " + *problem + "; the line is ignored");
    }
  }

  void handle(std::string_view name, std::string_view value) {
    assigned_ = true;
    if (name.empty()) {
      diagnose("assignment without a key name");
      return;
    }
    Config& config = into_.config;
    switch (section_) {
      case Section::None: diagnose("assignment outside of a section"); return;
      case Section::Ignored: return;  // reported once at the header
      case Section::Readers: apply(kReadersKeys, config.readers, name, value); return;
      case Section::Network: apply(kNetworkKeys, config.network, name, value); return;
      case Section::Notifications:
        apply(kNotificationsKeys, config.notifications, name, value);
        return;
      case Section::Device: apply(kDeviceKeys, config.device, name, value); return;
      case Section::Boot: apply(kBootKeys, config.boot, name, value); return;
      case Section::Travel: apply(kTravelKeys, config.travel, name, value); return;
      case Section::TopUp: apply(kTopUpKeys, config.topup, name, value); return;
      case Section::Operator:
        apply(kOperatorKeys, config.topup.operators[section_key_], name, value);
        return;
      case Section::ModemOverride: {
        ModemOverrideConfig& modem = config.modem_overrides[section_key_];
        apply(kModemOverrideKeys, modem, name, value);
        if (name == "SimRestart") modem.sim_restart_place = {file_name_, line_};
        return;
      }
      case Section::Modem: {
        ModemConfig& modem = config.modems[section_key_];
        apply(kModemKeys, modem, name, value);
        if (name == "SimRestart") modem.sim_restart_place = {file_name_, line_};
        return;
      }
      case Section::Profile: {
        ProfileConfig& profile = config.profiles[section_key_];
        if (find_rule(kOperatorKeys, name) != nullptr) {
          apply(kOperatorKeys, profile.codes, name, value);
        } else {
          apply(kProfileKeys, profile, name, value);
        }
        return;
      }
    }
  }

  void diagnose(std::string message) {
    ++diagnostics_;
    if (diagnostics_ > kMaxDiagnosticsPerFile) return;
    if (diagnostics_ == kMaxDiagnosticsPerFile) {
      message = "too many problems; the rest of this file's are not listed";
    }
    into_.diagnostics.push_back({file_name_, line_, std::move(message)});
  }

  std::string file_name_;
  std::string_view text_;
  LoadedConfig& into_;
  size_t pos_ = 0;
  unsigned line_ = 0;
  bool expect_assignment_ = false;
  bool assigned_ = false;
  Section section_ = Section::None;
  std::string section_name_;
  std::string section_key_;
  size_t diagnostics_ = 0;
};

// Reads a whole file, or explains why not. nullopt + no message: the file does not exist.
std::optional<std::string> read_file(const fs::path& file, std::string& problem) {
  std::error_code ec;
  fs::file_status status = fs::status(file, ec);
  if (status.type() == fs::file_type::not_found) return std::nullopt;
  if (ec) {
    problem = "cannot be read: " + ec.message();
    return std::nullopt;
  }
  if (status.type() == fs::file_type::directory) {
    problem = "is a directory, not a config file";
    return std::nullopt;
  }
  std::FILE* stream = std::fopen(file.c_str(), "rb");
  if (stream == nullptr) {
    problem = std::string("cannot be read: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[16384];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, stream)) > 0) {
    text.append(buffer, got);
    if (text.size() > kMaxFileSize) break;
  }
  bool failed = std::ferror(stream) != 0;
  std::fclose(stream);
  if (failed) {
    problem = "cannot be read: I/O error";
    return std::nullopt;
  }
  if (text.size() > kMaxFileSize) {
    problem = "is larger than " + std::to_string(kMaxFileSize / 1024) + " KiB; ignored";
    return std::nullopt;
  }
  return text;
}

}  // namespace

bool ReadersConfig::reader_allowed(std::string_view reader_name) const {
  std::string name(reader_name);
  auto matches = [&name](const std::string& pattern) {
    return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
  };
  if (!allow.empty() && std::none_of(allow.begin(), allow.end(), matches)) return false;
  return std::none_of(deny.begin(), deny.end(), matches);
}

const ProfileConfig* Config::profile(std::string_view iccid) const {
  auto it = profiles.find(iccid);
  return it == profiles.end() ? nullptr : &it->second;
}

const OperatorCodes* Config::operator_codes(std::string_view mccmnc) const {
  auto it = topup.operators.find(mccmnc);
  return it == topup.operators.end() ? nullptr : &it->second;
}

std::string ConfigDiagnostic::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ": " + message;
}

void load_config_file(const fs::path& file, LoadedConfig& into) {
  std::string problem;
  std::optional<std::string> text = read_file(file, problem);
  if (!text) {
    if (!problem.empty()) into.diagnostics.push_back({file.string(), 0, problem});
    return;
  }
  load_config_text(*text, file.string(), into);
}

void load_config_text(std::string_view text, const std::string& file_name, LoadedConfig& into) {
  FileParser(file_name, text, into).run();
}

namespace {

// A [Modem:] section is complete only once every file is read (a drop-in may add its Device=).
void drop_incomplete_modems(LoadedConfig& loaded) {
  for (auto it = loaded.config.modems.begin(); it != loaded.config.modems.end();) {
    const ModemConfig& m = it->second;
    std::string missing;
    if (!m.transport) missing = "Transport=";
    if (m.device.empty()) missing += std::string(missing.empty() ? "" : " and ") + "Device=";
    if (missing.empty()) {
      ++it;
      continue;
    }
    loaded.diagnostics.push_back(
        {m.file, m.line, "[Modem:" + it->first + "] has no " + missing + "; the modem is ignored"});
    it = loaded.config.modems.erase(it);
  }
}

// SimRestart= against the section's Transport=, once every file is read (a drop-in may change
// either): a way the transport cannot do is reported where it was written and dropped, so the
// transport's default applies. An override without Transport= is checked when ModemManager's
// modem shows which transport it gets (daemon/modem_endpoint_choice.cpp).
void check_sim_restart(const std::string& section, const std::optional<ModemTransport>& transport,
                       std::optional<SimRestart>& how, const ConfigPlace& place,
                       LoadedConfig& loaded) {
  if (!transport || !how || can_restart_sim(*transport, *how)) return;
  loaded.diagnostics.push_back(
      {place.file, place.line,
       "SimRestart=" + std::string(sim_restart_name(*how)) + " in [" + section + "] is not a way " +
           "of " + std::string(transport_name(*transport)) + " modems (" +
           sim_restart_choices(*transport) + "); the default " +
           std::string(sim_restart_name(default_sim_restart(*transport))) + " applies"});
  how.reset();
}

void check_sim_restarts(LoadedConfig& loaded) {
  for (auto& [name, m] : loaded.config.modems)
    check_sim_restart("Modem:" + name, m.transport, m.sim_restart, m.sim_restart_place, loaded);
  for (auto& [match, m] : loaded.config.modem_overrides) {
    check_sim_restart("ModemOverride:" + match, m.transport, m.sim_restart, m.sim_restart_place,
                      loaded);
  }
}

LoadedConfig load_files(const fs::path& main_file, const fs::path& dropin_dir) {
  LoadedConfig loaded;
  if (!main_file.empty()) load_config_file(main_file, loaded);
  if (dropin_dir.empty()) return loaded;

  std::error_code ec;
  fs::directory_iterator it(dropin_dir, ec);
  if (ec) {
    if (ec != std::errc::no_such_file_or_directory) {
      loaded.diagnostics.push_back({dropin_dir.string(), 0, "cannot be listed: " + ec.message()});
    }
    return loaded;
  }
  std::vector<fs::path> dropins;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    std::string name = path.filename().string();
    if (name.starts_with('.') || path.extension() != ".conf") continue;
    dropins.push_back(path);
  }
  if (ec)
    loaded.diagnostics.push_back({dropin_dir.string(), 0, "cannot be listed: " + ec.message()});
  std::sort(dropins.begin(), dropins.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  for (const fs::path& dropin : dropins) load_config_file(dropin, loaded);
  return loaded;
}

}  // namespace

std::optional<ModemEndpoint> ModemConfig::endpoint() const {
  if (!transport || device.empty()) return std::nullopt;
  return ModemEndpoint{*transport, device, slot, {}, sim_restart};
}

LoadedConfig load_config(const fs::path& main_file, const fs::path& dropin_dir) {
  LoadedConfig loaded = load_files(main_file, dropin_dir);
  drop_incomplete_modems(loaded);
  check_sim_restarts(loaded);
  return loaded;
}

std::optional<std::chrono::milliseconds> parse_time_span(std::string_view text) {
  struct Unit {
    std::string_view name;
    double ms;
  };
  static constexpr Unit kUnits[] = {
      {"ms", 1},         {"msec", 1},       {"s", 1e3},         {"sec", 1e3},
      {"second", 1e3},   {"seconds", 1e3},  {"m", 60e3},        {"min", 60e3},
      {"minute", 60e3},  {"minutes", 60e3}, {"h", 3600e3},      {"hr", 3600e3},
      {"hour", 3600e3},  {"hours", 3600e3}, {"d", 86400e3},     {"day", 86400e3},
      {"days", 86400e3}, {"w", 604800e3},   {"week", 604800e3}, {"weeks", 604800e3},
  };
  // Ten years is more than any timeout or interval here; the cap keeps the sum finite.
  constexpr double kMaxMs = 10.0 * 365 * 86400e3;

  std::string_view rest = trim(text);
  if (rest.empty()) return std::nullopt;
  double total = 0;
  while (!rest.empty()) {
    size_t number_end = 0;
    while (number_end < rest.size() &&
           ((rest[number_end] >= '0' && rest[number_end] <= '9') || rest[number_end] == '.')) {
      ++number_end;
    }
    if (number_end == 0) return std::nullopt;
    double number = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + number_end, number);
    if (ec != std::errc{} || end != rest.data() + number_end) return std::nullopt;
    rest = rest.substr(number_end);
    size_t unit_end = 0;
    while (unit_end < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_end]))) {
      ++unit_end;
    }
    std::string_view unit = rest.substr(0, unit_end);
    double scale = 1e3;  // a bare number is seconds
    if (!unit.empty()) {
      auto found = std::find_if(std::begin(kUnits), std::end(kUnits),
                                [unit](const Unit& u) { return u.name == unit; });
      if (found == std::end(kUnits)) return std::nullopt;
      scale = found->ms;
    }
    total += number * scale;
    if (total > kMaxMs) return std::nullopt;
    rest = trim(rest.substr(unit_end));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total)));
}

}  // namespace euiccd::daemon
