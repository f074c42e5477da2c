// What the gateway's sessions share: the options, the canonical web root, the TLS context,
// the connection counts, and the one log line format. One io_context thread uses it, so
// there are no locks.
#ifndef IMCHAT_GATEWAY_GATEWAY_STATE_H_
#define IMCHAT_GATEWAY_GATEWAY_STATE_H_

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <filesystem>
#include <memory>
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
  std::filesystem::path web_root;                  // canonical
  std::shared_ptr<boost::asio::ssl::context> tls;  // set with --tls-cert/--tls-key
  int websockets = 0;     // /mqtt connections, from the upgrade decision to the end
  int http_sessions = 0;  // connections not (yet) upgraded: TLS handshake, HTTP requests
};

// The socket's remote address as "addr:port" ("[v6]:port"), "?" when unknown.
std::string PeerOf(const boost::asio::ip::tcp::socket& socket);

// Writes "imchat-gateway: <line>" to stderr.
void Log(const std::string& line);

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_GATEWAY_STATE_H_
