// ES10b AuthenticateServer (BF38), PrepareDownload (BF21) and CancelSession (BF41): the card's
// half of the mutual authentication and key agreement of a profile download (SGP.22 §3.1.2,
// §3.1.3, §5.7.5, §5.7.13, §5.7.14; digest §2.2-2.4, §6.2-6.3).
#include <utility>
#include <vector>

#include "base/error.h"
#include "lpa/crypto/ecdh.h"
#include "lpa/crypto/ecdsa.h"
#include "veuicc/es10b_download.h"

namespace euiccd::veuicc {
namespace {

// AuthenticateErrorCode / DownloadErrorCode values.
constexpr uint64_t kInvalidCertificate = 1;
constexpr uint64_t kInvalidSignature = 2;
constexpr uint64_t kUnsupportedCurve = 3;
constexpr uint64_t kNoSessionContext = 4;
constexpr uint64_t kInvalidOid = 5;            // AuthenticateServer
constexpr uint64_t kInvalidTransactionId = 5;  // PrepareDownload, CancelSession
constexpr uint64_t kEuiccChallengeMismatch = 6;
constexpr uint64_t kCiPkUnknown = 7;
constexpr uint64_t kUndefinedError = 127;

constexpr size_t kChallengeSize = 16;
constexpr size_t kHashCcSize = 32;

// The children of `request` with exactly these tags in this order (optional ones may be
// missing: nullopt in their place). Throws Malformed otherwise.
std::vector<std::optional<tlv::Tlv>> fields(const tlv::Tlv& request,
                                            std::initializer_list<std::pair<tlv::Tag, bool>> want,
                                            std::string_view what) {
  const std::vector<tlv::Tlv> children = request.children();
  std::vector<std::optional<tlv::Tlv>> out;
  size_t i = 0;
  for (const auto& [tag, optional] : want) {
    if (i < children.size() && children[i].tag == tag) {
      out.emplace_back(children[i++]);
    } else if (optional) {
      out.emplace_back(std::nullopt);
    } else {
      throw Error(Errc::Malformed, std::string(what) + " lacks a mandatory field");
    }
  }
  if (i != children.size()) throw Error(Errc::Malformed, std::string(what) + " has extra fields");
  return out;
}

Bytes copy(ByteView v) {
  return Bytes(v.begin(), v.end());
}

Bytes error_response(tlv::Tag tag, ByteView transaction_id, uint64_t code) {
  return tlv::Builder(tag)
      .add(tlv::Builder(0xA1).add(0x80, transaction_id).add(0x02, tlv::encode_uint(code)))
      .bytes();
}

// ctxParams1 = A0 { [80 matchingId], A1 deviceInfo { 80 tac(4), A1 capabilities, [82 imei] } }
// (digest §2.2). The card signs it back as received, so only its shape is checked.
void check_ctx_params(const tlv::Tlv& ctx_params) {
  if (auto id = ctx_params.find(0x80); id && id->value.empty())
    throw Error(Errc::Malformed, "ctxParams1 has an empty matchingId");
  const tlv::Tlv device = ctx_params.require(0xA1, "ctxParams1 deviceInfo");
  if (device.require(0x80, "deviceInfo tac").value.size() != 4)
    throw Error(Errc::Malformed, "deviceInfo tac is not 4 bytes");
  device.require(0xA1, "deviceInfo deviceCapabilities");
  if (auto imei = device.find(0x82); imei && imei->value.size() != 8)
    throw Error(Errc::Malformed, "deviceInfo imei is not 8 bytes");
}

uint64_t certificate_error(ServerCertificateCheck check, uint64_t no_oid_code) {
  switch (check) {
    case ServerCertificateCheck::Ok: return 0;
    case ServerCertificateCheck::Invalid: return kInvalidCertificate;
    case ServerCertificateCheck::UnsupportedCurve: return kUnsupportedCurve;
    case ServerCertificateCheck::NoOid: return no_oid_code;
  }
  return kInvalidCertificate;
}

bool signature_valid(const crypto::Certificate& cert, ByteView data, const tlv::Tlv& sig_tlv) {
  if (sig_tlv.value.size() != crypto::kRawSignatureSize) return false;
  return crypto::verify_raw(cert, data, sig_tlv.value);
}

// ---- AuthenticateServer ----

}  // namespace

Bytes authenticate_server(const tlv::Tlv& request, Es10Context& ctx) {
  // One RSP session at a time: a new authentication ends the previous one, and the challenge
  // is good for one attempt.
  ctx.session.download.reset();
  const std::optional<Bytes> challenge = std::exchange(ctx.session.euicc_challenge, std::nullopt);

  const auto f =
      fields(request, {{0x30, false}, {0x5F37, false}, {0x04, false}, {0x30, false}, {0xA0, false}},
             "AuthenticateServerRequest");
  const tlv::Tlv& signed1 = *f[0];
  const tlv::Tlv& signature1 = *f[1];
  const tlv::Tlv& ci_pkid = *f[2];
  const tlv::Tlv& certificate = *f[3];
  const tlv::Tlv& ctx_params = *f[4];
  const tlv::Tlv txid = signed1.require(0x80, "serverSigned1 transactionId");
  if (txid.value.empty() || txid.value.size() > 16)
    throw Error(Errc::Malformed, "the transactionId is not 1..16 bytes");
  const tlv::Tlv euicc_challenge = signed1.require(0x81, "serverSigned1 euiccChallenge");
  const tlv::Tlv address = signed1.require(0x83, "serverSigned1 serverAddress");
  const tlv::Tlv server_challenge = signed1.require(0x84, "serverSigned1 serverChallenge");
  if (server_challenge.value.size() != kChallengeSize)
    throw Error(Errc::Malformed, "the serverChallenge is not 16 bytes");
  check_ctx_params(ctx_params);

  const auto refuse = [&](uint64_t code) { return error_response(0xBF38, txid.value, code); };
  if (!ctx.credentials.can_sign()) return refuse(kUndefinedError);

  std::optional<crypto::Certificate> ci = find_trusted_ci(ctx.credentials, ci_pkid.value);
  if (!ci) return refuse(kCiPkUnknown);
  static constexpr crypto::Role kRoles[] = {crypto::Role::DpAuth, crypto::Role::DsAuth};
  std::optional<crypto::Certificate> server;
  const auto check = check_server_certificate(certificate.raw, *ci, kRoles, server);
  if (check != ServerCertificateCheck::Ok) return refuse(certificate_error(check, kInvalidOid));
  if (!signature_valid(*server, signed1.raw, signature1)) return refuse(kInvalidSignature);
  if (!challenge) return refuse(kNoSessionContext);
  if (copy(euicc_challenge.value) != *challenge) return refuse(kEuiccChallengeMismatch);

  // euiccSigned1 = 30 { 80 txid, 83 serverAddress, 84 serverChallenge, BF22 euiccInfo2,
  // A0 ctxParams1 } (digest §2.2), every part as received.
  const Es10Function* info2 = find_es10_function(0xBF22);
  const Bytes info2_request = tlv::encode(0xBF22, {});
  const Bytes euicc_info2 = info2->handler(tlv::parse_one(info2_request), ctx);
  const Bytes euicc_signed1 = tlv::Builder(0x30)
                                  .add(0x80, txid.value)
                                  .add(0x83, address.value)
                                  .add(0x84, server_challenge.value)
                                  .add_raw(euicc_info2)
                                  .add_raw(ctx_params.raw)
                                  .bytes();
  const Bytes signature = euicc_signature(ctx, euicc_signed1);

  ctx.session.download.emplace(DownloadSession{
      .phase = DownloadPhase::Authenticated,
      .transaction_id = copy(txid.value),
      .server_address = as_string(address.value),
      .ci = std::move(*ci),
      .server_auth = std::move(*server),
      .euicc_signature1 = signature,
      .server_pb = std::nullopt,
      .one_time_key = std::nullopt,
      .euicc_otpk = {},
      .load = {},
  });
  return tlv::Builder(0xBF38)
      .add(tlv::Builder(0xA0)
               .add_raw(euicc_signed1)
               .add_raw(signature)
               .add_raw(ctx.credentials.euicc_certificate())
               .add_raw(ctx.credentials.eum_certificate()))
      .bytes();
}

// ---- PrepareDownload ----

Bytes prepare_download(const tlv::Tlv& request, Es10Context& ctx) {
  const auto f = fields(request, {{0x30, false}, {0x5F37, false}, {0x04, true}, {0x30, false}},
                        "PrepareDownloadRequest");
  const tlv::Tlv& signed2 = *f[0];
  const tlv::Tlv& signature2 = *f[1];
  const std::optional<tlv::Tlv>& hash_cc = f[2];
  const tlv::Tlv& certificate = *f[3];
  const tlv::Tlv txid = signed2.require(0x80, "smdpSigned2 transactionId");
  const tlv::Tlv cc_flag = signed2.require(0x01, "smdpSigned2 ccRequiredFlag");
  if (cc_flag.value.size() != 1) throw Error(Errc::Malformed, "ccRequiredFlag is not a BOOLEAN");
  const bool cc_required = cc_flag.value[0] != 0;
  if (hash_cc && hash_cc->value.size() != kHashCcSize)
    throw Error(Errc::Malformed, "hashCc is not 32 bytes");

  const auto refuse = [&](uint64_t code) { return error_response(0xBF21, txid.value, code); };
  auto& session = ctx.session.download;
  // A repeated PrepareDownload (the LPA retrying) is allowed until the BPP starts.
  if (!session || session->phase == DownloadPhase::Loading) return refuse(kNoSessionContext);
  if (copy(txid.value) != session->transaction_id) return refuse(kInvalidTransactionId);
  static constexpr crypto::Role kRoles[] = {crypto::Role::DpPb};
  std::optional<crypto::Certificate> pb;
  const auto check = check_server_certificate(certificate.raw, session->ci, kRoles, pb);
  if (check != ServerCertificateCheck::Ok)
    return refuse(certificate_error(check, kInvalidCertificate));
  // CERT.DPpb must belong to the SM-DP+ that authenticated (the same OID as CERT.DPauth).
  if (pb->registered_id() != session->server_auth.registered_id())
    return refuse(kInvalidCertificate);
  // smdpSignature2 covers smdpSigned2 ‖ euiccSignature1 (the 5F37 TLV; digest §6.2).
  Bytes signed_data = copy(signed2.raw);
  append(signed_data, session->euicc_signature1);
  if (!signature_valid(*pb, signed_data, signature2)) return refuse(kInvalidSignature);
  // The card cannot check the code itself (the SM-DP+ does), only that the LPA sent its hash.
  if (cc_required && !hash_cc) return refuse(kUndefinedError);

  // A retry that names the otPK the BPP was already bound to keeps that key; anything else
  // gets a fresh one-time key pair on the curve of CERT.DPpb.
  std::optional<crypto::PrivateKey> key = std::move(session->one_time_key);
  const auto bound = signed2.find(0x5F49);
  if (!key || !bound || copy(bound->value) != key->public_point())
    key = crypto::generate_one_time_key(pb->curve());
  const Bytes otpk = tlv::encode(0x5F49, key->public_point());

  tlv::Builder euicc_signed2(0x30);
  euicc_signed2.add(0x80, txid.value).add_raw(otpk);
  if (cc_required) euicc_signed2.add_raw(hash_cc->raw);
  // euiccSignature2 covers euiccSigned2 ‖ smdpSignature2 (the 5F37 TLV; digest §6.2).
  Bytes to_sign = euicc_signed2.bytes();
  append(to_sign, signature2.raw);
  const Bytes signature = euicc_signature(ctx, to_sign);

  session->phase = DownloadPhase::Prepared;
  session->server_pb = std::move(pb);
  session->one_time_key = std::move(key);
  session->euicc_otpk = otpk;
  return tlv::Builder(0xBF21).add(tlv::Builder(0xA0).add(euicc_signed2).add_raw(signature)).bytes();
}

// ---- CancelSession ----

Bytes cancel_session(const tlv::Tlv& request, Es10Context& ctx) {
  const tlv::Tlv txid = request.require(0x80, "CancelSession transactionId");
  const uint64_t reason =
      tlv::decode_uint(request.require(0x81, "CancelSession reason").value, "reason");
  auto& session = ctx.session.download;
  if (!session || copy(txid.value) != session->transaction_id)
    return result_response(0xBF41, kInvalidTransactionId, 0x81);
  // EuiccCancelSessionSigned = 30 { 80 txid, 81 smdpOid (of CERT.DPauth), 82 reason }.
  const Bytes cancel_signed = tlv::Builder(0x30)
                                  .add(0x80, txid.value)
                                  .add(0x81, server_oid(session->server_auth))
                                  .add(0x82, tlv::encode_uint(reason))
                                  .bytes();
  const Bytes signature = euicc_signature(ctx, cancel_signed);
  // Whatever was received of the profile is dropped with the session.
  session.reset();
  return tlv::Builder(0xBF41)
      .add(tlv::Builder(0xA0).add_raw(cancel_signed).add_raw(signature))
      .bytes();
}

}  // namespace euiccd::veuicc
