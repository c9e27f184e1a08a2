// Protocol codes with names (QMI errors, MBIM statuses): one X-macro list of
// X(enumerator, value) gives both the enum and the name lookup, so they cannot drift. A code's
// name is its enumerator's without the common prefix ("kStatusBusy" → "Busy").
//
//   #define MY_TABLE(X) X(kStatusBusy, 1) X(kStatusFailure, 2)
//   enum MyCode : uint32_t { MY_TABLE(EUICCD_CODE_ENUMERATOR) };
//   EUICCD_CODE_NAME_FUNCTION(my_code_name, uint32_t, MY_TABLE, "kStatus")
//   // my_code_name(1) == "Busy", my_code_name(3) == nullptr
#pragma once

#include <cstddef>

#define EUICCD_CODE_ENUMERATOR(enumerator, value) enumerator = value,
// Used by EUICCD_CODE_NAME_FUNCTION, whose kCodePrefixLength it skips.
#define EUICCD_CODE_NAME_CASE(enumerator, value) \
  case enumerator: return &#enumerator[kCodePrefixLength];

// Defines `const char* function(type code)`: the code's name, nullptr when TABLE has none.
#define EUICCD_CODE_NAME_FUNCTION(function, type, TABLE, prefix)  \
  const char* function(type code) {                               \
    constexpr std::size_t kCodePrefixLength = sizeof(prefix) - 1; \
    switch (code) {                                               \
      TABLE(EUICCD_CODE_NAME_CASE)                                \
      default: return nullptr;                                    \
    }                                                             \
  }
