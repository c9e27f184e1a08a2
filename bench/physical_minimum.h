// The least a card and a server can be asked for the same work, given short APDUs: a STORE DATA
// block carries at most `segment` bytes of an ES10 command (255 at most), and one response APDU
// at most 256 bytes of its answer (the last block's own answer, then 61xx GET RESPONSE).
//
// "The same work" is a fixed set of ES10 commands per operation (SGP.22), with the response
// sizes the card really gave. Commands an LPA sends beyond that set (reading a list it does not
// need, re-reading a notification it already holds) and channel management (a daemon keeps its
// logical channel open) count against it, never for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/es10_recorder.h"

namespace euiccd::bench {

enum class Work {
  EidAndInfo,     // GetEID + GetEUICCInfo2
  ListProfiles,   // GetProfilesInfo
  Enable,         // EnableProfile
  Disable,        // DisableProfile
  Delete,         // DeleteProfile
  Nickname,       // SetNickname
  Download,       // challenge, info1, AuthenticateServer, PrepareDownload, every BPP command of
                  // §2.5.5, RemoveNotificationFromList of the PIR (the PIR itself came back from
                  // the last LoadBoundProfilePackage command; no list or retrieve is needed)
  Notifications,  // RetrieveNotificationsList (all at once) + RemoveNotificationFromList each
};

// APDUs for one ES10 command of `command_bytes` whose response has `response_bytes`.
uint64_t apdus_for_message(size_t command_bytes, size_t response_bytes, size_t segment);

struct Minimum {
  uint64_t apdus = 0;
  uint64_t https_requests = 0;  // ES9+ requests the work needs
  uint64_t servers = 0;         // distinct servers (one TLS handshake each)
};

// `messages`: what the LPA actually exchanged for `work` (sizes of the essential ones are taken
// from here).
Minimum minimum_for(Work work, const std::vector<Es10Message>& messages, size_t segment);

}  // namespace euiccd::bench
