// Internal to lpa/crypto (no SGP.22 section of its own): RAII owners for OpenSSL objects and the
// one place that turns an OpenSSL failure into a euiccd::Error (with the OpenSSL error queue text
// appended, then cleared, so one failure never leaks into the next call's message).
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/error.h"

namespace euiccd::crypto::ossl {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

using PkeyPtr = Owned<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = Owned<EVP_MD_CTX, EVP_MD_CTX_free>;
using CipherCtxPtr = Owned<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using MacPtr = Owned<EVP_MAC, EVP_MAC_free>;
using MacCtxPtr = Owned<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using X509Ptr = Owned<X509, X509_free>;
using X509NamePtr = Owned<X509_NAME, X509_NAME_free>;
using X509ExtPtr = Owned<X509_EXTENSION, X509_EXTENSION_free>;
using BioPtr = Owned<BIO, BIO_free_all>;
using BnPtr = Owned<BIGNUM, BN_free>;
using EcdsaSigPtr = Owned<ECDSA_SIG, ECDSA_SIG_free>;
using Asn1ObjectPtr = Owned<ASN1_OBJECT, ASN1_OBJECT_free>;
using Asn1TimePtr = Owned<ASN1_TIME, ASN1_TIME_free>;
using ParamBldPtr = Owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = Owned<OSSL_PARAM, OSSL_PARAM_free>;
using GeneralNamesPtr = Owned<GENERAL_NAMES, GENERAL_NAMES_free>;
using CertPoliciesPtr = Owned<CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free>;
using NameConstraintsPtr = Owned<NAME_CONSTRAINTS, NAME_CONSTRAINTS_free>;
using AkidPtr = Owned<AUTHORITY_KEYID, AUTHORITY_KEYID_free>;
using Asn1OctetStringPtr = Owned<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;

// Drains the OpenSSL error queue into one line ("" if empty).
std::string drain_errors();

// Throws Error(code, what + ": " + OpenSSL's reason).
[[noreturn]] void fail(Errc code, const std::string& what);

// Throws Error(Internal, what) when `ok` is false; for calls that only fail on a local bug or
// out of memory.
inline void check(bool ok, const char* what) {
  if (!ok) fail(Errc::Internal, what);
}

// The DER encoding of an OpenSSL object through its i2d_* function (i2d_X509, i2d_ECDSA_SIG):
// asked once for the length, then to write. Throws Error(Internal, what) on failure.
template <typename T>
Bytes to_der(int (*i2d)(const T*, unsigned char**), const T* object, const char* what) {
  const int len = i2d(object, nullptr);
  check(len > 0, what);
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  check(i2d(object, &p) == len, what);
  return out;
}

// Dotted text of an OID ("2.23.146.1.2.1.1").
std::string oid_text(const ASN1_OBJECT* obj);

}  // namespace euiccd::crypto::ossl
