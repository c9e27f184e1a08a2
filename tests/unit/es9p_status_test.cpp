#include "lpa/es9p_status.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

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

// docs/dbus-api.md lists the errors a download job can end with; every error a server refusal
// becomes must be among them, so a client author sees each name before meeting it.
TEST(ServerStatus, EveryResultingErrorIsListedForTheDownloadJob) {
  std::ifstream file(EUICCD_SOURCE_DIR "/docs/dbus-api.md");
  ASSERT_TRUE(file) << "docs/dbus-api.md";
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const size_t method = doc.find("### `DownloadProfile(");
  ASSERT_NE(method, std::string::npos);
  const size_t from = doc.find("Errors of the job", method);
  const size_t to = doc.find("###", method + 4);
  ASSERT_NE(from, std::string::npos);
  ASSERT_LT(from, to);
  const std::string job_errors = doc.substr(from, to - from);
  ASSERT_FALSE(server_status_codes().empty());
  for (const ServerStatusCode& code : server_status_codes()) {
    const std::string name = std::string("`") + errc_name(code.errc) + "`";
    EXPECT_NE(job_errors.find(name), std::string::npos)
        << name << " (SM-DP+ " << code.subject << " / " << code.reason
        << ") is missing from DownloadProfile's job errors in docs/dbus-api.md";
  }
}

}  // namespace
