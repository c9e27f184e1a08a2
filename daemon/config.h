// euiccd's configuration: /etc/euiccd/euiccd.conf plus drop-ins in /etc/euiccd/euiccd.conf.d/
// (*.conf, lexical order), INI style like systemd's own files (docs/configuration.md lists
// every key). Loading never fails as a whole: a bad line becomes a diagnostic naming file and
// line, and the rest of the file still applies, so one typo does not take the daemon down.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "daemon/engine_settings.h"
#include "daemon/modem_endpoint.h"

namespace euiccd::daemon {

// [Readers]: which PC/SC readers euiccd drives and how it talks to the card in them.
struct ReadersConfig {
  // fnmatch(3) patterns on the PC/SC reader name, one per `Allow=` / `Deny=`. A reader is used
  // when it matches an Allow pattern (or there is none) and no Deny pattern.
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  // `IsdRAid=` hex AIDs tried after the GSMA ISD-R AID (and the built-in vendor ones).
  std::vector<Bytes> extra_isd_r_aids;
  // `SegmentSize=`: STORE DATA block size, 1..255.
  size_t segment_size = CardSettings{}.segment_size;

  bool reader_allowed(std::string_view reader_name) const;

  bool operator==(const ReadersConfig&) const = default;
};

// [Network], [Notifications], [Device]: daemon/engine_settings.h (the engine runs on them).

// [Boot]: which profile to enable when an eUICC appears (daemon/boot_policy.h decides).
struct BootConfig {
  std::vector<std::string> preferred_iccids;       // `PreferredProfiles=`, in order
  std::chrono::seconds registration_timeout{120};  // `RegistrationTimeoutSec=`
  bool fallback = true;                            // `Fallback=`: try the next one

  bool operator==(const BootConfig&) const = default;
};

// [TravelPolicy]: which profile a modem's eUICC switches to in which country (daemon/
// travel_policy.h decides, daemon/travel_runner.h carries it out). A profile is named by its
// ICCID or its nickname (resolved against the card when the policy decides).
struct TravelConfig {
  bool enabled = false;                          // `Enabled=`
  std::string home;                              // `Home=`: the profile for the home countries
  std::vector<std::string> home_countries;       // `HomeCountries=`: MCCs (3 digits)
  std::map<std::string, std::string> countries;  // `Country=MCC:profile`, by MCC
  std::chrono::seconds hold_off{600};  // `HoldOffSec=`: no switch within this after the last one
  unsigned max_switches_per_hour = 4;  // `MaxSwitchesPerHour=`

  bool operator==(const TravelConfig&) const = default;
};

// Balance/top-up codes for one operator or one profile. Unset fields fall back, in order:
// [Profile:<ICCID>] → [TopUp:<MCCMNC>] → mobile-broadband-provider-info.
struct OperatorCodes {
  std::optional<std::string> balance_ussd;  // `BalanceUssd=*100#`
  // `BalanceUssdResponses=1,3` (list): menu choices sent one by one while the network waits
  // for input after BalanceUssd.
  std::vector<std::string> balance_ussd_responses;
  std::optional<std::string> balance_sms_number;  // `BalanceSmsNumber=`
  std::optional<std::string> balance_sms_text;    // `BalanceSmsText=`
  std::optional<std::string> topup_ussd;          // `TopUpUssd=*123*CODE#` (a template)
  std::optional<std::string> topup_sms_number;    // `TopUpSmsNumber=`
  std::optional<std::string> topup_sms_text;      // `TopUpSmsText=` (a template)
  // `TopUpReplacement=`: the token in the templates the voucher replaces (provider-info's
  // `replacement` attribute; "CODE" is what that file mostly uses).
  std::optional<std::string> topup_replacement;
  // `VoucherCharset=`: the characters a voucher may contain (anything else is refused before
  // it reaches the network; default digits only).
  std::optional<std::string> voucher_charset;
  // `SmsReplyFrom=`: the sender of the operator's SMS answer when it is not the number the
  // request went to; "*" accepts any sender.
  std::optional<std::string> sms_reply_from;

