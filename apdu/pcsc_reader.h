// PC/SC (pcsc-lite) access: the resource-manager context with reader listing and change
// notification, a connected card implementing apdu::Card, and a transaction guard.
#pragma once

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "apdu/card.h"
#include "base/bytes.h"

namespace euiccd::apdu {

struct ReaderStatus {
  std::string name;
  bool card_present = false;
  bool in_use_exclusively = false;  // another program connected with SCARD_SHARE_EXCLUSIVE
  Bytes atr;
};

// One SCardEstablishContext. Not thread-safe, except cancel() which may be called from any
// thread to wake wait_for_change().
class PcscContext {
 public:
  // Throws Error(NoReader) when pcscd is not running.
  PcscContext();
  ~PcscContext();
  PcscContext(const PcscContext&) = delete;
  PcscContext& operator=(const PcscContext&) = delete;

  // Reader names as pcscd reports them; empty when no reader is attached.
  std::vector<std::string> list_readers();
  // Readers with card presence and ATR, without waiting.
  std::vector<ReaderStatus> reader_status();

  // Blocks until a reader appears or goes away, or a card is inserted or removed, or `timeout`
  // passes (pcscd's "\\?PnP?\Notification" pseudo reader plus every known reader). Returns true
  // when something changed since the previous call (the first call only learns the state and
  // returns true); false on timeout or cancel().
  bool wait_for_change(std::chrono::milliseconds timeout);
  void cancel();

  SCARDCONTEXT handle() const { return context_; }

 private:
  struct Known {
    std::string name;
    DWORD state;
  };
  SCARDCONTEXT context_ = 0;
  std::vector<Known> known_;
  bool primed_ = false;
};

// A card connected in shared mode with T=0 or T=1, whichever the card and reader choose.
class PcscCard : public Card {
 public:
  // Throws Error(NoReader) when the reader or card is missing, Error(Busy) when another program
  // holds the card exclusively. The context must outlive the card.
  PcscCard(PcscContext& context, std::string reader);
  ~PcscCard() override;  // SCardDisconnect(SCARD_LEAVE_CARD): the card stays powered
  PcscCard(const PcscCard&) = delete;
  PcscCard& operator=(const PcscCard&) = delete;

  Bytes transmit(ByteView command_apdu) override;
  Protocol protocol() const override { return protocol_; }
  void reconnect() override;
  uint64_t reset_count() const override { return reset_count_; }

  const std::string& reader() const { return reader_; }
  Bytes atr();
  SCARDHANDLE handle() const { return card_; }

 private:
  void connect();
  void set_protocol(DWORD active);

  PcscContext& context_;
  std::string reader_;
  SCARDHANDLE card_ = 0;
  bool connected_ = false;
  Protocol protocol_ = Protocol::T1;
  uint64_t reset_count_ = 0;
  Bytes receive_buffer_;
};

// Keeps other PC/SC clients off the card for a multi-APDU operation (a profile download, a
// STORE DATA sequence): SCardBeginTransaction / SCardEndTransaction(SCARD_LEAVE_CARD).
// pcsc-lite waits without a deadline while another client holds a transaction; keep them short.
class PcscTransaction {
 public:
  explicit PcscTransaction(PcscCard& card);
  ~PcscTransaction();
  PcscTransaction(const PcscTransaction&) = delete;
  PcscTransaction& operator=(const PcscTransaction&) = delete;

 private:
  PcscCard& card_;
};

// Throws the euiccd::Error that a PC/SC result code means; `what` says what was being done.
[[noreturn]] void throw_pcsc_error(LONG result, const std::string& what);

}  // namespace euiccd::apdu
