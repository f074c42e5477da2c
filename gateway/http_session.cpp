#include "http_session.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "mqtt_bridge.h"
#include "origin.h"
#include "security_headers.h"
#include "static_path.h"

namespace imchat::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using beast::error_code;

std::string_view Sv(beast::string_view s) { return std::string_view(s.data(), s.size()); }

// A response (a file) must be written within this; the request's header has its own,
// shorter --header-timeout.
constexpr auto kWriteTimeout = std::chrono::seconds(60);
// The whole request header, request line included: browsers send 1-2 KiB.
constexpr std::uint32_t kHeaderLimit = 8 * 1024;

bool IsTls(const PlainStream&) { return false; }
bool IsTls(const TlsStream&) { return true; }

// Stream: PlainStream, or TlsStream whose handshake Start() does first. The session counts
// itself in state.http_sessions while it lives (until it closes or hands over to a bridge).
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  template <class... Args>
  HttpSession(GatewayState& state, std::string peer, Args&&... args)
      : stream_(std::forward<Args>(args)...), state_(state), peer_(std::move(peer)) {
    ++state_.http_sessions;
  }
  ~HttpSession() { --state_.http_sessions; }

  void Start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      // The handshake counts against the header deadline: a client that opens the
      // connection and says nothing is dropped as one that sends half a header.
      Lowest().expires_after(HeaderTimeout());
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec) return self->Drop();
                                self->Read();
                              });
    } else {
      Read();
    }
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }
  std::chrono::seconds HeaderTimeout() const {
    return std::chrono::seconds(state_.options.header_timeout_seconds);
  }

  void Read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(0);
    // One deadline for the whole header (not per read): a client trickling a byte every
    // few seconds (slowloris) is cut off all the same.
    Lowest().expires_after(HeaderTimeout());
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->OnRead(ec); });
  }

  using Request = http::request<http::empty_body>;

  void OnRead(error_code ec) {
    if (ec == beast::error::timeout) {
      if (parser_->got_some() || buffer_.size() != 0) {
        Log("closed " + peer_ + ": no complete request header within " +
            std::to_string(state_.options.header_timeout_seconds) + " s (--header-timeout)");
      }
      return Drop();
    }
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      return Close();
    }
    if (ec == http::error::header_limit) {
      Log("refused " + peer_ + ": request header larger than " + std::to_string(kHeaderLimit) +
          " bytes");
      Request empty;
      return SendText(empty, http::status::request_header_fields_too_large,
                      "request header too large\n", false);
    }
    if (ec) {
      // A malformed request, too large a header, or a body we never accept.
      Request empty;
      return SendText(empty, http::status::bad_request, "bad request: " + ec.message() + "\n",
                      false);
    }
    Request& req = parser_->get();
    if (req.target() == "/mqtt" || req.target().starts_with("/mqtt?")) return Upgrade();
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      return SendText(req, http::status::method_not_allowed, "only GET and HEAD\n", true);
    }
    ServeFile(req);
  }

  void Upgrade() {
    Request& req = parser_->get();
    if (!beast::websocket::is_upgrade(req)) {
      return SendText(req, http::status::upgrade_required,
                      "/mqtt is MQTT over WebSocket (subprotocol mqtt)\n", true);
    }
    std::optional<std::string> origin;
    if (auto it = req.find(http::field::origin); it != req.end()) {
      origin = std::string(it->value());
    }
    unsigned default_port = IsTls(stream_) ? 443 : 80;
    if (!OriginAllowed(origin, Sv(req[http::field::host]), default_port,
                       state_.options.allow_origins)) {
      Log("refused " + peer_ + ": Origin '" + origin.value_or("") +
          "' is not this gateway's host and not in --allow-origin");
      return SendText(req, http::status::forbidden,
                      "this page's origin may not connect here (see --allow-origin)\n", false);
    }
    if (!OffersMqttSubprotocol(Sv(req[http::field::sec_websocket_protocol]))) {
      return SendText(req, http::status::bad_request,
                      "WebSocket subprotocol 'mqtt' required (Sec-WebSocket-Protocol: mqtt)\n",
                      false);
    }
    if (state_.websockets >= state_.options.max_connections) {
      Log("refused " + peer_ + ": " + std::to_string(state_.websockets) +
          " WebSocket connections open (--max-connections)");
      return SendText(req, http::status::service_unavailable,
                      "too many connections; try again later\n", false);
    }
    // Bytes the client sent after the request (a first frame) stay in buffer_; a client
    // must wait for the handshake response, so anything there is a protocol error.
    if (buffer_.size() != 0) {
      return SendText(req, http::status::bad_request, "data before the handshake\n", false);
    }
    StartMqttBridge(std::move(stream_), parser_->release(), state_, peer_);
  }

  void ServeFile(const Request& req) {
    ResolvedPath r = ResolveStaticPath(state_.web_root, Sv(req.target()));
    if (r.error) {
      bool bad = *r.error == PathError::kBadRequest;
      return SendText(req, bad ? http::status::bad_request : http::status::not_found,
                      bad ? "bad path\n" : "not found\n", true);
    }
    http::file_body::value_type body;
    error_code ec;
    body.open(r.file.c_str(), beast::file_mode::scan, ec);
    if (ec) return SendText(req, http::status::not_found, "not found\n", true);
    std::uint64_t size = body.size();
    if (req.method() == http::verb::head) {
      http::response<http::empty_body> res{http::status::ok, req.version()};
      Decorate(res, req, ContentTypeFor(r.file));
      res.content_length(size);
      return Send(std::move(res));
    }
    http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                        std::make_tuple(http::status::ok, req.version())};
    Decorate(res, req, ContentTypeFor(r.file));
    res.content_length(size);
    Send(std::move(res));
  }

  template <class Body>
  void Decorate(http::response<Body>& res, const Request& req, std::string_view type) {
    res.set(http::field::content_type, beast::string_view(type.data(), type.size()));
    res.set(http::field::cache_control, "no-cache");
    AddSecurityHeaders(res, Sv(req[http::field::host]));
    res.keep_alive(req.keep_alive());
  }

  void SendText(const Request& req, http::status status, std::string text, bool keep_alive) {
    http::response<http::string_body> res{status, req.version() ? req.version() : 11};
    Decorate(res, req, "text/plain; charset=utf-8");
    if (status == http::status::method_not_allowed) res.set(http::field::allow, "GET, HEAD");
    if (!keep_alive) res.keep_alive(false);
    res.body() = std::move(text);
    res.prepare_payload();
    Send(std::move(res));
  }

  template <class Body>
  void Send(http::response<Body>&& res) {
    auto sp = std::make_shared<http::response<Body>>(std::move(res));
    Lowest().expires_after(kWriteTimeout);
    http::async_write(stream_, *sp,
                      [self = this->shared_from_this(), sp](error_code ec, std::size_t) {
                        if (ec) return self->Drop();
                        if (sp->need_eof()) return self->Close();
                        self->Read();
                      });
  }

  // The orderly end: TLS close_notify (bounded by a short deadline), then the TCP FIN.
  void Close() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      Lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](error_code) { self->Drop(); });
    } else {
      error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream_.close();
    }
  }

  // Without ceremony: the peer is gone, timed out or never spoke TLS.
  void Drop() {
    error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  GatewayState& state_;
  std::string peer_;
};

}  // namespace

void StartHttpSession(tcp::socket socket, GatewayState& state) {
  std::string peer = PeerOf(socket);
  if (state.tls) {
    std::make_shared<HttpSession<TlsStream>>(state, std::move(peer),
                                             beast::tcp_stream(std::move(socket)), *state.tls)
        ->Start();
  } else {
    std::make_shared<HttpSession<PlainStream>>(state, std::move(peer), std::move(socket))->Start();
  }
}

}  // namespace imchat::gateway
