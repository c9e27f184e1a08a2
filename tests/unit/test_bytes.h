// Small helpers shared by the byte-vector tests: readable hex literals and "which Errc did this
// throw".
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace euiccd::testing {

// Hex with spaces for readability: h("BF3C 00").
inline Bytes h(std::string_view spaced) {
  std::string hex;
  for (char c : spaced)
    if (c != ' ') hex += c;
  return from_hex(hex);
}

// Hex of ASCII text, to write UTF8String values readably.
inline std::string ascii(std::string_view s) {
  return to_hex(as_bytes(s));
}

// The code of the euiccd::Error `f` throws; a test failure (and Internal) if it throws none.
inline Errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no euiccd::Error thrown";
  return Errc::Internal;
}

}  // namespace euiccd::testing
