// The gateway's pure parts: the Origin and subprotocol checks, static path resolution
// (traversal refused before and after percent-decoding, symlinks out of the root), content
// types and the command line. The sockets are covered by tests/integration/test_gateway.py.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "gateway_options.h"
#include "origin.h"
#include "static_path.h"

namespace gw = imchat::gateway;
namespace fs = std::filesystem;

TEST_CASE("gateway: Origin must match the Host unless allowed", "[unit]") {
  std::vector<std::string> none;
  std::vector<std::string> allowed = {"https://chat.example.org:443"};
  struct Case {
    std::optional<std::string> origin;
    const char* host;
    const std::vector<std::string>* allow;
    bool ok;
  };
  const Case cases[] = {
      {std::nullopt, "127.0.0.1:8080", &none, true},
      {"http://127.0.0.1:8080", "127.0.0.1:8080", &none, true},
      {"https://127.0.0.1:8080", "127.0.0.1:8080", &none, true},
      {"http://LOCALHOST:8080", "localhost:8080", &none, true},
      {"http://example.org", "example.org", &none, true},
      {"http://example.org", "example.org:8080", &none, false},
      {"http://evil.example:8080", "127.0.0.1:8080", &none, false},
      {"http://127.0.0.1:8081", "127.0.0.1:8080", &none, false},
      {"null", "127.0.0.1:8080", &none, false},
      {"", "127.0.0.1:8080", &none, false},
      {"file://", "127.0.0.1:8080", &none, false},
      {"http://127.0.0.1:8080/path", "127.0.0.1:8080", &none, false},
      {"http://user@127.0.0.1:8080", "127.0.0.1:8080", &none, false},
      {"https://chat.example.org", "127.0.0.1:8080", &allowed, true},
      {"http://chat.example.org", "127.0.0.1:8080", &allowed, false},
      {"https://chat.example.org", "127.0.0.1:8080", &none, false},
  };
  for (const auto& c : cases) {
    INFO(c.origin.value_or("(none)") << " host " << c.host);
    CHECK(gw::OriginAllowed(c.origin, c.host, 80, *c.allow) == c.ok);
  }
  CHECK(gw::NormalizeOrigin("HTTPS://Chat.Example.org/") == "https://chat.example.org:443");
  CHECK(gw::NormalizeOrigin("http://[::1]:8080") == "http://[::1]:8080");
  CHECK_FALSE(gw::NormalizeOrigin("chat.example.org"));
  CHECK_FALSE(gw::NormalizeOrigin("wss://chat.example.org"));
  CHECK_FALSE(gw::NormalizeOrigin("https://chat.example.org:99999"));
}

TEST_CASE("gateway: the mqtt subprotocol is found in the offered list", "[unit]") {
  CHECK(gw::OffersMqttSubprotocol("mqtt"));
  CHECK(gw::OffersMqttSubprotocol("mqttv3.1, mqtt"));
  CHECK(gw::OffersMqttSubprotocol(" mqtt ,chat"));
  CHECK_FALSE(gw::OffersMqttSubprotocol(""));
  CHECK_FALSE(gw::OffersMqttSubprotocol("mqttv3.1"));
  CHECK_FALSE(gw::OffersMqttSubprotocol("mqtt2, chat"));
}

TEST_CASE("gateway: percent-decoding", "[unit]") {
  CHECK(gw::PercentDecode("/a%20b") == "/a b");
  CHECK(gw::PercentDecode("%2e%2E%2f") == "../");
  CHECK(gw::PercentDecode("a+b") == "a+b");
  CHECK_FALSE(gw::PercentDecode("%"));
  CHECK_FALSE(gw::PercentDecode("%2"));
  CHECK_FALSE(gw::PercentDecode("%zz"));
}

