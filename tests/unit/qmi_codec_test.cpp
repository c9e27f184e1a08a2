// The QMI codec (modem/qmi/): wire bytes checked against what libqmi 1.32 sent through the real
// qmi-proxy (docs/modem-research.md 1.2), strict bounds on every length, and the mapping of
// QMI errors to named euiccd errors.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "modem/qmi/ctl.h"
#include "modem/qmi/qmux.h"
#include "modem/qmi/result.h"
#include "modem/qmi/uim.h"

using namespace euiccd;
using namespace euiccd::modem::qmi;

namespace {

constexpr char kIsdR[] = "A0000005591010FFFFFFFF8900000100";

Bytes hex(std::string s) {
  std::erase(s, ' ');
  return from_hex(s);
}

Frame request_frame(uint16_t transaction, uint16_t message, std::vector<Tlv> tlvs) {
  Frame f;
  f.service = kServiceUim;
  f.client = 1;
  f.sdu.transaction = transaction;
  f.sdu.message = message;
  f.sdu.tlvs = std::move(tlvs);
  return f;
}

Sdu response(std::string sdu_hex) {
  return decode_sdu(kServiceUim, hex(std::move(sdu_hex)));
}

Errc errc_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return Errc::Internal;
}

TEST(QmiCodec, RequestsMatchTheBytesLibqmiSentThroughTheProxy) {
  OpenLogicalChannelRequest open;
  open.aid = from_hex(kIsdR);
  EXPECT_EQ(to_hex(encode_frame(request_frame(1, kUimOpenLogicalChannel, encode(open)))),
            to_hex(hex("01 2400 00 0b 01 00 0100 4200 1800 01 0100 01 "
                       "10 1100 10 A0000005591010FFFFFFFF8900000100")));
  SendApduRequest apdu;
  apdu.apdu = hex("81E2910003BF3E00");
  apdu.channel = 1;
  EXPECT_EQ(to_hex(encode_frame(request_frame(2, kUimSendApdu, encode(apdu)))),
            to_hex(hex("01 2100 00 0b 01 00 0200 3b00 1500 01 0100 01 "
                       "02 0a00 0800 81E2910003BF3E00 10 0100 01")));
  CloseLogicalChannelRequest close;
  close.channel = 1;
  EXPECT_EQ(to_hex(encode_frame(request_frame(3, kUimLogicalChannel, encode(close)))),
            to_hex(hex("01 1400 00 0b 01 00 0300 3f00 0800 01 0100 01 11 0100 01")));
}

TEST(QmiCodec, FramesRoundTripBothWays) {
  const Bytes raw =
      hex("01 2100 00 0b 01 00 0200 3b00 1500 01 0100 01 "
          "02 0a00 0800 81E2910003BF3E00 10 0100 01");
  const Frame f = decode_frame(raw);
  EXPECT_FALSE(f.from_service);
  EXPECT_EQ(f.service, kServiceUim);
  EXPECT_EQ(f.client, 1);
  EXPECT_EQ(f.sdu.transaction, 2);
  EXPECT_EQ(f.sdu.message, kUimSendApdu);
  const SendApduRequest req = decode_send_apdu_request(f.sdu);
  EXPECT_EQ(to_hex(req.apdu), "81E2910003BF3E00");
  EXPECT_EQ(req.channel, 1);
  EXPECT_EQ(encode_frame(f), raw);

  // CTL has a one-byte transaction id and its own response flag (01).
  const Bytes ctl = hex("01 0F00 00 00 00 00 07 2200 0400 01 0100 0B");
  const Frame c = decode_frame(ctl);
  EXPECT_EQ(c.sdu.transaction, 7);
  EXPECT_EQ(decode_allocate_cid_request(c.sdu), kServiceUim);
  Frame answer{
      true,
      kServiceCtl,
      0,
      {MessageKind::Response, 7, kCtlAllocateCid, encode_allocate_cid_response(kServiceUim, 3)}};
  EXPECT_EQ(to_hex(encode_frame(answer)),
            to_hex(hex("01 1700 80 00 00 01 07 2200 0C00 02 0400 0000 0000 01 0200 0B03")));
}

TEST(QmiCodec, OpenLogicalChannelResponses) {
  const auto ok = decode_open_logical_channel_response(
      response("02 0100 4200 1600 02 0400 0000 0000 10 0100 02 11 0200 9000 12 0300 02 6F00"));
  EXPECT_TRUE(ok.result.ok());
  EXPECT_EQ(ok.channel, 2);
  EXPECT_EQ(ok.card_sw, 0x9000);
  EXPECT_EQ(to_hex(*ok.select_response), "6F00");

  const auto denied =
      decode_open_logical_channel_response(response("02 0100 4200 0700 02 0400 0100 5200"));
  EXPECT_FALSE(denied.result.ok());
  EXPECT_EQ(denied.result.error, kErrAccessDenied);
  EXPECT_FALSE(denied.channel);

  // Success without a channel, or a channel outside 1..19, is not what the protocol says.
  EXPECT_EQ(errc_of([] {
              decode_open_logical_channel_response(response("02 0100 4200 0700 02 0400 0000 0000"));
            }),
            Errc::Malformed);
  EXPECT_EQ(errc_of([] {
              decode_open_logical_channel_response(
                  response("02 0100 4200 0b00 02 0400 0000 0000 10 0100 14"));
            }),
            Errc::Malformed);
}

