// How the engine gets an HTTP client for a server: the daemon passes a factory that makes curl
// clients with its trust anchors and deadlines, tests pass one that makes scripted fakes. One
// client is made per server address and reused for the calls of one operation.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "lpa/http.h"

namespace euiccd::lpa {

// `address` is the server's host[:port]. May throw euiccd::Error.
using HttpClientFactory = std::function<std::unique_ptr<HttpClient>(const std::string& address)>;

}  // namespace euiccd::lpa
