#include "mqtt_bridge.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <optional>

#include "byte_ring.h"
#include "security_headers.h"

namespace imchat::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using beast::error_code;

// Each direction's ring. 64 KiB: a 64 KiB MQTT message crosses in about one read and one
// write, and while one chunk is written the next is read. A connection holds at most two
// (128 KiB) however slow its peers; an idle one only the few pages its packets touched.
constexpr std::size_t kRingBytes = 64 * 1024;

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
    // Readable-then-read (below) needs a socket that answers would_block instead of waiting.
    broker_.non_blocking(true, ec);
    ReadClient();
    WaitBroker();
  }

  // --- client -> broker: Beast reads frames into up_ while the previous bytes are written.
  void ReadClient() {
    if (reading_client_ || closing_ || up_.full()) return;
    reading_client_ = true;
    ws_.async_read_some(up_.FreeContiguous(),
                        [self = this->shared_from_this()](error_code ec, std::size_t n) {
                          self->OnClientRead(ec, n);
                        });
  }

  void OnClientRead(error_code ec, std::size_t n) {
    reading_client_ = false;
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
    up_.Commit(n);
    WriteBroker();
    ReadClient();
  }

  // Writes everything read so far in one gather write: frames read while the previous write
  // was in flight go to the broker together.
  void WriteBroker() {
    if (writing_broker_ || closing_ || up_.size() == 0) return;
    writing_broker_ = true;
    asio::async_write(broker_, up_.Filled(),
                      [self = this->shared_from_this()](error_code ec, std::size_t n) {
                        self->writing_broker_ = false;
                        if (ec) {
                          return self->CloseWs(websocket::close_code::internal_error,
                                               "broker write: " + ec.message());
                        }
                        self->up_.Consume(n);
                        self->WriteBroker();
                        self->ReadClient();
                      });
  }

  // --- broker -> client: wait until the broker's socket is readable, then read what there is
  // into down_'s free space (both regions at once). Waiting instead of a pending read leaves
  // no region claimed while the broker is quiet, so an idle ring restarts at its first page.
  void WaitBroker() {
    if (waiting_broker_ || broker_eof_ || closing_ || down_.full()) return;
    waiting_broker_ = true;
    broker_.async_wait(tcp::socket::wait_read, [self = this->shared_from_this()](error_code ec) {
      self->waiting_broker_ = false;
      if (self->closing_) return;
      if (ec)
        return self->CloseWs(websocket::close_code::internal_error, "broker: " + ec.message());
      self->OnBrokerReadable();
    });
  }

  void OnBrokerReadable() {
    error_code ec;
    std::size_t n = broker_.read_some(down_.Free(), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return WaitBroker();
    if (ec == asio::error::eof) {
      // Send what is still in the ring first: it may hold the broker's last words (a
      // DISCONNECT with its reason).
      broker_eof_ = true;
      return CloseWhenDrained();
    }
    if (ec) return CloseWs(websocket::close_code::internal_error, "broker: " + ec.message());
    Touch();
    bytes_down_ += n;
    down_.Commit(n);
    WriteWs();
    WaitBroker();
  }

  // One write of everything read so far: one binary frame (auto_fragment is off).
  void WriteWs() {
    if (ws_writing_ || closing_ || down_.size() == 0) return;
    ws_writing_ = true;
    auto filled = down_.Filled();
    std::size_t bytes = asio::buffer_size(filled);
    ws_.async_write(filled, [self = this->shared_from_this(), bytes](error_code ec, std::size_t) {
      self->ws_writing_ = false;
      if (ec) {
        if (self->reason_.empty()) self->reason_ = "client write: " + ec.message();
        self->closing_ = true;
        self->ShutBroker();
        return;
      }
      if (self->pending_close_) return self->SendClose();
      self->down_.Consume(bytes);
      if (self->broker_eof_) return self->CloseWhenDrained();
      self->WriteWs();
      self->WaitBroker();
    });
  }

  void CloseWhenDrained() {
    if (down_.size() == 0) {
      CloseWs(websocket::close_code::going_away, "broker closed the connection");
    } else {
      WriteWs();
    }
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
  ByteRing up_{kRingBytes};
  ByteRing down_{kRingBytes};
  std::chrono::steady_clock::time_point last_activity_{};
  std::optional<websocket::close_reason> pending_close_;
  std::string reason_;
  std::uint64_t bytes_up_ = 0;
  std::uint64_t bytes_down_ = 0;
  bool opened_ = false;
  bool closing_ = false;
  bool ws_writing_ = false;
  bool reading_client_ = false;
  bool writing_broker_ = false;
  bool waiting_broker_ = false;
  bool broker_eof_ = false;
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
