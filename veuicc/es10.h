// ES10a/b/c on the card side: one handler per function, grouped per area in es10a_*.cpp,
// es10b_*.cpp, es10c_*.cpp. The ISO layer (card.cpp) assembles the STORE DATA blocks and calls
// dispatch_es10() with the complete request; the download functions (AuthenticateServer,
// PrepareDownload, LoadBoundProfilePackage, CancelSession) plug in the same way.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/bytes.h"
#include "lpa/tlv.h"
#include "veuicc/credentials.h"
#include "veuicc/es10b_download_session.h"
#include "veuicc/state.h"

namespace euiccd::veuicc {

// What the card says about itself in EUICCInfo1/2.
struct CardInfo {
  std::array<uint8_t, 3> svn{2, 2, 2};
  std::array<uint8_t, 3> profile_version{2, 3, 1};
  std::array<uint8_t, 3> firmware_version{1, 0, 0};
};

// Run-time switches a test may flip.
struct Es10Behaviour {
  bool cat_busy = false;  // Enable/Disable/MemoryReset answer catBusy(5)
};

// Per-power-cycle session data (gone on reset).
struct Session {
  // The last GetEUICCChallenge; AuthenticateServer uses it up.
  std::optional<Bytes> euicc_challenge;
  // The open RSP session, if any (AuthenticateServer until the PIR or CancelSession).
  std::optional<DownloadSession> download;
};

struct Es10Context {
  StateStore& store;
  const Credentials& credentials;
  const CardInfo& info;
  const Es10Behaviour& behaviour;
  Session& session;
  Bytes eid;  // 16 bytes
  // Set by Enable/Disable when the request asked for a REFRESH (refreshFlag true).
  bool refresh_requested = false;

  CardState& state() { return store.state(); }
};

using Es10Handler = Bytes (*)(const tlv::Tlv& request, Es10Context& ctx);

struct Es10Function {
  tlv::Tag tag;
  const char* name;
  Es10Handler handler;
};

// The handlers, one per ES10 function, each area in its own file; es10.cpp's table maps the
// request tags to them.
// es10a_addresses.cpp
Bytes get_configured_addresses(const tlv::Tlv& request, Es10Context& ctx);
Bytes set_default_dp_address(const tlv::Tlv& request, Es10Context& ctx);
// es10b_info.cpp
Bytes get_euicc_challenge(const tlv::Tlv& request, Es10Context& ctx);
Bytes get_euicc_info1(const tlv::Tlv& request, Es10Context& ctx);
Bytes get_euicc_info2(const tlv::Tlv& request, Es10Context& ctx);
Bytes get_rat(const tlv::Tlv& request, Es10Context& ctx);
// es10b_notifications.cpp
Bytes list_notification(const tlv::Tlv& request, Es10Context& ctx);
Bytes retrieve_notifications_list(const tlv::Tlv& request, Es10Context& ctx);
Bytes remove_notification_from_list(const tlv::Tlv& request, Es10Context& ctx);
// es10b_download_auth.cpp
Bytes authenticate_server(const tlv::Tlv& request, Es10Context& ctx);
Bytes prepare_download(const tlv::Tlv& request, Es10Context& ctx);
Bytes cancel_session(const tlv::Tlv& request, Es10Context& ctx);
// es10c_profiles.cpp
Bytes get_profiles_info(const tlv::Tlv& request, Es10Context& ctx);
Bytes enable_profile(const tlv::Tlv& request, Es10Context& ctx);
Bytes disable_profile(const tlv::Tlv& request, Es10Context& ctx);
Bytes delete_profile(const tlv::Tlv& request, Es10Context& ctx);
Bytes euicc_memory_reset(const tlv::Tlv& request, Es10Context& ctx);
Bytes get_eid(const tlv::Tlv& request, Es10Context& ctx);
Bytes set_nickname(const tlv::Tlv& request, Es10Context& ctx);

// LoadBoundProfilePackage (BF36) does not fit the table: its pieces are not complete TLVs (the
// first is the BF36 header + BF23, then A0..A3 headers, 87/88/86 TLVs; SGP.22 §2.5.5), told
// apart by lpa::is_bound_profile_package_piece.
// Takes one piece; returns nothing until the last one, then (or at the first error) the
// ProfileInstallationResult BF37. Throws Error(WrongState) without a prepared session.
Bytes load_bound_profile_package(ByteView piece, Es10Context& ctx);

// Finds the handler for the request's tag; nullptr if the card does not know the function.
const Es10Function* find_es10_function(tlv::Tag tag);

// Parses `request` as one complete TLV and runs its handler. Throws Error(Malformed) on a
// malformed request (→ 6A80) and Error(NotSupported) for an unknown tag (→ 6A88).
Bytes dispatch_es10(ByteView request, Es10Context& ctx);

// Shared helpers for the handlers.
// `Tag { 80 01 <result> }`, the shape of most ES10 result responses.
Bytes result_response(tlv::Tag tag, uint64_t result, tlv::Tag result_tag = 0x80);
// Index into state().profiles of the profile with this ICCID (5A, swapped BCD) or AID (4F);
// nullopt if none. Throws Malformed for an identifier that is neither.
std::optional<size_t> find_profile(const CardState& state, const tlv::Tlv& identifier);

}  // namespace euiccd::veuicc
