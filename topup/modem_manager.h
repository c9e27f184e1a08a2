// ModemManager's D-Bus API as balance checks and top-ups use it: find the modem that carries
// the profile (the one holding its eUICC, or the one whose SIM is the profile:
// Sim.SimIdentifier = ICCID), run a USSD session on it (Modem.Modem3gpp.Ussd: Cancel a session
// already open, Initiate, Respond while the network waits for input, always Cancel what stays
// open), send an SMS (Modem.Messaging.Create + Sms.Send), wait for the operator's answer
// (Messaging.Added), and Delete both SMS from the modem afterwards.
//
// Blocking, every call with a deadline: meant for a worker thread. Each object opens its own
// bus connection, so one per thread. A wait on the network ends at once when ModemManager
// drops the modem (ObjectManager.InterfacesRemoved) or leaves the bus.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/cancel_token.h"

namespace euiccd::topup {

class Bus;

struct ModemManagerTimeouts {
  std::chrono::milliseconds call{10'000};
  std::chrono::milliseconds ussd{60'000};
  std::chrono::milliseconds sms_send{60'000};
  std::chrono::milliseconds sms_reply{120'000};
};

struct Modem {
  std::string path;      // /org/freedesktop/ModemManager1/Modem/0
  std::string sim_path;  // its active SIM
  std::string label;     // "modem 0 (Quectel EG25)" for messages
  int32_t state = 0;     // MMModemState
  bool has_ussd = false;
  bool has_messaging = false;
};

// Something went wrong that must not fail the request (an SMS that could not be deleted): a
// line for the log.
using Warn = std::function<void(const std::string& message)>;

// MMModem3gppUssdSessionState
enum class UssdState : uint32_t { Unknown = 0, Idle = 1, Active = 2, UserResponse = 3 };

class ModemManagerClient {
 public:
  static constexpr const char* kService = "org.freedesktop.ModemManager1";

  // `bus_address` "" = the system bus. Throws no_modem_manager when the bus is unreachable.
  ModemManagerClient(const std::string& bus_address, ModemManagerTimeouts timeouts, Warn warn = {});
  ~ModemManagerClient();
  ModemManagerClient(const ModemManagerClient&) = delete;
  ModemManagerClient& operator=(const ModemManagerClient&) = delete;

  // The modem whose active SIM has this ICCID ('F' padding and case ignored). Errors:
  // no_modem_manager, no_modem_for_profile, profile_not_enabled (the ICCID is in a SIM slot
  // that is not the active one), timed_out.
  Modem find_modem(std::string_view iccid);

  // The modem at `path`, the one that holds the eUICC whose enabled profile is `iccid`: no
  // ICCID matching (ModemManager's SIM object may still show the previous profile, or none).
  // Errors: no_modem_manager, no_modem_for_profile (ModemManager does not list `path`),
  // modem_not_ready, profile_not_enabled (another, inactive SIM slot of this modem reports
  // `iccid`), timed_out.
  Modem modem_at(const std::string& path, std::string_view iccid);

  // One USSD session: cancels a session already open, Initiate(command), then one Respond per
  // entry of `responses` while the network waits for input, and Cancel at the end if the
  // session is still open (also after a failure). Returns the last network text. `secret`
  // (the voucher) is redacted from error messages; `shown_command` is what errors show
  // instead of `command` (the template for a top-up). Errors: network_rejected, timed_out,
  // method_not_supported_by_modem, modem_gone (the modem or ModemManager left meanwhile).
  std::string run_ussd(const Modem& modem, std::string_view command, std::string_view shown_command,
                       const std::vector<std::string>& responses, std::string_view secret = {});

  // Sends `text` to `number` and waits for an SMS from `reply_from` ("" = `number`, "*" = any
  // sender) that arrives after it; returns its text. The SMS sent and the answer are deleted
  // from the modem afterwards (the one sent also after a failure); a deletion that fails is
  // passed to `warn`, not thrown. Other SMS are left alone. `secret` and `shown_text` as
  // above. Errors: network_rejected (Create/Send failed), timed_out (no answer in time),
  // modem_gone, Cancelled.
  std::string send_sms_and_wait_reply(const Modem& modem, std::string_view number,
                                      std::string_view text, std::string_view shown_text,
                                      std::string_view reply_from,
                                      const CancelToken* cancel = nullptr,
                                      std::string_view secret = {});

  UssdState ussd_state(const Modem& modem);

 private:
  void cancel_ussd(const Modem& modem, std::chrono::milliseconds timeout);
  // Messaging.Delete, best effort: a failure goes to warn_.
  void delete_sms(const Modem& modem, const std::string& sms_path, std::string_view secret);

  std::unique_ptr<Bus> bus_;
  ModemManagerTimeouts timeouts_;
  Warn warn_;
};

// True when two ICCIDs name the same SIM: 'F'/'f' padding at the end and case are ignored.
bool same_iccid(std::string_view a, std::string_view b);

// True when an SMS sender matches the number a request went to: equal digits, or one ends
// with the other (short code vs. international form); alphanumeric senders compare
// case-insensitively; "*" matches anything.
bool sender_matches(std::string_view sender, std::string_view expected);

}  // namespace euiccd::topup
