// Parsing one typed line into a chat message or a client command (input.h).
#include "input.h"

#include <cctype>
#include <charconv>

#include "limits.h"
#include "names.h"
#include "render.h"

namespace imchat::client {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view Trim(std::string_view s) {
  s = TrimLeft(s);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Splits off the first whitespace-separated word; `rest` keeps what follows
// with its leading whitespace removed (a message text keeps its inner spacing).
std::string_view NextWord(std::string_view* rest) {
  std::string_view s = TrimLeft(*rest);
  std::size_t end = 0;
  while (end < s.size() && !IsSpace(s[end])) ++end;
  std::string_view word = s.substr(0, end);
  *rest = TrimLeft(s.substr(end));
  return word;
}

// What the user typed, safe to show inside an error line and not too long.
std::string Shown(std::string_view typed) { return EscapeForTerminal(Snippet(typed, 40)); }

Input Error(std::string text) {
  Input in;
  in.kind = Input::Kind::kError;
  in.error = std::move(text);
  return in;
}

Input Usage(const CommandInfo& info, std::string_view problem) {
  return Error("/" + std::string(info.name) + " " + std::string(problem) + ": " +
               std::string(info.usage));
}

Input BadName(std::string_view name) {
  return Error("'" + Shown(name) +
               "' is not a valid user name (1-32 of A-Z a-z 0-9 _ . -); see /help");
}

// `typed` as the user wrote it, `name` without its '#'.
Input BadRoom(std::string_view typed, std::string_view name) {
  return Error("'" + Shown(typed) + "' is not a valid room name: " + RoomNameError(name) +
               "; see /help");
}

// A room as typed: "dev" or "#dev". Sets in->room, or returns false with
// *error set when the name breaks the rule.
bool TakeRoom(std::string_view word, Input* in, Input* error) {
  std::string_view name = word;
  if (!name.empty() && name.front() == '#') name.remove_prefix(1);
  if (!IsValidRoomName(name)) {
    *error = BadRoom(word, name);
    return false;
  }
  in->room = std::string(name);
  return true;
}

bool IsRoomWord(std::string_view word) { return !word.empty() && word.front() == '#'; }

const CommandInfo* FindCommand(std::string_view word) {
  for (const CommandInfo& c : ClientCommands()) {
    if (word == c.name) return &c;
    for (std::string_view alias : c.aliases) {
      if (word == alias) return &c;
    }
  }
  return nullptr;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Counts UTF-8 characters (each invalid byte counts as one).
std::size_t CharCount(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

// The room commands (topics.md "Rooms"): a room first, written with or
// without '#'; /leave and /members may leave it out (the current room
// conversation, which only the chat state knows).
Input ParseRoomCommand(const CommandInfo& info, std::string_view rest, Input in) {
  Input error;
  if (info.verb == Verb::kRooms) {
    std::string_view all = NextWord(&rest);
    std::string_view page = NextWord(&rest);
    if (!rest.empty() || (!all.empty() && Lower(all) != "all")) {
      return Usage(info, "takes nothing, or 'all' and a page number");
    }
    in.all = !all.empty();
    if (!page.empty()) {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(page.data(), page.data() + page.size(), n);
      if (ec != std::errc() || end != page.data() + page.size() || n < 1 || n > 1000000) {
        return Usage(info, "takes a page number from 1");
      }
      in.page = n;
    }
    return in;
  }
  std::string_view room = NextWord(&rest);
  const bool optional = info.verb == Verb::kLeave || info.verb == Verb::kMembers;
  if (room.empty()) {
    if (optional) return in;
    return Usage(info, info.verb == Verb::kInvite || info.verb == Verb::kKick
                           ? "needs a room and a user"
                           : "needs a room");
  }
  if (!TakeRoom(room, &in, &error)) return error;
  switch (info.verb) {
    case Verb::kCreate: {
      std::string_view flag = NextWord(&rest);
      if (!rest.empty() || (!flag.empty() && Lower(flag) != "invite-only")) {
        return Usage(info, "takes a room and optionally 'invite-only'");
      }
      in.invite_only = !flag.empty();
      return in;
    }
    case Verb::kInvite:
    case Verb::kKick: {
      std::string_view user = NextWord(&rest);
      if (user.empty() || !rest.empty()) return Usage(info, "needs a room and a user");
      if (!IsValidUserName(user)) return BadName(user);
      in.user = std::string(user);
      return in;
    }
    case Verb::kTopic:
      in.text = std::string(Trim(rest));
      for (unsigned char c : in.text) {
        if (c < 0x20 || c == 0x7f) return Usage(info, "takes a topic of printable characters");
      }
      return in;
    default:
      if (!rest.empty()) return Usage(info, "takes one room");
      return in;
  }
}

Input ParseCommand(const CommandInfo& info, std::string_view rest) {
  Input in;
  in.kind = Input::Kind::kCommand;
  in.verb = info.verb;
  switch (info.verb) {
    case Verb::kMsg: {
      std::string_view user = NextWord(&rest);
      std::string_view text = rest;
      if (user.empty() || text.empty()) return Usage(info, "needs a user and a text");
      if (!IsValidUserName(user)) return BadName(user);
      in.user = std::string(user);
      in.text = std::string(text);
      return in;
    }
    case Verb::kAll: {
      std::string_view text = TrimLeft(rest);
      if (text.empty()) return Usage(info, "needs a text");
      in.text = std::string(text);
      return in;
    }
    case Verb::kUsers: {
      std::string_view word = NextWord(&rest);
      if (!rest.empty()) return Usage(info, "takes at most one page number");
      if (!word.empty()) {
        std::int64_t page = 0;
        auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), page);
        if (ec != std::errc() || end != word.data() + word.size() || page < 1) {
          return Usage(info, "takes a page number of 1 or more");
        }
        in.page = page;
      }
      return in;
    }
    case Verb::kQuery: {
      std::string_view user = NextWord(&rest);
      if (!rest.empty()) return Usage(info, "takes at most one user or #room");
      if (IsRoomWord(user)) {
        Input error;
        return TakeRoom(user, &in, &error) ? in : error;
      }
      if (!user.empty() && !IsValidUserName(user)) return BadName(user);
      in.user = std::string(user);
      return in;
    }
    case Verb::kWho:
    case Verb::kBlocked:
    case Verb::kQuit:
      if (!Trim(rest).empty()) return Usage(info, "takes no arguments");
      return in;
    case Verb::kSince: {
      std::string_view word = NextWord(&rest);
      if (word.empty() || !rest.empty()) {
        return Usage(info, "needs one duration such as 90s, 5m, 2h, 1d or 1h30m");
      }
      std::optional<std::int64_t> seconds = ParseDuration(word);
      if (!seconds) {
        return Error("'" + Shown(word) +
                     "' is not a duration; use e.g. 90s, 5m, 2h, 1d or 1h30m (at most " +
                     std::to_string(kMaxSinceSeconds / 86400) + "d): " + std::string(info.usage));
      }
      in.seconds = *seconds;
      return in;
    }
    case Verb::kBlock:
    case Verb::kUnblock: {
      std::string_view user = NextWord(&rest);
      if (user.empty() || !rest.empty()) return Usage(info, "needs one user");
      if (!IsValidUserName(user)) return BadName(user);
      in.user = std::string(user);
      return in;
    }
    case Verb::kHistory: {
      std::string_view user = NextWord(&rest);
      std::string_view count = NextWord(&rest);
      // `before <id>` pages back (the id as the server gave it); n may be left out.
      std::string_view before = count == "before" ? count : NextWord(&rest);
      if (count == "before") count = {};
      if (before == "before") {
        std::string_view id = NextWord(&rest);
        if (id.empty() || !rest.empty()) return Usage(info, "needs a message id after 'before'");
        in.before = std::string(id);
      } else if (!before.empty()) {
        return Usage(info, "needs a user, 'all' or a #room");
      }
      if (user.empty() || !rest.empty()) return Usage(info, "needs a user, 'all' or a #room");
      if (IsRoomWord(user)) {
        Input error;
        if (!TakeRoom(user, &in, &error)) return error;
      } else {
        if (user != "all" && !IsValidUserName(user)) return BadName(user);
        in.user = std::string(user);
      }
      if (!count.empty()) {
        int n = 0;
        auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
        if (ec != std::errc() || end != count.data() + count.size() || n < 1 || n > kMaxHistory) {
          return Usage(info, "takes a count of 1-" + std::to_string(kMaxHistory));
        }
        in.count = n;
      }
      return in;
    }
    case Verb::kNick: {
      static const std::string kNickProblem =
          "takes 1-" + std::to_string(kMaxDisplayChars) + " printable characters";
      std::string_view name = Trim(rest);
      for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) return Usage(info, kNickProblem);
      }
      if (CharCount(name) > kMaxDisplayChars) return Usage(info, kNickProblem);
      in.text = std::string(name);
      return in;
    }
    case Verb::kCreate:
    case Verb::kJoin:
    case Verb::kLeave:
    case Verb::kMembers:
    case Verb::kTopic:
    case Verb::kInvite:
    case Verb::kKick:
    case Verb::kRooms:
      return ParseRoomCommand(info, rest, in);
    case Verb::kSend:
    case Verb::kGet:
    case Verb::kFiles:
      in.text = std::string(Trim(rest));
      return in;
    case Verb::kHelp: {
      std::string_view word = NextWord(&rest);
      if (!rest.empty()) return Usage(info, "takes at most one command");
      if (!word.empty() && word.front() == '/') word.remove_prefix(1);
      if (!word.empty()) {
        const CommandInfo* topic = FindCommand(Lower(word));
        if (!topic) {
          return Error("no command '/" + Shown(word) + "'; type /help for the list");
        }
        in.text = std::string(topic->name);
      }
      return in;
    }
  }
  return Error("unknown command; type /help for the list");
}

}  // namespace

