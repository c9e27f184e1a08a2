// ES10b ListNotification, RetrieveNotificationsList and RemoveNotificationFromList. Expected
// bytes are derived by hand from the SGP.22 ASN.1 (RSPDefinitions v2.2.2/v2.5) in the comment
// above each test; none is produced by our encoder.
#include <gtest/gtest.h>

#include <functional>

#include "base/error.h"
#include "lpa/es10_codec.h"
#include "test_bytes.h"

using namespace euiccd;
using namespace euiccd::lpa;
using euiccd::testing::ascii;
using euiccd::testing::code_of;
using euiccd::testing::h;

namespace {

constexpr std::string_view kIccid19Bcd = "98 44 74 56 00 00 21 42 51 F8";  // 8944476500001224158

// NotificationMetadata [47] { seqNumber [0] → 80, profileManagementOperation [1] → 81,
// notificationAddress UTF8String (untagged next to tagged members → universal 0C), iccid 5A }:
// install #5 with ICCID: 80 01 05 [3], 81 02 07 80 [4], 0C 07 "dp.test" [9], 5A 0A [12]
// = 28 = 0x1C → 31 bytes.
std::string install_metadata() {
  return "BF2F 1C 80 01 05 81 02 07 80 0C 07" + ascii("dp.test") + "5A 0A" +
         std::string(kIccid19Bcd);
}
// delete #256 without ICCID: 80 02 01 00 [4], 81 02 04 10 [4], 0C 07 "dp.test" [9] = 17 = 0x11
// → 20 bytes.
std::string delete_metadata() {
  return "BF2F 11 80 02 01 00 81 02 04 10 0C 07" + ascii("dp.test");
}

}  // namespace

// ---- ListNotification ----------------------------------------------------------------------

// ListNotificationRequest [40] { profileManagementOperation [1] NotificationEvent OPTIONAL }
TEST(Es10ListNotification, Requests) {
  EXPECT_EQ(encode_list_notification_request(std::nullopt), h("BF28 00"));
  EXPECT_EQ(encode_list_notification_request(NotificationEvent::Install), h("BF28 04 81 02 07 80"));
  EXPECT_EQ(encode_list_notification_request(NotificationEvent::Enable), h("BF28 04 81 02 06 40"));
  EXPECT_EQ(encode_list_notification_request(NotificationEvent::Disable), h("BF28 04 81 02 05 20"));
  EXPECT_EQ(encode_list_notification_request(NotificationEvent::Delete), h("BF28 04 81 02 04 10"));
}

// ListNotificationResponse [40] CHOICE { SEQUENCE OF NotificationMetadata → A0, error → 81 }:
// A0 33 (31 + 20 = 51) → BF28 35.
TEST(Es10ListNotification, Response) {
  auto list = decode_list_notification_response(
      h("BF28 35 A0 33 " + install_metadata() + delete_metadata()));
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(list[0].seq_number, 5U);
  EXPECT_EQ(list[0].operation, NotificationEvent::Install);
  EXPECT_EQ(list[0].address, "dp.test");
  EXPECT_EQ(list[0].iccid, "8944476500001224158");
  EXPECT_EQ(list[1].seq_number, 256U);
  EXPECT_EQ(list[1].operation, NotificationEvent::Delete);
  EXPECT_FALSE(list[1].iccid);
  EXPECT_TRUE(decode_list_notification_response(h("BF28 02 A0 00")).empty());
}

TEST(Es10ListNotification, ErrorAndMalformed) {
  auto code = [](const std::string& hex) {
    return code_of([&] { decode_list_notification_response(h(hex)); });
  };
  EXPECT_EQ(code("BF28 03 81 01 7F"), Errc::CardError);  // undefinedError
  EXPECT_EQ(code("BF28 00"), Errc::Malformed);
  EXPECT_EQ(code("BF2B 02 A0 00"), Errc::Malformed);
  // Two operation bits set (enable + disable = 05 60): "only one bit SHALL be set".
  EXPECT_EQ(code("BF28 13 A0 11 BF2F 0E 80 01 01 81 02 05 60 0C 05" + ascii("a.org")),
            Errc::Malformed);
  // Address under context tag 82 instead of universal 0C → missing.
  EXPECT_EQ(code("BF28 13 A0 11 BF2F 0E 80 01 01 81 02 06 40 82 05" + ascii("a.org")),
            Errc::Malformed);
  // seqNumber missing.
  EXPECT_EQ(code("BF28 10 A0 0E BF2F 0B 81 02 06 40 0C 05" + ascii("a.org")), Errc::Malformed);
  // List entry with another tag.
  EXPECT_EQ(code("BF28 04 A0 02 30 00"), Errc::Malformed);
  // Truncated.
  EXPECT_EQ(code("BF28 35 A0 33 " + install_metadata()), Errc::Malformed);
}

// ---- RetrieveNotificationsList -------------------------------------------------------------

