#include "daemon/prepaid_settings.h"

namespace euiccd::daemon {

const ProfileWatch& PrepaidSettings::watch_for(std::string_view iccid) const {
  static const ProfileWatch kDefault;
  auto it = watch.find(iccid);
  return it == watch.end() ? kDefault : it->second;
}

topup::OperatorCodes to_topup_codes(const OperatorCodes& codes) {
  topup::OperatorCodes out;
  out.balance_ussd = codes.balance_ussd;
  out.balance_ussd_responses = codes.balance_ussd_responses;
  out.balance_sms_number = codes.balance_sms_number;
  out.balance_sms_text = codes.balance_sms_text;
  out.topup_ussd = codes.topup_ussd;
  out.topup_sms_number = codes.topup_sms_number;
  out.topup_sms_text = codes.topup_sms_text;
  out.topup_replacement = codes.topup_replacement;
  out.voucher_charset = codes.voucher_charset;
  out.sms_reply_from = codes.sms_reply_from;
  return out;
}

PrepaidSettings prepaid_settings(const Config& config, const std::string& modem_manager_bus,
                                 const std::string& config_files) {
  PrepaidSettings s;
  s.topup.config_files = config_files;
  s.topup.provider_info_path = config.topup.provider_info_path;
  s.topup.ussd_timeout = config.topup.ussd_timeout;
  s.topup.sms_reply_timeout = config.topup.sms_reply_timeout;
  for (const auto& [key, codes] : config.topup.operators)
    s.topup.operators[key] = to_topup_codes(codes);
  for (const auto& [iccid, profile] : config.profiles) {
    s.topup.profiles[iccid] = to_topup_codes(profile.codes);
    s.watch[iccid] = ProfileWatch{profile.low_balance_threshold, profile.balance_check_interval,
                                  profile.plan_expiry_reminder_days};
  }
  s.topup.bus_address = modem_manager_bus == "system" ? std::string() : modem_manager_bus;
  return s;
}

}  // namespace euiccd::daemon
