// Command parsing: a table of lines and what each must parse to.
#include <catch2/catch.hpp>
#include <string>

#include "commands.h"

TEST_CASE("commands parse or fail with a specific error", "[unit]") {
  struct Case {
    std::string line;
    std::string verb;
    std::string error_part;  // "" = must parse
  };
  const Case cases[] = {
      {"help", "help", ""},
      {"HELP", "help", ""},
      {"  who  ", "who", ""},
      {"who\r\n", "who", ""},
      {"who x", "who", "too many arguments"},
      {"since 60", "since", ""},
      {"since", "since", "missing argument"},
      {"since -1", "since", "not a number"},
      {"since 1e3", "since", "not a number"},
      {"since 99999999999999999999999", "since", "at most"},
      {"block bob", "block", ""},
      {"block bob carol", "block", "too many arguments"},
      {"block a/b", "block", "bad user name"},
      {"block #", "block", "bad user name"},
      {"unblock bob", "unblock", ""},
      {"blocked", "blocked", ""},
      {"history bob", "history", ""},
      {"history all 5", "history", ""},
      {"history bob 0", "history", "count"},
      {"history bob -5", "history", "count"},
      {"history", "history", "missing argument"},
      {"nick", "nick", ""},
      {"nick Alice L.", "nick", ""},
      {"nick " + std::string(65, 'x'), "nick", "too long"},
      {"users", "users", ""},
      {"USERS 2", "users", ""},
      {"users 99999999999999999999", "users", ""},  // past the end: the executor says so
      {"users 0", "users", "not a page number"},
      {"users -1", "users", "not a page number"},
      {"users x", "users", "not a page number"},
      {"users 1 2", "users", "too many arguments"},
      {"frob", "frob", "unknown command 'frob'"},
      {"", "", "empty command"},
      {"who\nhelp", "who\\x0ahelp", "control characters"},
      {std::string("help\0who", 8), "help\\x00who", "control characters"},
      {"who \xff", "who", "UTF-8"},
      {"history " + std::string(1100, 'b'), "history", "too long"},
  };
  for (const Case& c : cases) {
    INFO(c.line.substr(0, 60));
    imchat::Command cmd = imchat::ParseCommand(c.line);
    CHECK(cmd.verb == c.verb);
    if (c.error_part.empty()) {
      CHECK(cmd.error.empty());
    } else {
      CHECK(cmd.error.find(c.error_part) != std::string::npos);
    }
  }
}

TEST_CASE("command arguments are parsed into fields", "[unit]") {
  CHECK(imchat::ParseCommand("since 90").seconds == 90);
  auto h = imchat::ParseCommand("history bob 99999999999");
  CHECK(h.error.empty());
  CHECK(h.count == imchat::kMaxHistory);  // clamped
  CHECK(imchat::ParseCommand("history bob").count == imchat::kDefaultHistory);
  CHECK(imchat::ParseCommand("nick   Bob  the Builder  ").display == "Bob  the Builder");
  CHECK(imchat::ParseCommand("nick").display.empty());
  CHECK(imchat::ParseCommand("users").page == 1);
  CHECK(imchat::ParseCommand("users 3").page == 3);
}

TEST_CASE("utf-8 validation", "[unit]") {
  CHECK(imchat::IsValidUtf8("plain"));
  CHECK(imchat::IsValidUtf8("gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80"));
  CHECK_FALSE(imchat::IsValidUtf8("\xc3"));              // truncated
  CHECK_FALSE(imchat::IsValidUtf8("\xc0\xaf"));          // overlong
  CHECK_FALSE(imchat::IsValidUtf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(imchat::IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

TEST_CASE("the command table lists every command once", "[unit]") {
  const auto& all = imchat::AllCommands();
  REQUIRE(all.size() == 17);  // 9 and the 8 room commands
  for (const auto& c : all) {
    CHECK(c.usage.rfind(c.name, 0) == 0);
    CHECK_FALSE(c.help.empty());
    CHECK(imchat::UnknownCommandText("x").find(c.name) != std::string::npos);
  }
}

TEST_CASE("since: the one maximum is kMaxSinceSeconds, and the error names it", "[unit]") {
  const std::string max = std::to_string(imchat::kMaxSinceSeconds);
  CHECK(imchat::kMaxSinceSeconds == 365LL * 24 * 3600);
  auto at_max = imchat::ParseCommand("since " + max);
  CHECK(at_max.error.empty());
  CHECK(at_max.seconds == imchat::kMaxSinceSeconds);
  // One second more (the daemon used to allow ten years) is refused.
  for (std::string over :
       {std::to_string(imchat::kMaxSinceSeconds + 1), std::to_string(10LL * 365 * 24 * 3600)}) {
    INFO(over);
    auto cmd = imchat::ParseCommand("since " + over);
    CHECK(cmd.error.find("at most " + max + " seconds (365 days)") != std::string::npos);
  }
}
