#include "security_headers.h"

#include <cctype>

namespace imchat::gateway {
namespace http = boost::beast::http;

namespace {

bool SafeHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
              c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string ContentSecurityPolicy(std::string_view host) {
  std::string connect = "connect-src 'self'";
  if (SafeHost(host)) {
    connect += " ws://" + std::string(host) + " wss://" + std::string(host);
  }
  // No 'unsafe-inline' anywhere: the web client ships its scripts and styles as files.
  // Images may be blob: URLs, which only the page's own script can make (the web client shows
  // a downloaded image from its verified bytes that way).
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
         connect +
         "; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
}

void AddSecurityHeaders(http::fields& fields, std::string_view host) {
  fields.set("Content-Security-Policy", ContentSecurityPolicy(host));
  fields.set("X-Content-Type-Options", "nosniff");
  fields.set("Referrer-Policy", "no-referrer");
  fields.set("X-Frame-Options", "DENY");
  fields.set(http::field::server, "imchat-gateway");
}

}  // namespace imchat::gateway
