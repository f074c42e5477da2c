// The client's line parser and duration syntax (client/input.h, the "Input"
// section of the client spec).
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "input.h"

using imchat::client::ClientCommands;
using imchat::client::HelpLine;
using imchat::client::Input;
using imchat::client::ParseDuration;
using imchat::client::ParseInput;
using imchat::client::Verb;

TEST_CASE("client input: blank lines are empty, plain text is a message", "[unit]") {
  struct Case {
    const char* line;
    Input::Kind kind;
    const char* text;
  };
  const Case cases[] = {
      {"", Input::Kind::kEmpty, ""},
      {"   ", Input::Kind::kEmpty, ""},
      {"\t \r\n", Input::Kind::kEmpty, ""},
      {"hello", Input::Kind::kText, "hello"},
      {"  two  spaces ", Input::Kind::kText, "  two  spaces "},
      {"hello\r\n", Input::Kind::kText, "hello"},
      {"//etc/passwd", Input::Kind::kText, "/etc/passwd"},
      {"//", Input::Kind::kText, "/"},
      {"a /msg inside", Input::Kind::kText, "a /msg inside"},
      {"caf\xC3\xA9", Input::Kind::kText, "caf\xC3\xA9"},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    Input in = ParseInput(c.line);
    CHECK(in.kind == c.kind);
    CHECK(in.text == c.text);
  }
}

TEST_CASE("client input: every command in its valid forms", "[unit]") {
  struct Case {
    const char* line;
    Verb verb;
    const char* user;
    const char* text;
    std::int64_t seconds;
    int count;
  };
  const Case cases[] = {
      {"/msg bob hi bob", Verb::kMsg, "bob", "hi bob", 0, 20},
      {"/msg  bob   spaced  text ", Verb::kMsg, "bob", "spaced  text ", 0, 20},
      {"/to bob hi", Verb::kMsg, "bob", "hi", 0, 20},
      {"/MSG bob hi", Verb::kMsg, "bob", "hi", 0, 20},
      {"/msg a.b-c_9 x", Verb::kMsg, "a.b-c_9", "x", 0, 20},
      {"/query bob", Verb::kQuery, "bob", "", 0, 20},
      {"/query", Verb::kQuery, "", "", 0, 20},
      {"/who", Verb::kWho, "", "", 0, 20},
      {"/who  ", Verb::kWho, "", "", 0, 20},
      {"/since 5m", Verb::kSince, "", "", 300, 20},
      {"/since 1h30m", Verb::kSince, "", "", 5400, 20},
      {"/block bob", Verb::kBlock, "bob", "", 0, 20},
      {"/unblock bob", Verb::kUnblock, "bob", "", 0, 20},
      {"/blocked", Verb::kBlocked, "", "", 0, 20},
      {"/history bob", Verb::kHistory, "bob", "", 0, 20},
      {"/history bob 5", Verb::kHistory, "bob", "", 0, 5},
      {"/history all 500", Verb::kHistory, "all", "", 0, 500},
      {"/history all 1", Verb::kHistory, "all", "", 0, 1},
      {"/nick Alice L.", Verb::kNick, "", "Alice L.", 0, 20},
      {"/nick   Zo\xC3\xAB  ", Verb::kNick, "", "Zo\xC3\xAB", 0, 20},
      {"/nick", Verb::kNick, "", "", 0, 20},
      {"/help", Verb::kHelp, "", "", 0, 20},
      {"/help msg", Verb::kHelp, "", "msg", 0, 20},
      {"/help /to", Verb::kHelp, "", "msg", 0, 20},
      {"/quit", Verb::kQuit, "", "", 0, 20},
      // The names users of the course assignments type from habit.
      {"/message bob hi", Verb::kMsg, "bob", "hi", 0, 20},
      {"/whisper bob psst  there", Verb::kMsg, "bob", "psst  there", 0, 20},
      {"/all hello  all", Verb::kAll, "", "hello  all", 0, 20},
      {"/toall hello", Verb::kAll, "", "hello", 0, 20},
      {"/BROADCAST hello", Verb::kAll, "", "hello", 0, 20},
      {"/list", Verb::kWho, "", "", 0, 20},
      {"/whoelse", Verb::kWho, "", "", 0, 20},
      {"/whoelsesince 2h", Verb::kSince, "", "", 7200, 20},
      {"/users", Verb::kUsers, "", "", 0, 20},
      {"/users 3", Verb::kUsers, "", "", 0, 20},
      {"/exit", Verb::kQuit, "", "", 0, 20},
      {"/logout", Verb::kQuit, "", "", 0, 20},
      {"/help list", Verb::kHelp, "", "who", 0, 20},
      {"/help /whisper", Verb::kHelp, "", "msg", 0, 20},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    Input in = ParseInput(c.line);
    REQUIRE(in.kind == Input::Kind::kCommand);
    CHECK(in.verb == c.verb);
    CHECK(in.user == c.user);
    CHECK(in.text == c.text);
    CHECK(in.seconds == c.seconds);
    CHECK(in.count == c.count);
  }
}

