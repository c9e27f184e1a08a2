#include "lpa/es9p_status.h"

#include <gtest/gtest.h>

using namespace euiccd;
using namespace euiccd::lpa;

namespace {

TEST(ServerStatus, KnownCodesHaveMeaningAndErrc) {
  const auto matching = find_server_status("8.2.6", "3.8");
  ASSERT_TRUE(matching.has_value());
  EXPECT_EQ(matching->errc, Errc::InvalidArgument);
  EXPECT_NE(std::string(matching->meaning).find("matching id"), std::string::npos);

  EXPECT_EQ(server_status_errc("8.1", "4.8"), Errc::NoMemory);
  EXPECT_EQ(server_status_errc("8.2.7", "2.2"), Errc::InvalidArgument);
  EXPECT_EQ(server_status_errc("8.2.7", "6.4"), Errc::NotAllowed);
  EXPECT_EQ(server_status_errc("8.8.2", "3.1"), Errc::NotSupported);
  EXPECT_EQ(server_status_errc("8.9.5", "3.9"), Errc::NotFound);
  EXPECT_EQ(server_status_errc("8.8.5", "4.1"), Errc::ServerError);
  EXPECT_NE(describe_server_status("8.8.5", "4.1").find("expired"), std::string::npos);
}

TEST(ServerStatus, SubjectAndReasonMustBothMatch) {
  EXPECT_FALSE(find_server_status("8.2.6", "3.9").has_value());
  EXPECT_FALSE(find_server_status("8.2", "3.8").has_value());
  EXPECT_FALSE(find_server_status("", "").has_value());
  EXPECT_EQ(server_status_errc("1.2.3", "4.5"), Errc::ServerError);
  EXPECT_EQ(describe_server_status("1.2.3", "4.5"), "unlisted status code");
}

}  // namespace
