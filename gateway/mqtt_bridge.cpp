#include "mqtt_bridge.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <optional>

#include "security_headers.h"

namespace imchat::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using beast::error_code;

// 16 KiB chunks: large enough that a 64 KiB message takes a few hops, small enough that
// 1,000 idle connections stay small.
constexpr std::size_t kChunkBytes = 16 * 1024;

// Stream: PlainStream or TlsStream; everything else is the same.
template <class Stream>
class MqttBridge : public std::enable_shared_from_this<MqttBridge<Stream>> {
 public:
  MqttBridge(Stream client, GatewayState& state, std::string peer)
      : ws_(std::move(client)),
        broker_(ws_.get_executor()),
        resolver_(ws_.get_executor()),
        idle_timer_(ws_.get_executor()),
        state_(state),
        peer_(std::move(peer)) {
    ++state_.websockets;
  }

  ~MqttBridge() {
    --state_.websockets;
    if (opened_) {
      Log("ws close " + peer_ + " (" + (reason_.empty() ? "closed" : reason_) + "; " +
          std::to_string(bytes_up_) + " bytes up, " + std::to_string(bytes_down_) + " bytes down)");
    }
  }

  void Start(http::request<http::empty_body> upgrade) {
    std::string host(upgrade[http::field::host].data(), upgrade[http::field::host].size());
    ws_.read_message_max(MaxClientMessageBytes());
    ws_.binary(true);
    ws_.auto_fragment(false);
    // The HTTP phase's deadline must not cut the WebSocket; Beast's own timeout covers the
    // handshakes, the idle timer below covers silence.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator([host](websocket::response_type& res) {
      res.set(http::field::sec_websocket_protocol, "mqtt");
      AddSecurityHeaders(res, host);
    }));
    ws_.async_accept(upgrade,
                     [self = this->shared_from_this()](error_code ec) { self->OnAccept(ec); });
  }

 private:
  void OnAccept(error_code ec) {
    if (ec) {
      Log("ws handshake with " + peer_ + " failed: " + ec.message());
      return;
    }
    opened_ = true;
    Log("ws open " + peer_);
    Touch();
    ArmIdleTimer();
    const Options& o = state_.options;
    resolver_.async_resolve(
        o.broker_host, std::to_string(o.broker_port),
        [self = this->shared_from_this()](error_code ec, tcp::resolver::results_type results) {
          if (self->closing_) return;
          if (ec)
            return self->CloseWs(websocket::close_code::internal_error,
                                 "broker address: " + ec.message());
          asio::async_connect(self->broker_, results, [self](error_code ec, const tcp::endpoint&) {
            self->OnBrokerConnect(ec);
          });
        });
  }

  void OnBrokerConnect(error_code ec) {
    if (closing_) return;
    if (ec) {
      return CloseWs(websocket::close_code::internal_error, "broker unreachable: " + ec.message());
    }
    broker_.set_option(tcp::no_delay(true), ec);
    ReadClient();
    ReadBroker();
  }

  // --- client -> broker
  void ReadClient() {
    ws_.async_read_some(asio::buffer(up_),
                        [self = this->shared_from_this()](error_code ec, std::size_t n) {
                          self->OnClientRead(ec, n);
                        });
  }

  void OnClientRead(error_code ec, std::size_t n) {
    if (ec) {
      // Beast has already answered a close frame or sent 1009 for an oversized message.
      if (reason_.empty()) {
        reason_ = ec == websocket::error::closed ? "client closed" : "client: " + ec.message();
      }
      closing_ = true;
      ShutBroker();
      return;
    }
    if (ws_.got_text()) {
      return CloseWs(websocket::close_code::bad_payload, "text frame (MQTT needs binary)");
    }
    Touch();
    bytes_up_ += n;
    asio::async_write(broker_, asio::buffer(up_.data(), n),
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        if (ec) {
                          return self->CloseWs(websocket::close_code::internal_error,
                                               "broker write: " + ec.message());
                        }
                        if (!self->closing_) self->ReadClient();
                      });
  }

  // --- broker -> client
  void ReadBroker() {
    broker_.async_read_some(asio::buffer(down_),
                            [self = this->shared_from_this()](error_code ec, std::size_t n) {
                              self->OnBrokerRead(ec, n);
                            });
  }

  void OnBrokerRead(error_code ec, std::size_t n) {
    if (ec) {
      if (ec == asio::error::eof) {
        return CloseWs(websocket::close_code::going_away, "broker closed the connection");
      }
      return CloseWs(websocket::close_code::internal_error, "broker: " + ec.message());
    }
    Touch();
    bytes_down_ += n;
    ws_writing_ = true;
    ws_.async_write(asio::buffer(down_.data(), n),
                    [self = this->shared_from_this()](error_code ec, std::size_t) {
                      self->ws_writing_ = false;
                      if (ec) {
                        if (self->reason_.empty()) self->reason_ = "client write: " + ec.message();
                        self->closing_ = true;
                        self->ShutBroker();
                        return;
                      }
                      if (self->pending_close_) return self->SendClose();
                      if (!self->closing_) self->ReadBroker();
                    });
  }

  // --- ending
  // Closes the WebSocket with `code` once (after the write in flight, if any: Beast allows
  // one write at a time, and a close frame is a write) and drops the broker connection.
  void CloseWs(websocket::close_code code, const std::string& why) {
    if (closing_) return;
    closing_ = true;
    if (reason_.empty()) reason_ = why;
    ShutBroker();
    pending_close_ = websocket::close_reason(code);
    if (!ws_writing_) SendClose();
  }

  void SendClose() {
    websocket::close_reason cr = *pending_close_;
    pending_close_.reset();
    if (!ws_.is_open()) return;
    ws_.async_close(cr, [self = this->shared_from_this()](error_code) {});
  }

  void ShutBroker() {
    error_code ignored;
    broker_.shutdown(tcp::socket::shutdown_both, ignored);
    broker_.close(ignored);
    resolver_.cancel();
    idle_timer_.cancel();
  }

  void Touch() { last_activity_ = std::chrono::steady_clock::now(); }

  void ArmIdleTimer() {
    int seconds = state_.options.idle_timeout_seconds;
    if (seconds <= 0 || closing_) return;
    idle_timer_.expires_at(last_activity_ + std::chrono::seconds(seconds));
    idle_timer_.async_wait([self = this->shared_from_this(), seconds](error_code ec) {
      if (ec || self->closing_) return;
      if (std::chrono::steady_clock::now() - self->last_activity_ >=
          std::chrono::seconds(seconds)) {
        return self->CloseWs(websocket::close_code::going_away,
                             "idle for " + std::to_string(seconds) + " s");
      }
      self->ArmIdleTimer();
    });
  }

  websocket::stream<Stream> ws_;
  tcp::socket broker_;
  tcp::resolver resolver_;
  asio::steady_timer idle_timer_;
  GatewayState& state_;
  std::string peer_;
  std::array<unsigned char, kChunkBytes> up_{};
  std::array<unsigned char, kChunkBytes> down_{};
  std::chrono::steady_clock::time_point last_activity_{};
  std::optional<websocket::close_reason> pending_close_;
  std::string reason_;
  std::uint64_t bytes_up_ = 0;
  std::uint64_t bytes_down_ = 0;
  bool opened_ = false;
  bool closing_ = false;
  bool ws_writing_ = false;
};

template <class Stream>
void Start(Stream client, UpgradeRequest upgrade, GatewayState& state, std::string peer) {
  std::make_shared<MqttBridge<Stream>>(std::move(client), state, std::move(peer))
      ->Start(std::move(upgrade));
}

}  // namespace

void StartMqttBridge(PlainStream client, UpgradeRequest upgrade, GatewayState& state,
                     std::string peer) {
  Start(std::move(client), std::move(upgrade), state, std::move(peer));
}

void StartMqttBridge(TlsStream client, UpgradeRequest upgrade, GatewayState& state,
                     std::string peer) {
  Start(std::move(client), std::move(upgrade), state, std::move(peer));
}

}  // namespace imchat::gateway
