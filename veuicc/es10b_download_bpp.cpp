// ES10b LoadBoundProfilePackage (BF36): the bound profile package arrives as the pieces of
// SGP.22 §2.5.5 (digest §3.2) — BF36 header + BF23, A0 + 87, A1 header, 88s, [A2 + 87],
// A3 header, 86s — and is read here as one byte stream, so an LPA that merges pieces (lpac
// sends A0 and A2 whole) is served too. Every 87/88/86 is MAC-checked and decrypted with the
// session keys from the key agreement (digest §6.3-6.6); the first problem ends the session
// with an error ProfileInstallationResult naming the command and the reason.
#include <utility>

#include "base/error.h"
#include "lpa/crypto/bsp.h"
#include "lpa/crypto/ecdh.h"
#include "lpa/crypto/ecdsa.h"
#include "veuicc/es10b_download.h"

namespace euiccd::veuicc {
namespace {

constexpr uint64_t kRemoteOpInstallBpp = 1;  // remoteOpId installBoundProfilePackage
// StoreMetadataRequest is at most a few KiB (icon ≤ 1 KiB); refuse absurd ones early.
constexpr size_t kMaxMetadata = 16 * 1024;

[[noreturn]] void fail(BppCommand command, InstallError reason) {
  throw InstallFailure{command, reason};
}

Bytes copy(ByteView v) {
  return Bytes(v.begin(), v.end());
}

struct Header {
  tlv::Tag tag = 0;
  size_t length = 0;
  size_t size = 0;  // bytes of tag + length
};

// A TLV header alone (its value may follow in later pieces), in DER form. Throws Malformed.
Header read_header(ByteView data) {
  Header h;
  size_t i = 0;
  const auto next = [&]() -> uint8_t {
    if (i >= data.size()) throw Error(Errc::Malformed, "truncated TLV header");
    return data[i++];
  };
  h.tag = next();
  if ((h.tag & 0x1F) == 0x1F) {
    uint8_t b = 0;
    do {
      if (h.tag > 0xFFFF) throw Error(Errc::Malformed, "tag longer than 3 bytes");
      b = next();
      h.tag = (h.tag << 8) | b;
    } while (b & 0x80);
  }
  const uint8_t first = next();
  if (first < 0x80) {
    h.length = first;
  } else {
    const int n = first & 0x7F;
    if (n == 0 || n > 4) throw Error(Errc::Malformed, "unsupported length form");
    for (int k = 0; k < n; ++k) h.length = (h.length << 8) | next();
  }
  h.size = i;
  if (tlv::header(h.tag, h.length) != Bytes(data.begin(), data.begin() + i))
    throw Error(Errc::Malformed, "TLV header is not in DER form");
  return h;
}

// The command a problem at `position` is reported against.
BppCommand command_at(BppPosition position) {
  switch (position) {
    case BppPosition::InitialiseSecureChannel: return BppCommand::InitialiseSecureChannel;
    case BppPosition::ConfigureIsdpHeader:
    case BppPosition::ConfigureIsdp: return BppCommand::ConfigureIsdp;
    case BppPosition::MetadataHeader:
    case BppPosition::Metadata: return BppCommand::StoreMetadata;
    case BppPosition::ReplaceSessionKeys: return BppCommand::ReplaceSessionKeys;
    case BppPosition::SessionKeysOrProfileHeader:
    case BppPosition::ProfileHeader:
    case BppPosition::ProfileElements:
    case BppPosition::Complete: return BppCommand::LoadProfileElements;
  }
  return BppCommand::LoadProfileElements;
}

// The protected TLV each container holds: 87 in A0 and A2, 88 in A1, 86 in A3.
tlv::Tag element_tag(BppPosition position) {
  switch (position) {
    case BppPosition::ConfigureIsdp:
    case BppPosition::ReplaceSessionKeys: return crypto::kTagConfigureOrReplace;
    case BppPosition::Metadata: return crypto::kTagMetadata;
    case BppPosition::ProfileElements: return crypto::kTagProfileSegment;
    default: return 0;
  }
}

class BppStream {
 public:
  BppStream(DownloadSession& session, Es10Context& ctx)
      : s_(session), load_(session.load), ctx_(ctx) {}

  // Consumes one piece; true once the package is complete.
  bool feed(ByteView piece) {
    piece_ = piece;
    pos_ = 0;
    if (load_.position == BppPosition::InitialiseSecureChannel) initialise_secure_channel();
    while (pos_ < piece_.size()) {
      if (load_.position == BppPosition::Complete) structure_error();
      if (expects_header()) {
        container_header();
      } else {
        element();
      }
    }
    if (load_.position == BppPosition::Complete && load_.bpp_left != 0) structure_error();
    return load_.position == BppPosition::Complete;
  }

 private:
  DownloadSession& s_;
  BppLoad& load_;
  Es10Context& ctx_;
  ByteView piece_;
  size_t pos_ = 0;

