// The headers every gateway response carries: a strict Content-Security-Policy (scripts and
// everything else only from this origin, no inline script, no plugins, no framing), plus
// nosniff, no referrer and no framing for older browsers.
#ifndef IMCHAT_GATEWAY_SECURITY_HEADERS_H_
#define IMCHAT_GATEWAY_SECURITY_HEADERS_H_

#include <boost/beast/http/fields.hpp>
#include <string>
#include <string_view>

namespace imchat::gateway {

// The policy for a page requested with this Host header. connect-src names ws:// and
// wss:// to the same host (older browsers don't count them as 'self'); a Host with
// characters outside [A-Za-z0-9.:[]-] is left out rather than echoed.
std::string ContentSecurityPolicy(std::string_view host);

// Sets the security headers on a response (or a WebSocket handshake response).
void AddSecurityHeaders(boost::beast::http::fields& fields, std::string_view host);

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_SECURITY_HEADERS_H_
