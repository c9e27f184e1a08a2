// The AT codec (modem/at/at_codec.h): command lines, and replies read in any chunking with
// echo, URCs, CR/LF variants, error results and the bounds on what a modem may send.
#include "modem/at/at_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "modem/at/at_channel_link.h"

using namespace euiccd;
using namespace euiccd::modem::at;

namespace {

Errc error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error";
  return Errc::Internal;
}

// Reads `bytes` fed `chunk` bytes at a time; every chunking must give the same reply.
Reply read(const Expect& expect, std::string_view bytes, size_t chunk) {
  ReplyReader reader(expect);
  for (size_t i = 0; i < bytes.size(); i += chunk) {
    if (reader.feed(bytes.substr(i, chunk))) break;
  }
  EXPECT_TRUE(reader.done()) << bytes;
  return reader.reply();
}

Reply read_all_chunkings(const Expect& expect, std::string_view bytes) {
  const Reply whole = read(expect, bytes, bytes.size());
  for (size_t chunk : {1, 2, 3, 7, 64}) {
    const Reply r = read(expect, bytes, chunk);
    EXPECT_EQ(r.final.kind, whole.final.kind) << chunk;
    EXPECT_EQ(r.info, whole.info) << chunk;
    EXPECT_EQ(r.urcs, whole.urcs) << chunk;
  }
  return whole;
}

const std::string kCgla = "AT+CGLA=1,16,\"81E2910003BF3E00\"\r";

}  // namespace

TEST(AtCommands, Lines) {
  EXPECT_EQ(echo_off_command(), "ATE0\r");
  EXPECT_EQ(error_mode_command(1), "AT+CMEE=1\r");
  EXPECT_EQ(error_mode_query_command(), "AT+CMEE?\r");
  EXPECT_EQ(open_channel_command(from_hex("A0000005591010FFFFFFFF8900000100")),
            "AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\r");
  EXPECT_EQ(channel_apdu_command("1", from_hex("81E2910003BF3E00")), kCgla);
  // Sierra's session ids stay text, never a number.
  EXPECT_EQ(channel_apdu_command("000000000385a7cf", from_hex("80CA005A00")),
            "AT+CGLA=000000000385a7cf,10,\"80CA005A00\"\r");
  EXPECT_EQ(close_channel_command("2"), "AT+CCHC=2\r");
  EXPECT_EQ(sim_apdu_command(from_hex("0070000001")), "AT+CSIM=10,\"0070000001\"\r");
}

TEST(AtCommands, RefusesWhatCannotBeALine) {
  EXPECT_EQ(error_of([] { channel_apdu_command("1\r+CFUN=0", from_hex("80CA005A00")); }),
            Errc::InvalidArgument);
  EXPECT_EQ(error_of([] { close_channel_command(""); }), Errc::InvalidArgument);
  EXPECT_EQ(error_of([] { channel_apdu_command(std::string(33, '1'), from_hex("80CA005A00")); }),
            Errc::InvalidArgument);
  EXPECT_EQ(error_of([] { sim_apdu_command(from_hex("0070")); }), Errc::InvalidArgument);
  EXPECT_EQ(error_of([] { open_channel_command(from_hex("A000")); }), Errc::InvalidArgument);
  EXPECT_EQ(error_of([] { error_mode_command(3); }), Errc::InvalidArgument);
}

TEST(AtReply, CglaWithEchoOnInAnyChunking) {
  const std::string bytes = kCgla + "\r\n+CGLA: 8,\"BF3E9000\"\r\n\r\nOK\r\n";
  const Reply r = read_all_chunkings(expect_for(kCgla, "+CGLA"), bytes);
  EXPECT_EQ(r.final.kind, FinalKind::Ok);
  ASSERT_EQ(r.info.size(), 1u);
  EXPECT_EQ(to_hex(parse_apdu_response(single_info(r, "AT+CGLA"), "+CGLA")), "BF3E9000");
  EXPECT_TRUE(r.urcs.empty());
  EXPECT_EQ(r.bytes, bytes.size() - 1);  // up to the CR that ends OK; its LF is left over
}