TEST(QmiCodec, SendApduResponsesNeedAStatusWord) {
  const auto ok =
      decode_send_apdu_response(response("02 0100 3b00 0e00 02 0400 0000 0000 10 0400 0200 9000"));
  EXPECT_EQ(to_hex(*ok.apdu_response), "9000");
  for (const char* bad : {
           "02 0100 3b00 0d00 02 0400 0000 0000 10 0300 0100 90",       // no SW
           "02 0100 3b00 0e00 02 0400 0000 0000 10 0400 2c01 9000",     // length past the TLV
           "02 0100 3b00 0f00 02 0400 0000 0000 10 0500 0200 9000 00",  // bytes left over
           "02 0100 3b00 0700 02 0400 0000 0000",                       // success, no response
           "02 0100 3b00 0600 02 0300 0000 00",                         // 3-byte result
           "02 0100 3b00 0000",                                         // no result at all
       }) {
    EXPECT_EQ(errc_of([&] { decode_send_apdu_response(response(bad)); }), Errc::Malformed) << bad;
  }
}

TEST(QmiCodec, StrictFraming) {
  EXPECT_FALSE(frame_size(hex("01 21")));  // not yet known
  EXPECT_EQ(frame_size(hex("01 2100")), 0x22u);
  EXPECT_EQ(errc_of([] { frame_size(hex("02 2100")); }), Errc::Malformed);  // no marker
  EXPECT_EQ(errc_of([] { frame_size(hex("01 0300")); }), Errc::Malformed);  // too short
  EXPECT_EQ(errc_of([] { frame_size(hex("01 ffff")); }), Errc::Malformed);  // too long
  // The SDU's TLV length must match what follows; TLVs must not run past the end.
  EXPECT_EQ(errc_of([] { decode_sdu(kServiceUim, hex("02 0100 3b00 0500 02 0400 0000 0000")); }),
            Errc::Malformed);
  EXPECT_EQ(errc_of([] { decode_sdu(kServiceUim, hex("02 0100 3b00 0300 02 0400")); }),
            Errc::Malformed);
  EXPECT_EQ(errc_of([] { decode_sdu(kServiceUim, hex("02 0100 3b")); }), Errc::Malformed);
  EXPECT_EQ(errc_of([] { decode_sdu(kServiceUim, hex("09 0100 3b00 0000")); }), Errc::Malformed);
  // The QMUX length must be the frame's.
  EXPECT_EQ(errc_of([] { decode_frame(hex("01 1400 00 0b 01 00 0300 3f00 0000 00")); }),
            Errc::Malformed);
}

TEST(QmiCodec, ErrorsAreNamedAndSayWhatToDo) {
  const Error denied = error_for("Open Logical Channel", kErrAccessDenied, std::nullopt);
  EXPECT_EQ(denied.code(), Errc::NotAllowed);
  const std::string m = denied.what();
  EXPECT_NE(m.find("AccessDenied (82)"), std::string::npos) << m;
  EXPECT_NE(m.find("firmware"), std::string::npos) << m;
  EXPECT_NE(m.find("SIM7600G-H"), std::string::npos) << m;
  EXPECT_EQ(error_for("x", kErrInsufficientResources, std::nullopt).code(), Errc::Busy);
  EXPECT_EQ(error_for("x", kErrInvalidQmiCommand, std::nullopt).code(), Errc::NotSupported);
  EXPECT_EQ(error_for("x", kErrInternal, 0x6A82).code(), Errc::NotSupported);
  EXPECT_EQ(error_for("x", kErrInternal, std::nullopt).code(), Errc::CardError);
  EXPECT_EQ(error_for("x", kErrNoSim, std::nullopt).code(), Errc::CardRemoved);
  EXPECT_EQ(error_for("x", kErrMissingArgument, std::nullopt).code(), Errc::Internal);
  EXPECT_EQ(describe_error(999), "error 999");
}

TEST(QmiCodec, SlotStatusCarriesIccidAndEid) {
  SlotStatus st;
  st.iccid = iccid_to_bcd("8944476500001224158");
  st.atr = hex("3B00");
  st.eid = from_hex("89049032123451234512345678901235");
  EXPECT_EQ(to_hex(st.iccid), "984474560000214251F8");
  const auto tlvs = encode(st);
  ASSERT_EQ(tlvs.size(), 4u);
  EXPECT_EQ(to_hex(tlvs[1].value),
            "01020000000100000001"
            "0A984474560000214251F8");
  EXPECT_EQ(to_hex(tlvs[3].value), "011089049032123451234512345678901235");
  EXPECT_EQ(errc_of([] { iccid_to_bcd("89A"); }), Errc::InvalidArgument);
}

}  // namespace
