// How the fuzz targets read their input. The formats are plain on purpose: the seed files in
// fuzz/corpus/ are written by fuzz/seeds/ scripts and by hand, so a person must be able to
// build one from a real message.
//
//   selector targets:  <selector byte> <payload...>       the byte picks the parser
//   record targets:    <len> <len bytes> <len> <bytes>...  one record per card/server answer
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/bytes.h"

namespace euiccd::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(data, size) {}

  bool empty() const { return rest_.empty(); }
  size_t size() const { return rest_.size(); }

  // Next byte, 0 when the input is used up.
  uint8_t byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = rest_[0];
    rest_ = rest_.subspan(1);
    return b;
  }
  // A length byte then that many bytes (fewer when the input ends first).
  ByteView record() {
    const size_t n = byte();
    return take(n);
  }
  ByteView take(size_t n) {
    if (n > rest_.size()) n = rest_.size();
    ByteView out = rest_.first(n);
    rest_ = rest_.subspan(n);
    return out;
  }
  ByteView rest() { return take(rest_.size()); }

 private:
  ByteView rest_;
};

inline std::string_view as_text(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// An invariant of a parser does not hold: stop here so libFuzzer saves the input.
[[noreturn]] inline void violated() {
  std::abort();
}
inline void check(bool condition) {
  if (!condition) violated();
}

// True when `part` lies inside `whole` (decoders hand out views into the input).
inline bool inside(ByteView part, ByteView whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace euiccd::fuzz
