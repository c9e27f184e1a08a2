// Activation Codes (SGP.22 §4.1), the text in an eSIM QR code:
//
//   [LPA:]1$<SM-DP+ address>$<matching id>[$<SM-DP+ OID>[$<confirmation code required "1">]]
//
// The "LPA:" prefix is what the QR code carries; people paste it with or without, in any case.
// The matching id (AC_Token) may be empty (the SM-DP+ then finds the order by EID), and so may
// the OID when only the confirmation-code flag is given ("1$host$token$$1").
#pragma once

#include <string>
#include <string_view>

#include "lpa/secret.h"

namespace euiccd::lpa {

// Limits: no field of a real code comes near these; they bound what outside input may make us
// carry around and send.
inline constexpr size_t kMaxActivationCodeLength = 1024;
inline constexpr size_t kMaxActivationCodeFieldLength = 255;

struct ActivationCode {
  std::string smdp_address;  // "host" or "host:port", as given
  Secret matching_id;        // may be empty; the order's key, so never logged
  std::string smdp_oid;      // dotted decimal, may be empty
  bool confirmation_code_required = false;

  // Canonical form with the "LPA:" prefix; trailing empty optional fields are left out. It
  // carries the matching id: it is the code to hand on (a QR code, DownloadProfile), not a text
  // for a log.
  std::string to_string() const;
  bool operator==(const ActivationCode&) const = default;
};

// Parses an activation code: the one place its text is read. The daemon parses it where
// DownloadProfile's arguments are read and carries the ActivationCode from there on.
// Leading/trailing blanks and line ends (from copy/paste or a QR scanner) are ignored. Throws
// Error(InvalidArgument) with a message that names what is wrong.
ActivationCode parse_activation_code(std::string_view text);

// Checks an SM-DP+/SM-DS address: a DNS host name (letters, digits, '-', dot-separated labels of
// 1..63 characters) with an optional ":port" (1..65535). `what` names the address in the
// message ("SM-DP+ address"). Throws Error(InvalidArgument).
void validate_server_address(std::string_view address, std::string_view what);

}  // namespace euiccd::lpa
