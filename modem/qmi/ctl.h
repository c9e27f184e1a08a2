// QMI CTL (service 0x00) messages that a QMI device answers before any UIM traffic: Get
// Version Info 0x0021, Allocate CID 0x0022, Release CID 0x0023, Sync 0x0027. libqmi and
// qmi-proxy send them; the emulated modem answers them (docs/modem-research.md 2.1).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "modem/qmi/qmux.h"

namespace euiccd::modem::qmi {

enum CtlMessage : uint16_t {
  kCtlGetVersionInfo = 0x0021,
  kCtlAllocateCid = 0x0022,
  kCtlReleaseCid = 0x0023,
  kCtlSync = 0x0027,
};

struct ServiceVersion {
  uint8_t service = 0;
  uint16_t major = 0;
  uint16_t minor = 0;
};

// Allocate CID: request TLV 0x01 = service u8; response TLV 0x01 = service u8, cid u8.
uint8_t decode_allocate_cid_request(const Sdu& request);
std::vector<Tlv> encode_allocate_cid_response(uint8_t service, uint8_t cid);
// Release CID: request and response TLV 0x01 = service u8, cid u8.
std::pair<uint8_t, uint8_t> decode_release_cid_request(const Sdu& request);
std::vector<Tlv> encode_release_cid_response(uint8_t service, uint8_t cid);
// Get Version Info: response TLV 0x01 = count u8, then (service u8, major u16, minor u16)*.
std::vector<Tlv> encode_version_info_response(const std::vector<ServiceVersion>& services);
// Sync and anything else answered with a bare result.
std::vector<Tlv> encode_plain_response(uint16_t error);

}  // namespace euiccd::modem::qmi
