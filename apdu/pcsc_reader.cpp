#include "apdu/pcsc_reader.h"

#include <PCSC/pcsclite.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "base/error.h"

namespace euiccd::apdu {
namespace {

constexpr const char* kPnpNotification = "\\\\?PnP?\\Notification";
constexpr DWORD kBothProtocols = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;

std::string pcsc_text(LONG result) {
  char code[16];
  std::snprintf(code, sizeof code, "0x%08lX", static_cast<unsigned long>(result));
  return std::string(pcsc_stringify_error(result)) + ", " + code;
}

}  // namespace

void throw_pcsc_error(LONG result, const std::string& what) {
  const std::string detail = what + " (" + pcsc_text(result) + ")";
  switch (result) {
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
      throw Error(Errc::NoReader,
                  "pcscd is not running (start it with `systemctl start "
                  "pcscd.socket`): " +
                      detail);
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_UNKNOWN_READER:
      throw Error(Errc::NoReader, "the card reader is not attached: " + detail);
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_NO_SMARTCARD:
    case SCARD_E_READER_UNAVAILABLE:
    case SCARD_E_INVALID_HANDLE:
      throw Error(Errc::CardRemoved, "the card or its reader went away: " + detail);
    case SCARD_E_NOT_TRANSACTED:
      // What a card pulled in the middle of an exchange looks like until pcscd's next presence
      // poll (vpcd: the card side closed its socket).
      throw Error(Errc::CardRemoved,
                  "the reader lost contact with the card (removed or not responding): " + detail);
    case SCARD_W_RESET_CARD:
      throw CardResetError("the card was reset by another program or the reader: " + detail);
    case SCARD_E_SHARING_VIOLATION:
      throw Error(Errc::Busy, "another program holds the card exclusively: " + detail);
    case SCARD_E_TIMEOUT: throw Error(Errc::Timeout, detail);
    case SCARD_E_CANCELLED: throw Error(Errc::Cancelled, detail);
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNSUPPORTED_CARD:
    case SCARD_E_PROTO_MISMATCH:
      throw Error(Errc::CardError, "the card does not respond properly: " + detail);
    default: throw Error(Errc::Internal, "PC/SC failed: " + detail);
  }
}

// ---- PcscContext ------------------------------------------------------------------------------

PcscContext::PcscContext() {
  LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context_);
  if (rc != SCARD_S_SUCCESS) throw_pcsc_error(rc, "connecting to pcscd");
}

PcscContext::~PcscContext() {
  SCardReleaseContext(context_);
}

std::vector<std::string> PcscContext::list_readers() {
  DWORD size = 0;
  LONG rc = SCardListReaders(context_, nullptr, nullptr, &size);
  if (rc == SCARD_E_NO_READERS_AVAILABLE) return {};
  if (rc != SCARD_S_SUCCESS) throw_pcsc_error(rc, "listing card readers");
  std::string buffer(size, '\0');
  rc = SCardListReaders(context_, nullptr, buffer.data(), &size);
  if (rc == SCARD_E_NO_READERS_AVAILABLE) return {};
  if (rc != SCARD_S_SUCCESS) throw_pcsc_error(rc, "listing card readers");
  buffer.resize(size);
  // A multi-string: names separated by NUL, ended by an empty name.
  std::vector<std::string> names;
  size_t start = 0;
  while (start < buffer.size()) {
    size_t end = buffer.find('\0', start);
    if (end == std::string::npos) end = buffer.size();
    if (end == start) break;
    names.emplace_back(buffer, start, end - start);
    start = end + 1;
  }
  return names;
}

