#include "topup/operator_methods.h"

#include <cctype>
#include <optional>

#include "base/bytes.h"

namespace euiccd::topup {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string mcc_mnc_text(std::string_view mcc_mnc) {
  if (mcc_mnc.size() < 5) return "MCC/MNC " + std::string(mcc_mnc);
  return "MCC " + std::string(mcc_mnc.substr(0, 3)) + ", MNC " + std::string(mcc_mnc.substr(3));
}

// Lower-case letters and digits only: "E-Plus" and "eplus" are the same name.
std::string name_key(std::string_view name) {
  std::string key;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      key.push_back(c);  // keep UTF-8 names (楽天モバイル) comparable
    }
  }
  return key;
}

bool names_match(std::string_view spn, std::string_view provider_name) {
  const std::string a = name_key(spn);
  const std::string b = name_key(provider_name);
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  // "Telenor SE" is Telenor; but "3" must not match every name with a 3 in it.
  const auto& shorter = a.size() < b.size() ? a : b;
  const auto& longer = a.size() < b.size() ? b : a;
  return shorter.size() >= 4 && longer.find(shorter) != std::string::npos;
}

// The config entries that apply to the profile, most specific first.
struct ConfigLayer {
  const OperatorCodes* codes;
  std::string section;
};

std::vector<ConfigLayer> config_layers(const ProfileOperator& profile,
                                       const TopupSettings& settings) {
  std::vector<ConfigLayer> layers;
  if (!profile.iccid.empty()) {
    if (auto it = settings.profiles.find(profile.iccid); it != settings.profiles.end()) {
      layers.push_back({&it->second, "[Profile:" + profile.iccid + "]"});
    }
  }
  if (!profile.mcc_mnc.empty()) {
    if (!profile.gid1_hex.empty()) {
      for (const auto& [key, codes] : settings.operators) {
        const auto slash = key.find('/');
        if (slash != std::string::npos && key.substr(0, slash) == profile.mcc_mnc &&
            gid1_key(key.substr(slash + 1)) == profile.gid1_hex) {
          layers.push_back({&codes, "[TopUp:" + key + "]"});
        }
      }
    }
    if (auto it = settings.operators.find(profile.mcc_mnc); it != settings.operators.end()) {
      layers.push_back({&it->second, "[TopUp:" + profile.mcc_mnc + "]"});
    }
  }
  return layers;
}

// The first layer that sets `field`, with its section name.
template <typename Field>
std::optional<std::pair<Field, std::string>> first_set(const std::vector<ConfigLayer>& layers,
                                                       std::optional<Field> OperatorCodes::*field) {
  for (const ConfigLayer& layer : layers) {
    if (const auto& value = layer.codes->*field) return std::make_pair(*value, layer.section);
  }
  return std::nullopt;
}

std::vector<std::string> first_responses(const std::vector<ConfigLayer>& layers) {
  for (const ConfigLayer& layer : layers) {
    if (!layer.codes->balance_ussd_responses.empty()) return layer.codes->balance_ussd_responses;
  }
  return {};
}

bool starts_ussd(std::string_view value) {
  return !value.empty() && (value.front() == '*' || value.front() == '#');
}

std::string provider_source(const Provider& provider, const ProviderMethod& method) {
  return "mobile-broadband-provider-info (" + provider.names[0] + ", line " +
         std::to_string(method.line) + ")";
}

void add_provider_balance(const Provider& provider, const std::vector<std::string>& responses,
                          bool& responses_used, std::vector<BalanceMethod>& into) {
  std::optional<size_t> last_ussd;  // index: `into` grows
  for (const ProviderMethod& method : provider.balance_check) {
    switch (method.kind) {
      case ProviderMethod::Kind::Ussd:
        into.push_back(
            {Channel::Ussd, method.value, {}, {}, {}, {}, provider_source(provider, method)});
        last_ussd = into.size() - 1;
        break;
      case ProviderMethod::Kind::UssdResponse:
        if (starts_ussd(method.value)) {
          // <ussd-response>*100#</ussd-response>: a code that opens a menu; the choices are
          // not in the file, so they come from BalanceUssdResponses when configured.
          into.push_back(
              {Channel::Ussd, method.value, {}, {}, {}, {}, provider_source(provider, method)});
          if (!responses_used) {
            into.back().responses = responses;
            responses_used = true;
          }
          last_ussd = into.size() - 1;
        } else if (last_ussd) {
          // <ussd>#124#</ussd><ussd-response>4</ussd-response>: the choice to make in the
          // menu the code before it opens.
          into[*last_ussd].responses.push_back(method.value);
        }
        break;
      case ProviderMethod::Kind::Sms:
        into.push_back({Channel::Sms,
                        {},
                        {},
                        method.value,
                        method.sms_text,
                        {},
                        provider_source(provider, method)});
        last_ussd.reset();
        break;
      case ProviderMethod::Kind::Dtmf: break;  // needs a voice call; not ours
    }
  }
}

}  // namespace

std::string gid1_key(std::string_view hex) {
  std::string key = upper(hex);
  while (key.size() >= 2 && key.compare(key.size() - 2, 2, "FF") == 0) key.resize(key.size() - 2);
  return key;
}

std::string BalanceMethod::describe() const {
  if (channel == Channel::Ussd) {
    std::string text = "USSD " + ussd;
    for (const auto& response : responses) text += " → " + response;
    return text;
  }
  return "SMS \"" + sms_text + "\" to " + sms_number;
}

std::string TopUpMethod::describe() const {
  if (channel == Channel::Ussd) return "USSD " + ussd_template;
  return "SMS \"" + sms_template + "\" to " + sms_number;
}

