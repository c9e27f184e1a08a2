#include "veuicc/card.h"

#include <algorithm>

#include "apdu/status_words.h"
#include "base/error.h"

namespace euiccd::veuicc {
namespace {

namespace sw = apdu::sw;                            // the status words the card answers with
constexpr uint16_t kChainingNotSupported = 0x6884;  // not in apdu/status_words.h

// An ES10 request larger than this is refused (6A84); a BPP segment is ~1 KiB.
constexpr size_t kMaxEs10Request = 256 * 1024;

// The REFRESH proactive command after Enable/Disable with refreshFlag (ETSI TS 102 223):
// command details (number 1, REFRESH, qualifier 04 = UICC reset), device identities UICC →
// terminal.
const Bytes kRefreshCommand = from_hex("D009810301010482028182");

}  // namespace

Bytes sw_only(uint16_t sw) {
  return {static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)};
}

struct Card::Apdu {
  uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  ByteView data;
  bool has_le = false;
  size_t ne = 0;  // expected response length when has_le (00 → 256, extended 0000 → 65536)
  bool proprietary = false;

  // ISO 7816-4 §5.1 cases 1..4, short and extended. Returns false on an impossible length.
  static bool parse(ByteView in, Apdu& out) {
    if (in.size() < 4) return false;
    out.cla = in[0];
    out.ins = in[1];
    out.p1 = in[2];
    out.p2 = in[3];
    const size_t n = in.size();
    if (n == 4) return true;
    if (n == 5) {
      out.has_le = true;
      out.ne = in[4] == 0 ? 256 : in[4];
      return true;
    }
    if (in[4] != 0) {
      const size_t lc = in[4];
      out.data = in.subspan(5, std::min(lc, n - 5));
      if (n == 5 + lc) return true;
      if (n == 6 + lc) {
        out.has_le = true;
        out.ne = in[n - 1] == 0 ? 256 : in[n - 1];
        return true;
      }
      return false;
    }
    // Extended length: 00 then two bytes.
    if (n < 7) return false;
    const size_t l = (size_t{in[5]} << 8) | in[6];
    if (n == 7) {
      out.has_le = true;
      out.ne = l == 0 ? 65536 : l;
      return true;
    }
    if (l == 0 || n < 7 + l) return false;
    out.data = in.subspan(7, l);
    if (n == 7 + l) return true;
    if (n == 9 + l) {
      const size_t le = (size_t{in[n - 2]} << 8) | in[n - 1];
      out.has_le = true;
      out.ne = le == 0 ? 65536 : le;
      return true;
    }
    return false;
  }
};

Card::Card(CardConfig config, StateStore& store, const Credentials& credentials)
    : config_(std::move(config)), store_(store), credentials_(credentials) {
  reset();
}

Bytes Card::atr() const {
  // Historical bytes: category 80, card capabilities 73 (selection by full DF name; data
  // coding 21; logical channels assigned by the card, 8 or more). T=0 alone is the default
  // protocol and needs no TD byte and no check byte TCK. Otherwise TD1 names the first protocol
  // (T=0 when both, with TD2 following for T=1, as on real eUICCs), and TCK follows.
  const Bytes historical = from_hex("8073802117");
  Bytes atr{0x3B};
  if (config_.protocol == Protocol::T0) {
    atr.push_back(static_cast<uint8_t>(historical.size()));
    append(atr, historical);
    return atr;
  }
  atr.push_back(static_cast<uint8_t>(0x80 | historical.size()));   // T0: TD1 present
  if (config_.protocol == Protocol::T0AndT1) atr.push_back(0x80);  // TD1: T=0, TD2 present
  atr.push_back(0x01);                                             // T=1, nothing follows
  append(atr, historical);
  uint8_t tck = 0;
  for (size_t i = 1; i < atr.size(); ++i) tck ^= atr[i];
  atr.push_back(tck);
  return atr;
}

void Card::reset() {
  for (auto& ch : channels_) ch = Channel{};
  channels_[0].open = true;
  session_ = Session{};
  proactive_command_.clear();
}

Bytes Card::transmit(ByteView command) {
  Apdu apdu;
  if (!Apdu::parse(command, apdu)) return sw_only(sw::kWrongLength);
  const uint8_t cla = apdu.cla;
  int channel = 0;
  if (cla == 0xFF) return sw_only(sw::kClaNotSupported);
  if ((cla & 0x60) == 0x00) {
    // First interindustry (0x0X) or its proprietary twin (0x8X): channel in bits 1-2,
    // secure messaging in bits 3-4, chaining in bit 5.
    if ((cla & 0x0C) != 0) return sw_only(sw::kSecureMessagingNotSupported);
    if ((cla & 0x10) != 0) return sw_only(kChainingNotSupported);
    channel = cla & 0x03;
  } else if ((cla & 0x40) == 0x40) {
    // Further interindustry (0x4X/0x6X) or proprietary (0xCX/0xEX): channel 4 + bits 1-4.
    if ((cla & 0x20) != 0) return sw_only(sw::kSecureMessagingNotSupported);
    if ((cla & 0x10) != 0) return sw_only(kChainingNotSupported);
    channel = 4 + (cla & 0x0F);
  } else {
    return sw_only(sw::kClaNotSupported);
  }
  apdu.proprietary = (cla & 0x80) != 0;
  if (channel >= kChannels || !channels_[static_cast<size_t>(channel)].open) {
    return sw_only(sw::kLogicalChannelNotSupported);
  }
  return process(apdu, channel);
}

