// Helpers shared by the card's download functions: es10b_download_auth.cpp (AuthenticateServer,
// PrepareDownload, CancelSession), es10b_download_bpp.cpp (the LoadBoundProfilePackage stream)
// and es10b_download_install.cpp (metadata, installation, ProfileInstallationResult).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/bytes.h"
#include "lpa/crypto/certificate.h"
#include "veuicc/es10.h"

namespace euiccd::veuicc {

// ---- certificates ----

// Outcome of checking a server certificate, in the terms of the ES10b error codes.
enum class ServerCertificateCheck { Ok, Invalid, UnsupportedCurve, NoOid };

// The trusted CI certificate whose SubjectKeyIdentifier is `key_id`; nullopt if none.
std::optional<crypto::Certificate> find_trusted_ci(const Credentials& credentials, ByteView key_id);

// Parses `der` into `out` and checks it: chains to `ci`, valid now, one of `roles`, on an RSP
// curve, and naming the server's OID (SubjectAltName registeredID).
ServerCertificateCheck check_server_certificate(ByteView der, const crypto::Certificate& ci,
                                                std::span<const crypto::Role> roles,
                                                std::optional<crypto::Certificate>& out);

// Content octets of an OBJECT IDENTIFIER from its dotted text ("2.999.10").
Bytes encode_oid(const std::string& dotted);
// The server OID of a certificate checked by check_server_certificate, DER content octets.
Bytes server_oid(const crypto::Certificate& cert);

// `5F37 40 r‖s`: the eUICC's signature over `data`.
Bytes euicc_signature(const Es10Context& ctx, ByteView data);

// ---- LoadBoundProfilePackage outcome ----

// BppCommandId (SGP.22 ASN.1).
enum class BppCommand : uint8_t {
  InitialiseSecureChannel = 0,
  ConfigureIsdp = 1,
  StoreMetadata = 2,
  StoreMetadata2 = 3,
  ReplaceSessionKeys = 4,
  LoadProfileElements = 5,
};

// ErrorReason of the ProfileInstallationResult (the ones this card reports).
enum class InstallError : uint8_t {
  IncorrectInputValues = 1,
  InvalidSignature = 2,
  InvalidTransactionId = 3,
  UnsupportedCrtValues = 4,
  UnsupportedRemoteOperationType = 5,
  UnsupportedProfileClass = 6,
  Scp03tStructureError = 7,
  Scp03tSecurityError = 8,
  IccidAlreadyExists = 9,
  InsufficientMemory = 10,
  PeProcessingError = 12,
  DataMismatch = 13,
  PprNotAllowed = 15,
  UnknownError = 127,
};

// Thrown inside the BPP handling; load_bound_profile_package turns it into an error PIR.
struct InstallFailure {
  BppCommand command;
  InstallError reason;
};

// StoreMetadataRequest (BF25) → the profile to install (no ISD-P AID, size or state yet).
// Throws InstallFailure at StoreMetadata: incorrectInputValues for a malformed request,
// unsupportedProfileClass for an unknown class.
Profile profile_from_metadata(ByteView bf25);

// The eUICC-side checks before a profile may be stored (ICCID unused, policy rules allowed by
// the RAT). Throws InstallFailure at StoreMetadata.
void check_profile_acceptable(const CardState& state, const Profile& profile);

// Bytes of profile data the card can still take.
uint64_t free_nvm(const CardState& state);

// Checks the profile elements of `load.elements` completed so far (`complete`: the whole
// package, nothing may be left incomplete) as SAIP, and the ProfileHeader's ICCID against the
// metadata's. Throws InstallFailure at LoadProfileElements.
void check_profile_elements(BppLoad& load, bool complete);

// Installs the received profile (UPP checks, memory), queues and returns the signed success
// PIR, and commits the state. Throws InstallFailure at LoadProfileElements.
Bytes install_profile(DownloadSession& session, Es10Context& ctx);

// Queues and returns the signed error PIR for `failure`, and commits the state.
Bytes installation_failed(const DownloadSession& session, const InstallFailure& failure,
                          Es10Context& ctx);

}  // namespace euiccd::veuicc
