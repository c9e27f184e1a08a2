#include <gtest/gtest.h>

#include <string>

#include "apdu/status_words.h"
#include "base/error.h"

using namespace euiccd;
using namespace euiccd::apdu;

namespace {

// Runs throw_for_status and returns the error it threw.
Error thrown_for(uint16_t status) {
  try {
    throw_for_status(status, "doing X");
  } catch (const Error& e) {
    return e;
  }
  return Error(Errc::Internal, "nothing thrown");
}

TEST(StatusWords, NamedInWords) {
  struct Case {
    uint16_t sw;
    Errc code;
    const char* words;
  };
  const Case cases[] = {
      {0x6A82, Errc::CardError, "not found"},
      {0x6A88, Errc::CardError, "referenced data not found"},
      {0x6985, Errc::CardError, "conditions of use not satisfied"},
      {0x6D00, Errc::NotSupported, "INS"},
      {0x6E00, Errc::NotSupported, "CLA"},
      {0x6700, Errc::CardError, "wrong length"},
      {0x6A86, Errc::CardError, "P1/P2"},
      {0x6881, Errc::NotSupported, "logical channel not supported"},
      {0x6A81, Errc::NotSupported, "function not supported"},
      {0x6F00, Errc::CardError, "no precise diagnosis"},
      {0x6601, Errc::CardError, "segment too large"},
      {0x6A84, Errc::NoMemory, "memory"},
  };
  for (const auto& c : cases) {
    const Error e = thrown_for(c.sw);
    const std::string message = e.what();
    EXPECT_EQ(e.code(), c.code) << message;
    EXPECT_NE(message.find("doing X"), std::string::npos) << message;
    EXPECT_NE(message.find(describe_status(c.sw).substr(0, 4)), std::string::npos) << message;
    EXPECT_NE(message.find(c.words), std::string::npos) << message;
  }
}

TEST(StatusWords, UnknownWordsGetTheirGroup) {
  EXPECT_EQ(describe_status(0x6A99), "6A99 (wrong parameters)");
  EXPECT_EQ(describe_status(0x6FC2), "6FC2 (technical problem)");
  EXPECT_EQ(describe_status(0x1234), "1234 (unknown status word)");
  EXPECT_EQ(thrown_for(0x1234).code(), Errc::CardError);
}

TEST(StatusWords, Success) {
  EXPECT_TRUE(is_success(0x9000));
  EXPECT_TRUE(is_success(0x9112));
  EXPECT_FALSE(is_success(0x6100));
  EXPECT_FALSE(is_success(0x9001));
  EXPECT_FALSE(is_success(0x6A82));
}

}  // namespace