TEST_CASE("gateway: static paths stay inside the web root", "[unit]") {
  fs::path base = fs::temp_directory_path() / ("imchat-gw-unit-" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "www" / "js");
  std::ofstream(base / "www" / "index.html") << "index";
  std::ofstream(base / "www" / "js" / "app.js") << "app";
  std::ofstream(base / "secret.txt") << "secret";
  fs::create_symlink(base / "secret.txt", base / "www" / "leak.txt");
  fs::create_symlink(base / "www" / "index.html", base / "www" / "home.html");
  fs::path root = fs::canonical(base / "www");

  struct Case {
    const char* target;
    const char* file;  // relative to root, or nullptr for a refusal
    gw::PathError error;
  };
  using E = gw::PathError;
  const Case cases[] = {
      {"/", "index.html", E::kNotFound},
      {"/index.html?x=1", "index.html", E::kNotFound},
      {"/js/app.js", "js/app.js", E::kNotFound},
      {"/js/", nullptr, E::kNotFound},             // no index.html there
      {"/home.html", "index.html", E::kNotFound},  // a symlink inside the root is fine
      {"/missing", nullptr, E::kNotFound},
      {"/js", nullptr, E::kNotFound},  // a directory is not a file
      {"/leak.txt", nullptr, E::kNotFound},
      {"/../secret.txt", nullptr, E::kBadRequest},
      {"/%2e%2e/secret.txt", nullptr, E::kBadRequest},
      {"/js%2f..%2f..%2fsecret.txt", nullptr, E::kBadRequest},
      {"/./index.html", nullptr, E::kBadRequest},
      {"//etc/passwd", nullptr, E::kBadRequest},
      {"/%2Fetc/passwd", nullptr, E::kBadRequest},
      {"/a\\..\\secret.txt", nullptr, E::kBadRequest},
      {"/%5c..%5csecret.txt", nullptr, E::kBadRequest},
      {"/index.html%00.js", nullptr, E::kBadRequest},
      {"index.html", nullptr, E::kBadRequest},
      {"http://host/index.html", nullptr, E::kBadRequest},
      {"/%zz", nullptr, E::kBadRequest},
  };
  for (const auto& c : cases) {
    INFO(c.target);
    gw::ResolvedPath r = gw::ResolveStaticPath(root, c.target);
    if (c.file) {
      REQUIRE_FALSE(r.error);
      CHECK(r.file == root / c.file);
    } else {
      REQUIRE(r.error);
      CHECK(*r.error == c.error);
    }
  }
  fs::remove_all(base);
}

TEST_CASE("gateway: content types by extension", "[unit]") {
  CHECK(gw::ContentTypeFor("a/index.HTML") == "text/html; charset=utf-8");
  CHECK(gw::ContentTypeFor("app.js") == "text/javascript; charset=utf-8");
  CHECK(gw::ContentTypeFor("s.css") == "text/css; charset=utf-8");
  CHECK(gw::ContentTypeFor("i.png") == "image/png");
  CHECK(gw::ContentTypeFor("i.svg") == "image/svg+xml");
  CHECK(gw::ContentTypeFor("d.json") == "application/json");
  CHECK(gw::ContentTypeFor("favicon.ico") == "image/x-icon");
  CHECK(gw::ContentTypeFor("README") == "application/octet-stream");
}

TEST_CASE("gateway: command line", "[unit]") {
  auto ok = gw::ParseOptions({"--web-root", "w", "--listen", "0.0.0.0:0", "--broker", "broker:1884",
                              "--max-connections", "5", "--idle-timeout", "0", "--allow-origin",
                              "https://a.example", "--allow-origin", "http://b.example:8080"});
  REQUIRE(std::holds_alternative<gw::Options>(ok));
  const auto& o = std::get<gw::Options>(ok);
  CHECK(o.listen_host == "0.0.0.0");
  CHECK(o.listen_port == 0);
  CHECK(o.broker_host == "broker");
  CHECK(o.broker_port == 1884);
  CHECK(o.max_connections == 5);
  CHECK(o.idle_timeout_seconds == 0);
  CHECK(o.allow_origins ==
        std::vector<std::string>{"https://a.example:443", "http://b.example:8080"});

  const std::pair<std::vector<std::string>, const char*> bad[] = {
      {{}, "--web-root DIR is required"},
      {{"--web-root"}, "--web-root needs a directory"},
      {{"--web-root", "w", "--listen", "8080"}, "--listen needs HOST:PORT"},
      {{"--web-root", "w", "--broker", "h:0"}, "--broker needs HOST:PORT"},
      {{"--web-root", "w", "--broker", "h:65536"}, "--broker needs HOST:PORT"},
      {{"--web-root", "w", "--max-connections", "0"}, "--max-connections needs a number"},
      {{"--web-root", "w", "--idle-timeout", "-1"}, "--idle-timeout needs seconds"},
      {{"--web-root", "w", "--allow-origin", "a.example"}, "--allow-origin needs an origin URL"},
      {{"--web-root", "w", "--bogus"}, "unknown option '--bogus'"},
  };
  for (const auto& [args, message] : bad) {
    auto r = gw::ParseOptions(args);
    REQUIRE(std::holds_alternative<std::string>(r));
    CHECK_THAT(std::get<std::string>(r), Catch::Contains(message));
  }
  std::string host;
  std::uint16_t port = 0;
  CHECK(gw::SplitHostPort("[::1]:8080", host, port, false));
  CHECK(host == "::1");
  CHECK(port == 8080);
  CHECK_FALSE(gw::SplitHostPort("::1:8080", host, port, false));
}
