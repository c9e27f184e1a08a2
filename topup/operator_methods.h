// Which balance-check and top-up methods apply to a profile: euiccd's config first (per ICCID,
// then per MCC/MNC with GID1, then per MCC/MNC), then what mobile-broadband-provider-info lists
// for the provider that owns the profile. Pure: no bus, no files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topup/provider_db.h"
#include "topup/settings.h"

namespace euiccd::topup {

// What top-up needs of a profile: what identifies its operator, whether it is the enabled
// one, and where it is on the air. The daemon fills it from the card's profile list and the
// eUICC's place (daemon/prepaid.h, topup_profile()); top-up knows no engine type.
struct ProfileOperator {
  std::string iccid;
  std::string mcc_mnc;   // profile owner MCC+MNC, "" when the profile names none
  std::string gid1_hex;  // profile owner GID1 as gid1_key() writes it
  std::string service_provider_name;
  // The profile's state on the card; nullopt when it was not read (the modem's SIM then
  // decides alone).
  std::optional<bool> enabled = std::nullopt;
  // ModemManager's modem object that holds the profile's eUICC (an eUICC inside a modem): an
  // enabled profile goes through that modem, whatever ICCID its SIM object reports. "": the
  // modem whose active SIM has `iccid` (an eUICC in a PC/SC reader; a SIM a modem reads).
  std::string modem_object{};
};

// A GID1 in hex as the config and ProfileOperator compare it: upper case, without the FF
// padding EF.GID1 usually carries to its file size.
std::string gid1_key(std::string_view hex);

enum class Channel { Ussd, Sms };

struct BalanceMethod {
  Channel channel = Channel::Ussd;
  std::string ussd;                    // Ussd: the code to Initiate
  std::vector<std::string> responses;  // Ussd: menu choices while the network waits for input
  std::string sms_number;              // Sms
  std::string sms_text;                // Sms (may be empty)
  std::string reply_from;              // Sms: the answer's sender; "" = sms_number, "*" = any
  std::string source;                  // where it came from, for messages

  std::string describe() const;  // "USSD *100#", "SMS \"SALDO\" to 18258"
};

struct TopUpMethod {
  Channel channel = Channel::Ussd;
  std::string ussd_template;  // Ussd: "*123*CODE#"
  std::string sms_number;     // Sms
  std::string sms_template;   // Sms: text with the token
  std::string token = "CODE";
  std::string voucher_charset;  // "" = digits only
  std::string reply_from;       // Sms: as in BalanceMethod
  std::string source;

  std::string describe() const;  // shows the template, never a voucher
};

struct OperatorMethods {
  // "Elisa (MCC 244, MNC 05)", "MCC 426, MNC 01 (Batelco)", "profile 8912... (no owner)".
  std::string operator_description;
  std::string provider_name;  // the chosen provider-info entry's main name, "" if none
  std::vector<BalanceMethod> balance;
  std::vector<TopUpMethod> top_up;
  // Why provider-info did not help (not configured, unreadable, no entry, entries skipped);
  // goes into the "no method known" error.
  std::vector<std::string> notes;
};

// Among the providers that list the profile's MCC/MNC: the one whose name matches the
// profile's service provider name, else the one marked primary, else the first. nullptr when
// `candidates` is empty.
const Provider* choose_provider(const std::vector<const Provider*>& candidates,
                                std::string_view service_provider_name);

// `database` may be nullptr (provider-info not configured or unreadable); `database_note`
// then says why and ends up in OperatorMethods::notes.
OperatorMethods resolve_methods(const ProfileOperator& profile, const TopupSettings& settings,
                                const ProviderDatabase* database,
                                std::string_view database_note = {});

// The config keys that would add a method, for the "no method known" error.
std::string balance_config_hint(const ProfileOperator& profile);
std::string top_up_config_hint(const ProfileOperator& profile);

}  // namespace euiccd::topup
