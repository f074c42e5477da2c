// The checks at the WebSocket upgrade. Origin: a browser page may open /mqtt only when it
// was served by this gateway (the Origin's host:port equals the request's Host), or its
// origin was allowed with --allow-origin. Clients without an Origin (paho, mosquitto_sub
// over WebSockets) are not browsers and are let through: the broker still authenticates.
#ifndef IMCHAT_GATEWAY_ORIGIN_H_
#define IMCHAT_GATEWAY_ORIGIN_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imchat::gateway {

struct HostPort {
  std::string host;  // lower case; an IPv6 address keeps its brackets
  unsigned port = 0;
  bool operator==(const HostPort& o) const { return host == o.host && port == o.port; }
};

// "http://Host:8080" -> {"host", 8080}; the scheme's default port when none is given
// (http/ws 80, https/wss 443). Nullopt for "null", another scheme, a path, or junk.
std::optional<HostPort> ParseOrigin(std::string_view origin);

// A Host header "Host:8080" -> {"host", 8080}; default_port when none is given.
std::optional<HostPort> ParseHostHeader(std::string_view host, unsigned default_port);

// The normalized form of an --allow-origin URL ("scheme://host:port"), or nullopt.
std::optional<std::string> NormalizeOrigin(std::string_view origin);

// The decision. origin: the header's value, nullopt when absent. host: the Host header.
bool OriginAllowed(const std::optional<std::string>& origin, std::string_view host,
                   unsigned default_port, const std::vector<std::string>& allowed);

// The upgrade's other check: true when a Sec-WebSocket-Protocol value ("mqtt",
// "mqttv3.1, mqtt") offers "mqtt", the only subprotocol the gateway speaks.
bool OffersMqttSubprotocol(std::string_view header);

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_ORIGIN_H_
