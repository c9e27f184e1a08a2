#include "daemon/modem_endpoint.h"

#include <gtest/gtest.h>

namespace euiccd::daemon {
namespace {

TEST(ModemEndpoint, TransportNamesRoundTrip) {
  for (auto t : {ModemTransport::Qmi, ModemTransport::Mbim, ModemTransport::At}) {
    EXPECT_EQ(parse_transport(transport_name(t)), t);
  }
  EXPECT_EQ(parse_transport("pcsc"), std::nullopt);  // not a modem carrier
  EXPECT_EQ(parse_transport("QMI"), std::nullopt);   // names are lower case, as on D-Bus
}

TEST(ModemEndpoint, KeyNamesTransportDeviceAndSlot) {
  const ModemEndpoint qmi{ModemTransport::Qmi, "/dev/cdc-wdm0", 2, ""};
  EXPECT_EQ(qmi.key(), "qmi:/dev/cdc-wdm0#2");
  ModemEndpoint other_slot = qmi;
  other_slot.slot = 1;
  EXPECT_NE(other_slot.key(), qmi.key());
}

}  // namespace
}  // namespace euiccd::daemon
