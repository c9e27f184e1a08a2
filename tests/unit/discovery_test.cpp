// SM-DS event retrieval between a scripted eUICC and a scripted SM-DS.
#include "lpa/discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "download_fakes.h"

using namespace dltest;

namespace {

struct Discovery : ::testing::Test {
  FakeCard card;
  FakeServers servers;
};

TEST_F(Discovery, RootSmdsFromTheCardAndNoMatchingId) {
  servers.events = {{{"eventId", "EVT-1"}, {"rspServerAddress", "smdp.example.com"}},
                    {{"eventId", "EVT-2"}, {"rspServerAddress", "other.example.com:8443"}}};
  ProfileDiscoverer discoverer(card, servers.factory());
  const DiscoveryResult r = discoverer.discover({});
  EXPECT_EQ(r.smds_address, "smds.example.com");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].event_id, "EVT-2");
  EXPECT_EQ(r.events[1].rsp_server_address, "other.example.com:8443");

  ASSERT_EQ(servers.calls.size(), 2u);
  EXPECT_EQ(servers.calls[0].host, "smds.example.com");
  EXPECT_EQ(servers.calls[0].function, "initiateAuthentication");
  const Bytes bf38 = card.with_tag(0xBF38).at(0);
  EXPECT_FALSE(tlv::parse_one(bf38).require(0xA0, "").find(0x80));
  EXPECT_TRUE(card.with_tag(0xBF41).empty());

  const DownloadOptions o = event_download_options(r.events[1]);
  EXPECT_EQ(o.smdp_address, "other.example.com:8443");
  EXPECT_EQ(o.matching_id, "EVT-2");
}

TEST_F(Discovery, GivenAddressIsUsed) {
  ProfileDiscoverer discoverer(card, servers.factory());
  DiscoveryOptions o;
  o.smds_address = "smds.example.org";
  discoverer.discover(o);
  EXPECT_TRUE(card.with_tag(0xBF3C).empty());
  EXPECT_EQ(servers.calls.at(0).host, "smds.example.org");
}

TEST_F(Discovery, FailureAfterAuthenticateServerCancelsTheCardSession) {
  servers.fail_reply["authenticateClient"] = FakeServers::failed("8.1", "6.1");
  ProfileDiscoverer discoverer(card, servers.factory());
  EXPECT_THROW(discoverer.discover({}), Error);
  EXPECT_EQ(card.cancel_reasons, std::vector<uint64_t>{127});
  EXPECT_TRUE(servers.calls_to("cancelSession").empty());  // ES11 has none
}

TEST_F(Discovery, FailureBeforeAuthenticateServerCancelsNothing) {
  servers.fail_throw["initiateAuthentication"] = Errc::Network;
  ProfileDiscoverer discoverer(card, servers.factory());
  try {
    discoverer.discover({});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Network);
  }
  EXPECT_TRUE(card.with_tag(0xBF41).empty());
}

}  // namespace
