// One client TCP connection in its HTTP phase: serves GET/HEAD for the web root's files
// (keep-alive), and hands a checked /mqtt upgrade over to an MQTT bridge.
//
// Refusals: another method -> 405; a target that could leave the web root -> 400 or 404;
// an upgrade from a foreign Origin -> 403; an upgrade without the `mqtt` subprotocol ->
// 400; /mqtt without an upgrade -> 426; max connections reached -> 503. Every response
// carries the security headers (security_headers.h).
#ifndef IMCHAT_GATEWAY_HTTP_SESSION_H_
#define IMCHAT_GATEWAY_HTTP_SESSION_H_

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "gateway_state.h"

namespace imchat::gateway {

// Serves the connection until it closes or upgrades. state must outlive it.
void StartHttpSession(boost::asio::ip::tcp::socket socket, GatewayState& state);

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_HTTP_SESSION_H_
