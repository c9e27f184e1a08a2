// What the balance/top-up service needs from euiccd's configuration, as plain data. The daemon's
// config parser (daemon/config.h: [TopUp], [TopUp:<MCCMNC>], [Profile:<ICCID>]) fills it; the
// field names follow that file's OperatorCodes so the copy is field by field.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace euiccd::topup {

inline constexpr const char* kDefaultProviderInfoPath =
    "/usr/share/mobile-broadband-provider-info/serviceproviders.xml";

// Balance/top-up codes for one operator or one profile. Every field is optional: an unset
// field falls back to the next source ([Profile:<ICCID>] → [TopUp:<MCCMNC>/<GID1>] →
// [TopUp:<MCCMNC>] → mobile-broadband-provider-info). A set field is tried before what the
// next sources know, which stay as fallbacks (e.g. when the modem has no USSD).
struct OperatorCodes {
  std::optional<std::string> balance_ussd;  // "*100#"
  // Menu choices sent one by one with Respond() while the network waits for input after
  // balance_ussd ("1", "3"): provider-info's <ussd-response> idea, made explicit.
  std::vector<std::string> balance_ussd_responses;
  std::optional<std::string> balance_sms_number;  // "18258"
  std::optional<std::string> balance_sms_text;    // "SALDO" ("" is a valid, empty SMS)
  std::optional<std::string> topup_ussd;          // template: "*123*CODE#"
  std::optional<std::string> topup_sms_number;
  std::optional<std::string> topup_sms_text;  // template: "TOPUP CODE"
  // The token in the templates that the voucher replaces (provider-info's `replacement`
  // attribute); "CODE" when unset.
  std::optional<std::string> topup_replacement;
  // The characters a voucher may contain; digits only when unset.
  std::optional<std::string> voucher_charset;
  // The sender of the operator's SMS answer when it is not the number the request went to;
  // "*" accepts any sender.
  std::optional<std::string> sms_reply_from;
};

struct TopupSettings {
  // mobile-broadband-provider-info's serviceproviders.xml; empty = don't read it.
  std::string provider_info_path = kDefaultProviderInfoPath;
  // Keyed by the MCC+MNC digits ("26201", "310260"), or "<MCCMNC>/<GID1 hex>" ("26201/0A")
  // for an operator that tells its brands apart by EF.GID1; the GID1 entry wins when the
  // profile's owner GID1 equals it.
  std::map<std::string, OperatorCodes, std::less<>> operators;
  // Keyed by ICCID digits.
  std::map<std::string, OperatorCodes, std::less<>> profiles;

  // The configuration in use, as messages that say where to add codes name it
  // ("/etc/euiccd/euiccd.conf or a drop-in in /etc/euiccd/euiccd.conf.d/"); "" = "euiccd's
  // configuration". The daemon fills it from its --config/--config-dir.
  std::string config_files;

  // The D-Bus bus ModemManager is on: "" = the system bus; a D-Bus address otherwise (tests).
  std::string bus_address;
  std::chrono::milliseconds call_timeout{10'000};        // one ordinary ModemManager call
  std::chrono::milliseconds ussd_timeout{60'000};        // one Initiate/Respond round trip
  std::chrono::milliseconds sms_send_timeout{60'000};    // Sms.Send
  std::chrono::milliseconds sms_reply_timeout{120'000};  // the operator's answer SMS
};

}  // namespace euiccd::topup
