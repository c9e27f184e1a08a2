// The MBIM codec (modem/mbim/): wire bytes checked against what libmbim 1.28 (mbimcli) sent
// through the real mbim-proxy to the emulated device, strict bounds on every length and
// offset, fragments, the LLA status word semantics (Status = SW1 | SW2<<8), the mapping of MBIM
// status codes to named euiccd errors, and the emulated modem's 256-byte answer limit.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "base/error.h"
#include "modem/mbim/message.h"
#include "modem/mbim/services.h"
#include "modem/mbim/status.h"
#include "tests/unit/veuicc_fixture.h"
#include "vmodem/mbim/mbim_modem.h"

using namespace euiccd;
using namespace euiccd::modem::mbim;

namespace {

constexpr char kIsdR[] = "A0000005591010FFFFFFFF8900000100";

Bytes hex(std::string s) {
  std::erase(s, ' ');
  return from_hex(s);
}

Message command(uint32_t transaction, const Uuid& service, uint32_t cid, uint32_t type,
                Bytes info) {
  Message m;
  m.type = kCommand;
  m.transaction = transaction;
  m.service = service;
  m.cid = cid;
  m.command_type = type;
  m.information = std::move(info);
  return m;
}

Errc errc_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return Errc::Internal;
}

// Captured from veuicc --modem mbim --verbose while mbimcli -p ran through mbim-proxy.
TEST(MbimCodec, RequestsMatchTheBytesLibmbimSentThroughTheProxy) {
  OpenChannelRequest open;
  open.app_id = from_hex(kIsdR);
  EXPECT_EQ(to_hex(encode_message(
                command(10, kServiceMsUiccLowLevel, kCidOpenChannel, kSet, encode(open)))),
            to_hex(hex("03000000 50000000 0A000000 01000000 00000000 "
                       "C2F6588EF0374BC98665F4D44BD09367 02000000 01000000 20000000 "
                       "10000000 10000000 00000000 01000000 A0000005591010FFFFFFFF8900000100")));
  ApduRequest apdu;
  apdu.channel = 1;
  apdu.command = hex("81E2910006BF3E035C015A");
  EXPECT_EQ(
      to_hex(encode_message(command(12, kServiceMsUiccLowLevel, kCidApdu, kSet, encode(apdu)))),
      to_hex(hex("03000000 50000000 0C000000 01000000 00000000 "
                 "C2F6588EF0374BC98665F4D44BD09367 04000000 01000000 20000000 "
                 "01000000 00000000 00000000 0B000000 14000000 81E2910006BF3E035C015A00")));
  EXPECT_EQ(to_hex(encode_message(command(14, kServiceMsUiccLowLevel, kCidCloseChannel, kSet,
                                          encode(CloseChannelRequest{1, 1})))),
            to_hex(hex("03000000 38000000 0E000000 01000000 00000000 "
                       "C2F6588EF0374BC98665F4D44BD09367 03000000 01000000 08000000 "
                       "01000000 01000000")));
  EXPECT_EQ(to_hex(encode_message(command(6, kServiceMsBasicConnectExt, kCidSlotInfoStatus, kQuery,
                                          encode_slot_info_request(0)))),
            to_hex(hex("03000000 34000000 06000000 01000000 00000000 "
                       "3D01DCC5FEF54D050D3ABEF7058E9AAF 08000000 00000000 04000000 00000000")));
  EXPECT_EQ(to_hex(encode_message(command(7, kServiceBasicConnect, kCidDeviceCaps, kQuery, {}))),
            to_hex(hex("03000000 30000000 07000000 01000000 00000000 "
                       "A289CC33BCBB8B4FB6B0133EC2AAE6DF 01000000 00000000 00000000")));
  Message open_msg;
  open_msg.type = kOpen;
  open_msg.transaction = 1;
  open_msg.max_control_transfer = 4096;
  EXPECT_EQ(to_hex(encode_message(open_msg)), to_hex(hex("01000000 10000000 01000000 00100000")));
}

