// Fuzzes the client's line parser and its terminal escaping with arbitrary bytes: nothing
// crashes; EscapeForTerminal's output has no C0 control byte, no DEL, no C1 control and
// no bidi control, and is well-formed UTF-8 (so a sender can never drive the terminal);
// rendered lines without colour contain no control byte at all, and with colour only our
// own SGR sequences; what ParseInput accepts is within the client spec (valid user and
// room names, history count 1-500, durations of 1 s-365 d, room pages from 1) and its
// errors are printable; tab completion only offers candidates that start with the word
// (or, for a room, whose name does).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "completion.h"
#include "input.h"
#include "limits.h"
#include "names.h"
#include "render.h"

namespace {

using imchat::client::Input;
using imchat::client::Verb;

void Check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "client_input: %s: '%s'\n", what, imchat::Printable(input, 300).c_str());
  std::abort();
}

// Decodes well-formed UTF-8 (RFC 3629) independently of render.cpp; false when `s`
// is not, and sets *safe to false when a code point a terminal acts on is present.
bool CheckUtf8(std::string_view s, bool* safe) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  *safe = true;
  while (i < s.size()) {
    unsigned c = p[i];
    std::size_t n = 0;
    unsigned min = 0;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) *safe = false;
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, min = 0x80, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, min = 0x800, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, min = 0x10000, c &= 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    unsigned cp = c;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
        (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
        cp == 0x2029) {
      *safe = false;
    }
    i += n + 1;
  }
  return true;
}

