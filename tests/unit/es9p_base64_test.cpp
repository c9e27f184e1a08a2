#include "lpa/es9p_base64.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/error.h"

using namespace euiccd;
using namespace euiccd::lpa;

namespace {

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    EXPECT_EQ(as_string(base64_decode(encoded, "test")), plain);
  }
}

TEST(Base64, BinaryRoundTrip) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(uint8_t(i));
  const std::string text = base64_encode(all);
  EXPECT_EQ(base64_decode(text, "test"), all);
}

TEST(Base64, WhitespaceIsSkipped) {
  EXPECT_EQ(as_string(base64_decode(" Zm9v\r\nYmFy\n", "test")), "foobar");
}

TEST(Base64, InvalidTextIsMalformed) {
  const std::pair<const char*, const char*> bad[] = {
      {"Zm9", "not a multiple of 4"},
      {"Zm9v!A==", "invalid base64 character at position 5"},
      {"Zm=v", "invalid base64 character at position 3"},  // padding in the middle
      {"Z===", "invalid base64 character at position 2"},  // three pad characters
      {"Zm9v-_==", "invalid base64 character"},            // URL alphabet is not base64
  };
  for (const auto& [text, fragment] : bad) {
    try {
      base64_decode(text, "field X");
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::Malformed);
      EXPECT_THAT(e.what(), ::testing::HasSubstr("field X: "));
      EXPECT_THAT(e.what(), ::testing::HasSubstr(fragment)) << text;
    }
  }
}

}  // namespace
