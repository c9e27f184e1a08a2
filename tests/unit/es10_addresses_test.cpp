// ES10a GetEuiccConfiguredAddresses and SetDefaultDpAddress. Expected bytes are derived by
// hand from the SGP.22 ASN.1 in the comment above each test.
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

TEST(Es10ConfiguredAddresses, Request) {
  EXPECT_EQ(encode_get_configured_addresses_request(), h("BF3C 00"));
}

// EuiccConfiguredAddressesResponse [60] { defaultDpAddress UTF8String OPTIONAL, rootDsAddress
// UTF8String }: no member tagged → 80, 81. "smdp.example.com" is 16 bytes, "lpa.ds.gsma.com"
// 15: 18 + 17 = 35 = 0x23.
TEST(Es10ConfiguredAddresses, BothAddresses) {
  auto a = decode_get_configured_addresses_response(
      h("BF3C 23 80 10" + ascii("smdp.example.com") + "81 0F" + ascii("lpa.ds.gsma.com")));
  EXPECT_EQ(a.default_dp_address, "smdp.example.com");
  EXPECT_EQ(a.root_ds_address, "lpa.ds.gsma.com");
}

TEST(Es10ConfiguredAddresses, RootOnlyAndUnknownField) {
  auto a = decode_get_configured_addresses_response(
      h("BF3C 14 81 0F" + ascii("lpa.ds.gsma.com") + "82 01 00"));
  EXPECT_FALSE(a.default_dp_address);
  EXPECT_EQ(a.root_ds_address, "lpa.ds.gsma.com");
}

TEST(Es10ConfiguredAddresses, Malformed) {
  auto code = [](const std::string& hex) {
    return code_of([&] { decode_get_configured_addresses_response(h(hex)); });
  };
  EXPECT_EQ(code("BF3C 12 80 10" + ascii("smdp.example.com")), Errc::Malformed);  // no root
  EXPECT_EQ(code("BF3F 11 81 0F" + ascii("lpa.ds.gsma.com")), Errc::Malformed);   // wrong tag
  EXPECT_EQ(code("BF3C 11 81 0F" + ascii("lpa.ds")), Errc::Malformed);            // truncated
  EXPECT_EQ(code(""), Errc::Malformed);
}

// SetDefaultDpAddressRequest [63] { defaultDpAddress UTF8String → 80 }: 2 + 16 = 0x12.
TEST(Es10SetDefaultDpAddress, Request) {
  EXPECT_EQ(encode_set_default_dp_address_request("smdp.example.com"),
            h("BF3F 12 80 10" + ascii("smdp.example.com")));
  EXPECT_EQ(encode_set_default_dp_address_request(""), h("BF3F 02 80 00"));
  EXPECT_EQ(code_of([] { encode_set_default_dp_address_request("bad\xC3"); }),
            Errc::InvalidArgument);
}

// SetDefaultDpAddressResponse [63] { setDefaultDpAddressResult INTEGER → 80 }
TEST(Es10SetDefaultDpAddress, Response) {
  EXPECT_EQ(decode_set_default_dp_address_response(h("BF3F 03 80 01 00")), 0U);
  EXPECT_EQ(decode_set_default_dp_address_response(h("BF3F 03 80 01 7F")), 127U);
  EXPECT_EQ(code_of([] { decode_set_default_dp_address_response(h("BF3F 03 81 01 00")); }),
            Errc::Malformed);
}
