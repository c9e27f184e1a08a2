#include "tools/euicc_card_session.h"

#include <algorithm>

#include "base/error.h"

namespace euiccd::tools {
namespace {

std::string quoted_list(const std::vector<apdu::ReaderStatus>& readers) {
  std::string out;
  for (const auto& r : readers) {
    if (!out.empty()) out += ", ";
    out += "\"" + r.name + "\"" + (r.card_present ? " (card)" : " (empty)");
  }
  return out.empty() ? "none" : out;
}

// nullopt while no reader fits yet (and it may still appear); throws when the choice can
// never work (an ambiguous name).
std::optional<std::string> pick(const std::vector<apdu::ReaderStatus>& readers,
                                const std::string& wanted) {
  if (wanted.empty()) {
    for (const auto& r : readers) {
      if (r.card_present) return r.name;
    }
    return std::nullopt;
  }
  std::vector<const apdu::ReaderStatus*> matches;
  for (const auto& r : readers) {
    if (r.name == wanted) return r.card_present ? std::optional(r.name) : std::nullopt;
    if (r.name.find(wanted) != std::string::npos) matches.push_back(&r);
  }
  if (matches.size() > 1) {
    throw Error(Errc::InvalidArgument, "--reader \"" + wanted +
                                           "\" matches more than one reader: " +
                                           quoted_list(readers) + "; give the full name");
  }
  if (matches.size() == 1 && matches[0]->card_present) return matches[0]->name;
  return std::nullopt;
}

}  // namespace

std::string choose_reader(apdu::PcscContext& context, const std::string& wanted,
                          std::chrono::seconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  context.wait_for_change(std::chrono::milliseconds(0));  // learn the current state
  for (;;) {
    const auto readers = context.reader_status();
    if (auto name = pick(readers, wanted)) return *name;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      const std::string what =
          wanted.empty() ? "no card in any reader" : "no card in a reader named \"" + wanted + "\"";
      throw Error(
          Errc::NoReader,
          what + " (readers: " + quoted_list(readers) + ")" +
              (wait.count() > 0 ? " after waiting " + std::to_string(wait.count()) + " s" : ""));
    }
    context.wait_for_change(std::min<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
        std::chrono::milliseconds(500)));
  }
}

CardSession::CardSession(const CommandLine& cmd) {
  card_ = std::make_unique<apdu::PcscCard>(context_,
                                           choose_reader(context_, cmd.reader, cmd.wait_for_card));
  transaction_.emplace(*card_);
  std::vector<Bytes> aids = cmd.isdr_aids;
  for (Bytes& aid : apdu::default_isd_r_aids()) {
    if (std::find(aids.begin(), aids.end(), aid) == aids.end()) aids.push_back(std::move(aid));
  }
  channel_ = std::make_unique<apdu::LogicalChannel>(*card_, std::move(aids));
  es10_channel_ = std::make_unique<apdu::Es10Channel>(*channel_, cmd.segment_size);
  client_ = std::make_unique<lpa::Es10Client>(*es10_channel_);
}

CardSession::~CardSession() = default;

}  // namespace euiccd::tools
