// euicc-card download / discover: the eUICC talking to an SM-DP+ (ES9+) or SM-DS (ES11).
#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "base/error.h"
#include "cli/interrupt_guard.h"
#include "lpa/activation_code.h"
#include "lpa/discovery.h"
#include "lpa/download.h"
#include "tools/euicc_card_commands.h"
#include "tools/euicc_card_format.h"
#include "tools/euicc_card_network.h"

namespace euiccd::tools {
namespace {

using json = nlohmann::ordered_json;

// ^C during a download: the engine ends the session properly (ES10b + ES9+ CancelSession with
// reason "postponed", so the order stays usable); a second ^C kills the program.
CancelToken g_cancel;

void on_interrupt(int) {
  g_cancel.cancel(CancelReason::Postponed);
}

// One progress line per stage on stderr (stdout stays the result); the install stage also
// every quarter.
class ProgressPrinter {
 public:
  void operator()(lpa::DownloadStage stage, double fraction) {
    const int quarter = static_cast<int>(fraction * 4);
    if (stage == last_stage_ &&
        (stage != lpa::DownloadStage::Installing || quarter == last_quarter_))
      return;
    last_stage_ = stage;
    last_quarter_ = quarter;
    std::cerr << "  … " << text(stage);
    if (stage == lpa::DownloadStage::Installing) std::cerr << " (" << quarter * 25 << " %)";
    std::cerr << "\n";
  }

 private:
  static const char* text(lpa::DownloadStage stage) {
    switch (stage) {
      case lpa::DownloadStage::Authenticating: return "authenticating eUICC and SM-DP+";
      case lpa::DownloadStage::WaitingForConfirmation: return "waiting for confirmation";
      case lpa::DownloadStage::Preparing: return "preparing the download on the eUICC";
      case lpa::DownloadStage::Downloading: return "fetching the bound profile package";
      case lpa::DownloadStage::Installing: return "installing on the eUICC";
      case lpa::DownloadStage::Notifying: return "sending the install notification";
      case lpa::DownloadStage::Done: return "done";
    }
    return "?";
  }
  std::optional<lpa::DownloadStage> last_stage_;
  int last_quarter_ = -1;
};

void print_cleanup_errors(const CommandLine& cmd, const std::vector<std::string>& errors) {
  if (!cmd.verbose) return;
  for (const auto& e : errors) std::cerr << "euicc-card: while ending the session: " << e << "\n";
}

// Runs a card session (`session.*run(options)`: a download or a discovery) that Ctrl-C cancels;
// after a failure, also says what went wrong while ending the session.
template <typename Session, typename Options, typename Result>
Result run_session(const CommandLine& cmd, Session& session, Result (Session::*run)(const Options&),
                   const Options& options) {
  const cli::InterruptGuard interrupts(on_interrupt, true);
  try {
    return (session.*run)(options);
  } catch (const Error&) {
    print_cleanup_errors(cmd, session.cleanup_errors());
    throw;
  }
}

}  // namespace

void command_download(const CommandLine& cmd, const Args& args, CardSession& card) {
  lpa::DownloadOptions options;
  // Parse first: a typo in the code is reported before anything is sent.
  options.activation_code = lpa::parse_activation_code(args.at(0));
  options.confirmation_code = cmd.confirmation_code;
  if (cmd.imei) options.device.imei = *cmd.imei;
  if (!cmd.yes && !isatty(STDIN_FILENO)) {
    throw UsageError("download asks before installing, but stdin is not a terminal; pass --yes");
  }
  options.confirm_metadata = [&cmd](const lpa::ProfileMetadata& metadata) {
    std::cerr << "Profile offered by the SM-DP+:\n" << describe_metadata(metadata);
    return cmd.yes || ask_yes_no("Install this profile?");
  };
  options.ask_confirmation_code =
      [&cmd](const lpa::ProfileMetadata&) -> std::optional<std::string> {
    if (!isatty(STDIN_FILENO) || cmd.json) return std::nullopt;
    std::cerr << "The operator requires a confirmation code (empty to postpone): " << std::flush;
    std::string code;
    if (!std::getline(std::cin, code) || code.empty()) return std::nullopt;
    return code;
  };
  ProgressPrinter progress;
  options.on_progress = [&progress](lpa::DownloadStage stage, double fraction) {
    progress(stage, fraction);
  };
  options.on_log = [&cmd](const std::string& line) {
    if (cmd.verbose) std::cerr << "euicc-card: " << line << "\n";
  };
  options.cancel = &g_cancel;

  lpa::ProfileDownloader downloader(card.transport(), http_client_factory(cmd));
  const lpa::DownloadResult result =
      run_session(cmd, downloader, &lpa::ProfileDownloader::download, options);
  if (cmd.json) {
    json j{{"result", "ok"},
           {"iccid", result.iccid},
           {"isdpAid", to_hex(result.isdp_aid)},
           {"smdpAddress", result.smdp_address},
           {"metadata", to_json(result.metadata)},
           {"notifications", to_json(result.notifications)}};
    print_json(j);
  } else {
    std::cout << "Installed profile " << result.iccid << " ("
              << result.metadata.service_provider_name << " — " << result.metadata.profile_name
              << ") in ISD-P " << to_hex(result.isdp_aid) << ".\n";
    if (!result.notifications.outcomes.empty()) {
      std::cout << "Install notification:\n" << describe_report(result.notifications);
    }
    std::cout << "It is disabled; enable it with: euicc-card enable " << result.iccid << "\n";
  }
}

void command_discover(const CommandLine& cmd, const Args&, CardSession& card) {
  lpa::DiscoveryOptions options;
  if (cmd.smds) {
    lpa::validate_server_address(*cmd.smds, "SM-DS address");
    options.smds_address = *cmd.smds;
  }
  options.cancel = &g_cancel;
  lpa::ProfileDiscoverer discoverer(card.transport(), http_client_factory(cmd));
  const lpa::DiscoveryResult result =
      run_session(cmd, discoverer, &lpa::ProfileDiscoverer::discover, options);
  if (cmd.json) {
    json events = json::array();
    for (const auto& e : result.events) {
      events.push_back({{"eventId", e.event_id},
                        {"rspServerAddress", e.rsp_server_address},
                        {"activationCode", "LPA:1$" + e.rsp_server_address + "$" + e.event_id}});
    }
    print_json({{"smdsAddress", result.smds_address}, {"events", events}});
    return;
  }
  if (result.events.empty()) {
    std::cout << "Nothing waiting for this eUICC at " << result.smds_address << ".\n";
    return;
  }
  std::cout << result.events.size() << " event(s) at " << result.smds_address
            << "; download one with euicc-card download CODE:\n";
  std::vector<std::vector<std::string>> rows{{"EVENT ID", "SERVER", "CODE"}};
  for (const auto& e : result.events) {
    rows.push_back(
        {e.event_id, e.rsp_server_address, "LPA:1$" + e.rsp_server_address + "$" + e.event_id});
  }
  std::cout << format_table(rows);
}

}  // namespace euiccd::tools
