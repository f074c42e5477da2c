// Parsing is strict so a typo gets a specific error instead of a guess.
#include "commands.h"

#include <cctype>

#include "names.h"

namespace imchat {

const std::vector<CommandSpec>& AllCommands() {
  static const std::vector<CommandSpec> kCommands = {
      {"help", "help", "list the commands"},
      {"who", "who", "who else is online now"},
      {"since", "since <seconds>", "who else was online within that many seconds"},
      {"block", "block <user>", "stop messages and presence between you and <user>"},
      {"unblock", "unblock <user>", "undo block"},
      {"blocked", "blocked", "the users you block"},
      {"history", "history <user>|all|#<room> [n] [before <id>]",
       "the last n (default " + std::to_string(kDefaultHistory) + ", at most " +
           std::to_string(kMaxHistory) +
           ") messages between you and <user>, broadcasts, or of a room of yours; with before, "
           "the n before the message with that id"},
      {"nick", "nick <display name>",
       "set your display name (1-" + std::to_string(kMaxDisplayChars) +
           " characters); alone, clear it"},
      {"users", "users [page]",
       "every user, with display name, online or last seen; " + std::to_string(kUsersPageSize) +
           " a page, sorted by name"},
      {"create", "create <room> [invite-only]",
       "create a room and own it; invite-only: only you can add members"},
      {"join", "join <room>", "become a member of an open room"},
      {"leave", "leave <room>",
       "stop being a member (an owner's room passes to its longest member; the last one closes "
       "it)"},
      {"rooms", "rooms [all [page]]",
       "your rooms with unread counts; all: the open rooms, " + std::to_string(kRoomsPerPage) +
           " per page"},
      {"members", "members <room>", "the members of a room of yours, with role and online"},
      {"invite", "invite <room> <user>",
       "add <user> to a room of yours (in an invite-only room, only its owner can)"},
      {"kick", "kick <room> <user>", "remove <user> from a room you own"},
      {"topic", "topic <room> [text]", "set the topic line of a room of yours; alone, show it"},
  };
  return kCommands;
}

bool IsMessageId(std::string_view word) {
  // Ids are the broker's (base36 run and counter); the bound keeps error
  // texts and SQL parameters small. Other characters cannot name a message.
  if (word.empty() || word.size() > 64) return false;
  for (unsigned char c : word) {
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int extra;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static const std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

std::string UnknownCommandText(std::string_view verb) {
  std::string text = "unknown command '" + Printable(verb, 40) + "'; valid commands: ";
  bool first = true;
  for (const auto& c : AllCommands()) {
    if (!first) text += ", ";
    text += c.name;
    first = false;
  }
  return text;
}

namespace {

std::vector<std::string> SplitWords(std::string_view line) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) words.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return words;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Usage(const std::string& verb) {
  for (const auto& c : AllCommands()) {
    if (c.name == verb) return "usage: " + c.usage;
  }
  return "";
}

// Parses a non-negative decimal; false when not digits. Values past `max`
// come back as max + 1 so callers can say "too large" without overflow.
bool ParseCount(const std::string& s, std::int64_t max, std::int64_t* out) {
  if (s.empty() || s.size() > 30) return false;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    if (v <= max) v = v * 10 + (c - '0');
  }
  *out = v > max ? max + 1 : v;
  return true;
}

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

std::size_t Utf8Chars(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

Command ParseCommand(std::string_view line) {
  Command cmd;
  // Trailing CR/LF from line-oriented tools is not part of the command.
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.size() > kMaxCommandBytes) {
    cmd.verb = Printable(line.substr(0, line.find(' ')), 32);
    cmd.error = "command too long (" + std::to_string(line.size()) + " bytes; at most " +
                std::to_string(kMaxCommandBytes) + ")";
    return cmd;
  }
  if (!IsValidUtf8(line)) {
    cmd.verb = Printable(line.substr(0, line.find(' ')), 32);
    cmd.error = "the command is not valid UTF-8";
    return cmd;
  }
  if (HasControl(line)) {
    cmd.verb = Printable(line.substr(0, line.find(' ')), 32);
    cmd.error = "the command contains control characters (one command per message)";
    return cmd;
  }
  std::vector<std::string> words = SplitWords(line);
  if (words.empty()) {
    cmd.error = "empty command; try 'help'";
    return cmd;
  }
  std::string verb = Lower(words[0]);
  cmd.verb = verb;
  std::size_t args = words.size() - 1;
  auto want_args = [&](std::size_t lo, std::size_t hi) {
    if (args < lo) {
      cmd.error = "missing argument; " + Usage(verb);
    } else if (args > hi) {
      cmd.error = "too many arguments; " + Usage(verb);
    }
    return cmd.error.empty();
  };
  // A room may be written with a leading '#' (history needs it).
  auto want_room = [&](const std::string& word) {
    std::string name = !word.empty() && word[0] == '#' ? word.substr(1) : word;
    std::string why = RoomNameError(name);
    if (!why.empty()) cmd.error = "bad room name '" + Printable(word, 40) + "': " + why;
    cmd.room = name;
    return why.empty();
  };
  auto want_user = [&](const std::string& name) {
    std::string why = NameError(name);
    if (!why.empty()) cmd.error = "bad user name '" + Printable(name, 40) + "': " + why;
    cmd.user = name;
    return why.empty();
  };
  if (verb == "help" || verb == "who" || verb == "blocked") {
    want_args(0, 0);
  } else if (verb == "since") {
    if (want_args(1, 1)) {
      if (!ParseCount(words[1], kMaxSinceSeconds, &cmd.seconds)) {
        cmd.error = "'" + Printable(words[1], 40) + "' is not a number of seconds; " + Usage(verb);
      } else if (cmd.seconds > kMaxSinceSeconds) {
        cmd.error = "since: at most " + std::to_string(kMaxSinceSeconds) + " seconds (" +
                    std::to_string(kMaxSinceSeconds / 86400) + " days); " + Usage(verb);
      }
    }
  } else if (verb == "block" || verb == "unblock") {
    if (want_args(1, 1)) want_user(words[1]);
  } else if (verb == "history") {
    bool room = args >= 1 && words[1][0] == '#';
    // `before <id>` closes the line: history <target> [n] [before <id>].
    const bool cursor = args >= 3 && Lower(words[args - 1]) == "before";
    if (cursor) {
      cmd.before = words[args];
      if (!IsMessageId(cmd.before)) {
        cmd.error = "'" + Printable(cmd.before, 40) + "' is not a message id; " + Usage(verb);
      }
      args -= 2;
    } else if (args >= 2 && Lower(words[args]) == "before") {
      cmd.error = "before needs a message id; " + Usage(verb);
    }
    if (cmd.error.empty() && want_args(1, 2) &&
        (room ? want_room(words[1]) : words[1] == "all" || want_user(words[1]))) {
      if (!room) cmd.user = words[1];
      if (args == 2) {
        std::int64_t n = 0;
        if (!ParseCount(words[2], kMaxHistory, &n) || n < 1) {
          cmd.error = "'" + Printable(words[2], 40) + "' is not a count of 1-" +
                      std::to_string(kMaxHistory) + "; " + Usage(verb);
        } else {
          cmd.count = n > kMaxHistory ? kMaxHistory : static_cast<int>(n);
        }
      }
    }
  } else if (verb == "users") {
    // Any page number that fits is accepted here; the executor knows how
    // many pages there are and says so for one past the end.
    constexpr std::int64_t kMaxPage = 1'000'000'000;
    if (want_args(0, 1) && args == 1 &&
        (!ParseCount(words[1], kMaxPage, &cmd.page) || cmd.page < 1)) {
      cmd.error =
          "'" + Printable(words[1], 40) + "' is not a page number (1 or more); " + Usage(verb);
    }
  } else if (verb == "create") {
    if (want_args(1, 2) && want_room(words[1]) && args == 2) {
      if (Lower(words[2]) == "invite-only") {
        cmd.invite_only = true;
      } else {
        cmd.error = "'" + Printable(words[2], 40) + "' is not 'invite-only'; " + Usage(verb);
      }
    }
  } else if (verb == "join" || verb == "leave" || verb == "members") {
    if (want_args(1, 1)) want_room(words[1]);
  } else if (verb == "invite" || verb == "kick") {
    if (want_args(2, 2) && want_room(words[1])) want_user(words[2]);
  } else if (verb == "rooms") {
    if (want_args(0, 2) && args >= 1) {
      std::int64_t page = 1;
      if (Lower(words[1]) != "all") {
        cmd.error = "'" + Printable(words[1], 40) + "' is not 'all'; " + Usage(verb);
      } else if (args == 2 && (!ParseCount(words[2], 1000000, &page) || page < 1)) {
        cmd.error = "'" + Printable(words[2], 40) + "' is not a page number; " + Usage(verb);
      }
      cmd.all = true;
      cmd.page = page;
    }
  } else if (verb == "topic") {
    if (want_args(1, 1000) && want_room(words[1])) {
      // The text is the rest of the line after the room, spaces inside kept.
      std::size_t verb_end = line.find(' ', line.find_first_not_of(' '));
      std::string_view rest = line.substr(line.find_first_not_of(' ', verb_end) + words[1].size());
      std::size_t a = rest.find_first_not_of(' ');
      std::size_t b = rest.find_last_not_of(' ');
      if (a != std::string_view::npos) cmd.text = std::string(rest.substr(a, b - a + 1));
      if (Utf8Chars(cmd.text) > kMaxRoomTopicChars) {
        cmd.error =
            "topic too long (at most " + std::to_string(kMaxRoomTopicChars) + " characters)";
      }
    }
  } else if (verb == "nick") {
    std::size_t start = line.find_first_not_of(' ');
    std::size_t after = line.find(' ', start);
    std::string rest;
    if (after != std::string_view::npos) {
      std::string_view r = line.substr(after);
      std::size_t a = r.find_first_not_of(' ');
      std::size_t b = r.find_last_not_of(' ');
      if (a != std::string_view::npos) rest = std::string(r.substr(a, b - a + 1));
    }
    if (Utf8Chars(rest) > kMaxDisplayChars) {
      cmd.error =
          "display name too long (at most " + std::to_string(kMaxDisplayChars) + " characters)";
    } else {
      cmd.display = rest;
    }
  } else {
    cmd.verb = Printable(words[0], 40);
    cmd.error = UnknownCommandText(words[0]);
  }
  return cmd;
}

}  // namespace imchat