TEST(AtReply, LineEndingVariants) {
  for (std::string_view bytes : {"\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n", "\n+CSIM: 4,\"9000\"\nOK\n",
                                 "+CSIM: 4,\"9000\"\rOK\r", "\n\r+CSIM: 4,\"9000\"\n\rOK\n\r",
                                 "\r\r\n+CSIM: 4,\"9000\"\r\r\nOK\r\r\n"}) {
    const Reply r = read_all_chunkings(expect_for("AT+CSIM=10,\"0070000001\"", "+CSIM"), bytes);
    EXPECT_EQ(r.final.kind, FinalKind::Ok) << bytes;
    ASSERT_EQ(r.info.size(), 1u) << bytes;
    EXPECT_EQ(to_hex(parse_apdu_response(r.info[0], "+CSIM")), "9000");
  }
}

TEST(AtReply, UrcsInTheMiddleAreSetAside) {
  const std::string bytes =
      "\r\n+CREG: 1\r\n\r\nRING\r\n\r\n+CGLA: 8,\"BF3E9000\"\r\n^RSSI: 17\r\n+QIND: "
      "\"csq\",20,99\r\n\r\nOK\r\n";
  const Reply r = read_all_chunkings(expect_for(kCgla, "+CGLA"), bytes);
  EXPECT_EQ(r.final.kind, FinalKind::Ok);
  ASSERT_EQ(r.info.size(), 1u);
  EXPECT_EQ(r.info[0], "+CGLA: 8,\"BF3E9000\"");
  EXPECT_EQ(r.urcs,
            (std::vector<std::string>{"+CREG: 1", "RING", "^RSSI: 17", "+QIND: \"csq\",20,99"}));
  EXPECT_EQ(r.urcs_total, 4u);
}

TEST(AtReply, UrcStormIsCountedNotKept) {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes += "\r\n+CREG: 1\r\n";
  bytes += "\r\n+CGLA: 4,\"9000\"\r\n\r\nOK\r\n";
  const Reply r = read(expect_for(kCgla, "+CGLA"), bytes, 100);
  EXPECT_EQ(r.urcs.size(), kMaxUrcsKept);
  EXPECT_EQ(r.urcs_total, 1000u);
  EXPECT_EQ(r.info.size(), 1u);
}

TEST(AtReply, BytesAfterTheFinalResultAreLeftOver) {
  ReplyReader reader(expect_for("AT+CCHC=1", ""));
  EXPECT_TRUE(reader.feed("\r\nOK\r\n+CREG: 5\r\n"));
  EXPECT_EQ(reader.leftover(), "\n+CREG: 5\r\n");
  EXPECT_TRUE(reader.feed("more"));
  EXPECT_EQ(reader.leftover(), "\n+CREG: 5\r\nmore");
}

TEST(AtReply, ErrorResults) {
  const Expect e = expect_for(kCgla, "+CGLA");
  Reply r = read_all_chunkings(e, "\r\nERROR\r\n");
  EXPECT_EQ(r.final.kind, FinalKind::Error);
  r = read_all_chunkings(e, "\r\n+CME ERROR: 14\r\n");
  EXPECT_EQ(r.final.kind, FinalKind::CmeError);
  EXPECT_EQ(r.final.code, 14);
  r = read_all_chunkings(e, "\r\n+CME ERROR: SIM busy\r\n");
  EXPECT_EQ(r.final.kind, FinalKind::CmeError);
  EXPECT_FALSE(r.final.code);
  EXPECT_EQ(r.final.text, "+CME ERROR: SIM busy");
  r = read_all_chunkings(e, "\r\n+CMS ERROR: 500\r\n");
  EXPECT_EQ(r.final.kind, FinalKind::CmsError);
  EXPECT_EQ(r.final.code, 500);
  EXPECT_EQ(describe(r.final), "+CMS ERROR: 500");
}

