// The gateway's command line: where it listens, where the broker is, the web root and its
// limits. ParseOptions never exits or prints; main() does both.
#ifndef IMCHAT_GATEWAY_GATEWAY_OPTIONS_H_
#define IMCHAT_GATEWAY_GATEWAY_OPTIONS_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace imchat::gateway {

struct Options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string broker_host = "127.0.0.1";
  std::uint16_t broker_port = 1883;
  std::string web_root;                    // required; a directory
  int max_connections = 1000;              // concurrent WebSocket connections
  int idle_timeout_seconds = 300;          // 0: never; a WebSocket quiet both ways this long closes
  int header_timeout_seconds = 10;         // TLS handshake + a request's whole header
  int max_http_connections = 1000;         // connections not (yet) upgraded to WebSocket
  std::vector<std::string> allow_origins;  // normalized "scheme://host:port"
  std::string tls_cert;                    // both or neither: https and wss on the one port
  std::string tls_key;
  std::string log_file;  // also log here, timestamped (SIGHUP reopens)
  bool help = false;
};

// The usage text printed by --help.
std::string Usage();

// Parses argv (without argv[0]). On error returns a message naming the option and what
// to do, e.g. "--listen needs ADDR:PORT (e.g. 127.0.0.1:8080), not 'x'".
std::variant<Options, std::string> ParseOptions(const std::vector<std::string>& args);

// Splits "host:port" or "[v6]:port". False for a missing host, a missing or invalid port
// (1-65535; 0 only when allow_zero, meaning "any free port").
bool SplitHostPort(const std::string& text, std::string& host, std::uint16_t& port,
                   bool allow_zero);

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_GATEWAY_OPTIONS_H_