const Provider* choose_provider(const std::vector<const Provider*>& candidates,
                                std::string_view service_provider_name) {
  if (candidates.empty()) return nullptr;
  for (const Provider* provider : candidates) {
    for (const std::string& name : provider->names) {
      if (names_match(service_provider_name, name)) return provider;
    }
  }
  for (const Provider* provider : candidates) {
    if (provider->primary) return provider;
  }
  return candidates.front();
}

OperatorMethods resolve_methods(const ProfileOperator& profile, const TopupSettings& settings,
                                const ProviderDatabase* database, std::string_view database_note) {
  OperatorMethods methods;
  const std::vector<ConfigLayer> layers = config_layers(profile, settings);
  const auto token = first_set(layers, &OperatorCodes::topup_replacement);
  const auto charset = first_set(layers, &OperatorCodes::voucher_charset);
  const auto reply_from = first_set(layers, &OperatorCodes::sms_reply_from);
  const std::string reply_from_value = reply_from ? reply_from->first : std::string();
  const std::vector<std::string> responses = first_responses(layers);
  bool responses_used = false;

  if (const auto ussd = first_set(layers, &OperatorCodes::balance_ussd)) {
    methods.balance.push_back({Channel::Ussd, ussd->first, responses, {}, {}, {}, ussd->second});
    responses_used = true;
  }
  if (const auto number = first_set(layers, &OperatorCodes::balance_sms_number)) {
    const auto text = first_set(layers, &OperatorCodes::balance_sms_text);
    methods.balance.push_back({Channel::Sms,
                               {},
                               {},
                               number->first,
                               text ? text->first : std::string(),
                               reply_from_value,
                               number->second});
  }
  const std::string config_token = token ? token->first : std::string("CODE");
  const std::string charset_value = charset ? charset->first : std::string();
  if (const auto templ = first_set(layers, &OperatorCodes::topup_ussd)) {
    methods.top_up.push_back(
        {Channel::Ussd, templ->first, {}, {}, config_token, charset_value, {}, templ->second});
  }
  if (const auto number = first_set(layers, &OperatorCodes::topup_sms_number)) {
    const auto text = first_set(layers, &OperatorCodes::topup_sms_text);
    methods.top_up.push_back({Channel::Sms,
                              {},
                              number->first,
                              text ? text->first : config_token,
                              config_token,
                              charset_value,
                              reply_from_value,
                              number->second});
  }

  if (profile.mcc_mnc.empty()) {
    methods.operator_description =
        "profile " + profile.iccid + " (its profile owner MCC/MNC is not known)";
    methods.notes.push_back(
        "the profile names no owner MCC/MNC, so mobile-broadband-provider-info cannot be "
        "searched");
    return methods;
  }
  methods.operator_description = mcc_mnc_text(profile.mcc_mnc);
  if (database == nullptr) {
    if (!database_note.empty()) methods.notes.emplace_back(database_note);
    return methods;
  }
  const Provider* provider =
      choose_provider(database->find(profile.mcc_mnc), profile.service_provider_name);
  if (provider == nullptr) {
    methods.notes.push_back("mobile-broadband-provider-info has no provider with " +
                            mcc_mnc_text(profile.mcc_mnc));
    for (const std::string& diagnostic : database->diagnostics()) {
      if (diagnostic.find("mcc=\"" + profile.mcc_mnc.substr(0, 3) + "\"") != std::string::npos) {
        methods.notes.push_back("left out: " + diagnostic);
      }
    }
    return methods;
  }
  methods.provider_name = provider->names[0];
  methods.operator_description = provider->names[0] + " (" + mcc_mnc_text(profile.mcc_mnc) + ")";

  add_provider_balance(*provider, responses, responses_used, methods.balance);
  for (BalanceMethod& method : methods.balance) {
    if (method.channel == Channel::Sms && method.reply_from.empty()) {
      method.reply_from = reply_from_value;
    }
  }
  for (const ProviderMethod& method : provider->balance_top_up) {
    if (method.kind == ProviderMethod::Kind::Ussd) {
      methods.top_up.push_back({Channel::Ussd,
                                method.value,
                                {},
                                {},
                                method.replacement,
                                charset_value,
                                {},
                                provider_source(*provider, method)});
    } else if (method.kind == ProviderMethod::Kind::Sms &&
               method.sms_text.find(config_token) != std::string::npos) {
      methods.top_up.push_back({Channel::Sms,
                                {},
                                method.value,
                                method.sms_text,
                                config_token,
                                charset_value,
                                reply_from_value,
                                provider_source(*provider, method)});
    }
  }
  if (provider->balance_check.empty() && provider->balance_top_up.empty()) {
    methods.notes.push_back("mobile-broadband-provider-info lists " + provider->names[0] +
                            " but no balance or top-up codes for it");
  }
  return methods;
}

std::string balance_config_hint(const ProfileOperator& profile) {
  const std::string section = profile.mcc_mnc.empty() ? "[Profile:" + profile.iccid + "]"
                                                      : "[TopUp:" + profile.mcc_mnc + "]";
  return "a " + section + " section with BalanceUssd=<code, e.g. *100#> (or BalanceSmsNumber= " +
         "and BalanceSmsText=)";
}

std::string top_up_config_hint(const ProfileOperator& profile) {
  const std::string section = profile.mcc_mnc.empty() ? "[Profile:" + profile.iccid + "]"
                                                      : "[TopUp:" + profile.mcc_mnc + "]";
  return "a " + section + " section with TopUpUssd=<template, e.g. *123*CODE#> (or " +
         "TopUpSmsNumber= and TopUpSmsText=<text with CODE>)";
}

}  // namespace euiccd::topup
