#include "daemon/profile_switch.h"

#include <optional>
#include <thread>

#include "daemon/boot_registration.h"
#include "daemon/card_session.h"
#include "daemon/job_context.h"
#include "daemon/switch_modem_manager.h"
#include "lpa/es10_types.h"
#include "topup/modem_manager.h"

namespace euiccd::daemon {

std::string endpoint_port(const std::string& key) {
  const size_t colon = key.find(':');
  const size_t hash = key.rfind('#');
  if (colon == std::string::npos) return key;
  return key.substr(
      colon + 1, hash == std::string::npos || hash < colon ? std::string::npos : hash - colon - 1);
}

namespace {

using Clock = std::chrono::steady_clock;

// One direction of a switch: the card's change and what the modem shows after it.
struct Step {
  bool enable = true;
  std::string iccid;         // the profile enabled or disabled
  std::string expected_sim;  // the ICCID the modem's SIM reports after; "" = none
};

std::string seconds(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

std::string describe(const SwitchModem& modem) {
  return "state " + std::to_string(modem.state) + ", registration " +
         registration_state_name(modem.registration_state) +
         (modem.operator_code.empty() ? "" : ", operator " + modem.operator_code);
}

// The stage machine; one per switch, on the card's worker thread.
class ProfileSwitch {
 public:
  ProfileSwitch(CardSession& session, JobContext& context, const SwitchTarget& target,
                const SwitchSettings& settings)
      : session_(session), context_(context), target_(target), settings_(settings) {}

  // Finds the modem in ModemManager (by its object path, else by the endpoint's port) and keeps
  // its `Device`: what identifies it when it comes back under another path.
  void find_modem() {
    try {
      modem_manager_.emplace(settings_.modem_manager_bus);
      const auto modems = modem_manager_->modems();
      if (!modems) return forget_modem_manager("ModemManager is not running");
      for (const auto& m : *modems)
        if (!target_.modem_object.empty() && m.path == target_.modem_object) device_ = m.device;
      for (const auto& m : *modems)
        if (device_.empty() && modem_has_port(m, target_.port)) device_ = m.device;
      if (device_.empty())
        return forget_modem_manager("ModemManager lists no modem with the port " + target_.port);
      context_.log(Level::Info, "switching on the modem " + device_ + " (SIM restart: " +
                                    way_name() + (needs_inhibit() ? ", inhibited" : "") + ")");
    } catch (const Error& e) {
      forget_modem_manager(e.what());
    }
  }

  // Carries out `step`; throws what went wrong (stage() tells where).
  void carry_out(const Step& step) {
    const bool inhibit = modem_manager_ && needs_inhibit() && modem_present();
    if (inhibit) {
      stage("inhibiting");
      modem_manager_->inhibit(device_, true);
      inhibited_ = true;
    }
    try {
      stage("switching");
      const bool refresh = target_.way == SimRestart::Refresh;
      const auto profile = lpa::ProfileIdentifier::from_iccid(step.iccid);
      if (step.enable)
        session_.client().enable_profile(profile, refresh);
      else
        session_.client().disable_profile(profile, refresh);
      card_changed_ = true;
      if (!refresh) {
        stage("restarting-sim");
        session_.restart_sim(target_.way);
      }
    } catch (...) {
      release();
      throw;
    }
    release();
    if (!modem_manager_) return;
    stage("waiting-for-modem");
    const auto back_by = Clock::now() + settings_.registration_timeout;
    if (!wait([](const SwitchModem&) { return true; }, back_by))
      throw Error(Errc::Timeout,
                  "the modem did not come back within " + seconds(settings_.registration_timeout));
    stage("verifying");
    // ModemManager may show the ICCID with its padding F; "" is no SIM.
    auto shows_sim = [&](const SwitchModem& m) {
      return step.expected_sim.empty() ? m.sim_iccid.empty()
                                       : topup::same_iccid(m.sim_iccid, step.expected_sim);
    };
    if (!wait(shows_sim, back_by))
      throw Error(Errc::Timeout,
                  "the modem came back with " +
                      (last_.sim_iccid.empty() ? "no SIM" : "the SIM " + last_.sim_iccid) +
                      ", not " + (step.expected_sim.empty() ? "without one" : step.expected_sim));
    if (step.expected_sim.empty()) return;  // no profile, no network to look for
    stage("registering");
    const auto registered_by = Clock::now() + settings_.registration_timeout;
    if (!wait([](const SwitchModem& m) { return modem_registered(m.state, m.registration_state); },
              registered_by))
      throw Error(Errc::Timeout, "the modem did not register with " + step.expected_sim +
                                     " within " + seconds(settings_.registration_timeout) + " (" +
                                     describe(last_) + ")");
    context_.log(Level::Notice, step.expected_sim + " is registered (" + describe(last_) + ")");
  }

  void start_rollback() {
    rolling_back_ = true;
    stage("rolling-back");
  }
  void finish() { stage("done", 1.0); }

  bool card_changed() const { return card_changed_; }
  const std::string& current_stage() const { return stage_; }

 private:
  bool needs_inhibit() const {
    return target_.transport == "at" || target_.way == SimRestart::Cfun;
  }

  const char* way_name() const {
    switch (target_.way) {
      case SimRestart::Refresh: return "the eUICC's REFRESH";
      case SimRestart::PowerCycle: return "UIM power cycle";
      case SimRestart::UiccReset: return "UICC reset";
      case SimRestart::Cfun: return "AT+CFUN";
    }
    return "?";
  }

  void forget_modem_manager(const std::string& why) {
    modem_manager_.reset();
    context_.log(Level::Notice,
                 why +
                     ": the switch changes the card and restarts the SIM, but cannot follow the "
                     "modem back online");
  }

  void stage(const char* name, double progress = 0) {
    stage_ = name;
    context_.log(Level::Debug, std::string("stage ") + name);
    context_.update(
        [name = std::string(name), progress](Job& job) { job.set_stage(name, progress); });
  }

  // Whether the modem is listed now (an inhibit of a modem that is away has nothing to act on).
  bool modem_present() {
    const auto modems = modem_manager_->modems();
    if (!modems) return false;
    for (const auto& m : *modems)
      if (m.device == device_) return true;
    return false;
  }

  // Gives the modem back; a failure (ModemManager restarted meanwhile and holds no inhibition)
  // is only logged: whether the modem returns is what the next stage watches.
  void release() {
    if (!inhibited_) return;
    inhibited_ = false;
    stage("releasing");
    try {
      modem_manager_->inhibit(device_, false);
    } catch (const Error& e) {
      context_.log(Level::Warning, e.what());
    }
  }

  // Polls ModemManager until the modem (by `Device`) is there and `ok` says yes, or `deadline`.
  // ModemManager away (restarting) counts as "not yet". A cancel ends the wait, except during
  // the rollback, which only the daemon's stop interrupts.
  template <typename Ok>
  bool wait(Ok ok, Clock::time_point deadline) {
    const auto start = Clock::now();
    const double span = std::chrono::duration<double>(deadline - start).count();
    for (;;) {
      check_cancel();
      std::optional<std::vector<SwitchModem>> modems;
      try {
        modems = modem_manager_->modems();
      } catch (const Error& e) {
        context_.log(Level::Debug, e.what());  // a ModemManager in the middle of a restart
      }
      for (const auto& m : modems.value_or(std::vector<SwitchModem>{})) {
        if (m.device != device_) continue;
        last_ = m;
        if (ok(m)) return true;
      }
      const auto now = Clock::now();
      if (now >= deadline) return false;
      const double done = std::chrono::duration<double>(now - start).count();
      context_.update([name = stage_, fraction = span > 0 ? done / span : 1.0](Job& job) {
        job.set_stage(name, fraction);
      });
      std::this_thread::sleep_for(
          std::min<Clock::duration>(settings_.poll_interval, deadline - now));
    }
  }

  void check_cancel() {
    JobControl& control = context_.control();
    if (!control.cancelled()) return;
    if (rolling_back_ && control.token().reason() != CancelReason::Postponed) return;
    throw Error(Errc::Cancelled, "the switch was cancelled");
  }

  CardSession& session_;
  JobContext& context_;
  const SwitchTarget& target_;
  const SwitchSettings& settings_;
  std::optional<SwitchModemManager> modem_manager_;
  std::string device_;  // ModemManager's `Device` of the modem
  SwitchModem last_;    // what the last look at the modem showed
  std::string stage_;
  bool inhibited_ = false;
  bool card_changed_ = false;
  bool rolling_back_ = false;
};

std::string enabled_iccid(lpa::Es10Client& card) {
  for (const auto& p : card.get_profiles_info())
    if (p.state == lpa::ProfileState::Enabled) return p.iccid;
  return {};
}

}  // namespace

void run_profile_switch(CardSession& session, JobContext& context, const SwitchTarget& target,
                        const SwitchRequest& request, const SwitchSettings& settings) {
  const std::string before = enabled_iccid(session.client());
  const Step forward{request.enable, request.iccid, request.enable ? request.iccid : ""};
  // Back to what the card had: its profile again, or (after enabling onto an empty card) none.
  const Step back = before.empty() ? Step{false, request.iccid, ""} : Step{true, before, before};
  const std::string what = (request.enable ? "enabling " : "disabling ") + request.iccid;
  const std::string restored =
      before.empty() ? "no profile is enabled again" : before + " is enabled again";

  ProfileSwitch change(session, context, target, settings);
  change.find_modem();
  try {
    change.carry_out(forward);
    change.finish();
    return;
  } catch (const Error& e) {
    const bool stopping = e.code() == Errc::Cancelled &&
                          context.control().token().reason() == CancelReason::Postponed;
    if (!change.card_changed() || stopping) throw;
    const std::string failure = what + " failed while " + change.current_stage() + ": " + e.what();
    context.log(Level::Warning, failure + "; rolling back");
    change.start_rollback();
    try {
      change.carry_out(back);
    } catch (const Error& again) {
      throw Error(Errc::SwitchFailed, failure + "; the rollback failed too, while " +
                                          change.current_stage() + ": " + again.what() +
                                          " (see the eUICC's EnabledProfile for where it stands)");
    }
    change.finish();
    throw Error(Errc::RolledBack, failure + "; rolled back: " + restored);
  }
}

}  // namespace euiccd::daemon
