#include "lpa/es9p_status.h"

#include <array>

namespace euiccd::lpa {
namespace {

// Meanings re-worded from the SGP.22 list (as reproduced in lpac euicc/es9p_errors.c).
// How the Errc is chosen: the code says who can fix the problem.
//   InvalidArgument — what the user gave is wrong (matching id, confirmation code, address):
//                     re-scan / re-type it.
//   NoMemory        — the eUICC is full: delete a profile.
//   NotSupported    — this eUICC/device and this server do not fit (CI keys, versions):
//                     no retry will help, the operator must issue a compatible profile.
//   NotAllowed      — the order exists but not for this eUICC, or retries are used up:
//                     contact the operator.
//   NotFound        — nothing to fetch (no profile / event left for this request).
//   WrongState      — the order exists but is not downloadable now (not released, already
//                     bound): contact the operator or wait.
//   ServerError     — everything else, including authentication failures that point at a
//                     server or card fault rather than at something the user can change.
constexpr std::array kStatusTable = {
    ServerStatusCode{"8.1", "4.8", "the eUICC does not have enough free memory for this profile",
                     Errc::NoMemory},
    ServerStatusCode{"8.1", "6.1", "the eUICC signature or the server challenge is invalid",
                     Errc::ServerError},
    ServerStatusCode{"8.1.1", "2.2",
                     "the order needs the EID of the eUICC, which was not provided "
                     "(empty matching id or SM-DS order)",
                     Errc::NotAllowed},
    ServerStatusCode{"8.1.1", "3.1", "this profile is already tied to a different eUICC (EID)",
                     Errc::NotAllowed},
    ServerStatusCode{"8.1.1", "3.8", "the EID of this eUICC is not the one the order is for",
                     Errc::NotAllowed},
    ServerStatusCode{"8.1.2", "6.1", "the eUICC manufacturer (EUM) certificate is invalid",
                     Errc::ServerError},
    ServerStatusCode{"8.1.2", "6.3", "the eUICC manufacturer (EUM) certificate has expired",
                     Errc::ServerError},
    ServerStatusCode{"8.1.3", "6.1", "the eUICC certificate is invalid", Errc::ServerError},
    ServerStatusCode{"8.1.3", "6.3", "the eUICC certificate has expired", Errc::ServerError},
    ServerStatusCode{"8.2", "1.2", "the profile has not been released for download yet",
                     Errc::WrongState},
    ServerStatusCode{"8.2", "3.7",
                     "the bound profile package cannot be bound again (already downloaded)",
                     Errc::WrongState},
    ServerStatusCode{"8.2.1", "1.2", "the caller may not perform this operation on the profile",
                     Errc::NotAllowed},
    ServerStatusCode{"8.2.1", "3.1", "the profile (ICCID) is tied to a different EID",
                     Errc::NotAllowed},
    ServerStatusCode{"8.2.1", "3.3", "the profile (ICCID) is not available", Errc::NotFound},
    ServerStatusCode{"8.2.1", "3.5", "the profile cannot be released", Errc::WrongState},
    ServerStatusCode{"8.2.1", "3.9", "the profile (ICCID) is unknown to the SM-DP+",
                     Errc::NotFound},
    ServerStatusCode{"8.2.5", "1.2",
                     "the caller may not perform this operation on the profile type",
                     Errc::NotAllowed},
    ServerStatusCode{"8.2.5", "3.7", "no profile of the requested type is left", Errc::NotFound},
    ServerStatusCode{"8.2.5", "3.8", "the profile type does not match the profile's ICCID",
                     Errc::ServerError},
    ServerStatusCode{"8.2.5", "3.9", "the profile type is unknown to the SM-DP+", Errc::NotFound},
    ServerStatusCode{"8.2.5", "4.3", "no profile is eligible for this eUICC or device",
                     Errc::NotSupported},
    ServerStatusCode{"8.2.6", "3.1", "a different matching id is tied to this profile",
                     Errc::InvalidArgument},
    ServerStatusCode{"8.2.6", "3.3", "the matching id conflicts with another order",
                     Errc::InvalidArgument},
    ServerStatusCode{"8.2.6", "3.8",
                     "the matching id (activation code token or event id) was refused",
                     Errc::InvalidArgument},
    ServerStatusCode{"8.2.7", "2.2", "a confirmation code is required but none was given",
                     Errc::InvalidArgument},
    ServerStatusCode{"8.2.7", "3.8", "the confirmation code was refused", Errc::InvalidArgument},
    ServerStatusCode{"8.2.7", "6.4", "too many wrong confirmation codes; the order is locked",
                     Errc::NotAllowed},
    ServerStatusCode{"8.8", "3.1", "the SM-DP+ OID is invalid", Errc::ServerError},
    ServerStatusCode{"8.8.1", "3.8", "the SM-DP+ address is not the one this server answers to",
                     Errc::InvalidArgument},
    ServerStatusCode{"8.8.2", "3.1",
                     "the SM-DP+ supports none of the CI public keys the eUICC offered",
                     Errc::NotSupported},
    ServerStatusCode{"8.8.3", "3.1",
                     "the SM-DP+ does not support the specification version of the eUICC",
                     Errc::NotSupported},
    ServerStatusCode{"8.8.4", "3.7",
                     "the SM-DP+ has no authentication certificate under a CI the eUICC trusts",
                     Errc::NotSupported},
    ServerStatusCode{"8.8.5", "4.1", "the download order has expired", Errc::ServerError},
    ServerStatusCode{"8.8.5", "6.4", "the download order has used up its retries",
                     Errc::NotAllowed},
    ServerStatusCode{"8.9", "4.2", "the root SM-DS reported an error", Errc::ServerError},
    ServerStatusCode{"8.9", "5.1", "the root SM-DS was unavailable", Errc::ServerError},
    ServerStatusCode{"8.9.1", "3.8", "the SM-DS address is not the one this server answers to",
                     Errc::InvalidArgument},
    ServerStatusCode{"8.9.2", "3.1",
                     "the SM-DS supports none of the CI public keys the eUICC offered",
                     Errc::NotSupported},
    ServerStatusCode{"8.9.3", "3.1",
                     "the SM-DS does not support the specification version of the eUICC",
                     Errc::NotSupported},
    ServerStatusCode{"8.9.4", "3.7", "the SM-DS has no certificate under a CI the eUICC trusts",
                     Errc::NotSupported},
    ServerStatusCode{"8.9.5", "3.3", "the event is already registered (duplicate event id)",
                     Errc::ServerError},
    ServerStatusCode{"8.9.5", "3.9", "no event with this event id exists for this EID",
                     Errc::NotFound},
    ServerStatusCode{
        "8.10.1", "3.9",
        "the server does not know this session (transaction id); it may have timed out",
        Errc::ServerError},
    ServerStatusCode{"8.11.1", "3.9",
                     "the CI of the eUICC manufacturer certificate is not a root the server trusts",
                     Errc::NotSupported},
};

}  // namespace

std::span<const ServerStatusCode> server_status_codes() {
  return kStatusTable;
}

std::optional<ServerStatusCode> find_server_status(std::string_view subject,
                                                   std::string_view reason) {
  for (const ServerStatusCode& entry : kStatusTable) {
    if (entry.subject == subject && entry.reason == reason) return entry;
  }
  return std::nullopt;
}

std::string describe_server_status(std::string_view subject, std::string_view reason) {
  const auto entry = find_server_status(subject, reason);
  return entry ? std::string(entry->meaning) : std::string("unlisted status code");
}

Errc server_status_errc(std::string_view subject, std::string_view reason) {
  const auto entry = find_server_status(subject, reason);
  return entry ? entry->errc : Errc::ServerError;
}

}  // namespace euiccd::lpa
