// The load generator's WebSocket client side (RFC 6455), for MQTT over WebSocket through
// imchat-gateway: the upgrade request and its answer, one masked binary frame per MQTT
// packet going out, and a streaming reader that strips frame headers from what comes in.
// Only what the generator needs: no extensions, no fragmented control frames.
#pragma once

#include <cstdint>
#include <string>

namespace imchat::bench {

// The HTTP/1.1 upgrade request for `path` on host:port, offering the subprotocol "mqtt" and no
// Origin (like paho and other non-browser clients).
std::string WsUpgradeRequest(const std::string& host, int port, const std::string& path);

enum class WsHandshake { kIncomplete, kAccepted, kRefused };
// Looks for the complete answer at the start of *in: kAccepted (101 with the subprotocol mqtt;
// the answer is erased from *in, what follows it stays), kRefused (anything else; *error says
// what came back), or kIncomplete.
WsHandshake ParseWsUpgradeResponse(std::string* in, std::string* error);

// Appends each MQTT packet of `mqtt` (complete packets only, as the generator writes them) to
// *wire as its own masked binary frame, as a browser's MQTT client sends them.
void AppendWsFrames(const std::string& mqtt, std::string* wire);

// Reads the server's frames as they arrive in pieces of any size.
class WsReader {
 public:
  // Appends the payload of binary and continuation frames to *payload and a pong for each
  // ping to *reply. False on a close frame, a text frame or a malformed header.
  bool Feed(const char* data, size_t n, std::string* payload, std::string* reply);

 private:
  std::string header_;      // an incomplete frame header
  uint64_t remaining_ = 0;  // payload bytes still to come in the current frame
  uint8_t opcode_ = 0;      // of the current frame
  std::string control_;     // a ping's payload so far
};

}  // namespace imchat::bench
