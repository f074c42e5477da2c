// The TLS server context for --tls-cert/--tls-key: with it, the one listening port serves
// https and wss (every connection starts with a TLS handshake).
#ifndef IMCHAT_GATEWAY_TLS_CONTEXT_H_
#define IMCHAT_GATEWAY_TLS_CONTEXT_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <variant>

namespace imchat::gateway {

// Loads a PEM certificate (chain) and its PEM private key. On failure returns a message that
// names the file and what to do: unreadable ("cannot read --tls-cert 'x': No such file ..."),
// not PEM ("--tls-key 'x' holds no PEM private key ..."), or a key that does not belong to
// the certificate. TLS 1.2 and newer only.
std::variant<std::shared_ptr<boost::asio::ssl::context>, std::string> LoadTlsContext(
    const std::string& cert_file, const std::string& key_file);

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_TLS_CONTEXT_H_