TEST(MbimCodec, RequestsAndResponsesRoundTrip) {
  const Bytes raw = hex(
      "03000000 50000000 0C000000 01000000 00000000 C2F6588EF0374BC98665F4D44BD09367 04000000 "
      "01000000 20000000 01000000 00000000 00000000 0B000000 14000000 81E2910006BF3E035C015A00");
  const Message m = decode_message(raw);
  EXPECT_EQ(m.type, kCommand);
  EXPECT_EQ(m.transaction, 12u);
  EXPECT_EQ(m.service, kServiceMsUiccLowLevel);
  EXPECT_EQ(m.cid, kCidApdu);
  EXPECT_EQ(m.command_type, kSet);
  const ApduRequest req = decode_apdu_request(m.information);
  EXPECT_EQ(req.channel, 1u);
  EXPECT_EQ(to_hex(req.command), "81E2910006BF3E035C015A");
  EXPECT_EQ(encode_message(m), raw);

  OpenChannelResponse open{0x90, 1, hex("6F1F8410")};
  const OpenChannelResponse back = decode_open_channel_response(encode(open));
  EXPECT_EQ(back.status, 0x90u);
  EXPECT_EQ(back.channel, 1u);
  EXPECT_EQ(to_hex(back.response), "6F1F8410");
  EXPECT_EQ(decode_slot_mappings(encode_slot_mappings({1})), std::vector<uint32_t>{1});
  EXPECT_EQ(to_hex(encode_slot_mappings({0})), "010000000C0000000400000000000000");
}

TEST(MbimCodec, StatusIsSw1OrSw2ShiftedEight) {
  EXPECT_EQ(sw_of_status(144), 0x9000);  // mbimcli prints "status: 144" for 9000
  EXPECT_EQ(status_of_sw(0x9000), 144u);
  EXPECT_EQ(sw_of_status(0x826A), 0x6A82);
  EXPECT_EQ(status_of_sw(0x6110), 0x1061u);
}

TEST(MbimCodec, LengthsAndOffsetsAreCheckedStrictly) {
  const Bytes good = encode_message(
      command(3, kServiceMsUiccLowLevel, kCidApdu, kSet, encode(ApduResponse{0x90, hex("BF3E")})));
  Bytes shorter(good.begin(), good.end() - 1);
  EXPECT_EQ(errc_of([&] { decode_message(shorter); }), Errc::Malformed);  // length field lies
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(errc_of([&] { decode_message(longer); }), Errc::Malformed);
  Bytes bad_type = good;
  bad_type[0] = 0x09;
  EXPECT_EQ(errc_of([&] { decode_message(bad_type); }), Errc::Malformed);
  EXPECT_EQ(errc_of([&] { message_size(hex("03000000 08000000")); }), Errc::Malformed);
  EXPECT_EQ(*message_size(good), good.size());
  EXPECT_FALSE(message_size(hex("030000")));

  // An APDU response whose array points past the buffer, one cut short, one too big.
  EXPECT_EQ(errc_of([] { decode_apdu_response(hex("90000000 00010000 0C000000")); }),
            Errc::Malformed);
  EXPECT_EQ(errc_of([] { decode_apdu_response(hex("90000000 0100")); }), Errc::Malformed);
  EXPECT_EQ(errc_of([] { decode_apdu_response(hex("90000000 02000000 04000000")); }),
            Errc::Malformed);  // offset inside the fixed part
  EXPECT_EQ(errc_of([] {
              decode_open_channel_request(hex("03000000 10000000 00000000 01000000 A0B0C0"));
            }),
            Errc::Malformed);  // AID of 3 bytes (and past the end)
  EXPECT_EQ(errc_of([] { decode_close_channel_response(hex("9000")); }), Errc::Malformed);
  EXPECT_EQ(errc_of([] {
              decode_apdu_request(hex("00000000 00000000 00000000 04000000 10000000 00A40400"));
            }),
            Errc::Malformed);  // channel 0 is the basic channel, not LLA's
  EXPECT_EQ(errc_of([] {
              OpenChannelRequest r;
              r.app_id = hex("A000");
              encode(r);
            }),
            Errc::InvalidArgument);
}