// RetrieveNotificationsListRequest [43] { searchCriteria CHOICE OPTIONAL }: the only member
// is untagged, so it gets [0] = A0 (constructed, it is a CHOICE); inside, seqNumber [0] → 80,
// profileManagementOperation [1] → 81.
TEST(Es10RetrieveNotifications, Requests) {
  EXPECT_EQ(encode_retrieve_notifications_request_all(), h("BF2B 00"));
  EXPECT_EQ(encode_retrieve_notifications_request_by_seq(5), h("BF2B 05 A0 03 80 01 05"));
  EXPECT_EQ(encode_retrieve_notifications_request_by_seq(128), h("BF2B 06 A0 04 80 02 00 80"));
  EXPECT_EQ(encode_retrieve_notifications_request_by_seq(256), h("BF2B 06 A0 04 80 02 01 00"));
  EXPECT_EQ(encode_retrieve_notifications_request_by_event(NotificationEvent::Enable),
            h("BF2B 06 A0 04 81 02 06 40"));
}

// Response A0 { otherSignedNotification, profileInstallationResult }:
//  30 2E { BF2F 1C {80 01 06, 81 02 06 40, 0C 07 "dp.test", 5A 0A <iccid>} [31],
//          5F37 04 DEADBEEF [7], 30 02 0500 [4], 30 02 0500 [4] }            → 48 bytes
//  BF37 49 { BF27 3F { 80 01 AA [3], BF2F 1C {80 01 07, 81 02 07 80, 0C 07, 5A 0A} [31],
//                      06 03 2B0601 [5], A2 16 { A0 14 { 4F 10 <aid>, 04 00 } } [24] } [66],
//            5F37 04 DEADBEEF [7] }                                           → 76 bytes
//  A0 7C (124), BF2B 7E.
TEST(Es10RetrieveNotifications, ResponseKeepsRawBytes) {
  std::string other = "30 2E BF2F 1C 80 01 06 81 02 06 40 0C 07" + ascii("dp.test") + "5A 0A" +
                      std::string(kIccid19Bcd) + "5F37 04 DEADBEEF 30 02 0500 30 02 0500";
  std::string pir = "BF37 49 BF27 3F 80 01 AA BF2F 1C 80 01 07 81 02 07 80 0C 07" +
                    ascii("dp.test") + "5A 0A" + std::string(kIccid19Bcd) +
                    "06 03 2B0601 A2 16 A0 14 4F 10 A0000005591010FFFFFFFF8900001100 04 00"
                    " 5F37 04 DEADBEEF";
  auto list = decode_retrieve_notifications_response(h("BF2B 7E A0 7C" + other + pir));
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(list[0].metadata.seq_number, 6U);
  EXPECT_EQ(list[0].metadata.operation, NotificationEvent::Enable);
  EXPECT_EQ(list[0].metadata.iccid, "8944476500001224158");
  EXPECT_EQ(list[0].der, h(other));
  EXPECT_EQ(list[1].metadata.seq_number, 7U);
  EXPECT_EQ(list[1].metadata.operation, NotificationEvent::Install);
  EXPECT_EQ(list[1].metadata.address, "dp.test");
  EXPECT_EQ(list[1].der, h(pir));
}

// notificationsListResultError → 81: noResultAvailable 1 means "nothing", undefinedError 127.
TEST(Es10RetrieveNotifications, ErrorAlternative) {
  EXPECT_TRUE(decode_retrieve_notifications_response(h("BF2B 03 81 01 01")).empty());
  EXPECT_TRUE(decode_retrieve_notifications_response(h("BF2B 02 A0 00")).empty());
  EXPECT_EQ(code_of([] { decode_retrieve_notifications_response(h("BF2B 03 81 01 7F")); }),
            Errc::CardError);
}

TEST(Es10RetrieveNotifications, Malformed) {
  auto code = [](const std::string& hex) {
    return code_of([&] { decode_retrieve_notifications_response(h(hex)); });
  };
  EXPECT_EQ(code("BF2B 00"), Errc::Malformed);
  EXPECT_EQ(code("BF28 02 A0 00"), Errc::Malformed);
  EXPECT_EQ(code("BF2B 04 A0 02 31 00"), Errc::Malformed);            // neither BF37 nor 30
  EXPECT_EQ(code("BF2B 04 A0 02 30 00"), Errc::Malformed);            // 30 without BF2F
  EXPECT_EQ(code("BF2B 05 A0 03 BF37 00"), Errc::Malformed);          // BF37 without BF27
  EXPECT_EQ(code("BF2B 08 A0 06 BF37 03 BF27 00"), Errc::Malformed);  // BF27 without BF2F
  EXPECT_EQ(code("BF2B 7E A0 7C 30 2E BF2F"), Errc::Malformed);       // truncated
}

// ---- RemoveNotificationFromList ------------------------------------------------------------

// NotificationSentRequest [48] { seqNumber [0] INTEGER → 80 }; 128 needs a 00 sign byte.
TEST(Es10RemoveNotification, RequestAndResponse) {
  EXPECT_EQ(encode_remove_notification_request(5), h("BF30 03 80 01 05"));
  EXPECT_EQ(encode_remove_notification_request(128), h("BF30 04 80 02 00 80"));
  EXPECT_EQ(encode_remove_notification_request(0), h("BF30 03 80 01 00"));
  EXPECT_EQ(decode_remove_notification_response(h("BF30 03 80 01 00")), 0U);
  EXPECT_EQ(decode_remove_notification_response(h("BF30 03 80 01 01")), 1U);
  EXPECT_EQ(code_of([] { decode_remove_notification_response(h("BF30 00")); }), Errc::Malformed);
  EXPECT_EQ(code_of([] { decode_remove_notification_response(h("BF31 03 80 01 00")); }),
            Errc::Malformed);
}
