#include "net/trust_anchors.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"

namespace euiccd::net {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

bool has_certificate_extension(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".pem" || ext == ".crt" || ext == ".cer";
}

}  // namespace

TrustAnchors::TrustAnchors(const std::vector<std::string>& pem_files,
                           const std::vector<std::string>& dirs)
    : store_(X509_STORE_new()) {
  if (!store_) throw Error(Errc::Internal, "trust anchors: out of memory");
  for (const std::string& f : pem_files) add_file(f);
  for (const std::string& d : dirs) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(d, ec)) {
      if (entry.is_regular_file() && has_certificate_extension(entry.path()))
        files.push_back(entry.path());
    }
    if (ec)
      throw Error(Errc::InvalidArgument, "CA directory " + d + " cannot be read: " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) add_file(f.string());
  }
  if (count_ == 0)
    throw Error(Errc::InvalidArgument,
                "no TLS trust anchors configured: name at least one CA file or directory");
}

void TrustAnchors::add_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Errc::InvalidArgument, "CA file " + path + " cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string content = text.str();

  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(content.data(), int(content.size())));
  if (!bio) throw Error(Errc::Internal, "trust anchors: out of memory");
  size_t found = 0;
  for (;;) {
    std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    if (X509_STORE_add_cert(store_.get(), cert.get()) != 1) {
      // A certificate already present is not an error (the same root in two files).
      const unsigned long err = ERR_peek_last_error();
      if (ERR_GET_REASON(err) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        ERR_clear_error();
        throw Error(Errc::InvalidArgument, "CA file " + path + ": certificate not usable");
      }
    }
    ++found;
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (found == 0)
    throw Error(Errc::InvalidArgument, "CA file " + path + " holds no PEM certificate");
  count_ += found;
  pem_ += content;
  if (!pem_.empty() && pem_.back() != '\n') pem_ += '\n';
}

}  // namespace euiccd::net
