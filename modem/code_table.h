// Protocol codes with names (QMI errors, MBIM statuses): one X-macro list of
// X(enumerator, value, "Name") gives both the enum and the name lookup, so they cannot drift.
//
//   #define MY_TABLE(X) X(kBusy, 1, "Busy") X(kFailure, 2, "Failure")
//   enum MyCode : uint32_t { MY_TABLE(EUICCD_CODE_ENUMERATOR) };
//   const char* name(uint32_t c) { switch (c) { MY_TABLE(EUICCD_CODE_NAME_CASE) default: ... } }
#pragma once

#define EUICCD_CODE_ENUMERATOR(enumerator, value, name) enumerator = value,
#define EUICCD_CODE_NAME_CASE(enumerator, value, name) \
  case enumerator: return name;
