// The end of a profile download on the card: the profile's metadata (StoreMetadataRequest),
// the checks before it may be stored (ICCID unused, policy rules allowed by the RAT, memory,
// the profile package a valid SAIP profile for that ICCID), the installation into the state
// file, and the signed ProfileInstallationResult, which is also kept as the pending install
// notification (SGP.22 §3.1.3, §5.7.6; digest §2.5, §2.7, §3.3).
#include <string>

#include "base/error.h"
#include "lpa/iccid.h"
#include "veuicc/bits.h"
#include "veuicc/es10b_download.h"
#include "veuicc/notifications.h"

namespace euiccd::veuicc {
namespace {

constexpr size_t kMaxServiceProviderName = 32;
constexpr size_t kMaxProfileName = 64;
constexpr size_t kMaxIcon = 1024;

[[noreturn]] void fail(BppCommand command, InstallError reason) {
  throw InstallFailure{command, reason};
}

Bytes copy(ByteView v) {
  return Bytes(v.begin(), v.end());
}

std::string text(const tlv::Tlv& t, size_t max) {
  if (t.value.size() > max) throw Error(Errc::Malformed, "metadata text too long");
  return as_string(t.value);
}

OperatorId operator_id(const tlv::Tlv& t) {
  OperatorId op;
  op.mcc_mnc = copy(t.require(0x80, "mccMnc").value);
  if (op.mcc_mnc.size() != 3) throw Error(Errc::Malformed, "mccMnc is not 3 bytes");
  if (auto g = t.find(0x81)) op.gid1 = copy(g->value);
  if (auto g = t.find(0x82)) op.gid2 = copy(g->value);
  return op;
}

// RAT operator match: 'E' nibbles of the rule's MCC/MNC stand for any digit.
bool operator_allowed(const OperatorId& rule, const OperatorId& owner) {
  if (rule.mcc_mnc.size() != owner.mcc_mnc.size()) return false;
  for (size_t i = 0; i < rule.mcc_mnc.size(); ++i) {
    for (int shift : {0, 4}) {
      const int r = (rule.mcc_mnc[i] >> shift) & 0x0F;
      const int o = (owner.mcc_mnc[i] >> shift) & 0x0F;
      if (r != 0x0E && r != o) return false;
    }
  }
  if (rule.gid1 && rule.gid1 != owner.gid1) return false;
  if (rule.gid2 && rule.gid2 != owner.gid2) return false;
  return true;
}

// A PPR is allowed when a RAT rule naming it lists the profile's owner.
bool ppr_allowed(const CardState& state, uint32_t ppr, const std::optional<OperatorId>& owner) {
  if (!owner) return false;
  for (const RatRule& rule : state.rat) {
    if (!(rule.ppr_ids & ppr)) continue;
    for (const OperatorId& op : rule.allowed_operators)
      if (operator_allowed(op, *owner)) return true;
  }
  return false;
}

// A minimal SAIP EUICCResponse: peStatus { PEStatus { status ok(0) } } (TCA PEDefinitions,
// automatic tags).
const Bytes kSimaResponseOk = from_hex("3007A0053003800100");

// Builds, signs and queues the PIR; the caller commits the state.
Bytes installation_result(const DownloadSession& session, Es10Context& ctx,
                          const std::optional<std::string>& iccid, const Bytes& final_result) {
  CardState& state = ctx.state();
  PendingNotification n;
  n.seq = state.next_seq_number++;
  n.event = NotificationEvent::Install;
  n.address = session.server_address;  // the SM-DP+ that ran the download
  n.iccid = iccid;
  // BF27 { 80 txid, BF2F notificationMetadata, 06 smdpOid (CERT.DPpb), A2 finalResult }.
  const Bytes data = tlv::Builder(0xBF27)
                         .add(0x80, session.transaction_id)
                         .add_raw(notification_metadata(n))
                         .add(0x06, server_oid(*session.server_pb))
                         .add(tlv::Builder(0xA2).add_raw(final_result))
                         .bytes();
  Bytes pir = tlv::Builder(0xBF37).add_raw(data).add_raw(euicc_signature(ctx, data)).bytes();
  n.stored = pir;
  state.notifications.push_back(std::move(n));
  return pir;
}

}  // namespace

Profile profile_from_metadata(ByteView bf25) {
  constexpr BppCommand kCmd = BppCommand::StoreMetadata;
  Profile p;
  try {
    const tlv::Tlv m = tlv::parse_one(bf25);
    if (m.tag != 0xBF25) fail(kCmd, InstallError::IncorrectInputValues);
    p.iccid = lpa::decode_iccid(m.require(0x5A, "iccid").value);
    if (!lpa::is_valid_iccid(p.iccid)) fail(kCmd, InstallError::IncorrectInputValues);
    p.service_provider_name = text(m.require(0x91, "serviceProviderName"), kMaxServiceProviderName);
    p.profile_name = text(m.require(0x92, "profileName"), kMaxProfileName);
    if (auto t = m.find(0x93)) {
      const uint64_t type = tlv::decode_uint(t->value, "iconType");
      if (type > 1) fail(kCmd, InstallError::IncorrectInputValues);
      p.icon_type = static_cast<uint8_t>(type);
    }
    if (auto t = m.find(0x94)) {
      if (t->value.size() > kMaxIcon) fail(kCmd, InstallError::IncorrectInputValues);
      p.icon = copy(t->value);
    }
    p.profile_class = ProfileClass::Operational;  // DEFAULT operational
    if (auto t = m.find(0x95)) {
      const uint64_t cls = tlv::decode_uint(t->value, "profileClass");
      if (cls > static_cast<uint64_t>(ProfileClass::Operational))
        fail(kCmd, InstallError::UnsupportedProfileClass);
      p.profile_class = static_cast<ProfileClass>(cls);
    }
    if (auto t = m.find(0xB6)) {
      // Each entry names one or more events for one address; the state keeps one per event.
      std::vector<NotificationConfig> configs;
      for (const tlv::Tlv& entry : t->children()) {
        const uint32_t events = decode_named_bits(entry.require(0x80, "events").value);
        const std::string address = as_string(entry.require(0x81, "address").value);
        if (address.empty()) fail(kCmd, InstallError::IncorrectInputValues);
        for (int bit = 0; bit <= static_cast<int>(NotificationEvent::Delete); ++bit)
          if (events & (1u << bit))
            configs.push_back({static_cast<NotificationEvent>(bit), address});
      }
      p.notification_configuration = std::move(configs);
    }
    if (auto t = m.find(0xB7)) p.profile_owner = operator_id(*t);
    if (auto t = m.find(0x99)) p.policy_rules = decode_named_bits(t->value);
  } catch (const Error&) {
    fail(kCmd, InstallError::IncorrectInputValues);
  }
  return p;
}

void check_profile_acceptable(const CardState& state, const Profile& profile) {
  constexpr BppCommand kCmd = BppCommand::StoreMetadata;
  for (const Profile& existing : state.profiles)
    if (existing.iccid == profile.iccid) fail(kCmd, InstallError::IccidAlreadyExists);
  const uint32_t rules = profile.policy_rules.value_or(0);
  for (uint32_t ppr : {kPpr1, kPpr2}) {
    if ((rules & ppr) && !ppr_allowed(state, ppr, profile.profile_owner))
      fail(kCmd, InstallError::PprNotAllowed);
  }
}

// The profile package must be a SAIP profile (veuicc/saip_check.h) whose ProfileHeader names the
// ICCID the metadata announced; it is checked element by element as the 86 segments arrive. A
// package that does not decode or breaks the element rules is
// installFailedDueToPEProcessingError (12): the card could not process its profile elements.
// A well-formed package for another ICCID is installFailedDueToDataMismatch (13): the profile's
// data contradict the StoreMetadataRequest already accepted (the reason was called
// installFailedDueToIccidMismatch before SGP.22 v2.2.2, which names exactly this case).
// iccidAlreadyExists (9) is not it (that is about the metadata's ICCID being on the card, checked
// at storeMetadata), nor unknownError (127), which is for failures with no specific reason.
void check_profile_elements(BppLoad& load, bool complete) {
  constexpr BppCommand kCmd = BppCommand::LoadProfileElements;
  if (!load.profile) fail(kCmd, InstallError::UnknownError);
  try {
    if (complete) {
      load.saip.finish(load.elements);
    } else {
      load.saip.check_available(load.elements);
    }
  } catch (const SaipError&) {
    fail(kCmd, InstallError::PeProcessingError);
  }
  if (!load.saip.iccid().empty() && load.saip.iccid() != load.profile->iccid)
    fail(kCmd, InstallError::DataMismatch);
}

uint64_t free_nvm(const CardState& state) {
  uint64_t used = 0;
  for (const Profile& p : state.profiles) used += p.size;
  return used >= state.nvm_bytes ? 0 : state.nvm_bytes - used;
}

Bytes install_profile(DownloadSession& session, Es10Context& ctx) {
  BppLoad& load = session.load;
  check_profile_elements(load, true);
  CardState& state = ctx.state();
  if (load.elements.size() > free_nvm(state))
    fail(BppCommand::LoadProfileElements, InstallError::InsufficientMemory);
  check_profile_acceptable(state, *load.profile);  // the state may have changed meanwhile

  Profile profile = *load.profile;
  profile.isdp_aid = next_free_isdp_aid(state);
  profile.enabled = false;
  profile.size = load.elements.size();
  profile.dp_proprietary_data = load.dp_proprietary_data;
  const Bytes final_result =
      tlv::Builder(0xA0).add(0x4F, profile.isdp_aid).add(0x04, kSimaResponseOk).bytes();
  const std::string iccid = profile.iccid;
  state.profiles.push_back(std::move(profile));
  Bytes pir = installation_result(session, ctx, iccid, final_result);
  ctx.store.commit();
  return pir;
}

Bytes installation_failed(const DownloadSession& session, const InstallFailure& failure,
                          Es10Context& ctx) {
  std::optional<std::string> iccid;
  if (session.load.profile) iccid = session.load.profile->iccid;
  const Bytes final_result =
      tlv::Builder(0xA1)
          .add(0x80, tlv::encode_uint(static_cast<uint64_t>(failure.command)))
          .add(0x81, tlv::encode_uint(static_cast<uint64_t>(failure.reason)))
          .bytes();
  Bytes pir = installation_result(session, ctx, iccid, final_result);
  ctx.store.commit();
  return pir;
}

}  // namespace euiccd::veuicc
