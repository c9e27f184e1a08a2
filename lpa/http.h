// The one narrow interface between the SGP.22 engine and HTTPS (like lpac's euicc/interface.h):
// POST a body with headers, get status + body back. lpa/ never sees curl; net/ implements this
// on libcurl with verified TLS, and tests put in their own implementations.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace euiccd::lpa {

struct HttpRequest {
  std::string url;  // https://host[:port]/path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  long status = 0;               // HTTP status code of the final response
  std::string content_type;      // Content-Type header value, "" when absent
  std::string x_admin_protocol;  // X-Admin-Protocol header value, "" when absent
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one POST and returns whatever HTTP status the server answered (a 4xx/5xx reply is a
  // response, not an exception; the caller judges it). Throws euiccd::Error for transport
  // failures: Errc::Network (resolve, connect, connection lost), Errc::Tls (certificate not
  // trusted, wrong host name, handshake failure), Errc::Timeout (connect/total deadline or a
  // stalled transfer), Errc::Malformed (reply larger than the client's limit, garbled HTTP),
  // Errc::Cancelled (the caller's cancel flag was raised).
  virtual HttpResponse post(const HttpRequest& request) = 0;
};

}  // namespace euiccd::lpa
