#include "vmodem/uim/uim_modem.h"

#include <map>
#include <utility>

#include "vmodem/uim/uim_task.h"

namespace euiccd::vmodem {

namespace {

bool counts_opens(ModemFault f) {
  return f >= ModemFault::AccessDenied && f <= ModemFault::NoChannels;
}

bool counts_apdus(ModemFault f) {
  return f >= ModemFault::NoReply;
}

// Each fault's name on the command line.
constexpr std::pair<ModemFault, const char*> kFaultNames[] = {
    {ModemFault::AccessDenied, "access-denied"},
    {ModemFault::SelectFailed, "select-failed"},
    {ModemFault::NotSupported, "not-supported"},
    {ModemFault::NoChannels, "no-channels"},
    {ModemFault::NoReply, "no-reply"},
    {ModemFault::Garbled, "garbled"},
    {ModemFault::Truncated, "truncated"},
    {ModemFault::ResetMid, "reset-mid"},
    {ModemFault::Slow, "slow"}};

const char* name_of(ModemFault f) {
  for (const auto& [fault, name] : kFaultNames)
    if (fault == f) return name;
  return "";
}

// "access-denied (Open Channel), no-reply, garbled or slow (APDU), optionally @N"
std::string describe(std::initializer_list<ModemFault> offered) {
  std::string text;
  size_t left = offered.size();
  for (auto it = offered.begin(); it != offered.end(); ++it, --left) {
    if (!text.empty()) text += left == 1 ? " or " : ", ";
    text += name_of(*it);
    const bool last_open = counts_opens(*it) && (left == 1 || !counts_opens(*(it + 1)));
    if (last_open) text += " (Open Channel)";
  }
  return text + " (APDU), optionally @N";
}

}  // namespace

FaultPlan parse_modem_fault(const std::string& spec, const std::string& option,
                            std::initializer_list<ModemFault> offered) {
  std::map<std::string, ModemFault> kinds;
  for (ModemFault f : offered) kinds[name_of(f)] = f;
  return parse_fault_plan<FaultPlan>(spec, option, kinds, describe(offered));
}

UimModem::UimModem(veuicc::Card& card, std::function<std::string()> enabled_iccid, FaultPlan faults)
    : card_(card),
      faults_(faults),
      enabled_iccid_(std::move(enabled_iccid)),
      started_iccid_(enabled_iccid_()) {}

MessageModem UimModem::message_modem() {
  return {[this](ByteView b) { return message_size(b); }, [this](ByteView m) { return handle(m); },
          [this] { reset(); }};
}

void UimModem::restart_card() {
  forget_channels();
  card_.reset();
  started_iccid_ = enabled_iccid_();
}

ModemFault UimModem::open_fault() {
  ++opens_;
  if (!counts_opens(faults_.fault) || fault_fired_ || opens_ != faults_.at) return ModemFault::None;
  fault_fired_ = true;
  return faults_.fault;
}

ModemFault UimModem::apdu_fault() {
  ++apdus_;
  if (!counts_apdus(faults_.fault) || fault_fired_ || apdus_ != faults_.at) return ModemFault::None;
  fault_fired_ = true;
  return faults_.fault;
}

std::chrono::milliseconds UimModem::answer_delay(ModemFault fired) const {
  return fired == ModemFault::Slow ? faults_.slow_delay + faults_.latency : faults_.latency;
}

}  // namespace euiccd::vmodem