TEST(MbimCodec, FragmentsJoinInOrderAndNothingElse) {
  Message big = command(42, kServiceMsUiccLowLevel, kCidApdu, kQuery, {});
  big.type = kCommandDone;
  big.status = 0;
  big.information = encode(ApduResponse{0x90, Bytes(300, 0xAB)});
  const std::vector<Bytes> parts = fragment(big, 64);
  ASSERT_GT(parts.size(), 5u);
  for (const Bytes& p : parts) EXPECT_LE(p.size(), 64u);
  EXPECT_EQ(errc_of([&] { decode_message(parts[0]); }), Errc::Malformed);  // not alone
  Reassembler r;
  std::optional<Message> whole;
  for (size_t i = 0; i < parts.size(); ++i) {
    whole = r.add(parts[i]);
    EXPECT_EQ(whole.has_value(), i + 1 == parts.size());
  }
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->information, big.information);
  EXPECT_EQ(decode_apdu_response(whole->information).response.size(), 300u);

  Reassembler out_of_order;
  EXPECT_FALSE(out_of_order.add(parts[0]));
  EXPECT_EQ(errc_of([&] { out_of_order.add(parts[2]); }), Errc::Malformed);
  // After the error it starts over: a whole message passes.
  EXPECT_TRUE(out_of_order.add(encode_message(command(1, kServiceBasicConnect, 1, kQuery, {}))));
}

TEST(MbimCodec, FailureStatusesMapToNamedErrorsThatSayWhatToDo) {
  const Error denied = error_for("UICC Open Channel", kStatusOperationNotAllowed, std::nullopt);
  EXPECT_EQ(denied.code(), Errc::NotAllowed);
  EXPECT_NE(std::string(denied.what()).find("firmware update"), std::string::npos);
  EXPECT_EQ(error_for("x", kStatusMsSelectFailed, std::nullopt).code(), Errc::NotAllowed);
  EXPECT_EQ(error_for("x", kStatusMsSelectFailed, 0x6A82).code(), Errc::NotSupported);
  const Error unsupported = error_for("x", kStatusNoDeviceSupport, std::nullopt);
  EXPECT_EQ(unsupported.code(), Errc::NotSupported);
  EXPECT_NE(std::string(unsupported.what()).find("QMI"), std::string::npos);
  EXPECT_EQ(error_for("x", kStatusMsNoLogicalChannels, std::nullopt).code(), Errc::Busy);
  EXPECT_EQ(error_for("x", kStatusSimNotInserted, std::nullopt).code(), Errc::CardRemoved);
  EXPECT_EQ(error_for("x", kStatusInvalidParameters, std::nullopt).code(), Errc::Internal);
  const Error unknown = error_for("x", 0x87430099, std::nullopt);
  EXPECT_EQ(unknown.code(), Errc::CardError);
  EXPECT_NE(std::string(unknown.what()).find("status 0x87430099"), std::string::npos);
  EXPECT_EQ(describe_status(kStatusMsSelectFailed), "MsSelectFailed (0x87430002)");
}

