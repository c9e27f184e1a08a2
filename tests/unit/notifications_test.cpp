// NotificationSender between a scripted eUICC holding pending notifications and scripted
// servers: only notifications the server acknowledged leave the card.
#include "lpa/notifications.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "download_fakes.h"

using namespace dltest;
using ::testing::ElementsAre;

namespace {

// An enable/disable/delete notification: 30 { BF2F, 5F37, 30 cert, 30 cert }.
Bytes other_notification(uint64_t seq, const std::string& address, const std::string& iccid) {
  return tlv::Builder(0x30)
      .add_raw(notification_metadata(seq, address, iccid, h("0640")))
      .add_raw(sig())
      .add_raw(cert(1))
      .add_raw(cert(2))
      .bytes();
}

struct Notifications : ::testing::Test {
  FakeCard card;
  FakeServers servers;
  Es10Client es10{card};

  void SetUp() override {
    card.pending[3] = other_notification(3, "a.example.com", kIccid);
    card.pending[4] = other_notification(4, "b.example.com", "89000123456789012341");
    card.pending[5] = other_notification(5, "a.example.com", kIccid);
  }
  NotificationReport send(const NotificationFilter& filter = {}) {
    NotificationSender sender(es10, servers.factory());
    return sender.send_pending(filter);
  }
};

TEST_F(Notifications, SendsAllAndRemovesEachAfterItsAcknowledgement) {
  const NotificationReport r = send();
  EXPECT_EQ(r.sent, 3u);
  EXPECT_EQ(r.failed, 0u);
  EXPECT_THAT(card.removed, ElementsAre(3u, 4u, 5u));
  ASSERT_EQ(servers.calls.size(), 3u);
  EXPECT_EQ(servers.calls[0].host, "a.example.com");
  EXPECT_EQ(servers.calls[1].host, "b.example.com");
  EXPECT_EQ(base64_decode(servers.calls[1].body["pendingNotification"].get<std::string>(), "t"),
            other_notification(4, "b.example.com", "89000123456789012341"));
  // One client per address, reused within the run.
  EXPECT_EQ(servers.clients_made["a.example.com"], 1);
  EXPECT_EQ(servers.clients_made["b.example.com"], 1);
  // Each removal came after that notification's POST.
  std::vector<tlv::Tag> order;
  for (const Bytes& c : card.commands) order.push_back(outer_tag(c));
  // One RetrieveNotificationsList for all of them: no ListNotification, no Retrieve each.
  EXPECT_THAT(order, ElementsAre(0xBF2B, 0xBF30, 0xBF30, 0xBF30));
  EXPECT_EQ(card.with_tag(0xBF2B).front(), h("BF2B00"));
  EXPECT_EQ(r.on_card, 3u);
}

TEST_F(Notifications, FailedDeliveryStaysOnTheCardAndIsReported) {
  servers.fail_reply["handleNotification"] = {500, "text/plain", "", "down"};
  const NotificationReport r = send();
  EXPECT_EQ(r.sent, 0u);
  EXPECT_EQ(r.failed, 3u);
  EXPECT_TRUE(card.removed.empty());
  EXPECT_EQ(card.pending.size(), 3u);
  for (const auto& o : r.outcomes) {
    EXPECT_FALSE(o.delivered);
    EXPECT_EQ(o.error_code, Errc::ServerError);
    EXPECT_THAT(o.error, ::testing::HasSubstr("500"));
  }
}

// A server that acknowledges only some: the others stay.
TEST_F(Notifications, MixedOutcomes) {
  card.pending[4] = other_notification(4, "bad host!", "89000123456789012341");
  const NotificationReport r = send();
  EXPECT_EQ(r.sent, 2u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_THAT(card.removed, ElementsAre(3u, 5u));
  EXPECT_EQ(card.pending.count(4), 1u);
  EXPECT_EQ(r.outcomes.at(1).metadata.seq_number, 4u);
  EXPECT_EQ(r.outcomes.at(1).error_code, Errc::InvalidArgument);
}

TEST_F(Notifications, Filters) {
  NotificationFilter after;
  after.after_seq = 3;
  EXPECT_EQ(send(after).sent, 2u);
  EXPECT_THAT(card.removed, ElementsAre(4u, 5u));

  SetUp();
  card.removed.clear();
  NotificationFilter by_iccid;
  by_iccid.iccid = kIccid;
  EXPECT_EQ(send(by_iccid).sent, 2u);
  EXPECT_THAT(card.removed, ElementsAre(3u, 5u));

  SetUp();
  card.removed.clear();
  NotificationFilter one;
  one.only_seq = 4;
  EXPECT_EQ(send(one).sent, 1u);
  EXPECT_THAT(card.removed, ElementsAre(4u));
}

// One notification the engine cannot read (neither BF37 nor 30) must not hold up the others:
// the whole list fails to decode, so each is fetched on its own and only that one fails.
TEST_F(Notifications, AnUnreadableNotificationFailsAlone) {
  card.pending[4] = tlv::Builder(0x31)
                        .add_raw(notification_metadata(4, "b.example.com", kIccid, h("0640")))
                        .bytes();
  const NotificationReport r = send();
  EXPECT_EQ(r.on_card, 3u);
  EXPECT_EQ(r.sent, 2u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_THAT(card.removed, ElementsAre(3u, 5u));
  EXPECT_EQ(r.outcomes.at(1).metadata.seq_number, 4u);
  EXPECT_EQ(r.outcomes.at(1).error_code, Errc::Malformed);
  std::vector<tlv::Tag> order;
  for (const Bytes& c : card.commands) order.push_back(outer_tag(c));
  EXPECT_THAT(order, ElementsAre(0xBF2B, 0xBF28, 0xBF2B, 0xBF30, 0xBF2B, 0xBF2B, 0xBF30));
}

TEST_F(Notifications, CancelBeforeTheFirstIsAnError) {
  CancelToken token;
  token.cancel(CancelReason::Postponed);
  NotificationSender sender(es10, servers.factory());
  EXPECT_THROW(sender.send_pending({}, &token), Error);
  EXPECT_TRUE(servers.calls.empty());
  EXPECT_TRUE(card.removed.empty());
}

TEST_F(Notifications, NothingPending) {
  card.pending.clear();
  const NotificationReport r = send();
  EXPECT_EQ(r.sent + r.failed + r.on_card, 0u);
  EXPECT_TRUE(servers.calls.empty());
  // The one RetrieveNotificationsList is all it costs.
  ASSERT_EQ(card.commands.size(), 1u);
  EXPECT_EQ(outer_tag(card.commands.front()), 0xBF2Bu);
}

// A filter chooses among what the card holds; on_card still counts them all (the daemon's
// pending count is on_card - sent).
TEST_F(Notifications, OnCardCountsThoseTheFilterLeftOut) {
  NotificationFilter one;
  one.only_seq = 5;
  const NotificationReport r = send(one);
  EXPECT_EQ(r.on_card, 3u);
  EXPECT_EQ(r.sent, 1u);
  EXPECT_EQ(card.pending.size(), 2u);
}

}  // namespace
