// Internal helpers for lpa/crypto (see ossl.h; no SGP.22 section of its own).
#include "lpa/crypto/ossl.h"

#include <openssl/err.h>
#include <openssl/objects.h>

namespace euiccd::crypto::ossl {

std::string drain_errors() {
  std::string text;
  while (unsigned long err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text;
}

void fail(Errc code, const std::string& what) {
  std::string reason = drain_errors();
  throw Error(code, reason.empty() ? what : what + " (" + reason + ")");
}

std::string oid_text(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, obj, /*no_name=*/1);
  if (n <= 0 || n >= static_cast<int>(sizeof buf)) return "?";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace euiccd::crypto::ossl