TEST(AtReply, EchoIsSkippedOnlyWhenItIsTheCommand) {
  // Echo off: "AT" alone is not taken for anything but a URC-like stray line.
  const Reply r = read_all_chunkings(expect_for("ATE0\r", ""), "ATE0\r\r\nOK\r\n");
  EXPECT_EQ(r.final.kind, FinalKind::Ok);
  EXPECT_TRUE(r.urcs.empty());
  EXPECT_TRUE(r.info.empty());
  const Reply other = read_all_chunkings(expect_for("ATE0\r", ""), "ATZ\r\r\nOK\r\n");
  EXPECT_EQ(other.urcs, std::vector<std::string>{"ATZ"});
}

TEST(AtReply, SessionIds) {
  const auto ccho = [](std::string_view bytes) {
    return read_all_chunkings(expect_for("AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "+CCHO",
                                         Expect::Bare::SessionId),
                              bytes);
  };
  EXPECT_EQ(parse_session_id(single_info(ccho("\r\n+CCHO: 1\r\n\r\nOK\r\n"), "x")), "1");
  EXPECT_EQ(parse_session_id(single_info(ccho("\r\n+CCHO: 000000000385a7cf\r\n\r\nOK\r\n"), "x")),
            "000000000385a7cf");
  EXPECT_EQ(parse_session_id(single_info(ccho("\r\n+CCHO: \"2\"\r\n\r\nOK\r\n"), "x")), "2");
  // Fibocom FM350: a bare id; a bare URC beside it stays a URC.
  const Reply bare = ccho("\r\nRDY\r\n\r\n1\r\n\r\nOK\r\n");
  EXPECT_EQ(parse_session_id(single_info(bare, "x")), "1");
  EXPECT_EQ(bare.urcs, std::vector<std::string>{"RDY"});
  EXPECT_EQ(error_of([] { parse_session_id("+CCHO: 1;+CFUN=0"); }), Errc::Malformed);
  EXPECT_EQ(error_of([] { parse_session_id("+CCHO: "); }), Errc::Malformed);
  EXPECT_EQ(error_of([] { parse_session_id("+CCHO: " + std::string(33, '7')); }), Errc::Malformed);
}

TEST(AtReply, ApduResponseBounds) {
  EXPECT_EQ(to_hex(parse_apdu_response("+CGLA: 6,\"019000\"", "+CGLA")), "019000");
  EXPECT_EQ(to_hex(parse_apdu_response("+CGLA:6,019000", "+CGLA")), "019000");  // unquoted
  EXPECT_EQ(to_hex(parse_apdu_response("+cgla: 4 , \"6a82\"", "+CGLA")), "6A82");
  for (std::string_view bad : {"+CGLA: 8,\"9000\"",       // declared length is not the data's
                               "+CGLA: 5,\"90001\"",      // odd
                               "+CGLA: 4,\"90G0\"",       // not hex
                               "+CGLA: 2,\"90\"",         // no status word
                               "+CGLA: 4,\"9000",         // unpaired quote
                               "+CGLA: \"9000\"",         // no length
                               "+CGLA: x,\"9000\"",       // length not decimal
                               "+CGLA: 999999,\"9000\"",  // length absurd
                               "+CSIM: 4,\"9000\""}) {    // another command's line
    EXPECT_EQ(error_of([&] { parse_apdu_response(bad, "+CGLA"); }), Errc::Malformed) << bad;
  }
}