  bool operator==(const OperatorCodes&) const = default;
};

// [TopUp]
struct TopUpConfig {
  std::string provider_info_path =  // `ProviderInfo=`; empty = don't read it
      "/usr/share/mobile-broadband-provider-info/serviceproviders.xml";
  std::chrono::milliseconds ussd_timeout{60'000};        // `UssdTimeoutSec=`: one USSD exchange
  std::chrono::milliseconds sms_reply_timeout{120'000};  // `SmsReplyTimeoutSec=`: the answer SMS
  // [TopUp:<MCCMNC>] sections, keyed by 5 or 6 digits ("310260", "26201"), and
  // [TopUp:<MCCMNC>/<GID1>] for an operator whose brands differ by EF.GID1, keyed
  // "26201/0A" (GID1 in upper-case hex, trailing FF padding dropped).
  std::map<std::string, OperatorCodes, std::less<>> operators;

  bool operator==(const TopUpConfig&) const = default;
};

// [Profile:<ICCID>]
struct ProfileConfig {
  std::optional<std::string> nickname;  // `Nickname=`: set on the card if it differs
  OperatorCodes codes;                  // same keys as [TopUp:<MCCMNC>]
  // `LowBalanceThreshold=`: BalanceLow is signalled when the first number in a balance reply
  // is below this.
  std::optional<double> low_balance_threshold;
  std::chrono::seconds balance_check_interval{0};  // `BalanceCheckIntervalSec=`: 0 = never
  unsigned plan_expiry_reminder_days = 3;          // `PlanExpiryReminderDays=`: 0 = no signal

  bool operator==(const ProfileConfig&) const = default;
};

// Where a key was written, for a diagnostic made only once every file is read.
struct ConfigPlace {
  std::string file;
  unsigned line = 0;

  bool operator==(const ConfigPlace&) const = default;
};

// [ModemOverride:<match>]: for a modem ModemManager manages, what euiccd would otherwise pick
// from its ports (daemon/modem_endpoint_choice.h). <match> is the modem's ModemManager `Device`
// (its sysfs path, e.g. /sys/devices/pci0000:00/0000:00:14.0/usb2/2-3) or its
// `EquipmentIdentifier` (the IMEI), compared exactly.
struct ModemOverrideConfig {
  std::optional<ModemTransport> transport;  // `Transport=qmi|mbim|at`
  // `Port=`: one of the modem's ports by name as ModemManager lists it (cdc-wdm0, ttyUSB3), or a
  // device path (/dev/ttyUSB3); needed for a port ModemManager ignores (ID_MM_PORT_IGNORE).
  std::optional<std::string> port;
  std::optional<unsigned> slot;  // `Slot=`: the SIM slot, 1-based
  bool ignore = false;           // `Ignore=yes`: euiccd leaves this modem alone
  // `SimRestart=refresh|power-cycle|uicc-reset|cfun`: how a profile switch makes the modem
  // re-read its SIM; unset: the transport's default (daemon/modem_sim_restart.h).
  std::optional<SimRestart> sim_restart = std::nullopt;
  ConfigPlace sim_restart_place{};  // where SimRestart= was last set

  bool operator==(const ModemOverrideConfig&) const = default;
};

// [Modem:<name>]: an eUICC inside a modem that euiccd reaches itself (daemon/modem_backend.h),
// for a modem ModemManager does not manage (or describes wrongly). <name> only tells sections
// apart, so a drop-in can change one modem's keys.
struct ModemConfig {
  std::optional<ModemTransport> transport;  // `Transport=qmi|mbim|at`, required
  std::string device;                       // `Device=`, required: /dev/cdc-wdm0, /dev/ttyUSB2
  unsigned slot = 1;                        // `Slot=`: the SIM slot, 1..16
  // `TimeoutSec=`: how long one modem command may take; unset: the carrier's default.
  std::optional<std::chrono::milliseconds> timeout;
  // `SimRestart=`: as in [ModemOverride:]; a way the transport cannot do is reported at this
  // key's line once every file is read, and the transport's default applies.
  std::optional<SimRestart> sim_restart = std::nullopt;
  ConfigPlace sim_restart_place{};
  // Where the section was last opened, for the diagnostic when a required key is missing.
  std::string file;
  unsigned line = 0;

  // The endpoint, when Transport= and Device= are set.
  std::optional<ModemEndpoint> endpoint() const;

  bool operator==(const ModemConfig&) const = default;
};

struct Config {
  ReadersConfig readers;
  NetworkConfig network;
  NotificationsConfig notifications;
  DeviceConfig device;
  BootConfig boot;
  TravelConfig travel;
  TopUpConfig topup;
  std::map<std::string, ProfileConfig, std::less<>> profiles;  // keyed by ICCID digits
  // keyed by the section's <match>, as written
  std::map<std::string, ModemOverrideConfig, std::less<>> modem_overrides;
  // Complete [Modem:<name>] sections by name (load_config drops the incomplete ones with a
  // diagnostic once every file is read).
  std::map<std::string, ModemConfig, std::less<>> modems;

  // nullptr when there is no [Profile:<iccid>] / [TopUp:<mccmnc>] section.
  const ProfileConfig* profile(std::string_view iccid) const;
  const OperatorCodes* operator_codes(std::string_view mccmnc) const;

  bool operator==(const Config&) const = default;
};

// One problem found while loading. `line` is 1-based; 0 means the file as a whole (unreadable,
// too large).
struct ConfigDiagnostic {
  std::string file;
  unsigned line = 0;
  std::string message;

  std::string to_string() const;  // "file:line: message", as compilers print it
};

struct LoadedConfig {
  Config config;
  std::vector<ConfigDiagnostic> diagnostics;
};

inline constexpr const char* kDefaultConfigFile = "/etc/euiccd/euiccd.conf";
inline constexpr const char* kDefaultConfigDropinDir = "/etc/euiccd/euiccd.conf.d";

// Reads `main_file`, then every `*.conf` in `dropin_dir` in lexical order; later values
// override earlier ones, list keys append, and an empty assignment (`Key=`) resets a list or
// a value to its default. A main file or drop-in dir that does not exist is not an error (the
// defaults apply); one that cannot be read is a diagnostic. Never throws for file content.
LoadedConfig load_config(const std::filesystem::path& main_file,
                         const std::filesystem::path& dropin_dir);

// Applies one more file on top of `into` (what load_config does per file); exposed for tests
// and for `euiccd --config` layering.
void load_config_file(const std::filesystem::path& file, LoadedConfig& into);

// Applies a file's text once it is read (what load_config_file does after reading it);
// `file_name` is what diagnostics name. For the fuzz target, which has no file.
void load_config_text(std::string_view text, const std::string& file_name, LoadedConfig& into);

// Parses a systemd-style time span: "90", "90s", "5min", "1h 30min", "2d", "500ms".
// A bare number is seconds. std::nullopt on anything else.
std::optional<std::chrono::milliseconds> parse_time_span(std::string_view text);

}  // namespace euiccd::daemon
