// Carries out what the configuration asks for when an eUICC appears (at start or on hotplug):
// nicknames from [Profile:<ICCID>] sections, then the boot policy's rounds (daemon/
// boot_policy.h decides, this runs the enables through the eUICC's worker and reports back).
// There is no modem watching yet, so an enable that succeeded counts as registered.
#pragma once

#include <memory>
#include <vector>

#include "daemon/boot_policy.h"
#include "daemon/config.h"
#include "daemon/euicc.h"

namespace euiccd::daemon {

class BootRunner {
 public:
  explicit BootRunner(const Config& config) : config_(config) {}

  // Loop thread.
  void euicc_appeared(const std::shared_ptr<Euicc>& euicc);

 private:
  void apply_nicknames(const std::shared_ptr<Euicc>& euicc);
  void step(const std::weak_ptr<Euicc>& euicc, std::vector<BootAttempt> attempts);

  const Config& config_;
};

}  // namespace euiccd::daemon
