#include "modem/mbim/services.h"

#include <functional>

namespace euiccd::modem::mbim {

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw Error(Errc::Malformed, "malformed MBIM message: " + what);
}

// Builds an information buffer: a fixed part of u32 fields and references, then the
// referenced data, each piece padded to 4 bytes.
class Builder {
 public:
  Builder& u32(uint32_t v) {
    fields_.push_back({Kind::U32, v, {}});
    return *this;
  }
  // A byte array as LLA carries it: size, then offset.
  Builder& size_offset(Bytes data) {
    fields_.push_back({Kind::SizeOffset, 0, std::move(data)});
    return *this;
  }
  // A string or struct reference: offset, then size.
  Builder& offset_size(Bytes data) {
    fields_.push_back({Kind::OffsetSize, 0, std::move(data)});
    return *this;
  }
  Bytes build() const {
    size_t fixed = 0;
    for (const Field& f : fields_) fixed += f.kind == Kind::U32 ? 4 : 8;
    Bytes head, tail;
    for (const Field& f : fields_) {
      if (f.kind == Kind::U32) {
        put_u32(head, f.value);
        continue;
      }
      const uint32_t offset = f.data.empty() ? 0 : static_cast<uint32_t>(fixed + tail.size());
      const uint32_t size = static_cast<uint32_t>(f.data.size());
      put_u32(head, f.kind == Kind::SizeOffset ? size : offset);
      put_u32(head, f.kind == Kind::SizeOffset ? offset : size);
      append(tail, f.data);
      while (tail.size() % 4) tail.push_back(0);
    }
    append(head, tail);
    return head;
  }

 private:
  enum class Kind { U32, SizeOffset, OffsetSize };
  struct Field {
    Kind kind;
    uint32_t value;
    Bytes data;
  };
  std::vector<Field> fields_;
};

// Reads an information buffer's fixed part front to back; references are checked against the
// whole buffer. `what` names the command in errors.
class Reader {
 public:
  Reader(ByteView info, const char* what) : info_(info), what_(what) {}
  uint32_t u32() {
    if (info_.size() - pos_ < 4) {
      malformed(std::string("the ") + what_ + " buffer is cut short (" +
                std::to_string(info_.size()) + " bytes)");
    }
    const uint32_t v = get_u32(info_, pos_);
    pos_ += 4;
    return v;
  }
  Bytes size_offset(size_t max) {
    const uint32_t size = u32();
    const uint32_t offset = u32();
    return data(offset, size, max);
  }
  Bytes offset_size(size_t max) {
    const uint32_t offset = u32();
    const uint32_t size = u32();
    return data(offset, size, max);
  }
  // No bytes may follow the fixed part except referenced data; a buffer of only the fixed
  // part must be exactly that long.
  size_t fixed_end() const { return pos_; }

 private:
  Bytes data(uint32_t offset, uint32_t size, size_t max) {
    if (size == 0) return {};
    if (size > max) {
      malformed(std::string("the ") + what_ + " holds " + std::to_string(size) +
                " bytes of data, at most " + std::to_string(max) + " are allowed");
    }
    if (offset < pos_ || offset > info_.size() || size > info_.size() - offset) {
      malformed(std::string("the ") + what_ + " points at bytes " + std::to_string(offset) + ".." +
                std::to_string(static_cast<uint64_t>(offset) + size) + " of a " +
                std::to_string(info_.size()) + "-byte buffer");
    }
    return Bytes(info_.begin() + offset, info_.begin() + offset + size);
  }
  ByteView info_;
  const char* what_;
  size_t pos_ = 0;
};

void exact(ByteView info, size_t want, const char* what) {
  if (info.size() != want) {
    malformed(std::string("the ") + what + " buffer has " + std::to_string(info.size()) +
              " bytes, not " + std::to_string(want));
  }
}

// A buffer of one u32 and nothing else.
uint32_t single_u32(ByteView info, const char* what) {
  exact(info, 4, what);
  return get_u32(info, 0);
}

void check_channel(uint32_t channel, const char* what) {
  if (channel == 0 || channel > kMaxChannel) {
    malformed(std::string("the ") + what + " names channel " + std::to_string(channel));
  }
}

}  // namespace

uint16_t sw_of_status(uint32_t status) {
  return static_cast<uint16_t>((status & 0xFF) << 8 | ((status >> 8) & 0xFF));
}
uint32_t status_of_sw(uint16_t sw) {
  return static_cast<uint32_t>(sw >> 8) | static_cast<uint32_t>(sw & 0xFF) << 8;
}

Bytes utf16(const std::string& s) {
  Bytes out;
  for (char c : s) {
    out.push_back(static_cast<uint8_t>(c));
    out.push_back(0);
  }
  return out;
}

Bytes encode(const OpenChannelRequest& r) {
  if (r.app_id.size() < kMinAidBytes || r.app_id.size() > kMaxAidBytes) {
    throw Error(Errc::InvalidArgument,
                "an AID has 5..16 bytes, not " + std::to_string(r.app_id.size()));
  }
  return Builder().size_offset(r.app_id).u32(r.select_p2).u32(r.channel_group).build();
}
OpenChannelRequest decode_open_channel_request(ByteView info) {
  Reader rd(info, "UICC Open Channel request");
  OpenChannelRequest r;
  r.app_id = rd.size_offset(kMaxAidBytes);
  r.select_p2 = rd.u32();
  r.channel_group = rd.u32();
  if (r.app_id.size() < kMinAidBytes)
    malformed("an AID of " + std::to_string(r.app_id.size()) + " bytes");
  return r;
}

