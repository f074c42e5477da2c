// One /mqtt WebSocket connection and its own TCP connection to the broker, carrying bytes
// unchanged both ways. Each direction is a 64 KiB ByteRing with at most one read and one
// write in flight: the next bytes are read while the previous ones are written, and a full
// ring stops reading, so a client (or broker) that stops reading stalls its sender instead
// of growing a buffer. Memory per connection is at most two rings plus Beast's own.
//
// Ends: the client closes or errs -> the broker connection is closed. The broker cannot be
// reached -> close 1011; the broker closes -> close 1001; a message larger than
// MaxClientMessageBytes() -> close 1009 (Beast); a text frame -> close 1003; quiet both
// ways for --idle-timeout -> close 1001.
#ifndef IMCHAT_GATEWAY_MQTT_BRIDGE_H_
#define IMCHAT_GATEWAY_MQTT_BRIDGE_H_

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string>

#include "gateway_state.h"

namespace imchat::gateway {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
using UpgradeRequest = boost::beast::http::request<boost::beast::http::empty_body>;

// Takes the client's stream (plain, or TLS after its handshake) and its upgrade request
// (already checked: path, Origin, subprotocol, connection limit), counts itself in
// state.websockets until it ends, and runs on the stream's executor. state must outlive
// every bridge.
void StartMqttBridge(PlainStream client, UpgradeRequest upgrade, GatewayState& state,
                     std::string peer);
void StartMqttBridge(TlsStream client, UpgradeRequest upgrade, GatewayState& state,
                     std::string peer);

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_MQTT_BRIDGE_H_
