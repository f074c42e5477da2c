// WebSocket framing for the generator (RFC 6455, sections 4.1, 5.2, 5.3). The mask key is
// fixed per frame kind: the gateway unmasks every byte whatever the key is, which is the cost
// being measured, and the generator has no browser page to protect from cache poisoning.
#include "ws_frame.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace imchat::bench {
namespace {

constexpr uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Size of the MQTT packet starting at p (fixed header + remaining length); 0 if incomplete.
size_t PacketSize(const uint8_t* p, size_t n) {
  size_t len = 0, mult = 1;
  for (size_t i = 1; i < 5 && i < n; ++i) {
    len += (p[i] & 0x7fu) * mult;
    if (!(p[i] & 0x80)) return 1 + i + len <= n ? 1 + i + len : 0;
    mult *= 128;
  }
  return 0;
}

void AppendFrame(uint8_t opcode, const char* data, size_t n, std::string* wire) {
  wire->push_back(static_cast<char>(0x80 | opcode));  // FIN
  if (n < 126) {
    wire->push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    wire->push_back(static_cast<char>(0x80 | 126));
    wire->push_back(static_cast<char>(n >> 8));
    wire->push_back(static_cast<char>(n & 0xff));
  } else {
    wire->push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      wire->push_back(static_cast<char>((static_cast<uint64_t>(n) >> shift) & 0xff));
    }
  }
  wire->append(reinterpret_cast<const char*>(kMask), 4);
  const size_t start = wire->size();
  wire->append(data, n);
  char* out = wire->data() + start;
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(out[i] ^ kMask[i & 3]);
}

}  // namespace

std::string WsUpgradeRequest(const std::string& host, int port, const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: aW1jaGF0LWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n"
         "Sec-WebSocket-Protocol: mqtt\r\n\r\n";
}

WsHandshake ParseWsUpgradeResponse(std::string* in, std::string* error) {
  const size_t end = in->find("\r\n\r\n");
  if (end == std::string::npos) {
    if (in->size() > 16384) {
      *error = "the WebSocket upgrade answer has no end";
      return WsHandshake::kRefused;
    }
    return WsHandshake::kIncomplete;
  }
  const std::string head = in->substr(0, end + 2);
  const std::string lower = Lower(head);
  if (head.compare(0, 12, "HTTP/1.1 101") != 0 ||
      lower.find("\r\nsec-websocket-protocol: mqtt\r\n") == std::string::npos) {
    *error = "WebSocket upgrade refused: " + head.substr(0, head.find("\r\n"));
    return WsHandshake::kRefused;
  }
  in->erase(0, end + 4);
  return WsHandshake::kAccepted;
}

void AppendWsFrames(const std::string& mqtt, std::string* wire) {
  const auto* p = reinterpret_cast<const uint8_t*>(mqtt.data());
  size_t pos = 0;
  while (pos < mqtt.size()) {
    size_t size = PacketSize(p + pos, mqtt.size() - pos);
    if (size == 0) size = mqtt.size() - pos;  // never happens with whole packets; keep the bytes
    AppendFrame(0x2, mqtt.data() + pos, size, wire);
    pos += size;
  }
}

bool WsReader::Feed(const char* data, size_t n, std::string* payload, std::string* reply) {
  size_t pos = 0;
  while (pos < n) {
    if (remaining_ > 0) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - pos));
      if (opcode_ == 0x9) {
        control_.append(data + pos, take);
      } else if (opcode_ != 0xA) {
        payload->append(data + pos, take);
      }
      pos += take;
      remaining_ -= take;
      if (remaining_ == 0 && opcode_ == 0x9) {
        AppendFrame(0xA, control_.data(), control_.size(), reply);
        control_.clear();
      }
      continue;
    }
    // A frame header: 2 bytes, then 2 or 8 length bytes, then a mask key if masked.
    header_.push_back(data[pos++]);
    const auto* h = reinterpret_cast<const uint8_t*>(header_.data());
    if (header_.size() < 2) continue;
    const uint8_t len7 = h[1] & 0x7f;
    const size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((h[1] & 0x80) ? 4 : 0);
    if (header_.size() < need) continue;
    if (h[1] & 0x80) return false;  // a server never masks
    opcode_ = h[0] & 0x0f;
    if (opcode_ == 0x8 || opcode_ == 0x1 || (opcode_ > 0x2 && opcode_ < 0x9) || opcode_ > 0xA) {
      return false;
    }
    uint64_t len = len7;
    if (len7 >= 126) {
      len = 0;
      for (size_t i = 2; i < need; ++i) len = (len << 8) | h[i];
    }
    header_.clear();
    remaining_ = len;
    if (len == 0 && opcode_ == 0x9) AppendFrame(0xA, "", 0, reply);
  }
  return true;
}

}  // namespace imchat::bench
