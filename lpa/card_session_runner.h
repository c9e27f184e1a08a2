// What a download and an SM-DS discovery both hold: the card, a way to reach servers, the ES9+
// options, and what went wrong while ending the last session after a failure.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "lpa/es9p_client.h"
#include "lpa/http_client_factory.h"
#include "lpa/transport.h"

namespace euiccd::lpa {

class CardSessionRunner {
 public:
  // The card transport and the factory must outlive the runner. Card access must already be
  // serialised by the caller (one worker per eUICC).
  CardSessionRunner(Es10Transport& card, HttpClientFactory http, Es9pOptions es9p = {})
      : card_(card), http_(std::move(http)), es9p_options_(std::move(es9p)) {}

  // What went wrong while ending the session after a failure (the last run only).
  const std::vector<std::string>& cleanup_errors() const { return cleanup_errors_; }

 protected:
  Es10Transport& card_;
  HttpClientFactory http_;
  Es9pOptions es9p_options_;
  std::vector<std::string> cleanup_errors_;
};

}  // namespace euiccd::lpa
