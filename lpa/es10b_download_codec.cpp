// ES10b download messages: AuthenticateServer, PrepareDownload, CancelSession, StoreMetadata
// and the LoadBoundProfilePackage split (see lpa/es10_download.h).
#include <string>

#include "lpa/es10_codec.h"
#include "lpa/es10_codec_internal.h"
#include "lpa/es10_download.h"
#include "lpa/iccid.h"
#include "lpa/imei.h"

namespace euiccd::lpa {

using namespace es10_detail;

namespace {

std::string tag_text(tlv::Tag tag) {
  Bytes b;
  tlv::append_tag(b, tag);
  return to_hex(b);
}

// A TLV handed to us for forwarding: exactly one TLV with the expected tag.
void check_part(ByteView der, tlv::Tag tag, std::string_view what) {
  tlv::Tlv t;
  try {
    t = tlv::parse_one(der);
  } catch (const Error& e) {
    throw Error(Errc::InvalidArgument, std::string(what) + " is not one complete TLV: " + e.what());
  }
  if (t.tag != tag)
    throw Error(Errc::InvalidArgument,
                std::string(what) + " has tag " + tag_text(t.tag) + ", expected " + tag_text(tag));
}

Error card_undefined(std::string_view function) {
  return Error(Errc::CardError, "the eUICC reported an undefined error for " +
                                    std::string(function) +
                                    "; if it persists, reset the card (remove power) and retry");
}

Error card_unknown(std::string_view function, uint64_t code) {
  return Error(Errc::CardError, "the eUICC answered " + std::string(function) +
                                    " with unknown error code " + std::to_string(code));
}

}  // namespace

const char* cancel_reason_name(CancelReason reason) {
  switch (reason) {
    case CancelReason::EndUserRejection: return "endUserRejection";
    case CancelReason::Postponed: return "postponed";
    case CancelReason::Timeout: return "timeout";
    case CancelReason::PprNotAllowed: return "pprNotAllowed";
    case CancelReason::MetadataMismatch: return "metadataMismatch";
    case CancelReason::LoadBppExecutionError: return "loadBppExecutionError";
    case CancelReason::UndefinedReason: return "undefinedReason";
  }
  return "undefinedReason";
}

// ---- AuthenticateServer --------------------------------------------------------------------

Bytes encode_imei(std::string_view digits) {
  const Imei imei = Imei::parse(digits);
  const std::string& checked = imei.digits();
  Bytes out(8, 0xFF);
  for (size_t i = 0; i < checked.size(); ++i) {
    const auto d = static_cast<uint8_t>(checked[i] - '0');
    uint8_t& byte = out[i / 2];
    byte = (i % 2 == 0) ? static_cast<uint8_t>((byte & 0xF0) | d)
                        : static_cast<uint8_t>((byte & 0x0F) | (d << 4));
  }
  return out;
}

// AuthenticateServerRequest ::= [56] SEQUENCE { serverSigned1, serverSignature1,
// euiccCiPKIdToBeUsed, serverCertificate, ctxParams1 }: the first four keep their own tags
// (30, 5F37, 04, 30); ctxParams1 travels as A0 (its ctxParamsForCommonAuthentication
// alternative), holding { [80 matchingId], A1 deviceInfo { 80 tac, A1 capabilities, [82 imei] } }
// (digest §2.2).
Bytes encode_authenticate_server_request(const AuthenticateServerRequest& r) {
  check_part(r.server_signed1, 0x30, "serverSigned1");
  check_part(r.server_signature1, 0x5F37, "serverSignature1");
  check_part(r.euicc_ci_pkid_to_be_used, 0x04, "euiccCiPKIdToBeUsed");
  check_part(r.server_certificate, 0x30, "serverCertificate");
  if (r.device.tac.size() != 4)
    throw Error(Errc::InvalidArgument, "the TAC must be 4 bytes (8 digits)");
  if (!is_valid_utf8(r.matching_id))
    throw Error(Errc::InvalidArgument, "the matching id is not valid UTF-8");

  // DeviceCapabilities: every member is OPTIONAL; an empty one says "nothing declared", which
  // is what lpac sends and servers accept.
  tlv::Builder device(0xA1);
  device.add(0x80, r.device.tac).add(0xA1, ByteView{});
  if (!r.device.imei.empty()) device.add(0x82, encode_imei(r.device.imei));

  tlv::Builder ctx(0xA0);
  if (!r.matching_id.empty()) ctx.add(0x80, r.matching_id);
  ctx.add(device);

  return tlv::Builder(0xBF38)
      .add_raw(r.server_signed1)
      .add_raw(r.server_signature1)
      .add_raw(r.euicc_ci_pkid_to_be_used)
      .add_raw(r.server_certificate)
      .add(ctx)
      .bytes();
}

// AuthenticateServerResponse ::= [56] CHOICE { authenticateResponseOk (A0),
// authenticateResponseError (A1 { 80 transactionId, 02 authenticateErrorCode }) }.
Bytes decode_authenticate_server_response(ByteView response) {
  static constexpr std::string_view kWhat = "AuthenticateServer response";
  tlv::Tlv outer = expect_outer(response, 0xBF38, kWhat);
  if (auto ok = outer.find(0xA0)) {
    ok->require(0x30, "euiccSigned1");
    ok->require(0x5F37, "euiccSignature1");
    return copy(outer.raw);
  }
  if (auto err = outer.find(0xA1))
    throw authenticate_server_error(
        tlv::decode_uint(err->require(0x02, "authenticateErrorCode").value, kWhat));
  malformed(kWhat, "neither a response (A0) nor an error (A1)");
}

Error authenticate_server_error(uint64_t code) {
  const std::string pre = "the eUICC did not accept the SM-DP+: ";
  switch (code) {
    case 1:
      return Error(Errc::ServerError, pre + "its certificate is invalid (invalidCertificate)");
    case 2: return Error(Errc::ServerError, pre + "its signature is invalid (invalidSignature)");
    case 3:
      return Error(
          Errc::NotSupported,
          pre + "it uses an elliptic curve this eUICC does not support (unsupportedCurve)");
    case 4:
      return Error(Errc::CardError,
                   "the eUICC has no session for this download (noSessionContext); retry");
    case 5:
      return Error(Errc::ServerError,
                   pre + "the OID in its certificate does not match (invalidOid)");
    case 6:
      return Error(Errc::ServerError,
                   pre + "it answered a different eUICC challenge (euiccChallengeMismatch)");
    case 7:
      return Error(Errc::NotSupported,
                   pre +
                       "its certificate issuer (CI) is not one this eUICC trusts (ciPKUnknown); "
                       "a test SM-DP+ needs a card with the test CI and vice versa");
    case 127: return card_undefined("AuthenticateServer");
    default: return card_unknown("AuthenticateServer", code);
  }
}

// ---- smdpSigned2 / PrepareDownload ---------------------------------------------------------

SmdpSigned2 decode_smdp_signed2(ByteView der) {
  static constexpr std::string_view kWhat = "smdpSigned2";
  tlv::Tlv outer = expect_outer(der, 0x30, kWhat);
  SmdpSigned2 s;
  s.transaction_id = copy(outer.require(0x80, "transactionId").value);
  if (s.transaction_id.empty() || s.transaction_id.size() > 16)
    malformed(kWhat, "the transactionId must be 1 to 16 bytes");
  tlv::Tlv flag = outer.require(0x01, "ccRequiredFlag");
  if (flag.value.size() != 1) malformed(kWhat, "ccRequiredFlag is not a one-byte BOOLEAN");
  s.cc_required = flag.value[0] != 0;
  if (auto otpk = outer.find(0x5F49)) s.bpp_euicc_otpk = copy(otpk->value);
  return s;
}

// PrepareDownloadRequest ::= [33] SEQUENCE { smdpSigned2, smdpSignature2 [APPLICATION 55],
// hashCc Octet32 OPTIONAL, smdpCertificate } → BF21 { 30, 5F37, [04 20], 30 }.
Bytes encode_prepare_download_request(const PrepareDownloadRequest& r) {
  check_part(r.smdp_signed2, 0x30, "smdpSigned2");
  check_part(r.smdp_signature2, 0x5F37, "smdpSignature2");
  check_part(r.smdp_certificate, 0x30, "smdpCertificate");
  tlv::Builder b(0xBF21);
  b.add_raw(r.smdp_signed2).add_raw(r.smdp_signature2);
  if (r.hash_cc) {
    if (r.hash_cc->size() != 32)
      throw Error(Errc::InvalidArgument, "hashCc must be 32 bytes (SHA-256)");
    b.add(0x04, *r.hash_cc);
  }
  b.add_raw(r.smdp_certificate);
  return b.bytes();
}

Bytes decode_prepare_download_response(ByteView response) {
  static constexpr std::string_view kWhat = "PrepareDownload response";
  tlv::Tlv outer = expect_outer(response, 0xBF21, kWhat);
  if (auto ok = outer.find(0xA0)) {
    ok->require(0x30, "euiccSigned2");
    ok->require(0x5F37, "euiccSignature2");
    return copy(outer.raw);
  }
  if (auto err = outer.find(0xA1))
    throw prepare_download_error(
        tlv::decode_uint(err->require(0x02, "downloadErrorCode").value, kWhat));
  malformed(kWhat, "neither a response (A0) nor an error (A1)");
}

Error prepare_download_error(uint64_t code) {
  const std::string pre = "the eUICC refused to prepare the download: ";
  switch (code) {
    case 1:
      return Error(Errc::ServerError,
                   pre + "the SM-DP+ certificate is invalid (invalidCertificate)");
    case 2:
      return Error(Errc::ServerError, pre + "the SM-DP+ signature is invalid (invalidSignature)");
    case 3:
      return Error(Errc::NotSupported,
                   pre + "the SM-DP+ uses an unsupported elliptic curve (unsupportedCurve)");
    case 4:
      return Error(Errc::CardError,
                   pre + "it has no session for this download (noSessionContext); retry");
    case 5:
      return Error(Errc::ServerError,
                   pre + "the transaction id is not the session's (invalidTransactionId)");
    case 127: return card_undefined("PrepareDownload");
    default: return card_unknown("PrepareDownload", code);
  }
}

// ---- CancelSession -------------------------------------------------------------------------

// CancelSessionRequest ::= [65] SEQUENCE { transactionId [0], reason [1] } → BF41 { 80, 81 }.
Bytes encode_cancel_session_request(ByteView transaction_id, CancelReason reason) {
  if (transaction_id.empty() || transaction_id.size() > 16)
    throw Error(Errc::InvalidArgument, "CancelSession: the transactionId must be 1 to 16 bytes");
  return tlv::Builder(0xBF41)
      .add(0x80, transaction_id)
      .add(0x81, tlv::encode_uint(static_cast<uint64_t>(reason)))
      .bytes();
}

// CancelSessionResponse ::= [65] CHOICE { cancelSessionResponseOk (A0 { 30 signed, 5F37 }),
// cancelSessionResponseError INTEGER (81) }.
Bytes decode_cancel_session_response(ByteView response) {
  static constexpr std::string_view kWhat = "CancelSession response";
  tlv::Tlv outer = expect_outer(response, 0xBF41, kWhat);
  if (auto ok = outer.find(0xA0)) {
    ok->require(0x30, "euiccCancelSessionSigned");
    ok->require(0x5F37, "euiccCancelSessionSignature");
    return copy(outer.raw);
  }
  if (auto err = outer.find(0x81)) throw cancel_session_error(tlv::decode_uint(err->value, kWhat));
  malformed(kWhat, "neither a response (A0) nor an error (81)");
}

Error cancel_session_error(uint64_t code) {
  switch (code) {
    case 5:
      return Error(Errc::WrongState,
                   "the eUICC has no download session with this transaction id "
                   "(invalidTransactionId)");
    case 127: return card_undefined("CancelSession");
    default: return card_unknown("CancelSession", code);
  }
}

// ---- StoreMetadataRequest ------------------------------------------------------------------

// StoreMetadataRequest uses ProfileInfo's tags for the fields they share, so the ProfileInfo
// decoder reads it once the outer tag is swapped; fields only BF25 has (BF22/BF23 service
// specific data) are skipped there like other unknown fields.
ProfileMetadata decode_store_metadata_request(ByteView bf25) {
  static constexpr std::string_view kWhat = "profile metadata (StoreMetadataRequest)";
  tlv::Tlv outer = expect_outer(bf25, 0xBF25, kWhat);
  outer.require(0x5A, "iccid");
  outer.require(0x91, "serviceProviderName");
  outer.require(0x92, "profileName");
  const ProfileInfo info = decode_profile_info(tlv::encode(0xE3, outer.value));
  ProfileMetadata m;
  m.iccid = info.iccid;
  m.service_provider_name = info.service_provider_name;
  m.profile_name = info.profile_name;
  m.icon_type = info.icon_type;
  m.icon = info.icon;
  if (info.profile_class) m.profile_class = *info.profile_class;
  m.notification_configuration = info.notification_configuration;
  m.profile_owner = info.profile_owner;
  m.profile_policy_rules = info.profile_policy_rules;
  m.der = copy(outer.raw);
  return m;
}

// ---- LoadBoundProfilePackage ---------------------------------------------------------------

namespace {

constexpr size_t kMacLength = 8;  // each 87/88/86 ends with the first 8 bytes of the C-MAC

std::vector<tlv::Tlv> only(const tlv::Tlv& parent, tlv::Tag child, std::string_view what) {
  std::vector<tlv::Tlv> items = parent.children();
  for (const tlv::Tlv& t : items)
    if (t.tag != child)
      malformed("bound profile package", std::string(what) + " holds a " + tag_text(t.tag) +
                                             ", expected only " + tag_text(child) + " TLVs");
  if (items.empty()) malformed("bound profile package", std::string(what) + " is empty");
  return items;
}

// A container's tag and length exactly as the server sent them: put back together, the pieces
// must be the package byte for byte (a re-encoded header would make the BF36 length count
// bytes that never come when the server used a longer length form).
Bytes header_of(const tlv::Tlv& container) {
  return copy(container.raw.first(container.raw.size() - container.value.size()));
}

Bytes header_plus(const tlv::Tlv& container, const tlv::Tlv& first) {
  Bytes out = header_of(container);
  append(out, first.raw);
  return out;
}

}  // namespace

BoundProfilePackageCommands split_bound_profile_package(ByteView bpp) {
  static constexpr std::string_view kWhat = "bound profile package";
  tlv::Tlv outer = expect_outer(bpp, 0xBF36, kWhat);
  std::vector<tlv::Tlv> parts = outer.children();
  size_t i = 0;
  auto take = [&](tlv::Tag tag, bool optional) -> std::optional<tlv::Tlv> {
    if (i < parts.size() && parts[i].tag == tag) return parts[i++];
    if (optional) return std::nullopt;
    malformed(kWhat, "expected " + tag_text(tag) + " at position " + std::to_string(i + 1) +
                         (i < parts.size() ? ", got " + tag_text(parts[i].tag) : ", got nothing"));
  };
  const tlv::Tlv init = *take(0xBF23, false);
  const tlv::Tlv first87 = *take(0xA0, false);
  const tlv::Tlv seq88 = *take(0xA1, false);
  const std::optional<tlv::Tlv> second87 = take(0xA2, true);
  const tlv::Tlv seq86 = *take(0xA3, false);
  if (i != parts.size())
    malformed(kWhat, "unexpected " + tag_text(parts[i].tag) + " after the profile segments (A3)");

  BoundProfilePackageCommands out;
  out.transaction_id = copy(init.require(0x80, "InitialiseSecureChannel transactionId").value);

  // 1. BF36 header (length of the whole BPP) + the complete BF23.
  out.commands.push_back(header_plus(outer, init));
  // 2. A0 header + its 87 (SGP.22 has exactly one ConfigureISDP).
  const auto configure = only(first87, 0x87, "firstSequenceOf87 (A0)");
  if (configure.size() != 1) malformed(kWhat, "A0 must hold exactly one 87 (ConfigureISDP)");
  out.commands.push_back(header_plus(first87, configure[0]));
  // 3. A1 header alone, 4. each 88.
  out.commands.push_back(header_of(seq88));
  for (const tlv::Tlv& t : only(seq88, 0x88, "sequenceOf88 (A1)")) {
    if (t.value.size() <= kMacLength) malformed(kWhat, "an 88 segment is shorter than its MAC");
    append(out.store_metadata, t.value.first(t.value.size() - kMacLength));
    out.commands.push_back(copy(t.raw));
  }
  // 5. A2 header + its 87 (ReplaceSessionKeys), when present.
  if (second87) {
    const auto rsk = only(*second87, 0x87, "secondSequenceOf87 (A2)");
    if (rsk.size() != 1) malformed(kWhat, "A2 must hold exactly one 87 (ReplaceSessionKeys)");
    out.commands.push_back(header_plus(*second87, rsk[0]));
  }
  // 6. A3 header alone, 7. each 86.
  out.commands.push_back(header_of(seq86));
  for (const tlv::Tlv& t : only(seq86, 0x86, "sequenceOf86 (A3)")) {
    out.commands.push_back(copy(t.raw));
    ++out.profile_segments;
  }
  return out;
}

bool is_bound_profile_package_tag(uint32_t outer_tag) {
  switch (outer_tag) {
    case 0xBF36:
    case 0xA0:
    case 0xA1:
    case 0xA2:
    case 0xA3:
    case 0x86:
    case 0x87:
    case 0x88: return true;
    default: return false;
  }
}

bool is_bound_profile_package_piece(ByteView command) {
  if (command.size() >= 2 && command[0] == 0xBF)
    return is_bound_profile_package_tag(0xBF00u | command[1]);
  return !command.empty() && is_bound_profile_package_tag(command[0]);
}

const char* bpp_command_name(uint64_t id) {
  switch (id) {
    case 0: return "initialiseSecureChannel";
    case 1: return "configureISDP";
    case 2: return "storeMetadata";
    case 3: return "storeMetadata2";
    case 4: return "replaceSessionKeys";
    case 5: return "loadProfileElements";
    default: return "unknown command";
  }
}

const char* install_error_reason_name(uint64_t reason) {
  switch (reason) {
    case 1: return "incorrectInputValues";
    case 2: return "invalidSignature";
    case 3: return "invalidTransactionId";
    case 4: return "unsupportedCrtValues";
    case 5: return "unsupportedRemoteOperationType";
    case 6: return "unsupportedProfileClass";
    case 7: return "scp03tStructureError";
    case 8: return "scp03tSecurityError";
    case 9: return "installFailedDueToIccidAlreadyExistsOnEuicc";
    case 10: return "installFailedDueToInsufficientMemoryForProfile";
    case 11: return "installFailedDueToInterruption";
    case 12: return "installFailedDueToPEProcessingError";
    case 13: return "installFailedDueToDataMismatch";
    case 14: return "testProfileInstallFailedDueToInvalidNaaKey";
    case 15: return "pprNotAllowed";
    case 31: return "installFailedDueToInsufficientMinimumSecurityLevel";
    case 32: return "installFailedDueToServerAddressAbsentInEuiccAllowList";
    case 127: return "installFailedDueToUnknownError";
    default: return "unknown error reason";
  }
}

ProfileInstallationResult decode_profile_installation_result(ByteView bf37) {
  static constexpr std::string_view kWhat = "ProfileInstallationResult";
  tlv::Tlv outer = expect_outer(bf37, 0xBF37, kWhat);
  tlv::Tlv data = outer.require(0xBF27, "profileInstallationResultData");
  outer.require(0x5F37, "euiccSignPIR");
  ProfileInstallationResult r;
  r.transaction_id = copy(data.require(0x80, "transactionId").value);
  r.notification = decode_notification_metadata(data.require(0xBF2F, "notificationMetadata").raw);
  tlv::Tlv final_result = data.require(0xA2, "finalResult");
  if (auto ok = final_result.find(0xA0)) {
    r.success = true;
    r.isdp_aid = copy(ok->require(0x4F, "aid of the ISD-P").value);
    if (r.isdp_aid.size() < 5 || r.isdp_aid.size() > 16)
      malformed(kWhat, "the ISD-P AID must be 5 to 16 bytes");
  } else if (auto err = final_result.find(0xA1)) {
    r.bpp_command_id = tlv::decode_uint(err->require(0x80, "bppCommandId").value, kWhat);
    r.error_reason = tlv::decode_uint(err->require(0x81, "errorReason").value, kWhat);
  } else {
    malformed(kWhat, "finalResult is neither success (A0) nor error (A1)");
  }
  r.der = copy(outer.raw);
  return r;
}

Error profile_installation_error(const ProfileInstallationResult& r) {
  std::string words;
  Errc errc = Errc::CardError;
  switch (r.error_reason) {
    case 1:
      words = "the profile package has incorrect input values";
      errc = Errc::ServerError;
      break;
    case 2:
      words = "a signature in the profile package is invalid";
      errc = Errc::ServerError;
      break;
    case 3:
      words = "the profile package is for another transaction";
      errc = Errc::ServerError;
      break;
    case 4:
      words = "the profile package asks for key parameters the eUICC does not support";
      errc = Errc::NotSupported;
      break;
    case 5:
      words = "the profile package asks for an operation the eUICC does not support";
      errc = Errc::NotSupported;
      break;
    case 6:
      words = "the eUICC does not accept this class of profile (e.g. a test profile)";
      errc = Errc::NotSupported;
      break;
    case 7:
      words = "the protected profile data is not structured correctly";
      errc = Errc::ServerError;
      break;
    case 8:
      words = "the protected profile data failed its security check (MAC or decryption)";
      errc = Errc::ServerError;
      break;
    case 9:
      words = "a profile with this ICCID is already on the eUICC; delete it first";
      errc = Errc::WrongState;
      break;
    case 10:
      words = "the eUICC has not enough free memory for this profile; delete a profile first";
      errc = Errc::NoMemory;
      break;
    case 11: words = "the installation was interrupted; retry"; break;
    case 12:
      words = "the eUICC could not process the profile's content";
      errc = Errc::ServerError;
      break;
    case 13:
      words = "the profile's data does not match its metadata";
      errc = Errc::ServerError;
      break;
    case 14:
      words = "the test profile has an invalid network access key";
      errc = Errc::ServerError;
      break;
    case 15:
      words = "the profile's policy rules are not allowed on this eUICC";
      errc = Errc::NotAllowed;
      break;
    case 31:
      words = "the eUICC's minimum security level is not met by this profile";
      errc = Errc::NotAllowed;
      break;
    case 32:
      words = "the SM-DP+ address is not in the eUICC's allow list";
      errc = Errc::NotAllowed;
      break;
    case 127: words = "the eUICC failed with an unknown error"; break;
    default: words = "the eUICC gave an unlisted reason"; break;
  }
  return Error(errc, "the eUICC did not install the profile: " + words + " (errorReason " +
                         std::to_string(r.error_reason) + " " +
                         install_error_reason_name(r.error_reason) + ", at " +
                         bpp_command_name(r.bpp_command_id) + ")");
}

}  // namespace euiccd::lpa