  [[noreturn]] void structure_error() {
    fail(command_at(load_.position), InstallError::Scp03tStructureError);
  }
  ByteView rest() const { return piece_.subspan(pos_); }
  void consume(size_t n) {
    if (n > load_.bpp_left) structure_error();  // beyond the length BF36 announced
    load_.bpp_left -= n;
    pos_ += n;
  }

  bool expects_header() const {
    switch (load_.position) {
      case BppPosition::ConfigureIsdpHeader:
      case BppPosition::MetadataHeader:
      case BppPosition::SessionKeysOrProfileHeader:
      case BppPosition::ProfileHeader: return true;
      default: return false;
    }
  }

  // ---- 1. BF36 header + BF23 InitialiseSecureChannelRequest ----

  void initialise_secure_channel() {
    constexpr BppCommand kCmd = BppCommand::InitialiseSecureChannel;
    tlv::Tlv bf23;
    size_t bf23_size = 0;
    try {
      const Header bpp = read_header(piece_);
      if (bpp.tag != 0xBF36) fail(kCmd, InstallError::IncorrectInputValues);
      load_.bpp_left = bpp.length;
      pos_ = bpp.size;
      bf23 = tlv::parse_prefix(rest(), &bf23_size);
    } catch (const Error&) {
      fail(kCmd, InstallError::IncorrectInputValues);
    }
    if (bf23.tag != 0xBF23) fail(kCmd, InstallError::IncorrectInputValues);
    consume(bf23_size);

    std::vector<tlv::Tlv> parts;
    try {
      parts = bf23.children();
    } catch (const Error&) {
      fail(kCmd, InstallError::IncorrectInputValues);
    }
    // 82 remoteOpId, 80 transactionId, A6 CRT, 5F49 otPK.DP.ECKA, 5F37 smdpSign — in order.
    static constexpr tlv::Tag kOrder[] = {0x82, 0x80, 0xA6, 0x5F49, 0x5F37};
    if (parts.size() != std::size(kOrder)) fail(kCmd, InstallError::IncorrectInputValues);
    for (size_t i = 0; i < parts.size(); ++i)
      if (parts[i].tag != kOrder[i]) fail(kCmd, InstallError::IncorrectInputValues);
    const tlv::Tlv &op = parts[0], &txid = parts[1], &crt = parts[2], &smdp_otpk = parts[3],
                   &smdp_sign = parts[4];

    uint64_t remote_op = 0;
    try {
      remote_op = tlv::decode_uint(op.value, "remoteOpId");
    } catch (const Error&) {
      fail(kCmd, InstallError::IncorrectInputValues);
    }
    if (remote_op != kRemoteOpInstallBpp) fail(kCmd, InstallError::UnsupportedRemoteOperationType);
    if (copy(txid.value) != s_.transaction_id) fail(kCmd, InstallError::InvalidTransactionId);

    // smdpSign covers BF23's content up to otPK.DP plus the eUICC's 5F49 TLV (digest §6.2).
    Bytes signed_data(op.raw.data(), smdp_otpk.raw.data() + smdp_otpk.raw.size());
    append(signed_data, s_.euicc_otpk);
    if (smdp_sign.value.size() != crypto::kRawSignatureSize ||
        !crypto::verify_raw(*s_.server_pb, signed_data, smdp_sign.value))
      fail(kCmd, InstallError::InvalidSignature);

    crypto::SessionKeys keys;
    try {
      const auto key_type = crt.require(0x80, "keyType").value;
      const auto key_length = crt.require(0x81, "keyLength").value;
      const auto host_id = crt.require(0x84, "hostId").value;
      if (key_type.size() != 1 || key_length.size() != 1)
        fail(kCmd, InstallError::UnsupportedCrtValues);
      const Bytes shared = crypto::shared_secret(*s_.one_time_key, smdp_otpk.value);
      keys = crypto::derive_session_keys(shared, host_id, ctx_.eid, key_type[0], key_length[0]);
    } catch (const Error& e) {
      fail(kCmd, e.code() == Errc::NotSupported ? InstallError::UnsupportedCrtValues
                                                : InstallError::IncorrectInputValues);
    }
    // The one-time key has served its purpose; it must not be usable again.
    s_.one_time_key.reset();
    load_.bsp.emplace(keys);
    s_.phase = DownloadPhase::Loading;
    load_.position = BppPosition::ConfigureIsdpHeader;
  }

  // ---- A0..A3 headers ----

  void container_header() {
    Header h;
    try {
      h = read_header(rest());
    } catch (const Error&) {
      structure_error();
    }
    BppPosition next = BppPosition::Complete;
    switch (load_.position) {
      case BppPosition::ConfigureIsdpHeader:
        if (h.tag == 0xA0) next = BppPosition::ConfigureIsdp;
        break;
      case BppPosition::MetadataHeader:
        if (h.tag == 0xA1) next = BppPosition::Metadata;
        break;
      case BppPosition::SessionKeysOrProfileHeader:
        if (h.tag == 0xA2) next = BppPosition::ReplaceSessionKeys;
        if (h.tag == 0xA3) next = BppPosition::ProfileElements;
        break;
      case BppPosition::ProfileHeader:
        if (h.tag == 0xA3) next = BppPosition::ProfileElements;
        break;
      default: break;
    }
    if (next == BppPosition::Complete || h.length == 0) structure_error();
    consume(h.size);
    if (h.length > load_.bpp_left) structure_error();
    load_.container_left = h.length;
    load_.position = next;
  }

