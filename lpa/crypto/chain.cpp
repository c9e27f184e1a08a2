// RSP certificate chain verification (SGP.22 §4.5.2; digest §6.1).
#include "lpa/crypto/chain.h"

#include <algorithm>
#include <cctype>

#include "base/text_case.h"
#include "lpa/crypto/ossl.h"

namespace euiccd::crypto {
namespace {

// CI → SubCA → … → leaf; generous for v3 SubCAs, and it bounds the walk.
constexpr size_t kMaxIntermediates = 3;

std::string quoted(const Certificate& cert) {
  return "\"" + cert.display_name() + "\"";
}

void check_validity(const Certificate& cert, TimePoint now) {
  if (now < cert.not_before()) {
    throw Error(Errc::NotAllowed, "certificate " + quoted(cert) + " is not valid before " +
                                      format_time(cert.not_before()));
  }
  if (now > cert.not_after()) {
    throw Error(Errc::NotAllowed,
                "certificate " + quoted(cert) + " expired on " + format_time(cert.not_after()));
  }
}

void check_role(const Certificate& cert, Role role) {
  if (cert.has_role(role)) return;
  std::string found;
  for (const std::string& oid : cert.policy_oids()) found += (found.empty() ? "" : ", ") + oid;
  throw Error(Errc::NotAllowed, "certificate " + quoted(cert) + " has the wrong role: expected " +
                                    role_name(role) + " (policy " + role_oid(role) + "), found " +
                                    (found.empty() ? "no certificate policy" : found));
}

bool signed_by(const Certificate& cert, const Certificate& issuer) {
  int rc = X509_verify(cert.get(), issuer.public_key().get());
  ossl::drain_errors();
  return rc == 1;
}

const Certificate* find_by_ski(std::span<const Certificate> certs, const Bytes& key_id) {
  for (const Certificate& c : certs) {
    if (c.subject_key_id() == key_id) return &c;
  }
  return nullptr;
}

bool is_eid(const std::string& eid) {
  return eid.size() == 32 &&
         std::all_of(eid.begin(), eid.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void check_eid_in_eum_range(const Certificate& euicc, const Certificate& eum) {
  std::optional<std::string> eid = euicc.subject_serial_number();
  if (!eid) {
    throw Error(Errc::Malformed,
                "eUICC certificate " + quoted(euicc) + " carries no EID (subject serialNumber)");
  }
  if (!is_eid(*eid)) {
    throw Error(Errc::Malformed, "eUICC certificate " + quoted(euicc) + " has serialNumber \"" +
                                     *eid + "\", which is not a 32-digit EID");
  }
  std::vector<std::string> prefixes = eum.permitted_eid_prefixes();
  if (prefixes.empty()) return;
  for (const std::string& prefix : prefixes) {
    if (starts_with_ignoring_case(*eid, prefix)) return;
  }
  std::string list;
  for (const std::string& p : prefixes) list += (list.empty() ? "" : ", ") + p;
  throw Error(Errc::NotAllowed, "EID " + *eid + " is outside the range EUM " + quoted(eum) +
                                    " may issue (permitted prefixes: " + list + ")");
}

Certificate verify_chain(const Certificate& leaf, std::span<const Certificate> intermediates,
                         std::span<const Certificate> trusted_cis, Role expected_role,
                         TimePoint now) {
  check_validity(leaf, now);
  check_role(leaf, expected_role);

  std::vector<const Certificate*> path{&leaf};
  for (size_t depth = 0; depth <= kMaxIntermediates; ++depth) {
    const Certificate& current = *path.back();
    std::optional<Bytes> aki = current.authority_key_id();
    if (!aki) {
      throw Error(Errc::Malformed,
                  "certificate " + quoted(current) + " has no authority key identifier");
    }

    if (const Certificate* ci = find_by_ski(trusted_cis, *aki)) {
      if (!signed_by(current, *ci)) {
        throw Error(Errc::NotAllowed, "certificate " + quoted(current) +
                                          " is not signed by a trusted CI (its signature does "
                                          "not verify with the key of CI " +
                                          quoted(*ci) + ")");
      }
      check_validity(*ci, now);
      if (expected_role == Role::Euicc) {
        if (path.size() != 2) {
          throw Error(Errc::NotAllowed, "eUICC certificate " + quoted(leaf) +
                                            " must be issued by an EUM certificate that the CI "
                                            "signed (chain CI → EUM → eUICC)");
        }
        check_eid_in_eum_range(leaf, *path[1]);
      }
      return *ci;
    }

    const Certificate* issuer = find_by_ski(intermediates, *aki);
    if (issuer == nullptr || std::find(path.begin(), path.end(), issuer) != path.end()) {
      throw Error(Errc::NotAllowed, "certificate " + quoted(current) +
                                        " is not signed by a trusted CI (no trusted CI or given "
                                        "intermediate has key identifier " +
                                        to_hex(*aki) + ")");
    }
    if (!signed_by(current, *issuer)) {
      throw Error(Errc::NotAllowed, "certificate " + quoted(current) +
                                        " is not signed by its issuer " + quoted(*issuer) +
                                        " (the signature does not verify)");
    }
    check_validity(*issuer, now);
    if (!issuer->is_ca()) {
      throw Error(Errc::NotAllowed,
                  "certificate " + quoted(*issuer) + " issued another certificate but is not a CA");
    }
    if (expected_role == Role::Euicc) check_role(*issuer, Role::Eum);
    path.push_back(issuer);
  }
  throw Error(Errc::NotAllowed,
              "the certificate chain of " + quoted(leaf) + " is longer than an RSP chain can be");
}

}  // namespace euiccd::crypto
