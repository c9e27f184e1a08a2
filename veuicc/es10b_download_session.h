// The card's side of one RSP session (SGP.22 §3.1.2-3.1.3; digest §2.2-2.4, §3, §6): opened by
// AuthenticateServer, advanced by PrepareDownload and the LoadBoundProfilePackage pieces, and
// ended by the ProfileInstallationResult, CancelSession, the next AuthenticateServer or a card
// reset. It lives in RAM only (Session in es10.h): nothing of a download reaches the state
// file before the whole profile has been received and checked, so a reset or a removal in the
// middle leaves no half-installed profile.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "lpa/crypto/bsp.h"
#include "lpa/crypto/certificate.h"
#include "lpa/crypto/keys.h"
#include "veuicc/saip_check.h"
#include "veuicc/state.h"

namespace euiccd::veuicc {

// What the bound profile package stream expects next (SGP.22 §2.5.5; digest §3.2).
enum class BppPosition {
  InitialiseSecureChannel,     // BF36 header + BF23
  ConfigureIsdpHeader,         // A0 header
  ConfigureIsdp,               // the one 87 in A0
  MetadataHeader,              // A1 header
  Metadata,                    // 88s until A1 is complete
  SessionKeysOrProfileHeader,  // A2 header or A3 header
  ReplaceSessionKeys,          // the one 87 in A2
  ProfileHeader,               // A3 header (after A2)
  ProfileElements,             // 86s until A3 is complete
  Complete,
};

// The bound profile package as received so far.
struct BppLoad {
  BppPosition position = BppPosition::InitialiseSecureChannel;
  size_t bpp_left = 0;                       // bytes of the BF36 value still to come
  size_t container_left = 0;                 // bytes of the current A0..A3 value still to come
  std::optional<crypto::BspSession> bsp;     // after InitialiseSecureChannel
  std::optional<Bytes> dp_proprietary_data;  // ConfigureISDP B8 content
  Bytes metadata;                            // StoreMetadataRequest (BF25) from the 88s
  std::optional<Profile> profile;            // the metadata read, from A1's end on
  Bytes elements;                            // the decrypted profile package (UPP)
  SaipChecker saip;                          // checks `elements` as they arrive
};

enum class DownloadPhase {
  Authenticated,  // AuthenticateServer answered; PrepareDownload (or CancelSession) next
  Prepared,       // PrepareDownload answered; the BPP (or CancelSession) next
  Loading,        // InitialiseSecureChannel accepted; more BPP pieces next
};

struct DownloadSession {
  DownloadPhase phase = DownloadPhase::Authenticated;
  Bytes transaction_id;
  std::string server_address;       // serverSigned1 83: where the install result goes
  crypto::Certificate ci;           // the CI the server chose (euiccCiPKIdToBeUsed)
  crypto::Certificate server_auth;  // CERT.DPauth / CERT.DSauth; its OID signs CancelSession
  Bytes euicc_signature1;           // 5F37 TLV; smdpSignature2 covers it

  // From PrepareDownload.
  std::optional<crypto::Certificate> server_pb;    // CERT.DPpb; its OID goes into the PIR
  std::optional<crypto::PrivateKey> one_time_key;  // otSK.EUICC.ECKA, dropped after BF23
  Bytes euicc_otpk;                                // 5F49 TLV as sent in euiccSigned2

  BppLoad load;
};

}  // namespace euiccd::veuicc
