// euicc-card notifications list / process / remove.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "base/error.h"
#include "lpa/notifications.h"
#include "tools/euicc_card_commands.h"
#include "tools/euicc_card_format.h"
#include "tools/euicc_card_network.h"

namespace euiccd::tools {
namespace {

uint64_t parse_seq(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || errno != 0 || *end != '\0' || text[0] == '-') {
    throw UsageError("\"" + text + "\" is not a notification sequence number");
  }
  return n;
}

}  // namespace

void command_notifications_list(const CommandLine& cmd, const Args&, CardSession& card) {
  const auto notifications = card.es10().list_notifications();
  if (cmd.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& n : notifications) list.push_back(to_json(n));
    print_json({{"notifications", list}});
  } else {
    std::cout << notification_table(notifications);
  }
}

void command_notifications_process(const CommandLine& cmd, const Args& args, CardSession& card) {
  lpa::NotificationFilter filter;
  if (!args.empty()) filter.only_seq = parse_seq(args[0]);
  lpa::NotificationSender sender(card.es10(), http_client_factory(cmd));
  const lpa::NotificationReport report = sender.send_pending(filter);
  if (cmd.json) {
    print_json(to_json(report));
  } else if (report.outcomes.empty()) {
    std::cout << (filter.only_seq ? "No pending notification #" + args[0] + ".\n"
                                  : std::string("No pending notifications.\n"));
  } else {
    std::cout << describe_report(report);
  }
  if (report.failed > 0) {
    // The details are above; the exit status says the run was not complete.
    const auto& first = std::find_if(report.outcomes.begin(), report.outcomes.end(),
                                     [](const auto& o) { return !o.error.empty(); });
    throw Error(
        first != report.outcomes.end() && first->error_code ? *first->error_code : Errc::Network,
        std::to_string(report.failed) +
            " notification(s) not delivered; they stay on "
            "the card for the next run");
  }
}

void command_notifications_remove(const CommandLine& cmd, const Args& args, CardSession& card) {
  const uint64_t seq = parse_seq(args.at(0));
  card.es10().remove_notification(seq);
  if (cmd.json) {
    print_json({{"result", "ok"}, {"removed", seq}});
  } else {
    std::cout << "Removed notification #" << seq << " without sending it.\n";
  }
}

}  // namespace euiccd::tools