Bytes Card::process(const Apdu& apdu, int channel) {
  Channel& ch = channels_[static_cast<size_t>(channel)];
  if (apdu.ins != 0xC0) {
    // Response data not fetched before the next command is lost, as on a real card.
    ch.pending.clear();
  }
  if (apdu.ins != 0xE2 && apdu.ins != 0xC0 && ch.next_block != 0) {
    // Another command interrupts an ES10 command half sent: drop it.
    ch.store_data.clear();
    ch.next_block = 0;
  }
  switch (apdu.ins) {
    case 0x70:
      if (apdu.proprietary) return sw_only(sw::kClaNotSupported);
      return manage_channel(apdu, channel);
    case 0xA4:
      if (apdu.proprietary) return sw_only(sw::kClaNotSupported);
      return select(apdu, ch);
    case 0xC0: return get_response(apdu, ch);
    case 0xE2:
      if (!apdu.proprietary) return sw_only(sw::kClaNotSupported);
      return store_data(apdu, ch);
    case 0xAA:  // TERMINAL CAPABILITY: accepted, nothing to do
      if (!apdu.proprietary) return sw_only(sw::kClaNotSupported);
      return sw_only(sw::kOk);
    case 0x12:  // FETCH
      if (!apdu.proprietary) return sw_only(sw::kClaNotSupported);
      return fetch(apdu, ch);
    case 0x14:  // TERMINAL RESPONSE
      if (!apdu.proprietary) return sw_only(sw::kClaNotSupported);
      return sw_only(sw::kOk);
    default: return sw_only(sw::kInsNotSupported);
  }
}

Bytes Card::manage_channel(const Apdu& apdu, int channel) {
  if (apdu.p1 == 0x80) {  // close P2
    if (apdu.p2 == 0 || apdu.p2 >= kChannels) return sw_only(sw::kIncorrectP1P2);
    Channel& target = channels_[apdu.p2];
    if (!target.open) return sw_only(sw::kLogicalChannelNotSupported);
    target = Channel{};
    return sw_only(sw::kOk);
  }
  if (apdu.p1 != 0x00) return sw_only(sw::kIncorrectP1P2);
  if (apdu.p2 == 0 && config_.protocol == Protocol::T0 && apdu.has_le && apdu.ne != 1) {
    return sw_only(0x6C01);  // T=0: wrong P3, and nothing happens until it is right
  }
  if (apdu.p2 != 0) {  // open the channel the terminal names; no data in the answer
    if (apdu.p2 >= kChannels) return sw_only(sw::kIncorrectP1P2);
    if (channels_[apdu.p2].open) return sw_only(sw::kConditionsNotSatisfied);
    channels_[apdu.p2] = Channel{};
    channels_[apdu.p2].open = true;
    return sw_only(sw::kOk);
  }
  for (size_t n = 1; n < kChannels; ++n) {
    if (channels_[n].open) continue;
    channels_[n] = Channel{};
    channels_[n].open = true;
    return respond(channels_[static_cast<size_t>(channel)], apdu, {static_cast<uint8_t>(n)});
  }
  return sw_only(sw::kFunctionNotSupported);  // all channels in use
}

Bytes Card::select(const Apdu& apdu, Channel& ch) {
  if (apdu.p1 != 0x04) return sw_only(apdu.p1 == 0x00 ? sw::kFileNotFound : sw::kIncorrectP1P2);
  // P2: 00 = return FCI (lpac), 04 = return FCP (onomondo, pySim), 0C = no response data.
  if (apdu.p2 != 0x00 && apdu.p2 != 0x04 && apdu.p2 != 0x0C) return sw_only(sw::kIncorrectP1P2);
  if (!std::equal(apdu.data.begin(), apdu.data.end(), config_.isdr_aid.begin(),
                  config_.isdr_aid.end())) {
    return sw_only(sw::kFileNotFound);
  }
  ch.isdr_selected = true;
  if (apdu.p2 == 0x0C) return sw_only(sw::kOk);
  // FCI: AID, proprietary data (max command data length FF), and the ISD-R proprietary
  // application template E0 { 82 svn }.
  const Bytes svn(config_.info.svn.begin(), config_.info.svn.end());
  const Bytes fci = tlv::Builder(0x6F)
                        .add(0x84, config_.isdr_aid)
                        .add(tlv::Builder(0xA5).add(0x9F65, Bytes{0xFF}))
                        .add(tlv::Builder(0xE0).add(0x82, svn))
                        .bytes();
  return respond(ch, apdu, fci);
}

