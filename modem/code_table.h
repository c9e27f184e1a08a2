// Protocol codes with names (QMI errors, MBIM statuses): one X-macro list of
// X(enumerator, value, "Name") gives both the enum and the name lookup, so they cannot drift.
//
//   #define MY_TABLE(X) X(kBusy, 1, "Busy") X(kFailure, 2, "Failure")
//   enum MyCode : uint32_t { MY_TABLE(EUICCD_CODE_ENUMERATOR) };
//   EUICCD_CODE_NAME_FUNCTION(my_code_name, uint32_t, MY_TABLE)  // "Busy" for 1, nullptr for 3
#pragma once

#define EUICCD_CODE_ENUMERATOR(enumerator, value, name) enumerator = value,
#define EUICCD_CODE_NAME_CASE(enumerator, value, name) \
  case enumerator: return name;

// Defines `const char* function(type code)`: the code's name, nullptr when TABLE has none.
#define EUICCD_CODE_NAME_FUNCTION(function, type, TABLE) \
  const char* function(type code) {                      \
    switch (code) {                                      \
      TABLE(EUICCD_CODE_NAME_CASE)                       \
      default: return nullptr;                           \
    }                                                    \
  }
