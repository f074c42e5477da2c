// The listening socket: accepts connections and starts an HTTP session for each.
#ifndef IMCHAT_GATEWAY_SERVER_H_
#define IMCHAT_GATEWAY_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <variant>

#include "gateway_state.h"

namespace imchat::gateway {

class Server {
 public:
  // Checks the web root and binds the listening address. On failure returns a message
  // that names the problem ("cannot listen on 127.0.0.1:8080: Address already in use; ...").
  static std::variant<std::unique_ptr<Server>, std::string> Create(boost::asio::io_context& io,
                                                                   Options options);

  // Starts accepting; the connections run on io.
  void Start();
  // The bound address as a URL, e.g. "http://127.0.0.1:8080/" (the real port for port 0).
  std::string Url() const;
  const GatewayState& state() const { return state_; }

 private:
  Server(boost::asio::io_context& io, GatewayState state);
  void Accept();

  boost::asio::io_context& io_;
  GatewayState state_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
};

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_SERVER_H_
