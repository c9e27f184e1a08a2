#include "daemon/job_progress.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace euiccd::daemon {

namespace {

// One stage's share of its job: [start, start + span). The shares follow what a download costs
// on a real card and network (docs/performance.md): loading the package into the card is most
// of the APDUs; the user's confirmation takes no share, since nobody can tell how long it lasts.
struct StageShare {
  std::string_view operation;
  std::string_view stage;
  double start;
  double span;
};

constexpr std::array kPlan = {
    StageShare{"download", "authenticating", 0.00, 0.15},
    StageShare{"download", "waiting-for-confirmation", 0.15, 0.00},
    StageShare{"download", "preparing", 0.15, 0.10},
    StageShare{"download", "downloading", 0.25, 0.20},
    StageShare{"download", "installing", 0.45, 0.50},
    StageShare{"download", "notifying", 0.95, 0.05},
    StageShare{"discovery", "authenticating", 0.00, 1.00},
    // A modem switch is mostly waiting for the modem; a rollback's stages leave the figure
    // where it was (it never goes back).
    StageShare{"switch", "inhibiting", 0.00, 0.05},
    StageShare{"switch", "switching", 0.05, 0.10},
    StageShare{"switch", "restarting-sim", 0.15, 0.05},
    StageShare{"switch", "releasing", 0.20, 0.05},
    StageShare{"switch", "waiting-for-modem", 0.25, 0.25},
    StageShare{"switch", "verifying", 0.50, 0.10},
    StageShare{"switch", "registering", 0.60, 0.40},
};

}  // namespace

std::optional<double> overall_progress(const std::string& operation, const std::string& stage,
                                       double fraction) {
  for (const StageShare& share : kPlan)
    if (share.operation == operation && share.stage == stage)
      return share.start + share.span * std::clamp(fraction, 0.0, 1.0);
  return std::nullopt;
}

}  // namespace euiccd::daemon
