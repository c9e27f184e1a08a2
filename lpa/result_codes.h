// ES10 result codes → euiccd::Error with the right Errc and words a person can act on.
// The check_* functions return for ok (0) and throw otherwise; the *_error functions build the
// error of a CHOICE response's error alternative. Unknown codes become CardError naming the
// code. Values are those of SGP.22 v2.2.2/v2.5 (RSPDefinitions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"
#include "lpa/es10_types.h"

namespace euiccd::lpa {

// "profile 8944476500001224158" or "profile in ISD-P A0000005591010FFFFFFFF8900001100".
std::string describe(const ProfileIdentifier& profile);

void check_enable_result(uint64_t code, const ProfileIdentifier& profile);
void check_disable_result(uint64_t code, const ProfileIdentifier& profile);
void check_delete_result(uint64_t code, const ProfileIdentifier& profile);
void check_set_nickname_result(uint64_t code, std::string_view iccid);
void check_memory_reset_result(uint64_t code);
void check_remove_notification_result(uint64_t code, uint64_t seq_number);
void check_set_default_dp_address_result(uint64_t code, std::string_view address);

Error profile_info_list_error(uint64_t code);
Error list_notification_error(uint64_t code);
Error retrieve_notifications_error(uint64_t code);

}  // namespace euiccd::lpa
