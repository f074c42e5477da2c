// Display lines, escaping of untrusted text, times and snippets
// (client/render.h, the "Output lines" section of the client spec).
#include <catch2/catch.hpp>

#include "render.h"

using imchat::client::EscapeForTerminal;
using imchat::client::FormatTime;
using imchat::client::Line;
using imchat::client::Render;
using imchat::client::RenderOptions;
using imchat::client::Snippet;

namespace {

constexpr std::int64_t kNoon = 1795348801000;       // 2026-11-22 12:00:01 UTC
constexpr std::int64_t kYesterday = 1795262283000;  // 2026-11-21 11:58:03 UTC

RenderOptions Plain() {
  RenderOptions o;
  o.utc = true;
  o.now_ms = kNoon + 5000;
  return o;
}

RenderOptions Colored() {
  RenderOptions o = Plain();
  o.color = true;
  return o;
}

Line Make(Line::Kind kind, std::string from, std::string text) {
  Line l;
  l.kind = kind;
  l.ts_ms = kNoon;
  l.from = std::move(from);
  l.text = std::move(text);
  return l;
}

}  // namespace

TEST_CASE("client render: each line kind without colour", "[unit]") {
  Line named = Make(Line::Kind::kBroadcast, "alice", "hello");
  named.display = "Alice L.";
  Line out = Make(Line::Kind::kPrivateOut, "alice", "hi bob");
  out.to = "bob";
  Line away = Make(Line::Kind::kPrivateIn, "alice", "hi");
  away.away = true;
  away.ts_ms = kNoon - 118000;
  Line away_old = away;
  away_old.ts_ms = kYesterday;
  struct Case {
    Line line;
    const char* expected;
  };
  const Case cases[] = {
      {Make(Line::Kind::kBroadcast, "alice", "hello everyone"), "12:00:01 <alice> hello everyone"},
      {named, "12:00:01 <alice (Alice L.)> hello"},
      {Make(Line::Kind::kPrivateIn, "alice", "hi bob"), "12:00:01 *alice* hi bob"},
      {out, "12:00:01 -> *bob* hi bob"},
      {away, "11:58:03 [away] *alice* hi"},
      {away_old, "2026-11-21 11:58:03 [away] *alice* hi"},
      {Make(Line::Kind::kStatus, "", "delivered to bob: hi bob"),
       "12:00:01 -- delivered to bob: hi bob"},
      {Make(Line::Kind::kJoin, "bob", ""), "12:00:01 -- bob joined"},
      {Make(Line::Kind::kLeave, "bob", "connection lost"),
       "12:00:01 -- bob left (connection lost)"},
      {Make(Line::Kind::kInfo, "", "online: bob"), "12:00:01 -- online: bob"},
      {Make(Line::Kind::kError, "", "unknown command '/frob'; type /help for the list"),
       "12:00:01 -- error: unknown command '/frob'; type /help for the list"},
  };
  for (const Case& c : cases) {
    INFO(c.expected);
    CHECK(Render(c.line, Plain()) == c.expected);
  }
}

TEST_CASE("client render: colours only when asked, around the same text", "[unit]") {
  const Line::Kind kinds[] = {
      Line::Kind::kBroadcast, Line::Kind::kPrivateIn, Line::Kind::kPrivateOut, Line::Kind::kStatus,
      Line::Kind::kJoin,      Line::Kind::kLeave,     Line::Kind::kInfo,       Line::Kind::kError};
  for (Line::Kind kind : kinds) {
    Line l = Make(kind, "alice", "text");
    l.to = "bob";
    l.away = kind == Line::Kind::kPrivateIn;
    std::string plain = Render(l, Plain());
    std::string colored = Render(l, Colored());
    INFO(plain);
    CHECK(plain.find('\x1b') == std::string::npos);
    CHECK(colored.find("\x1b[") != std::string::npos);
    CHECK(colored.find("\x1b[0m") != std::string::npos);
    // Removing the SGR sequences gives back the plain line.
    std::string stripped;
    for (std::size_t i = 0; i < colored.size(); ++i) {
      if (colored[i] == '\x1b') {
        while (i < colored.size() && colored[i] != 'm') ++i;
        continue;
      }
      stripped += colored[i];
    }
    CHECK(stripped == plain);
  }
  // Escape sequences from a sender stay escaped inside a coloured line.
  Line evil = Make(Line::Kind::kBroadcast, "mallory", "\x1b[2J\x1b]0;title\x07");
  std::string colored = Render(evil, Colored());
  CHECK(colored.find("\\x1b[2J\\x1b]0;title\\x07") != std::string::npos);
  CHECK(colored.find("\x1b[2J") == std::string::npos);
}