// The emulated modem in-process: an ES10 answer over 256 bytes comes in 256-byte pieces with
// 61xx, as from Qualcomm firmware, and GET RESPONSE on the channel fetches the rest.
TEST(MbimEmulatedModem, LongAnswersComeIn256BytePiecesWithGetResponse) {
  veuicc::CardState state;
  for (uint8_t n = 0; n < 8; ++n) {
    veuicc::Profile p =
        veuicc::testing::make_profile("894447650000122415" + std::to_string(n), n == 0, n);
    p.nickname = "a rather long nickname number " + std::to_string(n);
    p.service_provider_name = "Veuicc Mobile";
    p.profile_name = "plan " + std::to_string(n);
    state.profiles.push_back(p);
  }
  veuicc::testing::CardHarness harness(state);
  vmodem::mbim::MbimModem modem(harness.card(), [] { return std::string(); }, {});
  auto exchange = [&](uint32_t cid, Bytes info) {
    const auto action = modem.handle(
        encode_message(command(5, kServiceMsUiccLowLevel, cid, kSet, std::move(info))));
    EXPECT_EQ(action.replies.size(), 1u);
    const Message done = decode_message(action.replies.at(0).first);
    EXPECT_EQ(done.type, kCommandDone);
    EXPECT_EQ(done.status, kStatusNone);
    return done.information;
  };
  OpenChannelRequest open;
  open.app_id = from_hex(kIsdR);
  const OpenChannelResponse opened =
      decode_open_channel_response(exchange(kCidOpenChannel, encode(open)));
  EXPECT_EQ(sw_of_status(opened.status), 0x9000);
  ASSERT_EQ(opened.channel, 1u);

  ApduRequest list{1, 0, 0, hex("81E2910003BF2D00")};
  ApduResponse rsp = decode_apdu_response(exchange(kCidApdu, encode(list)));
  ASSERT_EQ(sw_of_status(rsp.status) >> 8, 0x61);
  EXPECT_EQ(rsp.response.size(), 256u);
  Bytes all = rsp.response;
  for (int i = 0; i < 4 && (sw_of_status(rsp.status) >> 8) == 0x61; ++i) {
    ApduRequest more{
        1, 0, 0, {0x81, 0xC0, 0x00, 0x00, static_cast<uint8_t>(sw_of_status(rsp.status))}};
    rsp = decode_apdu_response(exchange(kCidApdu, encode(more)));
    append(all, rsp.response);
  }
  EXPECT_EQ(sw_of_status(rsp.status), 0x9000);
  EXPECT_GT(all.size(), 256u);
  EXPECT_EQ(all[0], 0xBF);
  EXPECT_EQ(all[1], 0x2D);
}

// UICC Reset, the SIM restart after a profile switch (issue 13): one u32 each way, as
// libmbim's mbim_message_ms_uicc_low_level_access_reset_set_new builds it; the emulated modem
// resets the card, so the channel it had is gone and the next open gets channel 1 again.
TEST(MbimEmulatedModem, UiccResetResetsTheCardAndClosesItsChannels) {
  EXPECT_EQ(to_hex(encode(ResetRequest{})), "00000000");
  EXPECT_EQ(decode_reset_response(hex("01000000")).pass_through_status, kPassThroughEnabled);
  EXPECT_THROW(decode_reset_response(hex("010000")), Error);
  EXPECT_THROW(decode_reset_request(hex("0000000000")), Error);

  veuicc::testing::CardHarness harness;
  vmodem::mbim::MbimModem modem(harness.card(), [] { return std::string(); }, {});
  auto exchange = [&](uint32_t cid, uint32_t type, Bytes info) {
    const auto action = modem.handle(
        encode_message(command(5, kServiceMsUiccLowLevel, cid, type, std::move(info))));
    EXPECT_EQ(action.replies.size(), 1u);
    return decode_message(action.replies.at(0).first);
  };
  OpenChannelRequest open;
  open.app_id = from_hex(kIsdR);
  EXPECT_EQ(decode_open_channel_response(exchange(kCidOpenChannel, kSet, encode(open)).information)
                .channel,
            1u);
  const Message reset = exchange(kCidReset, kSet, encode(ResetRequest{}));
  EXPECT_EQ(reset.status, kStatusNone);
  EXPECT_EQ(decode_reset_response(reset.information).pass_through_status, kPassThroughDisabled);
  ApduRequest eid{1, 0, 0, hex("81E2910006BF3E035C015A")};
  EXPECT_EQ(exchange(kCidApdu, kSet, encode(eid)).status, kStatusMsInvalidLogicalChannel);
  EXPECT_EQ(decode_open_channel_response(exchange(kCidOpenChannel, kSet, encode(open)).information)
                .channel,
            1u);
  const Message query = exchange(kCidReset, kQuery, {});
  EXPECT_EQ(query.status, kStatusNone);
  EXPECT_EQ(decode_reset_response(query.information).pass_through_status, kPassThroughDisabled);
}

}  // namespace