TEST_CASE("client input: bad forms are refused with a specific error", "[unit]") {
  const std::string bad_name = "is not a valid user name (1-32 of A-Z a-z 0-9 _ . -); see /help";
  struct Case {
    const char* line;
    std::string error;  // the whole error text
  };
  const Case cases[] = {
      {"/frob", "unknown command '/frob'; type /help for the list"},
      {"/frob x y", "unknown command '/frob'; type /help for the list"},
      {"/", "a command name must follow '/'; type /help for the list"},
      {"/ msg", "a command name must follow '/'; type /help for the list"},
      {"/msg", "/msg needs a user and a text: /msg <user> <text>"},
      {"/msg bob", "/msg needs a user and a text: /msg <user> <text>"},
      {"/msg bob   ", "/msg needs a user and a text: /msg <user> <text>"},
      {"/to", "/msg needs a user and a text: /msg <user> <text>"},
      {"/msg bad/name hi", "'bad/name' " + bad_name},
      {"/msg b+b hi", "'b+b' " + bad_name},
      {"/msg 123456789012345678901234567890123 hi",
       "'123456789012345678901234567890123' " + bad_name},
      {"/query bob carol", "/query takes at most one user or #room: /query [<user>|#<room>]"},
      {"/query #", "'#' is not a valid room name: the name is empty; see /help"},
      {"/query bob#", "'bob#' " + bad_name},
      {"/who me", "/who takes no arguments: /who"},
      {"/blocked x", "/blocked takes no arguments: /blocked"},
      {"/quit now", "/quit takes no arguments: /quit"},
      {"/since", "/since needs one duration such as 90s, 5m, 2h, 1d or 1h30m: /since <duration>"},
      {"/since 5m 2",
       "/since needs one duration such as 90s, 5m, 2h, 1d or 1h30m: /since <duration>"},
      {"/since 5x",
       "'5x' is not a duration; use e.g. 90s, 5m, 2h, 1d or 1h30m (at most 365d): /since "
       "<duration>"},
      {"/since 0",
       "'0' is not a duration; use e.g. 90s, 5m, 2h, 1d or 1h30m (at most 365d): /since "
       "<duration>"},
      {"/block", "/block needs one user: /block <user>"},
      {"/block bob carol", "/block needs one user: /block <user>"},
      {"/block a/b", "'a/b' " + bad_name},
      {"/unblock", "/unblock needs one user: /unblock <user>"},
      {"/unblock *", "'*' " + bad_name},
      {"/history", "/history needs a user, 'all' or a #room: /history <user>|all|#<room> [n]"},
      {"/history bob 5 6",
       "/history needs a user, 'all' or a #room: /history <user>|all|#<room> [n]"},
      {"/history bob 0", "/history takes a count of 1-500: /history <user>|all|#<room> [n]"},
      {"/history bob 501", "/history takes a count of 1-500: /history <user>|all|#<room> [n]"},
      {"/history bob -1", "/history takes a count of 1-500: /history <user>|all|#<room> [n]"},
      {"/history bob 5x", "/history takes a count of 1-500: /history <user>|all|#<room> [n]"},
      {"/history b/b", "'b/b' " + bad_name},
      {"/nick a\x1b[31mb", "/nick takes 1-64 printable characters: /nick [<name>]"},
      {"/nick 12345678901234567890123456789012345678901234567890123456789012345",
       "/nick takes 1-64 printable characters: /nick [<name>]"},
      {"/help frob", "no command '/frob'; type /help for the list"},
      {"/all", "/all needs a text: /all <text>"},
      {"/toall   ", "/all needs a text: /all <text>"},
      {"/message bob", "/msg needs a user and a text: /msg <user> <text>"},
      {"/whisper a/b hi", "'a/b' " + bad_name},
      {"/list me", "/who takes no arguments: /who"},
      {"/whoelsesince",
       "/since needs one duration such as 90s, 5m, 2h, 1d or 1h30m: /since <duration>"},
      {"/exit now", "/quit takes no arguments: /quit"},
      {"/users 0", "/users takes a page number of 1 or more: /users [page]"},
      {"/users -2", "/users takes a page number of 1 or more: /users [page]"},
      {"/users two", "/users takes a page number of 1 or more: /users [page]"},
      {"/users 99999999999999999999", "/users takes a page number of 1 or more: /users [page]"},
      {"/users 1 2", "/users takes at most one page number: /users [page]"},
      {"/help msg who", "/help takes at most one command: /help [command]"},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    Input in = ParseInput(c.line);
    CHECK(in.kind == Input::Kind::kError);
    CHECK(in.error == c.error);
  }
}

TEST_CASE("client input: errors escape what was typed", "[unit]") {
  Input in = ParseInput("/fr\x1b[2Job\xff");
  REQUIRE(in.kind == Input::Kind::kError);
  CHECK(in.error == "unknown command '/fr\\x1b[2Job\\xff'; type /help for the list");
  in = ParseInput(
      "/msg \xe2\x80\xae"
      "evil hi");
  REQUIRE(in.kind == Input::Kind::kError);
  CHECK(in.error.find("'\\u202eevil'") != std::string::npos);
  for (char c : in.error) CHECK(static_cast<unsigned char>(c) >= 0x20);
}