const std::vector<CommandInfo>& ClientCommands() {
  // CommandInfo holds views: the texts built from limits.h live here.
  static const std::string history_help = "the last n (default " + std::to_string(kDefaultHistory) +
                                          ", at most " + std::to_string(kMaxHistory) +
                                          ") messages with a user, a room, or broadcasts; "
                                          "'before <id>' pages back";
  static const std::string users_help = "every user: display name, online or last seen (" +
                                        std::to_string(kUsersPageSize) + " a page)";
  static const std::vector<CommandInfo> commands = {
      {"msg",
       {"to", "message", "whisper"},
       "/msg <user> <text>",
       "send a private message",
       Verb::kMsg},
      {"all",
       {"toall", "broadcast"},
       "/all <text>",
       "send a message to everyone, also in a /query",
       Verb::kAll},
      {"query",
       {},
       "/query [<user>|#<room>]",
       "send what you type to one user or room (none: back to everyone)",
       Verb::kQuery},
      {"who", {"list", "whoelse"}, "/who", "list who is online", Verb::kWho},
      {"since",
       {"whoelsesince"},
       "/since <duration>",
       "who was online in the last 90s, 5m, 2h, 1d or 1h30m",
       Verb::kSince},
      {"users", {}, "/users [page]", users_help, Verb::kUsers},
      {"block",
       {},
       "/block <user>",
       "no messages or presence between you and a user",
       Verb::kBlock},
      {"unblock", {}, "/unblock <user>", "undo /block", Verb::kUnblock},
      {"blocked", {}, "/blocked", "list the users you block", Verb::kBlocked},
      {"history", {}, "/history <user>|all|#<room> [n]", history_help, Verb::kHistory},
      {"nick", {}, "/nick [<name>]", "set your display name (none: clear it)", Verb::kNick},
      {"create",
       {},
       "/create <room> [invite-only]",
       "make a room you own and talk in it (invite-only: members join by /invite)",
       Verb::kCreate},
      {"join", {}, "/join <room>", "become a member of an open room and talk in it", Verb::kJoin},
      {"leave",
       {"part"},
       "/leave [<room>]",
       "stop being a member of a room (none: the current one)",
       Verb::kLeave},
      {"rooms",
       {},
       "/rooms [all [page]]",
       "your rooms with unread counts (all: every open room)",
       Verb::kRooms},
      {"members",
       {},
       "/members [<room>]",
       "who is in a room, their role and who is online",
       Verb::kMembers},
      {"invite",
       {},
       "/invite <room> <user>",
       "add a user to a room (invite-only: the owner only)",
       Verb::kInvite},
      {"kick", {}, "/kick <room> <user>", "remove a user from a room you own", Verb::kKick},
      {"topic", {}, "/topic <room> [<text>]", "show or set the topic of a room", Verb::kTopic},
      {"send",
       {},
       "/send <user>|#<room>|all <path>",
       "send a file (up to the server's limit, 100 MB by default); a broken upload continues",
       Verb::kSend},
      {"get",
       {},
       "/get <file id> [directory]",
       "download a file from a chat (its id or the first 8 digits) into a directory (default .)",
       Verb::kGet},
      {"files", {}, "/files", "the newest files you may download, with their ids", Verb::kFiles},
      {"help", {}, "/help [command]", "list the commands, or explain one", Verb::kHelp},
      {"quit", {"exit", "logout"}, "/quit", "leave the chat (also Ctrl-D)", Verb::kQuit},
  };
  return commands;
}

