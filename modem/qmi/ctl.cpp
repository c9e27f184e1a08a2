#include "modem/qmi/ctl.h"

#include "modem/qmi/result.h"

namespace euiccd::modem::qmi {

namespace {

const Tlv& required(const Sdu& request, uint8_t type, const char* message) {
  const Tlv* t = request.find(type);
  if (!t) {
    throw Error(Errc::Malformed,
                std::string("malformed QMI message: CTL ") + message + " without TLV 0x01");
  }
  return *t;
}

}  // namespace

uint8_t decode_allocate_cid_request(const Sdu& request) {
  TlvReader r(required(request, 0x01, "Allocate CID").value, "the service TLV");
  const uint8_t service = r.u8();
  r.finish();
  return service;
}

std::vector<Tlv> encode_allocate_cid_response(uint8_t service, uint8_t cid) {
  return {encode_result(kErrNone), {0x01, Bytes{service, cid}}};
}

std::pair<uint8_t, uint8_t> decode_release_cid_request(const Sdu& request) {
  TlvReader r(required(request, 0x01, "Release CID").value, "the client TLV");
  const uint8_t service = r.u8();
  const uint8_t cid = r.u8();
  r.finish();
  return {service, cid};
}

std::vector<Tlv> encode_release_cid_response(uint8_t service, uint8_t cid) {
  return {encode_result(kErrNone), {0x01, Bytes{service, cid}}};
}

std::vector<Tlv> encode_version_info_response(const std::vector<ServiceVersion>& services) {
  Bytes v{static_cast<uint8_t>(services.size())};
  for (const auto& s : services) {
    v.push_back(s.service);
    put_u16(v, s.major);
    put_u16(v, s.minor);
  }
  return {encode_result(kErrNone), {0x01, v}};
}

std::vector<Tlv> encode_plain_response(uint16_t error) {
  return {encode_result(error)};
}

}  // namespace euiccd::modem::qmi
