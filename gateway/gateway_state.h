// What the gateway's sessions share: the options, the canonical web root, the count of
// open WebSocket connections, and the one log line format. One io_context thread uses
// it, so there are no locks.
#ifndef IMCHAT_GATEWAY_GATEWAY_STATE_H_
#define IMCHAT_GATEWAY_GATEWAY_STATE_H_

#include <cstddef>
#include <filesystem>
#include <string>

#include "gateway_options.h"

namespace imchat::gateway {

// The largest WebSocket message a client may send: the broker's message_size_limit
// (core/limits.h kMaxPayloadBytes, the payload only) plus room for the rest of a PUBLISH
// (fixed header, topic, MQTT 5 properties). Larger messages close the connection with
// 1009; the broker would refuse them anyway.
std::size_t MaxClientMessageBytes();

struct GatewayState {
  Options options;
  std::filesystem::path web_root;  // canonical
  int websockets = 0;              // /mqtt connections, from the upgrade decision to the end
};

// Writes "imchat-gateway: <line>" to stderr.
void Log(const std::string& line);

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_GATEWAY_STATE_H_