TEST_CASE("client render: every untrusted field is escaped", "[unit]") {
  Line l = Make(Line::Kind::kBroadcast, "a\nb", "x\ry");
  l.display =
      "\xe2\x80\xae"
      "dis";
  CHECK(Render(l, Plain()) == "12:00:01 <a\\nb (\\u202edis)> x\\ry");
  Line out = Make(Line::Kind::kPrivateOut, "me", "t");
  out.to = "\x1b";
  CHECK(Render(out, Plain()) == "12:00:01 -> *\\x1b* t");
  Line leave = Make(Line::Kind::kLeave, "bob", "\x07");
  CHECK(Render(leave, Plain()) == "12:00:01 -- bob left (\\x07)");
}

TEST_CASE("client render: escaping control bytes, bidi, C1 and invalid UTF-8", "[unit]") {
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"plain text", "plain text"},
      {"\x1b[31mred", "\\x1b[31mred"},
      {"a\rb", "a\\rb"},
      {"a\nb", "a\\nb"},
      {"a\tb", "a\\tb"},
      {std::string("a\0b", 3), "a\\x00b"},
      {"\x7f", "\\x7f"},
      {"\x01\x1f", "\\x01\\x1f"},
      {"\xc2\x85", "\\u0085"},  // C1 NEL
      {"\xc2\x9b"
       "2J",
       "\\u009b2J"},  // C1 CSI
      {"\xe2\x80\xae"
       "abc",
       "\\u202eabc"},               // RIGHT-TO-LEFT OVERRIDE
      {"\xe2\x81\xa6", "\\u2066"},  // LEFT-TO-RIGHT ISOLATE
      {"\xe2\x80\x8f", "\\u200f"},  // RIGHT-TO-LEFT MARK
      {"\xe2\x80\xa8", "\\u2028"},  // LINE SEPARATOR
      {"\xff", "\\xff"},
      {"\xc3", "\\xc3"},  // truncated sequence
      {"\xc3(", "\\xc3("},
      {"\xc0\xaf", "\\xc0\\xaf"},                    // overlong '/'
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},           // surrogate
      {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},  // above U+10FFFF
      {"caf\xc3\xa9", "caf\xc3\xa9"},                // valid multibyte kept
      {"\xe2\x82\xac 5", "\xe2\x82\xac 5"},          // euro sign
      {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},      // emoji
      {"\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87"},
      {"back\\slash", "back\\slash"},
      {"", ""},
  };
  for (const Case& c : cases) {
    INFO(c.out);
    CHECK(EscapeForTerminal(c.in) == c.out);
  }
}

TEST_CASE("client render: times are HH:MM:SS today, with the date on other days", "[unit]") {
  RenderOptions o = Plain();
  CHECK(FormatTime(kNoon, o) == "12:00:01");
  CHECK(FormatTime(kYesterday, o) == "2026-11-21 11:58:03");
  CHECK(FormatTime(kNoon + 12 * 3600 * 1000LL, o) == "2026-11-23 00:00:01");
  CHECK(FormatTime(0, o) == "1970-01-01 00:00:00");
  o.now_ms = 0;  // unknown "now": the time alone
  CHECK(FormatTime(kYesterday, o) == "11:58:03");
  // Local time is used without utc; it differs from UTC only by the zone offset.
  RenderOptions local = Plain();
  local.utc = false;
  CHECK(FormatTime(kNoon, local).size() == 8);
}

TEST_CASE("client render: snippets cut at a character, not inside one", "[unit]") {
  CHECK(Snippet("hi bob") == "hi bob");
  CHECK(Snippet(std::string(40, 'x')) == std::string(40, 'x'));
  CHECK(Snippet(std::string(41, 'x')) == std::string(40, 'x') + "...");
  CHECK(Snippet("abcdef", 3) == "abc...");
  CHECK(Snippet("\xc3\xa9\xc3\xa9\xc3\xa9", 2) == "\xc3\xa9\xc3\xa9...");
  CHECK(Snippet("\xf0\x9f\x98\x80"
                "ab",
                1) == "\xf0\x9f\x98\x80...");
  CHECK(Snippet("\xff\xfe\xfd", 2) == "\xff\xfe...");
  CHECK(Snippet("", 5) == "");
  CHECK(Snippet("abc", 0) == "...");
}
