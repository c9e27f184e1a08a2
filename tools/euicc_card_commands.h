// euicc-card's subcommands. Each one gets the parsed command line, its own positional
// arguments (after the command words) and the open card session, and prints its result: text
// for people, or one JSON document on stdout with --json. Failures are thrown as
// euiccd::Error (UsageError for bad arguments) and turned into exit codes by main().
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/euicc_card_cli.h"
#include "tools/euicc_card_session.h"

namespace euiccd::tools {

using Args = std::vector<std::string>;

// --- management (euicc_card_manage.cpp) ---
void command_eid(const CommandLine& cmd, const Args& args, CardSession& card);
void command_info(const CommandLine& cmd, const Args& args, CardSession& card);
void command_list(const CommandLine& cmd, const Args& args, CardSession& card);
void command_enable(const CommandLine& cmd, const Args& args, CardSession& card);
void command_disable(const CommandLine& cmd, const Args& args, CardSession& card);
void command_delete(const CommandLine& cmd, const Args& args, CardSession& card);
void command_nickname(const CommandLine& cmd, const Args& args, CardSession& card);
void command_addresses(const CommandLine& cmd, const Args& args, CardSession& card);
void command_set_default_dp(const CommandLine& cmd, const Args& args, CardSession& card);
void command_reset(const CommandLine& cmd, const Args& args, CardSession& card);

// --- notifications (euicc_card_notifications.cpp) ---
void command_notifications_list(const CommandLine& cmd, const Args& args, CardSession& card);
void command_notifications_process(const CommandLine& cmd, const Args& args, CardSession& card);
void command_notifications_remove(const CommandLine& cmd, const Args& args, CardSession& card);

// --- server side (euicc_card_download.cpp) ---
void command_download(const CommandLine& cmd, const Args& args, CardSession& card);
void command_discover(const CommandLine& cmd, const Args& args, CardSession& card);

// Shared helpers (euicc_card_manage.cpp).
// Asks a yes/no question on the terminal; false for anything but y/yes. Throws UsageError when
// stdin is not a terminal (the caller should have been given --yes).
bool ask_yes_no(const std::string& question);
// Prints a JSON document (with --json) to stdout.
void print_json(const nlohmann::ordered_json& document);

}  // namespace euiccd::tools
