#include "topup/topup_service.h"

#include <optional>

#include "base/error.h"
#include "topup/errors.h"
#include "topup/modem_manager.h"
#include "topup/ussd_string.h"
#include "topup/voucher.h"

namespace euiccd::topup {
namespace {

ModemManagerTimeouts timeouts_of(const TopupSettings& settings) {
  return {settings.call_timeout, settings.ussd_timeout, settings.sms_send_timeout,
          settings.sms_reply_timeout};
}

void require_enabled_candidate(const ProfileOperator& profile) {
  if (profile.iccid.empty()) {
    throw Error(Errc::InvalidArgument, "The profile has no ICCID to find its modem by");
  }
  if (profile.enabled && !*profile.enabled) {
    throw profile_not_enabled(profile.iccid);
  }
}

std::string with_notes(std::string description, const std::vector<std::string>& notes) {
  for (const std::string& note : notes) description += " (" + note + ")";
  return description;
}

template <typename Method>
std::string method_list(const std::vector<Method>& methods) {
  std::string list;
  for (const Method& method : methods) {
    if (!list.empty()) list += ", ";
    list += method.describe();
  }
  return list;
}

// The first of the operator's methods this modem can carry; `what` says what it is for.
template <typename Method>
const Method& usable_method(const std::vector<Method>& methods, const Modem& modem,
                            const std::string& what) {
  for (const Method& method : methods) {
    if (method.channel == Channel::Ussd ? modem.has_ussd : modem.has_messaging) return method;
  }
  throw method_not_supported_by_modem(what, "the operator's methods are " + method_list(methods) +
                                                ", and " + modem.label + " offers " +
                                                (modem.has_ussd        ? "USSD only"
                                                 : modem.has_messaging ? "SMS only"
                                                                       : "neither USSD nor SMS"));
}

// What a reply says about how it was obtained (before the network's text is in).
template <typename Method>
TopupReply reply_for(const Method& method, const OperatorMethods& methods, const Modem& modem) {
  TopupReply reply;
  reply.method = method.describe();
  reply.source = method.source;
  reply.operator_description = methods.operator_description;
  reply.modem = modem.label;
  return reply;
}

}  // namespace

std::shared_ptr<const ProviderDatabase> TopupService::database(const std::string& path,
                                                               std::string& note) {
  if (path.empty()) {
    note = "mobile-broadband-provider-info is not used (ProviderInfo= is empty)";
    return nullptr;
  }
  // Parsed for each call and freed after it: the parsed file is ~300 kB that an idle daemon
  // would otherwise keep for good, and parsing it costs a few ms against the seconds a USSD or
  // SMS exchange takes (docs/performance.md, "Memory").
  std::error_code ec;
  (void)std::filesystem::file_size(path, ec);  // only: is it there and readable
  if (ec) {
    note = path + " cannot be read (" + ec.message() +
           "; Debian package mobile-broadband-provider-info)";
    return nullptr;
  }
  try {
    return std::make_shared<const ProviderDatabase>(ProviderDatabase::load(path));
  } catch (const Error& error) {
    if (error.code() == Errc::Malformed) throw;
    note = error.what();
    return nullptr;
  }
}

OperatorMethods TopupService::methods_for(const ProfileOperator& profile,
                                          const TopupSettings& settings) {
  std::string note;
  const auto db = database(settings.provider_info_path, note);
  return resolve_methods(profile, settings, db.get(), note);
}

OperatorMethods TopupService::methods_or_config_only(const ProfileOperator& profile,
                                                     const TopupSettings& settings,
                                                     std::optional<Error>& unusable_database) {
  try {
    return methods_for(profile, settings);
  } catch (const Error& error) {
    unusable_database = error;
    return resolve_methods(profile, settings, nullptr, error.what());
  }
}

OperatorMethods TopupService::methods_to_act(const ProfileOperator& profile,
                                             const TopupSettings& settings, bool top_up) {
  require_enabled_candidate(profile);
  std::optional<Error> unusable_database;
  OperatorMethods methods = methods_or_config_only(profile, settings, unusable_database);
  if (top_up ? methods.top_up.empty() : methods.balance.empty()) {
    if (unusable_database) throw *unusable_database;
    throw no_method_known(top_up ? "top up" : "check the balance",
                          with_notes(methods.operator_description, methods.notes),
                          top_up ? top_up_config_hint(profile) : balance_config_hint(profile),
                          settings.config_files);
  }
  return methods;
}

Modem TopupService::modem_for(ModemManagerClient& mm, const ProfileOperator& profile) {
  // An eUICC inside a modem: its enabled profile is what that modem attaches with. A state not
  // read leaves the decision to the ICCID the modem's SIM reports, as for any other SIM.
  if (!profile.modem_object.empty() && profile.enabled.value_or(false))
    return mm.modem_at(profile.modem_object, profile.iccid);
  return mm.find_modem(profile.iccid);
}

TopupReply TopupService::check_balance(const ProfileOperator& profile,
                                       const TopupSettings& settings, const CancelToken* cancel) {
  const OperatorMethods methods = methods_to_act(profile, settings, /*top_up=*/false);

  ModemManagerClient mm(settings.bus_address, timeouts_of(settings), warn_);
  const Modem modem = modem_for(mm, profile);
  const BalanceMethod& method =
      usable_method(methods.balance, modem, "check the balance of " + methods.operator_description);
  TopupReply reply = reply_for(method, methods, modem);
  if (method.channel == Channel::Ussd) {
    reply.text = mm.run_ussd(modem, method.ussd, method.ussd, method.responses);
  } else {
    reply.text = mm.send_sms_and_wait_reply(modem, method.sms_number, method.sms_text,
                                            method.sms_text, method.reply_from, cancel);
  }
  return reply;
}

TopupReply TopupService::top_up(const ProfileOperator& profile, std::string_view voucher,
                                const TopupSettings& settings, const CancelToken* cancel) {
  const OperatorMethods methods = methods_to_act(profile, settings, /*top_up=*/true);
  // Every method shares the config's voucher rules: check before any bus traffic.
  const Voucher checked = Voucher::parse(voucher, methods.top_up.front().voucher_charset);
  const std::string& code = checked.reveal();

  ModemManagerClient mm(settings.bus_address, timeouts_of(settings), warn_);
  const Modem modem = modem_for(mm, profile);
  const TopUpMethod& method =
      usable_method(methods.top_up, modem, "top up " + methods.operator_description);
  TopupReply reply = reply_for(method, methods, modem);
  const std::string command =
      fill_template(method.channel == Channel::Ussd ? method.ussd_template : method.sms_template,
                    method.token, code);
  if (method.channel == Channel::Ussd && command.size() > kMaxUssdLength) {
    throw voucher_rejected("with it the top-up code would be " + std::to_string(command.size()) +
                           " characters, more than the " + std::to_string(kMaxUssdLength) +
                           " USSD allows");
  }
  try {
    if (method.channel == Channel::Ussd) {
      reply.text = mm.run_ussd(modem, command, method.ussd_template, {}, code);
    } else {
      reply.text = mm.send_sms_and_wait_reply(modem, method.sms_number, command,
                                              method.sms_template, method.reply_from, cancel, code);
    }
  } catch (const Error& error) {
    // The code may be on its way, or through: whoever retries must not spend a voucher twice.
    if (error.code() == Errc::Timeout || error.code() == Errc::NoModem ||
        error.code() == Errc::Cancelled)
      throw top_up_outcome_unknown(error);
    throw;
  }
  return reply;
}

}  // namespace euiccd::topup
