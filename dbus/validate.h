// Checks of what callers send over the bus, before anything reaches the engine. Each throws
// Error(InvalidArgument) with a message that says which argument is wrong and why.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/download_job.h"
#include "lpa/es10_types.h"
#include "lpa/nickname.h"

namespace euiccd::dbus {

using lpa::kMaxNicknameBytes;  // lpa/nickname.h
inline constexpr size_t kMaxConfirmationCodeBytes = 64;

// Valid UTF-8 without control characters, at most `max_bytes` bytes (lpa/text_rules.h).
void validate_text(std::string_view value, std::string_view what, size_t max_bytes);
// lpa::Nickname's rules.
void validate_nickname(std::string_view nickname);
// 18..20 decimal digits.
void validate_iccid(std::string_view iccid);
// "" or an SM-DP+/SM-DS host[:port].
void validate_optional_address(std::string_view address, std::string_view what);
// ResetMemory options: bit 0 delete operational profiles, bit 1 delete field-loaded test
// profiles, bit 2 reset the default SM-DP+ address; at least one, no other bits.
void validate_reset_options(uint32_t options);

// Reads the next argument of `call`, of the basic D-Bus `type` ('s', 'b', 'u'), into `value`.
// Throws InvalidArgument ("cannot read `what`") when it cannot.
void read_basic(sd_bus_message* call, char type, void* value, const char* what);
// Read one argument from `call` and check it as the validate_ function of the same name does.
std::string read_nickname(sd_bus_message* call);
std::string read_optional_address(sd_bus_message* call, std::string_view what);
lpa::MemoryResetOptions read_reset_options(sd_bus_message* call);

// Reads DownloadProfile's (s activation_code, a{sv} options) from `call`, checking every
// option's name and type, and parses the values into their types: the daemon does not read
// these texts again. "" as activation code means the default SM-DP+.
daemon::DownloadRequest read_download_request(sd_bus_message* call);

}  // namespace euiccd::dbus
