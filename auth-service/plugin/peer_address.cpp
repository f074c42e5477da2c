// PEER ADDRESS: "address:port" of a client, for server.log (the Durham
// assignment asks the server to log where each connection comes from).
//
// Mosquitto 2.0's plugin API gives the address only (mosquitto_client_address).
// In an epoll build (Linux), `struct mosquitto` begins with `int ident` (2 for
// a client) and `int sock`, and the broker's own log reads the port from that
// socket. We read the same socket with getpeername(), and trust it only when
// the layout looks right and the socket's address is the one the broker
// reports; otherwise the address alone is returned, never a wrong port.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "imchat_plugin.h"

namespace imchat::plugin {

namespace {

struct ClientHead {  // the first members of struct mosquitto with WITH_EPOLL
  int ident;
  int sock;
};
constexpr int kIdentClient = 2;

// "127.0.0.1" / "::1" and the port of `sock`'s peer, or false.
bool SocketPeer(int sock, std::string* host, int* port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(sock, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    if (!inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf)) return false;
    *port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (!inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf)) return false;
    *port = ntohs(in6->sin6_port);
  } else {
    return false;
  }
  *host = buf;
  return true;
}

}  // namespace

std::string PeerAddress(const mosquitto* client) {
  const char* reported = mosquitto_client_address(client);
  std::string address = reported ? reported : "";
  const auto* head = reinterpret_cast<const ClientHead*>(client);
  std::string host;
  int port = 0;
  if (head->ident != kIdentClient || head->sock < 0 || !SocketPeer(head->sock, &host, &port) ||
      host != address) {
    return address;
  }
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

}  // namespace imchat::plugin
