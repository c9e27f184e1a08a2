#include "daemon/travel_policy.h"

#include <algorithm>

#include "daemon/boot_registration.h"

namespace euiccd::daemon {
namespace {

// MMModem3gppRegistrationState values where the modem sees a network it cannot (or may not)
// use: searching, denied, emergency only. With an operator code they still tell the country.
constexpr uint32_t kSearching = 2, kDenied = 3, kEmergencyOnly = 8;

constexpr auto kHour = std::chrono::hours(1);

std::string seconds_text(TravelClock::duration d) {
  const auto s = std::chrono::ceil<std::chrono::seconds>(d).count();
  return std::to_string(s) + " s";
}

bool is_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The card's profile that `name` (an ICCID or a nickname, as the configuration has it) is.
const TravelProfile* resolve(std::span<const TravelProfile> profiles, const std::string& name) {
  for (const TravelProfile& p : profiles)
    if (p.iccid == name) return &p;
  for (const TravelProfile& p : profiles)
    if (!p.nickname.empty() && p.nickname == name) return &p;
  return nullptr;
}

TravelDecision stay(std::string country, std::string reason) {
  return {TravelDecision::Kind::Stay, {}, std::move(country), std::move(reason), std::nullopt};
}

}  // namespace

std::string travel_country(const TravelNetwork& network) {
  if (!network.modem_present) return {};
  const std::string& code = network.operator_code;
  if (code.size() < 5 || code.size() > 6 || !is_digits(code)) return {};
  const uint32_t r = network.registration_state;
  const bool registered = modem_registered(network.state, r);
  const bool can_only_register = r == kSearching || r == kDenied || r == kEmergencyOnly;
  return registered || can_only_register ? code.substr(0, 3) : std::string();
}

const char* travel_decision_name(TravelDecision::Kind kind) {
  switch (kind) {
    case TravelDecision::Kind::Switch: return "switch";
    case TravelDecision::Kind::HeldBack: return "held-back";
    case TravelDecision::Kind::Stay: return "stay";
  }
  return "?";
}

TravelDecision decide_travel(const TravelConfig& config, const TravelInputs& in) {
  using Kind = TravelDecision::Kind;
  if (!config.enabled) return stay({}, "the travel policy is off");
  const std::string country = travel_country(in.network);
  if (in.paused) return stay(country, "the travel policy is paused");
  if (!in.network.modem_present) return stay({}, "ModemManager does not list the modem");
  if (country.empty()) {
    return stay({}, "the modem tells no country (registration " +
                        registration_state_name(in.network.registration_state) +
                        (in.network.operator_code.empty()
                             ? ", no operator code)"
                             : ", operator code " + in.network.operator_code + ")"));
  }

  // Which profile the country asks for: its Country= line, else Home= in a home country.
  std::string wanted;
  std::string why;
  if (auto it = config.countries.find(country); it != config.countries.end()) {
    wanted = it->second;
    why = "country " + country;
  } else if (std::find(config.home_countries.begin(), config.home_countries.end(), country) !=
             config.home_countries.end()) {
    if (config.home.empty()) return stay(country, "home country " + country + ", but no Home=");
    wanted = config.home;
    why = "home country " + country;
  } else {
    return stay(country, "no profile is configured for country " + country);
  }
  const TravelProfile* target = resolve(in.profiles, wanted);
  if (target == nullptr)
    return stay(country, "the profile " + wanted + " for " + why + " is not on the eUICC");
  const std::string name =
      target->iccid + (target->nickname.empty() ? "" : " (" + target->nickname + ")");
  if (target->enabled) return stay(country, name + " is enabled for " + why);

  const std::string want = "switching to " + name + " for " + why;
  auto held = [&](std::string because, std::optional<TravelClock::time_point> again = {}) {
    return TravelDecision{Kind::HeldBack, target->iccid, country,
                          want + " is held back: " + because, again};
  };
  if (in.busy.call) return held("a call is running");
  if (in.busy.ussd) return held("a USSD session is running");
  if (!in.busy.job.empty()) return held("a " + in.busy.job + " is running on the eUICC");
  if (!in.history.empty()) {
    const TravelClock::time_point free_at = in.history.back().at + config.hold_off;
    if (in.now < free_at) {
      return held("the last switch was " + seconds_text(in.now - in.history.back().at) +
                      " ago (HoldOffSec=" + std::to_string(config.hold_off.count()) + ")",
                  free_at);
    }
  }
  // The rate limit: the automatic switches of the last hour.
  std::optional<TravelClock::time_point> oldest;
  unsigned recent = 0;
  for (const TravelSwitch& s : in.history) {
    if (!s.automatic || s.at + kHour <= in.now) continue;
    if (!oldest) oldest = s.at;
    ++recent;
  }
  if (recent >= config.max_switches_per_hour) {
    return held(std::to_string(recent) +
                    " automatic switches in the last hour (MaxSwitchesPerHour=" +
                    std::to_string(config.max_switches_per_hour) + ")",
                *oldest + kHour);
  }
  return {Kind::Switch, target->iccid, country, want, std::nullopt};
}

}  // namespace euiccd::daemon
