// The shared command-line parser (cli/long_options.h) and the daemon's command line on it
// (daemon/options.h): values in both spellings, repeated options in order, flags, and the
// three usage errors in the words the programs print.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "cli/long_options.h"
#include "daemon/options.h"
#include "base/error.h"

using namespace euiccd;

namespace {

// argv for getopt_long, which may permute it: owned strings, a fresh array per call.
class Argv {
 public:
  Argv(std::initializer_list<std::string> args) : args_(args) {
    for (auto& a : args_) pointers_.push_back(a.data());
    pointers_.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(args_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> args_;
  std::vector<char*> pointers_;
};

TEST(LongOptions, ValuesFlagsAndOperands) {
  std::vector<std::string> seen;
  bool verbose = false;
  const cli::LongOption options[] = {
      {"ca", cli::kValue, [&](const char* v) { seen.emplace_back(v); }},
      {"verbose", cli::kFlag, [&](const char* v) { verbose = v == nullptr; }, 'v'},
  };
  Argv args{"prog", "--ca", "a.pem", "list", "--ca=b.pem", "-v"};
  const auto operands =
      cli::parse_long_options(args.argc(), args.argv(), options, /*operands_allowed=*/true);
  EXPECT_EQ(seen, (std::vector<std::string>{"a.pem", "b.pem"}));
  EXPECT_TRUE(verbose);
  EXPECT_EQ(operands, std::vector<std::string>{"list"});
}

TEST(LongOptions, StopAtTheCommandWord) {
  bool verbose = false;
  const cli::LongOption options[] = {
      {"verbose", cli::kFlag, [&](const char*) { verbose = true; }},
  };
  Argv args{"prog", "download", "--verbose"};
  const auto operands = cli::parse_long_options(args.argc(), args.argv(), options, true, true);
  EXPECT_FALSE(verbose);
  EXPECT_EQ(operands, (std::vector<std::string>{"download", "--verbose"}));
}

TEST(DaemonCommandLine, ParsesEveryOption) {
  Argv args{"euiccd",     "--config", "/x.conf", "--ca",     "1.pem",
            "--ca=2.pem", "--bus",    "session", "--verbose"};
  const daemon::CommandLine cl = daemon::parse_command_line(args.argc(), args.argv());
  EXPECT_EQ(cl.config_file, "/x.conf");
  EXPECT_EQ(cl.ca_files, (std::vector<std::string>{"1.pem", "2.pem"}));
  EXPECT_EQ(cl.bus, "session");
  EXPECT_TRUE(cl.verbose);
  EXPECT_FALSE(cl.help);
}

// The configuration files in use: the options, else the packaged defaults; messages name them.
TEST(DaemonCommandLine, ConfigFilesInUse) {
  Argv given{"euiccd", "--config", "/x/e.conf", "--config-dir", "/x/e.d"};
  const daemon::ConfigFiles files =
      daemon::config_files(daemon::parse_command_line(given.argc(), given.argv()));
  EXPECT_EQ(files.main_file, "/x/e.conf");
  EXPECT_EQ(files.dropin_dir, "/x/e.d");
  EXPECT_EQ(files.describe(), "/x/e.conf (or a drop-in in /x/e.d/)");
  Argv none{"euiccd"};
  EXPECT_EQ(daemon::config_files(daemon::parse_command_line(none.argc(), none.argv())).describe(),
            "/etc/euiccd/euiccd.conf (or a drop-in in /etc/euiccd/euiccd.conf.d/)");
}

TEST(DaemonCommandLine, UsageErrorsSayWhat) {
  auto message = [](Argv args) {
    try {
      daemon::parse_command_line(args.argc(), args.argv());
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::InvalidArgument);
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(message({"euiccd", "--config"}), "--config needs a value");
  EXPECT_EQ(message({"euiccd", "--frobnicate"}), "unknown option --frobnicate");
  EXPECT_EQ(message({"euiccd", "stray"}), "unexpected argument stray");
  EXPECT_NE(message({"euiccd", "--bus", "nowhere"}).find("--bus wants system"), std::string::npos);
}

}  // namespace
