#include "origin.h"

#include <cctype>

namespace imchat::gateway {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Host names, IPv4 and bracketed IPv6 literals; nothing that could smuggle a path,
// credentials or whitespace.
bool ValidHost(std::string_view h) {
  if (h.empty()) return false;
  if (h.front() == '[') {
    if (h.back() != ']' || h.size() < 3) return false;
    for (char c : h.substr(1, h.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
    return true;
  }
  for (char c : h) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
  }
  return true;
}

// "host[:port]" -> HostPort; default_port when no port.
std::optional<HostPort> ParseAuthority(std::string_view a, unsigned default_port) {
  std::string_view host = a;
  unsigned port = default_port;
  std::size_t colon = a.rfind(':');
  std::size_t bracket = a.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = a.substr(0, colon);
    std::string_view digits = a.substr(colon + 1);
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    port = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port == 0 || port > 65535) return std::nullopt;
  }
  if (!ValidHost(host)) return std::nullopt;
  return HostPort{Lower(host), port};
}

struct SchemeAuthority {
  std::string scheme;
  HostPort hp;
};

std::optional<SchemeAuthority> Split(std::string_view origin) {
  std::size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  std::string scheme = Lower(origin.substr(0, sep));
  unsigned def;
  if (scheme == "http" || scheme == "ws") {
    def = 80;
  } else if (scheme == "https" || scheme == "wss") {
    def = 443;
  } else {
    return std::nullopt;
  }
  std::string_view rest = origin.substr(sep + 3);
  // Tolerate one trailing slash in a configured URL; an Origin header never has one.
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  auto hp = ParseAuthority(rest, def);
  if (!hp) return std::nullopt;
  return SchemeAuthority{scheme, *hp};
}

}  // namespace

std::optional<HostPort> ParseOrigin(std::string_view origin) {
  auto s = Split(origin);
  if (!s) return std::nullopt;
  return s->hp;
}

std::optional<HostPort> ParseHostHeader(std::string_view host, unsigned default_port) {
  return ParseAuthority(host, default_port);
}

std::optional<std::string> NormalizeOrigin(std::string_view origin) {
  auto s = Split(origin);
  if (!s || s->scheme == "ws" || s->scheme == "wss") return std::nullopt;
  return s->scheme + "://" + s->hp.host + ":" + std::to_string(s->hp.port);
}

bool OriginAllowed(const std::optional<std::string>& origin, std::string_view host,
                   unsigned default_port, const std::vector<std::string>& allowed) {
  if (!origin) return true;
  auto o = ParseOrigin(*origin);
  if (!o) return false;  // "null" (sandboxed or file:// pages) and junk
  auto h = ParseHostHeader(host, default_port);
  if (h && *h == *o) return true;
  auto norm = NormalizeOrigin(*origin);
  if (!norm) return false;
  for (const auto& a : allowed) {
    if (a == *norm) return true;
  }
  return false;
}

bool OffersMqttSubprotocol(std::string_view header) {
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view token = header.substr(start, end - start);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (token == "mqtt") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace imchat::gateway
