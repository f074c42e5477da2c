// Fuzzes the daemon's command-line parser (ParseCommand) and its UTF-8 check: never
// crashes, and what it accepts is within the contract of topics.md: a known verb, a valid
// user name (or "all" for history), a history count of 1-500 and cursor id, a display name of at
// most 64 printable characters, nothing accepted from a line over 1024 bytes or with invalid UTF-8.
// IsValidUtf8 is cross-checked against a small reference decoder.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "commands.h"
#include "names.h"

namespace {

void Check(bool ok, const char* what, std::string_view line) {
  if (ok) return;
  std::fprintf(stderr, "command: %s: '%s'\n", what, imchat::Printable(line, 300).c_str());
  std::abort();
}

// Reference: RFC 3629 well-formed UTF-8 (the Unicode table 3-7 byte ranges).
bool ReferenceUtf8(std::string_view s) {
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    unsigned c = p[i];
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c <= 0x7F) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c == 0xE0) {
      n = 2, lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      n = 2;
    } else if (c == 0xED) {
      n = 2, hi = 0x9F;
    } else if (c == 0xF0) {
      n = 3, lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      n = 3;
    } else if (c == 0xF4) {
      n = 3, hi = 0x8F;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      unsigned b = p[i + k];
      unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      if (b < l || b > h) return false;
    }
    i += n + 1;
  }
  return true;
}

bool KnownVerb(const std::string& verb) {
  for (const imchat::CommandSpec& spec : imchat::AllCommands()) {
    if (spec.name == verb) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const bool utf8 = imchat::IsValidUtf8(line);
  Check(utf8 == ReferenceUtf8(line), "IsValidUtf8 disagrees with the reference", line);

  const imchat::Command cmd = imchat::ParseCommand(line);
  if (!cmd.error.empty()) {
    const std::string text = imchat::UnknownCommandText(cmd.verb);
    Check(!text.empty(), "empty unknown-command text", line);
    return 0;
  }
  Check(utf8, "invalid UTF-8 accepted", line);
  Check(line.size() <= imchat::kMaxCommandBytes, "over-long line accepted", line);
  Check(KnownVerb(cmd.verb), "unknown verb accepted", line);
  if (cmd.verb == "block" || cmd.verb == "unblock") {
    Check(imchat::IsValidUserName(cmd.user), "bad block target", line);
  }
  if (cmd.verb == "history") {
    // A user, "all", or a room (`history #dev`: the room in cmd.room, no user).
    Check(cmd.room.empty() ? cmd.user == "all" || imchat::IsValidUserName(cmd.user)
                           : cmd.user.empty() && imchat::IsValidRoomName(cmd.room),
          "bad history target", line);
    Check(cmd.count >= 1 && cmd.count <= imchat::kMaxHistory, "history count out of range", line);
    // `before <id>`: a word of the id alphabet, at most 64 bytes.
    Check(cmd.before.empty() || imchat::IsMessageId(cmd.before), "bad history cursor", line);
    Check(cmd.before.size() <= 64 && cmd.before.find_first_of(" /+#") == std::string::npos,
          "history cursor too long or with separators", line);
  }
  if (cmd.verb == "since") {
    Check(cmd.seconds >= 0 && cmd.seconds <= imchat::kMaxSinceSeconds, "since out of range", line);
  }
  if (cmd.verb == "users") Check(cmd.page >= 1, "users page below 1", line);
  // Room commands name a valid room (rooms without "all" names none).
  for (const char* verb : {"create", "join", "leave", "members", "invite", "kick", "topic"}) {
    if (cmd.verb == verb) Check(imchat::IsValidRoomName(cmd.room), "bad room accepted", line);
  }
  if (cmd.verb == "invite" || cmd.verb == "kick") {
    Check(imchat::IsValidUserName(cmd.user), "bad invite/kick target", line);
  }
  if (cmd.verb == "topic") {
    Check(cmd.text.size() <= imchat::kMaxRoomTopicChars * 4, "topic too long", line);
  }
  if (cmd.verb == "rooms" && cmd.all) Check(cmd.page >= 1, "rooms page below 1", line);
  if (cmd.verb == "nick") {
    Check(cmd.display.size() <= imchat::kMaxDisplayChars * 4, "display name too long", line);
    for (unsigned char c : cmd.display) Check(c >= 0x20 && c != 0x7f, "control byte in nick", line);
  }
  return 0;
}
