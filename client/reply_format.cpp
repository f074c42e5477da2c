// Command replies from the service as display lines (reply_format.h).
#include "reply_format.h"

#include <ctime>

namespace imchat::client::detail {

using nlohmann::json;

namespace {

Line InfoLine(std::string text, std::int64_t now_ms) {
  return MakeLine(Line::Kind::kInfo, now_ms, std::move(text));
}

const json* Field(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// History lines always carry the date: they span days.
std::string DateTime(std::int64_t ts_ms, bool utc) {
  std::time_t t = static_cast<std::time_t>(ts_ms / 1000 - (ts_ms % 1000 < 0 ? 1 : 0));
  std::tm tm{};
  if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == nullptr) return "(bad time)";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// "carol (Carol S.)" or "carol".
std::string NameWithDisplay(const json& user) {
  std::string name = JsonString(user, "user", "?");
  std::string display = JsonString(user, "display");
  return display.empty() ? name : name + " (" + display + ")";
}

std::string FormatWho(const json& reply) {
  const json* users = Field(reply, "users");
  std::vector<std::string> names;
  if (users && users->is_array()) {
    for (const json& u : *users) names.push_back(NameWithDisplay(u));
  }
  return names.empty() ? "nobody else is online" : "online: " + JoinNames(names);
}

std::string FormatSince(const json& reply, const ReplyContext& context) {
  const std::string span = context.seconds > 0 ? FormatDuration(context.seconds) : "while asked";
  const json* users = Field(reply, "users");
  std::vector<std::string> names;
  RenderOptions times;
  times.now_ms = context.now_ms;
  times.utc = context.utc;
  if (users && users->is_array()) {
    for (const json& u : *users) {
      std::string entry = NameWithDisplay(u);
      if (JsonBool(u, "online").value_or(false)) {
        entry += " (online)";
      } else if (std::optional<std::int64_t> seen = JsonInt(u, "last_seen")) {
        entry += " (last seen " + FormatTime(*seen, times) + ")";
      }
      names.push_back(entry);
    }
  }
  if (names.empty()) return "nobody else was online in the last " + span;
  return "online in the last " + span + ": " + JoinNames(names);
}

std::vector<Line> FormatHistory(const json& reply, const ReplyContext& context) {
  std::vector<Line> lines;
  const json* messages = Field(reply, "messages");
  std::size_t n = messages && messages->is_array() ? messages->size() : 0;
  // Always "N messages": scripts reading the output match one form.
  const std::string count = std::to_string(n) + " messages";
  // A room's history names its room (also a reply this client did not ask for).
  const std::string room = JsonString(reply, "room", context.room);
  std::string header;
  if (!room.empty()) {
    header = "history of " + RoomLabel(room) + " (" + count + "):";
  } else if (context.user == "all") {
    header = "history of the room (" + count + "):";
  } else if (!context.user.empty()) {
    header = "history with " + context.user + " (" + count + "):";
  } else {
    header = "history (" + count + "):";
  }
  lines.push_back(InfoLine(header, context.now_ms));
  if (n == 0) return lines;
  for (const json& m : *messages) {
    std::int64_t ts = JsonInt(m, "ts").value_or(0);
    std::string from = JsonString(m, "from", "?");
    std::string to = JsonString(m, "to", "?");
    std::string text = JsonString(m, "text");
    std::string when = DateTime(ts, context.utc);
    const bool to_many = to == "all" || !room.empty();
    lines.push_back(InfoLine(
        when + " " + (to_many ? "<" + from + "> " + text : from + " -> " + to + ": " + text),
        context.now_ms));
  }
  // `more`: the command for the page before, with the oldest id shown (the
  // cursor; ids are the server's, escaped on output like any text).
  const json* more = Field(reply, "more");
  const std::string oldest = JsonString(messages->front(), "id");
  const std::string target = !room.empty() ? "#" + room : context.user;
  if (more && more->is_boolean() && more->get<bool>() && !oldest.empty() && !target.empty()) {
    lines.push_back(InfoLine(
        "older messages: /history " + target + " " + std::to_string(n) + " before " + oldest,
        context.now_ms));
  }
  return lines;
}

// One line per user, then "page 1 of 3 (250 users); /users 2 for more".
std::vector<Line> FormatUsers(const json& reply, const ReplyContext& context) {
  std::vector<Line> lines;
  RenderOptions times;
  times.now_ms = context.now_ms;
  times.utc = context.utc;
  const json* users = Field(reply, "users");
  if (users && users->is_array()) {
    for (const json& u : *users) {
      std::string state = "never seen";
      if (JsonBool(u, "hidden").value_or(false)) {
        state = "presence hidden (one of you blocks the other)";
      } else if (JsonBool(u, "online").value_or(false)) {
        state = "online";
      } else if (std::optional<std::int64_t> seen = JsonInt(u, "last_seen")) {
        state = "last seen " + FormatTime(*seen, times);
      }
      lines.push_back(InfoLine(NameWithDisplay(u) + ": " + state, context.now_ms));
    }
  }
  const std::int64_t page = JsonInt(reply, "page").value_or(1);
  const std::int64_t pages = JsonInt(reply, "pages").value_or(1);
  const std::int64_t total = JsonInt(reply, "total").value_or(0);
  std::string footer = "page " + std::to_string(page) + " of " + std::to_string(pages) + " (" +
                       std::to_string(total) + (total == 1 ? " user)" : " users)");
  if (page < pages) footer += "; /users " + std::to_string(page + 1) + " for more";
  lines.push_back(InfoLine(footer, context.now_ms));
  return lines;
}

}  // namespace

std::string JsonString(const json& j, const char* key, const std::string& fallback) {
  const json* f = Field(j, key);
  return f && f->is_string() ? f->get<std::string>() : fallback;
}

std::optional<std::int64_t> JsonInt(const json& j, const char* key) {
  const json* f = Field(j, key);
  if (!f || !f->is_number_integer()) return std::nullopt;
  return f->get<std::int64_t>();
}

std::optional<bool> JsonBool(const json& j, const char* key) {
  const json* f = Field(j, key);
  if (!f || !f->is_boolean()) return std::nullopt;
  return f->get<bool>();
}

std::vector<std::string> JsonStrings(const json& j, const char* key) {
  std::vector<std::string> out;
  const json* f = Field(j, key);
  if (!f || !f->is_array()) return out;
  for (const json& e : *f) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string FormatDuration(std::int64_t seconds) {
  if (seconds <= 0) return "0s";
  std::string out;
  const std::pair<std::int64_t, const char*> units[] = {
      {86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  for (const auto& [size, name] : units) {
    if (seconds >= size) {
      out += std::to_string(seconds / size) + name;
      seconds %= size;
    }
  }
  return out;
}

std::vector<Line> FormatReply(const json& reply, const ReplyContext& context) {
  const std::string cmd = JsonString(reply, "cmd");
  const std::string text = JsonString(reply, "text");
  if (!JsonBool(reply, "ok").value_or(false)) {
    Line line = InfoLine(JsonString(reply, "error", text.empty() ? "the command failed" : text),
                         context.now_ms);
    line.kind = Line::Kind::kError;
    return {line};
  }
  if (cmd == "who") return {InfoLine(FormatWho(reply), context.now_ms)};
  if (cmd == "since") return {InfoLine(FormatSince(reply, context), context.now_ms)};
  if (cmd == "blocked") {
    std::vector<std::string> names = JsonStrings(reply, "users");
    return {InfoLine(names.empty() ? "you block nobody" : "you block: " + JoinNames(names),
                     context.now_ms)};
  }
  if (cmd == "block" || cmd == "unblock") {
    std::string user = JsonString(reply, "user", context.user);
    if (!user.empty()) return {InfoLine(cmd + "ed " + user, context.now_ms)};
  }
  if (cmd == "nick" && Field(reply, "display")) {
    std::string display = JsonString(reply, "display");
    return {
        InfoLine(display.empty() ? "display name cleared" : "display name set to '" + display + "'",
                 context.now_ms)};
  }
  if (cmd == "history") return FormatHistory(reply, context);
  if (cmd == "users") return FormatUsers(reply, context);
  if (std::vector<Line> room = FormatRoomReply(reply, context); !room.empty()) return room;
  if (cmd == "help") {
    const json* commands = Field(reply, "commands");
    if (commands && commands->is_array() && !commands->empty()) {
      std::vector<Line> lines;
      for (const json& c : *commands) {
        lines.push_back(
            InfoLine(JsonString(c, "usage", JsonString(c, "name")) + "  " + JsonString(c, "help"),
                     context.now_ms));
      }
      return lines;
    }
  }
  return {InfoLine(text.empty() ? cmd + ": ok" : text, context.now_ms)};
}

}  // namespace imchat::client::detail
