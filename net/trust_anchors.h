// The CA certificates that ES9+/ES11 TLS server certificates must chain to: the GSMA CI roots
// shipped as data plus any extra CA the configuration names. Loaded once, checked on load, and
// handed to curl as the ONLY trust store (the system's web CAs are never used).
#pragma once

#include <openssl/x509_vfy.h>

#include <memory>
#include <string>
#include <vector>

namespace euiccd::net {

class TrustAnchors {
 public:
  // Reads every certificate in the PEM files and in every *.pem / *.crt / *.cer file of the
  // directories. Throws Error(InvalidArgument) naming the file when one cannot be read or holds
  // no certificate, and when no certificate is found at all.
  TrustAnchors(const std::vector<std::string>& pem_files, const std::vector<std::string>& dirs);

  size_t count() const { return count_; }
  // All certificates as one PEM text (for CURLOPT_CAINFO_BLOB).
  const std::string& pem() const { return pem_; }
  // A store holding exactly these certificates (shared; up-ref it when handing it out).
  X509_STORE* store() const { return store_.get(); }

 private:
  struct StoreFree {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
  };
  std::string pem_;
  size_t count_ = 0;
  std::unique_ptr<X509_STORE, StoreFree> store_;

  void add_file(const std::string& path);
};

}  // namespace euiccd::net
