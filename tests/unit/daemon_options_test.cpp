// imchat-service's command line (daemon/options.h).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "options.h"

namespace {
const std::vector<std::string> kRequired = {
    "--users", "u.txt", "--data", "d", "--service-user", "svc", "--service-password-file", "pw"};

std::vector<std::string> With(std::vector<std::string> extra) {
  std::vector<std::string> args = kRequired;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}
}  // namespace

TEST_CASE("daemon options: parsed into fields, with defaults from limits.h", "[unit]") {
  auto o = imchat::ParseDaemonOptions(With({"--port", "1884", "--log-text"}));
  REQUIRE(o.ok());
  CHECK(o->port == 1884);
  CHECK(o->log_text);
  CHECK(o->users_file == "u.txt");
  CHECK_FALSE(o->show_help);
  CHECK(o->history_limit == imchat::kMaxHistory);
}

TEST_CASE("daemon options: --help is a request, not an error", "[unit]") {
  for (const char* flag : {"--help", "-h"}) {
    auto o = imchat::ParseDaemonOptions({flag});
    REQUIRE(o.ok());
    CHECK(o->show_help);
  }
}

TEST_CASE("daemon options: errors name the option at fault", "[unit]") {
  struct Case {
    std::vector<std::string> args;
    const char* error;
  };
  const Case cases[] = {
      {{}, "--users is required"},
      {With({"--port", "0"}), "--port: '0' is not a port"},
      {With({"--frob", "1"}), "unknown option '--frob'"},
      {With({"--host"}), "option '--host' needs a value"},
      {With({"--history-limit", "x"}), "--history-limit: 'x'"},
  };
  for (const Case& c : cases) {
    auto o = imchat::ParseDaemonOptions(c.args);
    REQUIRE_FALSE(o.ok());
    CHECK(o.message().find(c.error) == 0);
  }
}
