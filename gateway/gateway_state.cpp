#include "gateway_state.h"

#include "core/limits.h"

namespace imchat::gateway {

std::size_t MaxClientMessageBytes() {
  // Our topics are short (names are at most kMaxNameChars), so 16 KiB of slack covers
  // the header and properties of any PUBLISH the broker would accept.
  return imchat::kMaxPayloadBytes + 16 * 1024;
}

std::string PeerOf(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  boost::asio::ip::tcp::endpoint ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  std::string addr = ep.address().to_string();
  if (ep.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

}  // namespace imchat::gateway