std::string HelpLine(const CommandInfo& info) {
  // The usage begins with "/<name>"; the aliases go right after the name.
  std::string line = "/" + std::string(info.name);
  if (!info.aliases.empty()) {
    line += " (";
    for (std::size_t i = 0; i < info.aliases.size(); ++i) {
      line += (i == 0 ? "/" : ", /") + std::string(info.aliases[i]);
    }
    line += ")";
  }
  return line + std::string(info.usage.substr(info.name.size() + 1)) + "  " +
         std::string(info.help);
}

Input ParseInput(std::string_view line) {
  // A line read from a file or pipe may end in CR LF.
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  Input in;
  if (Trim(line).empty()) return in;  // kEmpty
  if (line.front() != '/') {
    in.kind = Input::Kind::kText;
    in.text = std::string(line);
    return in;
  }
  if (line.size() > 1 && line[1] == '/') {
    in.kind = Input::Kind::kText;
    in.text = std::string(line.substr(1));
    return in;
  }
  std::string_view rest = line.substr(1);
  std::string_view word;
  if (!rest.empty() && !IsSpace(rest.front())) word = NextWord(&rest);
  if (word.empty()) return Error("a command name must follow '/'; type /help for the list");
  const CommandInfo* info = FindCommand(Lower(word));
  if (!info) return Error("unknown command '/" + Shown(word) + "'; type /help for the list");
  return ParseCommand(*info, rest);
}

const CommandInfo* FindClientCommand(std::string_view name) { return FindCommand(Lower(name)); }

std::optional<std::int64_t> ParseDuration(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  bool bare_number_allowed = true;  // "90" alone means seconds
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits > 9) return std::nullopt;  // 9 digits cannot overflow below
    std::int64_t n = 0;
    std::from_chars(text.data(), text.data() + digits, n);
    text.remove_prefix(digits);
    std::int64_t unit = 0;
    if (text.empty()) {
      if (!bare_number_allowed) return std::nullopt;  // "1h30" is ambiguous
      unit = 1;
    } else {
      switch (std::tolower(static_cast<unsigned char>(text.front()))) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        default:
          return std::nullopt;
      }
      text.remove_prefix(1);
    }
    bare_number_allowed = false;
    total += n * unit;
    if (total > kMaxSinceSeconds) return std::nullopt;
  }
  if (total <= 0) return std::nullopt;
  return total;
}

}  // namespace imchat::client