std::vector<ReaderStatus> PcscContext::reader_status() {
  const auto names = list_readers();
  std::vector<SCARD_READERSTATE> states(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    states[i].szReader = names[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  std::vector<ReaderStatus> out;
  if (names.empty()) return out;
  LONG rc = SCardGetStatusChange(context_, 0, states.data(), static_cast<DWORD>(states.size()));
  if (rc != SCARD_S_SUCCESS && rc != SCARD_E_TIMEOUT) throw_pcsc_error(rc, "reading reader state");
  for (size_t i = 0; i < names.size(); ++i) {
    ReaderStatus s;
    s.name = names[i];
    s.card_present = (states[i].dwEventState & SCARD_STATE_PRESENT) != 0;
    s.in_use_exclusively = (states[i].dwEventState & SCARD_STATE_EXCLUSIVE) != 0;
    s.atr.assign(states[i].rgbAtr,
                 states[i].rgbAtr + std::min<DWORD>(states[i].cbAtr, MAX_ATR_SIZE));
    out.push_back(std::move(s));
  }
  return out;
}

bool PcscContext::wait_for_change(std::chrono::milliseconds timeout) {
  const auto names = list_readers();
  // pcsc-lite takes at most PCSCLITE_MAX_READERS_CONTEXTS states per call (more: "invalid
  // parameter"), which is also the most readers it serves. With every slot taken no reader can
  // come, and one that goes reports it on its own state, so the PnP pseudo reader is left out.
  const bool watch_pnp = names.size() < PCSCLITE_MAX_READERS_CONTEXTS;
  std::vector<SCARD_READERSTATE> states(names.size() + (watch_pnp ? 1 : 0));
  for (size_t i = 0; i < names.size(); ++i) {
    states[i].szReader = names[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
    for (const auto& k : known_) {
      if (k.name == names[i]) states[i].dwCurrentState = k.state;
    }
  }
  if (watch_pnp) {
    // pcsc-lite keeps the reader count in the high word of the PnP pseudo reader's state, so a
    // reader that came or went since the last call wakes us at once.
    SCARD_READERSTATE& pnp = states.back();
    pnp.szReader = kPnpNotification;
    pnp.dwCurrentState = static_cast<DWORD>(names.size()) << 16;
  }

  bool reader_set_changed = !primed_ || names.size() != known_.size();
  for (size_t i = 0; !reader_set_changed && i < names.size(); ++i) {
    reader_set_changed = known_[i].name != names[i];
  }
  const DWORD wait_ms =
      reader_set_changed ? 0 : static_cast<DWORD>(std::max<int64_t>(0, timeout.count()));
  LONG rc =
      SCardGetStatusChange(context_, wait_ms, states.data(), static_cast<DWORD>(states.size()));
  if (rc == SCARD_E_TIMEOUT) return reader_set_changed;
  if (rc == SCARD_E_CANCELLED) return false;
  if (rc != SCARD_S_SUCCESS && rc != SCARD_E_UNKNOWN_READER) {
    throw_pcsc_error(rc, "waiting for card reader changes");
  }
  known_.clear();
  for (size_t i = 0; i < names.size(); ++i) {
    known_.push_back({names[i], states[i].dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED)});
  }
  primed_ = true;
  return true;
}

void PcscContext::cancel() {
  SCardCancel(context_);
}

// ---- PcscCard ---------------------------------------------------------------------------------

PcscCard::PcscCard(PcscContext& context, std::string reader)
    : context_(context), reader_(std::move(reader)), receive_buffer_(MAX_BUFFER_SIZE_EXTENDED) {
  connect();
}

PcscCard::~PcscCard() {
  if (connected_) SCardDisconnect(card_, SCARD_LEAVE_CARD);
}

void PcscCard::set_protocol(DWORD active) {
  protocol_ = active == SCARD_PROTOCOL_T0 ? Protocol::T0 : Protocol::T1;
}

void PcscCard::connect() {
  DWORD active = 0;
  LONG rc = SCardConnect(context_.handle(), reader_.c_str(), SCARD_SHARE_SHARED, kBothProtocols,
                         &card_, &active);
  if (rc == SCARD_E_NO_SMARTCARD || rc == SCARD_W_REMOVED_CARD) {
    throw Error(Errc::NoReader,
                "there is no card in reader \"" + reader_ + "\" (" + pcsc_text(rc) + ")");
  }
  if (rc != SCARD_S_SUCCESS) throw_pcsc_error(rc, "connecting to the card in \"" + reader_ + "\"");
  connected_ = true;
  set_protocol(active);
}

void PcscCard::reconnect() {
  if (connected_) {
    DWORD active = 0;
    LONG rc = SCardReconnect(card_, SCARD_SHARE_SHARED, kBothProtocols, SCARD_LEAVE_CARD, &active);
    if (rc == SCARD_S_SUCCESS) {
      set_protocol(active);
      ++reset_count_;
      return;
    }
    // The handle is stale (card or reader replaced): start over with a new one.
    SCardDisconnect(card_, SCARD_LEAVE_CARD);
    connected_ = false;
  }
  connect();
  ++reset_count_;
}

Bytes PcscCard::transmit(ByteView command_apdu) {
  if (!connected_) reconnect();
  const SCARD_IO_REQUEST* pci = protocol_ == Protocol::T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  DWORD received = static_cast<DWORD>(receive_buffer_.size());
  LONG rc = SCardTransmit(card_, pci, command_apdu.data(), static_cast<DWORD>(command_apdu.size()),
                          nullptr, receive_buffer_.data(), &received);
  if (rc == SCARD_W_RESET_CARD || rc == SCARD_E_PROTO_MISMATCH || rc == SCARD_W_UNPOWERED_CARD) {
    // Someone reset the card; the command was not sent. Re-attach without a power cycle and
    // tell the channel above, whose logical channel the reset closed. pcscd reports a card it
    // powered up again under our handle (seen when another client died in the middle of an
    // exchange) as a protocol mismatch or an unpowered card: the same reset, seen later.
    DWORD active = 0;
    LONG again =
        SCardReconnect(card_, SCARD_SHARE_SHARED, kBothProtocols, SCARD_LEAVE_CARD, &active);
    ++reset_count_;
    if (again != SCARD_S_SUCCESS) {
      connected_ = false;
      throw_pcsc_error(again, "reconnecting to \"" + reader_ + "\" after a card reset");
    }
    set_protocol(active);
    throw CardResetError("the card in \"" + reader_ +
                         "\" was reset by another program or the reader; reconnected, the "
                         "command was not sent");
  }
  if (rc != SCARD_S_SUCCESS) {
    if (rc == SCARD_W_REMOVED_CARD) {
      // This handle stays dead even when a card is back in the reader: drop it, so the next
      // transmit connects anew (and the reset count tells channels to open again).
      SCardDisconnect(card_, SCARD_LEAVE_CARD);
      connected_ = false;
    }
    throw_pcsc_error(rc, "sending an APDU to the card in \"" + reader_ + "\"");
  }
  if (received < 2) {
    // Every response carries SW1 SW2. An empty "success" is what a reader driver reports when
    // the card went away while the command was in flight (Debian's vpcd does this when the
    // card's socket closes mid-APDU): treat it as the removal it is.
    throw Error(
        Errc::CardRemoved,
        "the card in \"" + reader_ + "\" stopped answering in the middle of a command (removed?)");
  }
  return Bytes(receive_buffer_.begin(), receive_buffer_.begin() + received);
}

Bytes PcscCard::atr() {
  DWORD reader_len = 0;
  DWORD state = 0;
  DWORD proto = 0;
  BYTE buffer[MAX_ATR_SIZE];
  DWORD atr_len = sizeof buffer;
  LONG rc = SCardStatus(card_, nullptr, &reader_len, &state, &proto, buffer, &atr_len);
  if (rc != SCARD_S_SUCCESS) throw_pcsc_error(rc, "reading the ATR in \"" + reader_ + "\"");
  return Bytes(buffer, buffer + atr_len);
}

// ---- PcscTransaction --------------------------------------------------------------------------

PcscTransaction::PcscTransaction(PcscCard& card) : card_(card) {
  LONG rc = SCardBeginTransaction(card_.handle());
  if (rc == SCARD_W_RESET_CARD) {
    card_.reconnect();  // the Card's reset count tells open channels to re-select
    rc = SCardBeginTransaction(card_.handle());
  }
  if (rc != SCARD_S_SUCCESS) {
    throw_pcsc_error(rc, "reserving the card in \"" + card_.reader() + "\" for this operation");
  }
}

PcscTransaction::~PcscTransaction() {
  SCardEndTransaction(card_.handle(), SCARD_LEAVE_CARD);
}

}  // namespace euiccd::apdu