Bytes Card::get_response(const Apdu& apdu, Channel& ch) {
  if (apdu.p1 != 0 || apdu.p2 != 0) return sw_only(sw::kIncorrectP1P2);
  if (ch.pending.empty()) return sw_only(sw::kConditionsNotSatisfied);
  const size_t available = ch.pending.size();
  const size_t ne = apdu.has_le ? apdu.ne : 256;
  if (config_.protocol == Protocol::T0 && ne > available) {
    // T=0: P3 must match what is left; 6Cxx tells the terminal the right value.
    return sw_only(static_cast<uint16_t>(0x6C00 | (available & 0xFF)));
  }
  const size_t n = std::min(ne, available);
  Bytes out(ch.pending.begin(), ch.pending.begin() + static_cast<std::ptrdiff_t>(n));
  ch.pending.erase(ch.pending.begin(), ch.pending.begin() + static_cast<std::ptrdiff_t>(n));
  if (!ch.pending.empty()) {
    append(out, sw_only(static_cast<uint16_t>(0x6100 |
                                              (std::min<size_t>(ch.pending.size(), 256) & 0xFF))));
  } else {
    append(out, sw_only(ch.pending_sw));
  }
  return out;
}

Bytes Card::respond(Channel& ch, const Apdu& apdu, Bytes data, uint16_t sw) {
  if (data.empty()) return sw_only(sw);
  const bool case2 = apdu.data.empty() && apdu.has_le;
  size_t inline_max = 0;  // how much may go out with this R-APDU
  if (config_.protocol != Protocol::T0) {
    inline_max = apdu.has_le ? apdu.ne : 256;
  } else if (case2 && data.size() <= 256) {
    // T=0 case 2: the data comes with the answer if P3 is right, else 6Cxx.
    if (apdu.ne != data.size())
      return sw_only(static_cast<uint16_t>(0x6C00 | (data.size() & 0xFF)));
    inline_max = data.size();
  }
  const size_t n = std::min(inline_max, data.size());
  Bytes out(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
  ch.pending.assign(data.begin() + static_cast<std::ptrdiff_t>(n), data.end());
  ch.pending_sw = sw;
  if (ch.pending.empty()) {
    append(out, sw_only(sw));
  } else {
    append(out, sw_only(static_cast<uint16_t>(0x6100 |
                                              (std::min<size_t>(ch.pending.size(), 256) & 0xFF))));
  }
  return out;
}

Bytes Card::store_data(const Apdu& apdu, Channel& ch) {
  if (!ch.isdr_selected) return sw_only(sw::kConditionsNotSatisfied);
  if (apdu.p1 != 0x11 && apdu.p1 != 0x91) return sw_only(sw::kIncorrectP1P2);
  if (apdu.p2 != ch.next_block) {
    ch.store_data.clear();
    ch.next_block = 0;
    return sw_only(sw::kIncorrectP1P2);
  }
  if (config_.max_block != 0 && apdu.data.size() > config_.max_block) {
    ch.store_data.clear();
    ch.next_block = 0;
    return sw_only(sw::kWrongLength);
  }
  if (ch.store_data.size() + apdu.data.size() > kMaxEs10Request || ch.next_block == 0xFF) {
    ch.store_data.clear();
    ch.next_block = 0;
    return sw_only(sw::kNotEnoughMemory);
  }
  append(ch.store_data, apdu.data);
  if (apdu.p1 == 0x11) {
    ++ch.next_block;
    return sw_only(sw::kOk);
  }
  ch.next_block = 0;
  return run_es10(ch, apdu);
}

Bytes Card::run_es10(Channel& ch, const Apdu& apdu) {
  const Bytes request = std::move(ch.store_data);
  ch.store_data.clear();
  Es10Context ctx{store_, credentials_, config_.info, behaviour_, session_, config_.eid};
  Bytes response;
  try {
    response = dispatch_es10(request, ctx);
  } catch (const Error& e) {
    if (e.code() == Errc::Malformed) return sw_only(sw::kIncorrectData);
    // 6A88 rather than 6D00: STORE DATA itself is supported, it is the data object (the
    // function tag) the card does not know; 6D00 would tell the LPA to stop using STORE DATA.
    if (e.code() == Errc::NotSupported) return sw_only(sw::kReferencedDataNotFound);
    return sw_only(sw::kNoPreciseDiagnosis);
  } catch (const std::exception&) {
    return sw_only(sw::kNoPreciseDiagnosis);
  }
  uint16_t sw = sw::kOk;
  if (ctx.refresh_requested) refresh_requested_ = true;
  if (ctx.refresh_requested && config_.proactive_refresh) {
    proactive_command_ = kRefreshCommand;
    sw = static_cast<uint16_t>(0x9100 | proactive_command_.size());
  }
  return respond(ch, apdu, std::move(response), sw);
}

Bytes Card::fetch(const Apdu& apdu, Channel& ch) {
  if (proactive_command_.empty()) return sw_only(sw::kConditionsNotSatisfied);
  Bytes command = std::move(proactive_command_);
  proactive_command_.clear();
  return respond(ch, apdu, std::move(command));
}

}  // namespace euiccd::veuicc
