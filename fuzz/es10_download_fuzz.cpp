// The download side of ES10b and what the SM-DP+ sends for the card (lpa/es10_download.h):
// AuthenticateServer / PrepareDownload / CancelSession responses, smdpSigned2, the profile
// metadata (BF25), the bound profile package split into ES10 commands, and the
// ProfileInstallationResult. The first byte picks the decoder, the rest is the message.
//
// Besides "return or throw euiccd::Error": signed TLVs travel on byte for byte (the decoder's
// copy is the input), and the BPP pieces put back together are the package the server sent.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "fuzz/fuzz_input.h"
#include "lpa/es10_codec.h"
#include "lpa/es10_download.h"
#include "lpa/iccid.h"
#include "lpa/tlv.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::fuzz::check;

namespace {

enum Decoder : uint8_t {
  kAuthenticateServer,
  kPrepareDownload,
  kCancelSession,
  kSmdpSigned2,
  kStoreMetadata,
  kSplitBpp,
  kInstallationResult,
  kErrorCodes,
  kCount
};

bool same(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

void check_split(const BoundProfilePackageCommands& split, ByteView bpp) {
  check(split.commands.size() >= 5);
  check(split.profile_segments >= 1 && split.profile_segments <= split.commands.size());
  Bytes joined;
  for (const Bytes& c : split.commands) append(joined, c);
  // The card must get exactly the package the server sent, in pieces: put back together they
  // are the input, whatever length forms the server used.
  check(same(joined, bpp));
  for (size_t i = split.commands.size() - split.profile_segments; i < split.commands.size(); ++i)
    check(split.commands[i].size() >= 2 && split.commands[i][0] == 0x86);
}

void run(uint8_t selector, ByteView m) {
  switch (selector % kCount) {
    case kAuthenticateServer: check(same(decode_authenticate_server_response(m), m)); break;
    case kPrepareDownload: check(same(decode_prepare_download_response(m), m)); break;
    case kCancelSession: check(same(decode_cancel_session_response(m), m)); break;
    case kSmdpSigned2: {
      const SmdpSigned2 s = decode_smdp_signed2(m);
      check(!s.transaction_id.empty() && s.transaction_id.size() <= 16);
      break;
    }
    case kStoreMetadata: {
      const ProfileMetadata md = decode_store_metadata_request(m);
      check(is_valid_iccid(md.iccid));
      check(same(md.der, m));
      break;
    }
    case kSplitBpp: check_split(split_bound_profile_package(m), m); break;
    case kInstallationResult: {
      const ProfileInstallationResult r = decode_profile_installation_result(m);
      check(same(r.der, m));
      if (r.success) {
        check(r.isdp_aid.size() >= 5 && r.isdp_aid.size() <= 16);
      } else {
        const Error e = profile_installation_error(r);
        check(e.what()[0] != '\0');
      }
      break;
    }
    case kErrorCodes: {
      // Every code a card may put into an error answer has words (and no UB on odd values).
      uint64_t code = 0;
      for (uint8_t b : m.first(std::min<size_t>(m.size(), 8))) code = code << 8 | b;
      (void)authenticate_server_error(code);
      (void)prepare_download_error(code);
      (void)cancel_session_error(code);
      check(bpp_command_name(code) != nullptr && install_error_reason_name(code) != nullptr);
      check(cancel_reason_name(static_cast<CancelReason>(code & 0xFF)) != nullptr);
      ProfileInstallationResult r;
      r.bpp_command_id = code >> 3;
      r.error_reason = code;
      (void)profile_installation_error(r);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t selector = in.byte();
  try {
    run(selector, in.rest());
  } catch (const Error&) {
  }
  return 0;
}