  // ---- 87 / 88 / 86 ----

  void element() {
    const BppCommand cmd = command_at(load_.position);
    tlv::Tlv t;
    size_t size = 0;
    try {
      t = tlv::parse_prefix(rest(), &size);
    } catch (const Error&) {
      structure_error();
    }
    if (t.tag != element_tag(load_.position) || size > load_.container_left) structure_error();
    Bytes plain;
    try {
      plain = load_.bsp->unwrap(t.raw);
    } catch (const Error& e) {
      fail(cmd, e.code() == Errc::NotAllowed ? InstallError::Scp03tSecurityError
                                             : InstallError::Scp03tStructureError);
    }
    consume(size);
    load_.container_left -= size;

    switch (load_.position) {
      case BppPosition::ConfigureIsdp: configure_isdp(plain); break;
      case BppPosition::Metadata: metadata_segment(plain); break;
      case BppPosition::ReplaceSessionKeys: replace_session_keys(plain); break;
      case BppPosition::ProfileElements: profile_segment(plain); break;
      default: structure_error();
    }
  }

  // ConfigureISDPRequest BF24 { [B8 dpProprietaryData] }; A0 holds exactly this one 87.
  void configure_isdp(const Bytes& plain) {
    if (load_.container_left != 0) structure_error();
    try {
      const tlv::Tlv request = tlv::parse_one(plain);
      if (request.tag != 0xBF24)
        fail(BppCommand::ConfigureIsdp, InstallError::IncorrectInputValues);
      if (auto dp = request.find(0xB8)) load_.dp_proprietary_data = copy(dp->value);
    } catch (const Error&) {
      fail(BppCommand::ConfigureIsdp, InstallError::IncorrectInputValues);
    }
    load_.position = BppPosition::MetadataHeader;
  }

  // StoreMetadataRequest, cut into MAC-only 88s; read once A1 is complete.
  void metadata_segment(const Bytes& plain) {
    append(load_.metadata, plain);
    if (load_.metadata.size() > kMaxMetadata)
      fail(BppCommand::StoreMetadata, InstallError::IncorrectInputValues);
    if (load_.container_left != 0) return;
    Profile profile = profile_from_metadata(load_.metadata);
    check_profile_acceptable(ctx_.state(), profile);
    load_.profile = std::move(profile);
    load_.position = BppPosition::SessionKeysOrProfileHeader;
  }

  // ReplaceSessionKeysRequest BF26: the 86s that follow use the profile's own keys.
  void replace_session_keys(const Bytes& plain) {
    if (load_.container_left != 0) structure_error();
    try {
      load_.bsp->replace_session_keys(crypto::parse_replace_session_keys(plain));
    } catch (const Error&) {
      fail(BppCommand::ReplaceSessionKeys, InstallError::IncorrectInputValues);
    }
    load_.position = BppPosition::ProfileHeader;
  }

  // A profile segment: the memory check, then the profile elements it completes (a card
  // processes them as they arrive, so a bad one is refused at its segment).
  void profile_segment(const Bytes& plain) {
    append(load_.elements, plain);
    if (load_.elements.size() > free_nvm(ctx_.state()))
      fail(BppCommand::LoadProfileElements, InstallError::InsufficientMemory);
    check_profile_elements(load_, false);
    if (load_.container_left == 0) load_.position = BppPosition::Complete;
  }
};

}  // namespace

Bytes load_bound_profile_package(ByteView piece, Es10Context& ctx) {
  auto& session = ctx.session.download;
  if (!session || session->phase == DownloadPhase::Authenticated)
    throw Error(Errc::WrongState, "LoadBoundProfilePackage without a prepared download session");
  const bool first = session->load.position == BppPosition::InitialiseSecureChannel;
  if (first != (piece.size() >= 2 && piece[0] == 0xBF && piece[1] == 0x36))
    throw Error(Errc::WrongState, first ? "the bound profile package must start with BF36"
                                        : "a second BF36 in the same download session");
  Bytes result;
  try {
    try {
      if (!BppStream(*session, ctx).feed(piece)) return {};
      result = install_profile(*session, ctx);
    } catch (const InstallFailure& failure) {
      result = installation_failed(*session, failure, ctx);
    }
  } catch (...) {
    session.reset();  // an unexpected failure (e.g. no signing key) still ends the session
    throw;
  }
  // The result (success or error) ends the session.
  session.reset();
  return result;
}

}  // namespace euiccd::veuicc