TEST_CASE("client input: durations", "[unit]") {
  struct Case {
    const char* text;
    std::int64_t seconds;  // -1: refused
  };
  const Case cases[] = {
      {"90", 90},      {"90s", 90},         {"5m", 300},         {"2h", 7200},  {"1d", 86400},
      {"1h30m", 5400}, {"1d2h3m4s", 93784}, {"2H", 7200},        {" 5m ", 300}, {"365d", 31536000},
      {"0m1s", 1},     {"0", -1},           {"0s", -1},          {"", -1},      {"m", -1},
      {"5", 5},        {"-5m", -1},         {"5 m", -1},         {"1h30", -1},  {"5w", -1},
      {"366d", -1},    {"31536001", -1},    {"9999999999s", -1}, {"1.5h", -1},  {"5mm", -1},
      {"h5", -1},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    auto got = ParseDuration(c.text);
    if (c.seconds < 0) {
      CHECK_FALSE(got.has_value());
    } else {
      REQUIRE(got.has_value());
      CHECK(*got == c.seconds);
    }
  }
}

TEST_CASE("client input: the command table has every verb once, with usage and help", "[unit]") {
  std::set<std::string> names;
  std::set<int> verbs;
  for (const auto& c : ClientCommands()) {
    INFO(c.name);
    CHECK(names.insert(std::string(c.name)).second);
    for (std::string_view alias : c.aliases) {
      CHECK(names.insert(std::string(alias)).second);
      // An alias parses to its command (or to its command's usage error).
      Input by_alias = ParseInput("/" + std::string(alias));
      if (by_alias.kind == Input::Kind::kCommand) {
        CHECK(by_alias.verb == c.verb);
      } else {
        CHECK(by_alias.error.rfind("/" + std::string(c.name) + " ", 0) == 0);
      }
    }
    CHECK(verbs.insert(static_cast<int>(c.verb)).second);
    CHECK(c.usage.substr(0, c.name.size() + 1) == "/" + std::string(c.name));
    CHECK_FALSE(c.help.empty());
    // Each command parses by its name (arguments aside, it is never "unknown").
    Input in = ParseInput("/" + std::string(c.name));
    CHECK(in.error.find("unknown command") == std::string::npos);
  }
  CHECK(verbs.size() == 24);
  CHECK(ClientCommands().front().name == "msg");
  // The room commands follow the others; /help and /quit close the list.
  CHECK(ClientCommands()[10].name == "nick");
  CHECK(ClientCommands()[11].name == "create");
  CHECK(ClientCommands()[18].name == "topic");
  // The file commands follow the rooms.
  CHECK(ClientCommands()[19].name == "send");
  CHECK(ClientCommands()[21].name == "files");
  CHECK(ClientCommands().back().name == "quit");
}

TEST_CASE("client input: /help shows each command's aliases beside its name", "[unit]") {
  std::map<std::string, std::string> help;
  for (const auto& c : ClientCommands()) help[std::string(c.name)] = HelpLine(c);
  CHECK(help["msg"] == "/msg (/to, /message, /whisper) <user> <text>  send a private message");
  CHECK(help["all"] ==
        "/all (/toall, /broadcast) <text>  send a message to everyone, also in a /query");
  CHECK(help["who"] == "/who (/list, /whoelse)  list who is online");
  CHECK(help["since"] ==
        "/since (/whoelsesince) <duration>  who was online in the last 90s, 5m, 2h, 1d or 1h30m");
  CHECK(help["quit"] == "/quit (/exit, /logout)  leave the chat (also Ctrl-D)");
  CHECK(help["users"] ==
        "/users [page]  every user: display name, online or last seen (100 a page)");
  CHECK(help["query"] ==
        "/query [<user>|#<room>]  send what you type to one user or room (none: back to "
        "everyone)");
  CHECK(help["leave"] == "/leave (/part) [<room>]  stop being a member of a room (none: the "
                         "current one)");
  CHECK(help["send"].rfind("/send <user>|#<room>|all <path>  send a file", 0) == 0);
  CHECK(help["get"].rfind("/get <file id> [directory]  download a file", 0) == 0);
  CHECK(help["files"].rfind("/files  the newest files you may download", 0) == 0);
}

TEST_CASE("client input: the file commands parse in any case, their arguments kept", "[unit]") {
  Input in = ParseInput("/SEND bob  my file.txt ");
  REQUIRE(in.kind == Input::Kind::kCommand);
  CHECK(in.verb == Verb::kSend);
  CHECK(in.text == "bob  my file.txt");
  in = ParseInput("/Get 3f1c9a0e");
  REQUIRE(in.kind == Input::Kind::kCommand);
  CHECK(in.verb == Verb::kGet);
  CHECK(in.text == "3f1c9a0e");
  in = ParseInput("/files");
  REQUIRE(in.kind == Input::Kind::kCommand);
  CHECK(in.verb == Verb::kFiles);
  CHECK(in.text.empty());
}
