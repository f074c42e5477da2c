#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace imchat::gateway {
namespace {

namespace ssl = boost::asio::ssl;

// OpenSSL's most recent error as text ("" when there is none), and clears the queue so
// the next check starts clean.
std::string OpenSslError() {
  unsigned long e = ERR_peek_last_error();
  std::string text;
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    text = buf;
  }
  ERR_clear_error();
  return text;
}

// Opens the file ourselves first: OpenSSL's own message for a missing or unreadable file
// ("system library") does not say which file or why.
std::FILE* OpenReadable(const std::string& option, const std::string& file, std::string& error) {
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) {
    error = "cannot read " + option + " '" + file + "': " + std::strerror(errno) +
            "; give a readable PEM file (e.g. made with openssl req -x509 -newkey rsa:2048 "
            "-nodes -keyout key.pem -out cert.pem)";
  }
  return f;
}

}  // namespace

std::variant<std::shared_ptr<ssl::context>, std::string> LoadTlsContext(
    const std::string& cert_file, const std::string& key_file) {
  std::string error;
  std::FILE* cf = OpenReadable("--tls-cert", cert_file, error);
  if (cf == nullptr) return error;
  std::fclose(cf);
  std::FILE* kf = OpenReadable("--tls-key", key_file, error);
  if (kf == nullptr) return error;
  // Parsing the key on its own tells "not a key" apart from "a key for another certificate",
  // which SSL_CTX_use_PrivateKey_file reports alike.
  EVP_PKEY* key = PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr);
  std::fclose(kf);
  if (key == nullptr) {
    return "--tls-key '" + key_file + "' holds no PEM private key (" + OpenSslError() +
           "); give the unencrypted key file that belongs to --tls-cert";
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    EVP_PKEY_free(key);
    return "--tls-cert '" + cert_file + "' holds no PEM certificate (" + OpenSslError() +
           "); give the certificate file (-----BEGIN CERTIFICATE-----), chain after it";
  }
  int used = SSL_CTX_use_PrivateKey(native, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(native) != 1) {
    return "--tls-key '" + key_file + "' does not belong to the certificate in --tls-cert '" +
           cert_file + "' (" + OpenSslError() + "); give the key the certificate was made for";
  }
  return ctx;
}

}  // namespace imchat::gateway
