// MBIM control messages (USB CDC MBIM 1.0, section 9), pure: no GLib, no I/O, so that every
// byte a modem sends can be fuzzed. libmbim-glib moves the bytes; this codec builds and reads
// them.
//
// Every message starts with `MessageType u32 | MessageLength u32 | TransactionId u32`.
//   OPEN          + MaxControlTransfer u32
//   CLOSE         (header only)
//   COMMAND       + fragment header + DeviceServiceId (16) + CID u32 + CommandType u32
//                 + InformationBufferLength u32 + InformationBuffer
//   HOST_ERROR, FUNCTION_ERROR, OPEN_DONE, CLOSE_DONE  + Status u32
//   COMMAND_DONE  + fragment header + DeviceServiceId + CID + Status u32 + length + buffer
//   INDICATE_STATUS + fragment header + DeviceServiceId + CID + length + buffer
// The fragment header is `TotalFragments u32 | CurrentFragment u32`. All integers are
// little-endian; service UUIDs travel in the byte order they are printed in.
//
// Decoders check every length against what is there and throw Error(Malformed) naming what is
// wrong; nothing is read past the end of the input.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace euiccd::modem::mbim {

using Uuid = std::array<uint8_t, 16>;

// Device services (mbim-uuid.h in libmbim 1.28).
extern const Uuid kServiceBasicConnect;       // a289cc33-bcbb-8b4f-b6b0-133ec2aae6df
extern const Uuid kServiceMsBasicConnectExt;  // 3d01dcc5-fef5-4d05-0d3a-bef7058e9aaf
extern const Uuid kServiceMsUiccLowLevel;     // c2f6588e-f037-4bc9-8665-f4d44bd09367
extern const Uuid kServiceProxyControl;       // 838cf7fb-8d0d-4d7f-871e-d71dbefbb39b

std::string describe_service(const Uuid& service);

enum MessageType : uint32_t {
  kOpen = 0x00000001,
  kClose = 0x00000002,
  kCommand = 0x00000003,
  kHostError = 0x00000004,
  kOpenDone = 0x80000001,
  kCloseDone = 0x80000002,
  kCommandDone = 0x80000003,
  kFunctionError = 0x80000004,
  kIndicateStatus = 0x80000007,
};

enum CommandType : uint32_t { kQuery = 0, kSet = 1 };

constexpr size_t kHeaderBytes = 12;
// The largest message we build or accept whole (after reassembly). MBIM devices announce a
// max control transfer of 4096 at most in practice; an APDU exchange needs about 600.
constexpr size_t kMaxMessageBytes = 64 * 1024;

struct Message {
  uint32_t type = kCommand;
  uint32_t transaction = 0;
  uint32_t max_control_transfer = 0;  // OPEN
  uint32_t status = 0;  // *_DONE, HOST_ERROR, FUNCTION_ERROR (a MBIM status / protocol error)
  // COMMAND, COMMAND_DONE, INDICATE_STATUS:
  Uuid service{};
  uint32_t cid = 0;
  uint32_t command_type = kQuery;  // COMMAND only
  Bytes information;
};

// One whole (unfragmented) message <-> bytes. decode_message throws Malformed for a fragment
// of a longer message; feed such streams through Reassembler.
Bytes encode_message(const Message& message);
Message decode_message(ByteView bytes);

// For reading a byte stream: the size of the message that starts at `prefix[0]` once 8 bytes
// are there, nullopt before that. Throws Malformed for a length below a header or above
// kMaxMessageBytes.
std::optional<size_t> message_size(ByteView prefix);

// Splits a message into fragments of at most `max_transfer` bytes each (MBIM 9.2); one
// fragment when it fits.
std::vector<Bytes> fragment(const Message& message, size_t max_transfer);

// Joins fragments back into whole messages. add() returns the message once its last fragment
// is in; throws Malformed for a fragment out of sequence or of another transaction (the
// partial message is dropped).
class Reassembler {
 public:
  std::optional<Message> add(ByteView fragment_bytes);

 private:
  std::optional<Message> partial_;
  uint32_t total_ = 0;
  uint32_t next_ = 0;
  size_t expected_ = 0;
};

// Little-endian helpers and a bounds-checked reader for information buffers.
void put_u32(Bytes& out, uint32_t v);
uint32_t get_u32(ByteView b, size_t at);

}  // namespace euiccd::modem::mbim