TEST(AtReply, MissingOrExtraInformationIsMalformed) {
  const Expect e = expect_for(kCgla, "+CGLA");
  const Reply none = read_all_chunkings(e, "\r\n+CREG: 1\r\n\r\nOK\r\n");
  EXPECT_EQ(error_of([&] { single_info(none, "AT+CGLA"); }), Errc::Malformed);
  const Reply two = read_all_chunkings(e, "\r\n+CGLA: 4,\"9000\"\r\n+CGLA: 4,\"9000\"\r\nOK\r\n");
  EXPECT_EQ(error_of([&] { single_info(two, "AT+CGLA"); }), Errc::Malformed);
  std::string many;
  for (size_t i = 0; i <= kMaxInfoLines; ++i) many += "+CGLA: 4,\"9000\"\r\n";
  EXPECT_EQ(error_of([&] { ReplyReader(e).feed(many); }), Errc::Malformed);
}

TEST(AtReply, GarbageAndOverlongLinesAreMalformed) {
  const Expect e = expect_for(kCgla, "+CGLA");
  EXPECT_EQ(error_of([&] { ReplyReader(e).feed(std::string("\r\n\x00\xFE+CGLA", 9)); }),
            Errc::Malformed);
  EXPECT_EQ(error_of([&] {
              ReplyReader(e).feed(
                  "\r\n+CGLA: 4,\"90\x80"
                  "00\"\r\n");
            }),
            Errc::Malformed);
  ReplyReader reader(e);
  const std::string chunk(100, 'A');
  EXPECT_EQ(error_of([&] {
              for (int i = 0; i < 30; ++i) reader.feed(chunk);  // 3000 bytes, no line end
            }),
            Errc::Malformed);
  // Exactly the bound is still a line.
  ReplyReader edge(e);
  EXPECT_FALSE(edge.feed(std::string(kMaxLineBytes, 'A')));
  EXPECT_TRUE(edge.feed("\r\nOK\r\n"));
}

TEST(AtReply, TruncatedReplyIsNotDone) {
  ReplyReader reader(expect_for(kCgla, "+CGLA"));
  EXPECT_FALSE(reader.feed("\r\n+CGLA: 8,\"6F"));
  EXPECT_FALSE(reader.done());
  EXPECT_EQ(reader.partial_line(), "+CGLA: 8,\"6F");
  EXPECT_EQ(reader.bytes_seen(), 14u);
}

// How AtChannelLink names a failed command (modem/at/at_channel_link.h).
TEST(AtErrors, CmeCodesAndTextsMapToNamedErrors) {
  const auto final_of = [](std::string_view line) {
    return read(expect_for("AT+CGLA=1,10,\"80CA005A00\"", "+CGLA"), std::string(line) + "\r\n", 64)
        .final;
  };
  const auto code_of = [&](std::string_view line) {
    return euiccd::modem::at::error_for(final_of(line), "sending").code();
  };
  EXPECT_EQ(code_of("+CME ERROR: 3"), Errc::NotAllowed);
  EXPECT_EQ(code_of("+CME ERROR: 4"), Errc::NotSupported);
  EXPECT_EQ(code_of("+CME ERROR: operation not supported"), Errc::NotSupported);
  EXPECT_EQ(code_of("+CME ERROR: 10"), Errc::CardRemoved);
  EXPECT_EQ(code_of("+CME ERROR: SIM busy"), Errc::Busy);
  EXPECT_EQ(code_of("+CME ERROR: 14"), Errc::Busy);
  EXPECT_EQ(code_of("+CME ERROR: 13"), Errc::CardError);
  EXPECT_EQ(code_of("+CME ERROR: Parameters error"), Errc::CardError);  // Sierra EM9191
  EXPECT_EQ(code_of("ERROR"), Errc::CardError);
  EXPECT_EQ(code_of("+CMS ERROR: 500"), Errc::CardError);
  EXPECT_EQ(euiccd::modem::at::cme_code(final_of("+CME ERROR: invalid index")), 21);
  EXPECT_FALSE(euiccd::modem::at::cme_code(final_of("ERROR")));
  const std::string message =
      euiccd::modem::at::error_for(final_of("+CME ERROR: 14"), "sending").what();
  EXPECT_EQ(message,
            "sending: the modem answered +CME ERROR: 14 (sim busy); try again in a moment");
}
