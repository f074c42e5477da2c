#include "http_session.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
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

constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr std::uint32_t kHeaderLimit = 8 * 1024;

std::string PeerOf(const tcp::socket& s) {
  error_code ec;
  tcp::endpoint ep = s.remote_endpoint(ec);
  if (ec) return "?";
  std::string addr = ep.address().to_string();
  if (ep.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, GatewayState& state)
      : stream_(std::move(socket)), state_(state), peer_(PeerOf(stream_.socket())) {}

  void Read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(0);
    stream_.expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->OnRead(ec); });
  }

 private:
  using Request = http::request<http::empty_body>;

  void OnRead(error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return Close();
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
    if (!OriginAllowed(origin, Sv(req[http::field::host]), 80, state_.options.allow_origins)) {
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
    StartMqttBridge(stream_.release_socket(), parser_->release(), state_, peer_);
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
    stream_.expires_after(kRequestTimeout);
    http::async_write(stream_, *sp, [self = shared_from_this(), sp](error_code ec, std::size_t) {
      if (ec || sp->need_eof()) return self->Close();
      self->Read();
    });
  }

  void Close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  GatewayState& state_;
  std::string peer_;
};

}  // namespace

void StartHttpSession(tcp::socket socket, GatewayState& state) {
  std::make_shared<HttpSession>(std::move(socket), state)->Read();
}

}  // namespace imchat::gateway