// Removes the SGR sequences Render adds with colour on: ESC [ digits m.
std::string StripSgr(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      if (j < s.size() && s[j] == 'm') {
        i = j;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

void CheckParse(std::string_view line) {
  const Input in = imchat::client::ParseInput(line);
  switch (in.kind) {
    case Input::Kind::kEmpty:
      return;
    case Input::Kind::kText:
      Check(!in.text.empty(), "empty text accepted", line);
      return;
    case Input::Kind::kError: {
      bool safe = true;
      Check(!in.error.empty(), "error without a text", line);
      Check(CheckUtf8(in.error, &safe) && safe, "error text not escaped", line);
      return;
    }
    case Input::Kind::kCommand:
      break;
  }
  switch (in.verb) {
    case Verb::kMsg:
      Check(imchat::IsValidUserName(in.user), "bad /msg user", line);
      Check(!in.text.empty(), "empty /msg text", line);
      break;
    case Verb::kAll:
      Check(!in.text.empty(), "empty /all text", line);
      break;
    case Verb::kUsers:
      Check(in.page >= 1, "users page below 1", line);
      break;
    case Verb::kBlock:
    case Verb::kUnblock:
      Check(imchat::IsValidUserName(in.user), "bad block user", line);
      break;
    case Verb::kQuery:
      Check(in.user.empty() || imchat::IsValidUserName(in.user), "bad /query user", line);
      Check(in.room.empty() || imchat::IsValidRoomName(in.room), "bad /query room", line);
      Check(in.user.empty() || in.room.empty(), "/query of a user and a room", line);
      break;
    case Verb::kHistory:
      Check(in.room.empty() ? in.user == "all" || imchat::IsValidUserName(in.user)
                            : imchat::IsValidRoomName(in.room) && in.user.empty(),
            "bad history target", line);
      Check(in.count >= 1 && in.count <= imchat::kMaxHistory, "history count out of range", line);
      // `before <id>`: one word, so the command line keeps its shape.
      Check(in.before.find_first_of(" \t") == std::string::npos, "bad history cursor", line);
      break;
    case Verb::kSince:
      Check(in.seconds >= 1 && in.seconds <= imchat::kMaxSinceSeconds, "since out of range", line);
      break;
    case Verb::kNick:
      for (unsigned char c : in.text) Check(c >= 0x20 && c != 0x7f, "control byte in nick", line);
      break;
    case Verb::kCreate:
    case Verb::kJoin:
      Check(imchat::IsValidRoomName(in.room), "bad room", line);
      break;
    case Verb::kLeave:
    case Verb::kMembers:
      Check(in.room.empty() || imchat::IsValidRoomName(in.room), "bad room", line);
      break;
    case Verb::kInvite:
    case Verb::kKick:
      Check(imchat::IsValidRoomName(in.room), "bad room", line);
      Check(imchat::IsValidUserName(in.user), "bad invite/kick user", line);
      break;
    case Verb::kTopic:
      Check(imchat::IsValidRoomName(in.room), "bad room", line);
      for (unsigned char c : in.text) Check(c >= 0x20 && c != 0x7f, "control byte in topic", line);
      break;
    case Verb::kRooms:
      Check(in.page >= 1, "room page below 1", line);
      break;
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  CheckParse(bytes);

  const std::string escaped = imchat::client::EscapeForTerminal(bytes);
  bool safe = true;
  Check(CheckUtf8(escaped, &safe), "escaped text is not valid UTF-8", bytes);
  Check(safe, "escaped text contains a control character", bytes);
  Check(imchat::client::EscapeForTerminal(escaped) == escaped, "escaping is not idempotent", bytes);

  // Completion: the bytes split into the line so far and the word being typed.
  const std::size_t cut = bytes.rfind(' ');
  const std::string_view before = cut == std::string_view::npos ? "" : bytes.substr(0, cut + 1);
  const std::string_view word = cut == std::string_view::npos ? bytes : bytes.substr(cut + 1);
  const std::vector<std::string> names = {"bob", "dev", "d"};
  for (const std::string& c : imchat::client::CompleteWord(before, word, names, names)) {
    const std::string_view bare = c.front() == '#' ? std::string_view(c).substr(1) : c;
    Check(c.compare(0, word.size(), word) == 0 || bare.substr(0, word.size()) == word,
          "completion does not fit the word", bytes);
  }

  auto duration = imchat::client::ParseDuration(bytes);
  if (duration)
    Check(*duration >= 1 && *duration <= imchat::kMaxSinceSeconds, "bad duration", bytes);

  const std::string snippet = imchat::client::Snippet(bytes, size % 50);
  if (snippet != bytes) {  // cut: a prefix of the text, then "..."
    Check(snippet.size() >= 3 && snippet.compare(snippet.size() - 3, 3, "...") == 0,
          "cut snippet without ...", bytes);
    Check(snippet.size() - 3 < size && bytes.substr(0, snippet.size() - 3) ==
                                           std::string_view(snippet).substr(0, snippet.size() - 3),
          "cut snippet is not a prefix", bytes);
  }

  // Every field of every kind of line: untrusted bytes never reach the terminal raw.
  imchat::client::Line line;
  line.from = std::string(bytes.substr(0, size / 4));
  line.display = std::string(bytes.substr(size / 4, size / 4));
  line.to = std::string(bytes.substr(size / 2, size / 4));
  line.text = std::string(bytes.substr(3 * size / 4));
  line.context = std::string(bytes.substr(size / 8, size / 4));
  line.ts_ms = size > 0 ? static_cast<std::int64_t>(data[0]) * 1000003LL * 1000003LL : 0;
  line.away = size % 2 == 1;
  for (int kind = 0; kind <= static_cast<int>(imchat::client::Line::Kind::kError); ++kind) {
    line.kind = static_cast<imchat::client::Line::Kind>(kind);
    imchat::client::RenderOptions options;
    options.utc = true;
    options.now_ms = 1795348801000;
    std::string plain = imchat::client::Render(line, options);
    Check(CheckUtf8(plain, &safe) && safe, "rendered line not safe", bytes);
    options.color = true;
    std::string colored = StripSgr(imchat::client::Render(line, options));
    Check(colored == plain, "colour adds more than SGR sequences", bytes);
  }
  return 0;
}