Bytes encode(const OpenChannelResponse& r) {
  return Builder().u32(r.status).u32(r.channel).size_offset(r.response).build();
}
OpenChannelResponse decode_open_channel_response(ByteView info) {
  Reader rd(info, "UICC Open Channel response");
  OpenChannelResponse r;
  r.status = rd.u32();
  r.channel = rd.u32();
  r.response = rd.size_offset(kMaxResponseBytes);
  return r;
}

Bytes encode(const CloseChannelRequest& r) {
  return Builder().u32(r.channel).u32(r.channel_group).build();
}
CloseChannelRequest decode_close_channel_request(ByteView info) {
  exact(info, 8, "UICC Close Channel request");
  Reader rd(info, "UICC Close Channel request");
  CloseChannelRequest r;
  r.channel = rd.u32();
  r.channel_group = rd.u32();
  return r;
}

Bytes encode(const CloseChannelResponse& r) {
  return Builder().u32(r.status).build();
}
CloseChannelResponse decode_close_channel_response(ByteView info) {
  return {single_u32(info, "UICC Close Channel response")};
}

Bytes encode(const ApduRequest& r) {
  if (r.command.size() < 4 || r.command.size() > kMaxCommandApduBytes) {
    throw Error(Errc::InvalidArgument,
                "a command APDU has 4..261 bytes, not " + std::to_string(r.command.size()));
  }
  return Builder()
      .u32(r.channel)
      .u32(r.secure_messaging)
      .u32(r.class_byte_type)
      .size_offset(r.command)
      .build();
}
ApduRequest decode_apdu_request(ByteView info) {
  Reader rd(info, "UICC APDU request");
  ApduRequest r;
  r.channel = rd.u32();
  r.secure_messaging = rd.u32();
  r.class_byte_type = rd.u32();
  r.command = rd.size_offset(kMaxCommandApduBytes);
  check_channel(r.channel, "UICC APDU request");
  if (r.command.size() < 4)
    malformed("a command APDU of " + std::to_string(r.command.size()) + " bytes");
  return r;
}

Bytes encode(const ApduResponse& r) {
  return Builder().u32(r.status).size_offset(r.response).build();
}
ApduResponse decode_apdu_response(ByteView info) {
  Reader rd(info, "UICC APDU response");
  ApduResponse r;
  r.status = rd.u32();
  r.response = rd.size_offset(kMaxResponseBytes);
  return r;
}

Bytes encode_atr_response(const Bytes& atr) {
  return Builder().size_offset(atr).build();
}

Bytes encode(const ResetRequest& r) {
  return Builder().u32(r.pass_through_action).build();
}
ResetRequest decode_reset_request(ByteView info) {
  return {single_u32(info, "UICC Reset request")};
}
Bytes encode(const ResetResponse& r) {
  return Builder().u32(r.pass_through_status).build();
}
ResetResponse decode_reset_response(ByteView info) {
  return {single_u32(info, "UICC Reset response")};
}

Bytes encode(const DeviceCaps& c) {
  return Builder()
      .u32(c.device_type)
      .u32(c.cellular_class)
      .u32(c.voice_class)
      .u32(c.sim_class)
      .u32(c.data_class)
      .u32(c.sms_caps)
      .u32(c.control_caps)
      .u32(c.max_sessions)
      .offset_size(utf16(c.custom_data_class))
      .offset_size(utf16(c.device_id))
      .offset_size(utf16(c.firmware_info))
      .offset_size(utf16(c.hardware_info))
      .build();
}

Bytes encode(const SubscriberReadyStatus& s) {
  return Builder()
      .u32(s.ready_state)
      .offset_size(utf16(s.subscriber_id))
      .offset_size(utf16(s.sim_iccid))
      .u32(s.ready_info)
      .u32(0)  // no telephone numbers
      .build();
}

Bytes encode_slot_info_request(uint32_t slot_index) {
  return Builder().u32(slot_index).build();
}
uint32_t decode_slot_info_request(ByteView info) {
  return single_u32(info, "Slot Info Status request");
}
Bytes encode(const SlotInfo& s) {
  return Builder().u32(s.slot_index).u32(s.state).build();
}
SlotInfo decode_slot_info(ByteView info) {
  exact(info, 8, "Slot Info Status response");
  return {get_u32(info, 0), get_u32(info, 4)};
}

Bytes encode_slot_mappings(const std::vector<uint32_t>& slots) {
  // MapCount, then MapCount (offset, size) references to 4-byte MbimSlot structs.
  Bytes out;
  put_u32(out, static_cast<uint32_t>(slots.size()));
  const size_t fixed = 4 + 8 * slots.size();
  for (size_t i = 0; i < slots.size(); ++i) {
    put_u32(out, static_cast<uint32_t>(fixed + 4 * i));
    put_u32(out, 4);
  }
  for (uint32_t s : slots) put_u32(out, s);
  return out;
}
std::vector<uint32_t> decode_slot_mappings(ByteView info) {
  Reader rd(info, "Device Slot Mappings");
  const uint32_t count = rd.u32();
  if (count > 16) malformed("Device Slot Mappings lists " + std::to_string(count) + " executors");
  std::vector<uint32_t> slots;
  std::vector<Bytes> refs;
  for (uint32_t i = 0; i < count; ++i) refs.push_back(rd.offset_size(4));
  for (const Bytes& r : refs) {
    if (r.size() != 4) malformed("a Device Slot Mappings entry is not 4 bytes");
    slots.push_back(get_u32(r, 0));
  }
  return slots;
}

}  // namespace euiccd::modem::mbim
