// SM-DP+ / SM-DS status codes (SGP.22 ES9+/ES11 "statusCodeData": subjectCode + reasonCode).
// The table gives each known pair a meaning in plain words and the Errc it becomes, so a
// refusal reads like "the activation code was not accepted" and the D-Bus caller can act on
// the error name (ask for a confirmation code, tell the user the card is full, ...).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace euiccd::lpa {

struct ServerStatusCode {
  std::string_view subject;  // "8.2.6"
  std::string_view reason;   // "3.8"
  std::string_view meaning;  // plain words, no trailing period
  Errc errc;
};

// Every pair the table knows (for the API doc's check that each resulting error is listed).
std::span<const ServerStatusCode> server_status_codes();

// The entry for a subject/reason pair, or nullopt for a pair the table does not know.
std::optional<ServerStatusCode> find_server_status(std::string_view subject,
                                                   std::string_view reason);

// Meaning of the pair, or "unlisted status code" when unknown.
std::string describe_server_status(std::string_view subject, std::string_view reason);

// Errc of the pair; ServerError when unknown.
Errc server_status_errc(std::string_view subject, std::string_view reason);

}  // namespace euiccd::lpa
