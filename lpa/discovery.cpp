#include "lpa/discovery.h"

#include <memory>
#include <utility>

#include "lpa/activation_code.h"
#include "lpa/es10_client.h"
#include "lpa/es10_codec.h"

namespace euiccd::lpa {

DiscoveryResult ProfileDiscoverer::discover(const DiscoveryOptions& o) {
  cleanup_errors_.clear();
  Es10Client es10(card_);
  const auto checkpoint = [&] {
    if (o.cancel && o.cancel->cancelled())
      throw Error(Errc::Cancelled, "the profile discovery was cancelled");
  };

  DiscoveryResult result;
  result.smds_address = o.smds_address;
  if (result.smds_address.empty()) {
    result.smds_address = es10.get_configured_addresses().root_ds_address;
    if (result.smds_address.empty())
      throw Error(Errc::InvalidArgument,
                  "no SM-DS address given and the eUICC has no root SM-DS address");
  }
  validate_server_address(result.smds_address, "SM-DS address");
  if (!o.device.imei.empty()) encode_imei(o.device.imei);

  checkpoint();
  const Bytes challenge = es10.get_euicc_challenge();
  const Bytes info1 = card_.transceive(encode_get_euicc_info1_request());
  decode_euicc_info1(info1);

  if (!http_) throw Error(Errc::Internal, "no HTTP client factory was given");
  std::unique_ptr<HttpClient> http = http_(result.smds_address);
  if (!http) throw Error(Errc::Internal, "the HTTP client factory gave no client");
  Es9pClient smds(*http, result.smds_address, es9p_options_);

  checkpoint();
  const InitiateAuthenticationResult init = smds.es11_initiate_authentication(challenge, info1);
  checkpoint();

  // No matching id: that is what tells the card this is ES11.
  const Bytes authenticate_response =
      es10.authenticate_server(authenticate_server_request(init, "", o.device));

  try {
    checkpoint();
    result.events = smds.es11_authenticate_client(init.transaction_id, authenticate_response);
  } catch (...) {
    // The card holds the session opened by AuthenticateServer; end it so the next operation
    // starts clean. ES11 has no cancelSession, so the signed answer is not sent anywhere.
    const bool cancelled = o.cancel && o.cancel->cancelled();
    try {
      es10.cancel_session(init.transaction_id,
                          cancelled ? o.cancel->reason() : CancelReason::UndefinedReason);
    } catch (const Error& e) {
      cleanup_errors_.push_back(std::string("cancelling the session on the eUICC failed: ") +
                                e.what());
    }
    throw;
  }
  return result;
}

DownloadOptions event_download_options(const Es11EventEntry& event, DownloadOptions base) {
  base.activation_code.reset();
  base.smdp_address = event.rsp_server_address;
  base.matching_id = event.event_id;
  return base;
}

}  // namespace euiccd::lpa
