#include "gateway_options.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "origin.h"

namespace imchat::gateway {
namespace {

// Strict: the whole text must be a decimal number in [lo, hi].
bool ParseInt(const std::string& text, long lo, long hi, long& out) {
  if (text.empty() || text.size() > 10) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  errno = 0;
  long v = std::strtol(text.c_str(), nullptr, 10);
  if (errno != 0 || v < lo || v > hi) return false;
  out = v;
  return true;
}

}  // namespace

std::string Usage() {
  return "Usage: imchat-gateway --web-root DIR [options]\n"
         "Serves the web client from DIR and carries MQTT over WebSocket (/mqtt, subprotocol\n"
         "mqtt) to the broker's TCP listener.\n"
         "  --listen ADDR:PORT      where to listen (default 127.0.0.1:8080; port 0: any free)\n"
         "  --broker HOST:PORT      the broker's MQTT TCP listener (default 127.0.0.1:1883)\n"
         "  --web-root DIR          the directory of the pages (required)\n"
         "  --max-connections N     concurrent WebSocket connections (default 1000)\n"
         "  --idle-timeout S        close a WebSocket quiet both ways for S seconds\n"
         "                          (default 300; 0: never)\n"
         "  --header-timeout S      close a connection whose TLS handshake and request header\n"
         "                          take longer than S seconds (default 10)\n"
         "  --max-http-connections N  connections not yet upgraded to WebSocket (default\n"
         "                          1000); more are closed at once\n"
         "  --allow-origin URL      also accept pages from this origin (repeatable),\n"
         "                          e.g. https://chat.example.org\n"
         "  --tls-cert FILE         PEM certificate (chain): serve https and wss instead of\n"
         "                          http and ws on the same port (needs --tls-key)\n"
         "  --tls-key FILE          PEM private key of --tls-cert\n"
         "  --log FILE              also append the log to FILE with UTC times (SIGHUP\n"
         "                          reopens it, for logrotate); stderr always gets it\n";
}

bool SplitHostPort(const std::string& text, std::string& host, std::uint16_t& port,
                   bool allow_zero) {
  std::size_t colon;
  if (!text.empty() && text[0] == '[') {
    std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = text.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = text.substr(0, colon);
    if (host.find(':') != std::string::npos) return false;
  }
  long p = 0;
  if (host.empty() || !ParseInt(text.substr(colon + 1), allow_zero ? 0 : 1, 65535, p)) {
    return false;
  }
  port = static_cast<std::uint16_t>(p);
  return true;
}

std::variant<Options, std::string> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  bool have_root = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      o.help = true;
      return o;
    }
    auto value = [&](const char* what) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)what;
      return args[++i];
    };
    if (a == "--listen" || a == "--broker") {
      auto v = value("");
      bool listen = a == "--listen";
      if (!v) return a + " needs HOST:PORT (e.g. 127.0.0.1:" + (listen ? "8080" : "1883") + ")";
      std::string& host = listen ? o.listen_host : o.broker_host;
      std::uint16_t& port = listen ? o.listen_port : o.broker_port;
      if (!SplitHostPort(*v, host, port, listen)) {
        return a + " needs HOST:PORT with a port from " + (listen ? "0" : "1") +
               " to 65535 (e.g. 127.0.0.1:" + (listen ? "8080" : "1883") + "), not '" + *v + "'";
      }
    } else if (a == "--web-root") {
      auto v = value("");
      if (!v || v->empty()) return "--web-root needs a directory (the web client's files)";
      o.web_root = *v;
      have_root = true;
    } else if (a == "--max-connections" || a == "--idle-timeout") {
      auto v = value("");
      bool max = a == "--max-connections";
      long n = 0;
      if (!v || !ParseInt(*v, max ? 1 : 0, max ? 1000000 : 86400 * 7, n)) {
        return a +
               (max ? " needs a number from 1 to 1000000"
                    : " needs seconds from 0 (never) to 604800") +
               (v ? ", not '" + *v + "'" : std::string());
      }
      (max ? o.max_connections : o.idle_timeout_seconds) = static_cast<int>(n);
    } else if (a == "--header-timeout" || a == "--max-http-connections") {
      auto v = value("");
      bool timeout = a == "--header-timeout";
      long n = 0;
      if (!v || !ParseInt(*v, 1, timeout ? 3600 : 1000000, n)) {
        return a +
               (timeout ? " needs seconds from 1 to 3600" : " needs a number from 1 to 1000000") +
               (v ? ", not '" + *v + "'" : std::string());
      }
      (timeout ? o.header_timeout_seconds : o.max_http_connections) = static_cast<int>(n);
    } else if (a == "--allow-origin") {
      auto v = value("");
      if (!v) return "--allow-origin needs a URL such as https://chat.example.org";
      auto norm = NormalizeOrigin(*v);
      if (!norm) {
        return "--allow-origin needs an origin URL: scheme://host[:port] with scheme http or "
               "https and no path (e.g. https://chat.example.org), not '" +
               *v + "'";
      }
      o.allow_origins.push_back(*norm);
    } else if (a == "--log") {
      auto v = value("");
      if (!v || v->empty()) return "--log needs a file (e.g. data/gateway.log)";
      o.log_file = *v;
    } else if (a == "--tls-cert" || a == "--tls-key") {
      auto v = value("");
      if (!v || v->empty()) return a + " needs a PEM file";
      (a == "--tls-cert" ? o.tls_cert : o.tls_key) = *v;
    } else {
      return "unknown option '" + a + "' (see imchat-gateway --help)";
    }
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return o.tls_cert.empty() ? "--tls-key needs --tls-cert too (the certificate it belongs to)"
                              : "--tls-cert needs --tls-key too (the certificate's private key)";
  }
  if (!have_root) return "--web-root DIR is required (the directory of the web client's files)";
  return o;
}

}  // namespace imchat::gateway
