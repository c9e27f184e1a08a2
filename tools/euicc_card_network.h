// HTTPS for euicc-card's server commands: curl clients that trust the GSMA CI roots plus the
// --ca files, with the --resolve mappings.
#pragma once

#include <string>
#include <vector>

#include "lpa/http_client_factory.h"
#include "tools/euicc_card_cli.h"

namespace euiccd::tools {

// Where the GSMA CI root certificates are looked for, in order: $EUICCD_CI_CERTS_DIR, then the
// installed data directory. Directories that do not exist are left out.
std::vector<std::string> gsma_ci_dirs();

// Throws Error(InvalidArgument) when there is no trust anchor at all (no GSMA roots installed
// and no --ca), or a --ca file cannot be read.
lpa::HttpClientFactory http_client_factory(const CommandLine& cmd);

}  // namespace euiccd::tools
