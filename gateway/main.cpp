// imchat-gateway: serves the web client and carries MQTT over WebSocket to the broker.
// Usage: imchat-gateway --web-root DIR [--listen ADDR:PORT] [--broker HOST:PORT] ...
// (see --help). Everything but this shell lives in the imchat_gateway library.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "gateway_options.h"
#include "log_file.h"
#include "server.h"

int main(int argc, char** argv) {
  using namespace imchat::gateway;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = ParseOptions(args);
  if (auto* err = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "imchat-gateway: error: %s\n", err->c_str());
    return 2;
  }
  Options options = std::get<Options>(parsed);
  if (options.help) {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  if (!options.log_file.empty()) {
    std::string error;
    if (!OpenLogFile(options.log_file, error)) {
      std::fprintf(stderr, "imchat-gateway: error: %s\n", error.c_str());
      return 1;
    }
  }
  boost::asio::io_context io(1);
  auto created = Server::Create(io, options);
  if (auto* err = std::get_if<std::string>(&created)) {
    std::fprintf(stderr, "imchat-gateway: error: %s\n", err->c_str());
    return 1;
  }
  auto& server = std::get<0>(created);
  server->Start();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) {
    Log("stopping");
    io.stop();
  });
  // SIGHUP: logrotate moved --log's file; continue in a new one.
  boost::asio::signal_set hangup(io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        ReopenLogFile();
        hangup.async_wait(on_hangup);
      };
  hangup.async_wait(on_hangup);
  Log("listening on " + server->Url() + " (broker " + options.broker_host + ":" +
      std::to_string(options.broker_port) + ", web root " + server->state().web_root.string() +
      ")");
  io.run();
  return 0;
}
