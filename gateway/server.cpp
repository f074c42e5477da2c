#include "server.h"

#include <chrono>
#include <system_error>

#include "http_session.h"
#include "tls_context.h"

namespace imchat::gateway {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Server::Server(asio::io_context& io, GatewayState state)
    : io_(io), state_(std::move(state)), acceptor_(io), retry_timer_(io) {}

std::variant<std::unique_ptr<Server>, std::string> Server::Create(asio::io_context& io,
                                                                  Options options) {
  std::error_code fec;
  std::filesystem::path root = std::filesystem::canonical(options.web_root, fec);
  if (fec) {
    return "cannot use --web-root '" + options.web_root + "': " + fec.message();
  }
  if (!std::filesystem::is_directory(root, fec)) {
    return "--web-root '" + options.web_root + "' is not a directory";
  }
  error_code ec;
  asio::ip::address addr = asio::ip::make_address(options.listen_host, ec);
  std::string where = options.listen_host + ":" + std::to_string(options.listen_port);
  if (ec) {
    return "cannot listen on " + where + ": '" + options.listen_host +
           "' is not an IP address (use e.g. 127.0.0.1 or 0.0.0.0)";
  }
  GatewayState state;
  if (!options.tls_cert.empty()) {
    auto loaded = LoadTlsContext(options.tls_cert, options.tls_key);
    if (auto* err = std::get_if<std::string>(&loaded)) return *err;
    state.tls = std::get<0>(std::move(loaded));
  }
  state.options = std::move(options);
  state.web_root = root;
  std::unique_ptr<Server> s(new Server(io, std::move(state)));
  tcp::endpoint ep(addr, s->state_.options.listen_port);
  s->acceptor_.open(ep.protocol(), ec);
  if (!ec) s->acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s->acceptor_.bind(ep, ec);
  if (!ec) s->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return "cannot listen on " + where + ": " + ec.message() +
           "; stop the other program or choose another --listen ADDR:PORT";
  }
  return s;
}

std::string Server::Url() const {
  error_code ec;
  tcp::endpoint ep = acceptor_.local_endpoint(ec);
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return std::string(state_.tls ? "https://" : "http://") + host + ":" + std::to_string(ep.port()) +
         "/";
}

void Server::Start() { Accept(); }

void Server::Accept() {
  acceptor_.async_accept(io_, [this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors and the like: say so and try again shortly rather than
      // spinning on an error that will not clear at once.
      Log("accept failed: " + ec.message() + " (retrying in 100 ms)");
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([this](error_code e) {
        if (!e) Accept();
      });
      return;
    }
    if (state_.http_sessions >= state_.options.max_http_connections) {
      // Many half-open requests (slowloris) or a flood: close at once rather than hold a
      // descriptor and a parser for each; upgraded WebSockets have their own limit.
      Log("refused " + PeerOf(socket) + ": " + std::to_string(state_.http_sessions) +
          " connections in their HTTP phase (--max-http-connections)");
      socket.close(ec);
      return Accept();
    }
    socket.set_option(tcp::no_delay(true), ec);
    StartHttpSession(std::move(socket), state_);
    Accept();
  });
}

}  // namespace imchat::gateway
