// Replies to the room commands as display lines (reply_format.h,
// FormatRoomReply). Fields the service leaves out fall back to what the
// client sent, so a terse reply still names the room.
#include <string>
#include <vector>

#include "reply_format.h"

namespace imchat::client::detail {

using nlohmann::json;

namespace {

Line Info(std::string text, const ReplyContext& context) {
  return MakeLine(Line::Kind::kInfo, context.now_ms, std::move(text));
}

std::string Plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

const json* Array(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? &*it : nullptr;
}

// "#dev (3 members, 2 unread, 4 new here; current): topic" for /rooms.
std::string RoomEntry(const json& r, const ReplyContext& context, bool mine) {
  const std::string name = JsonString(r, "room", "?");
  std::vector<std::string> facts;
  if (std::optional<std::int64_t> n = JsonInt(r, "member_count")) {
    facts.push_back(Plural(*n, "member", "members"));
  }
  if (mine) {
    if (std::int64_t unread = JsonInt(r, "unread").value_or(0); unread > 0) {
      facts.push_back(std::to_string(unread) + " unread");
    }
    if (auto it = context.unseen.find(name); it != context.unseen.end() && it->second > 0) {
      facts.push_back(std::to_string(it->second) + " new while you were elsewhere");
    }
    if (name == context.current_room) facts.push_back("current");
  }
  if (JsonBool(r, "invite_only").value_or(false)) facts.push_back("invite-only");
  std::string out = RoomLabel(name);
  if (!facts.empty()) out += " (" + JoinNames(facts) + ")";
  const std::string topic = JsonString(r, "topic");
  if (!topic.empty()) out += ": " + topic;
  return out;
}

std::vector<Line> FormatRooms(const json& reply, const ReplyContext& context) {
  const json* rooms = Array(reply, "rooms");
  const std::size_t n = rooms ? rooms->size() : 0;
  // `page` only comes with `rooms all`.
  const std::optional<std::int64_t> page = JsonInt(reply, "page");
  std::vector<Line> lines;
  if (page) {
    if (n == 0) return {Info("no open rooms; /create <room> makes one", context)};
    const std::int64_t pages = JsonInt(reply, "pages").value_or(*page);
    std::string header = "open rooms";
    if (pages > 1) {
      header += ", page " + std::to_string(*page) + " of " + std::to_string(pages);
    }
    if (std::optional<std::int64_t> total = JsonInt(reply, "total")) {
      header += " (" + std::to_string(*total) + " in all)";
    }
    lines.push_back(Info(header + ":", context));
  } else {
    if (n == 0) {
      return {Info("you are in no room; /rooms all lists the open rooms, /join <room> joins one",
                   context)};
    }
    lines.push_back(Info("your rooms (" + std::to_string(n) + "):", context));
  }
  for (const json& r : *rooms) lines.push_back(Info("  " + RoomEntry(r, context, !page), context));
  return lines;
}

std::vector<Line> FormatMembers(const json& reply, const std::string& room,
                                const ReplyContext& context) {
  const json* members = Array(reply, "members");
  if (!members) members = Array(reply, "users");
  std::vector<std::string> entries;
  std::size_t online = 0;
  if (members) {
    for (const json& m : *members) {
      if (m.is_string()) {
        entries.push_back(m.get<std::string>());
        continue;
      }
      std::vector<std::string> facts;
      const std::string role = JsonString(m, "role");
      if (role == "owner") facts.push_back("owner");
      if (JsonBool(m, "online").value_or(false)) {
        facts.push_back("online");
        ++online;
      }
      std::string entry = JsonString(m, "user", "?");
      if (!facts.empty()) entry += " (" + JoinNames(facts) + ")";
      entries.push_back(entry);
    }
  }
  const std::int64_t count =
      JsonInt(reply, "member_count").value_or(static_cast<std::int64_t>(entries.size()));
  return {Info("members of " + RoomLabel(room) + " (" + std::to_string(count) + ", " +
                   std::to_string(online) + " online): " + JoinNames(entries),
               context)};
}

}  // namespace

std::string RoomLabel(const std::string& room) { return "#" + (room.empty() ? "?" : room); }

std::vector<Line> FormatRoomReply(const json& reply, const ReplyContext& context) {
  const std::string cmd = JsonString(reply, "cmd");
  const std::string room = JsonString(reply, "room", context.room);
  const std::string r = RoomLabel(room);
  if (cmd == "create") {
    const bool invite_only = JsonBool(reply, "invite_only").value_or(false);
    return {Info(
        std::string("created ") + (invite_only ? "invite-only room " : "") + r + "; you own it",
        context)};
  }
  if (cmd == "join") {
    std::string text = "joined " + r;
    if (std::optional<std::int64_t> n = JsonInt(reply, "member_count")) {
      text += " (" + Plural(*n, "member", "members") + ")";
    }
    const std::string topic = JsonString(reply, "topic");
    if (!topic.empty()) text += "; topic: " + topic;
    return {Info(text, context)};
  }
  if (cmd == "leave") {
    // The service says whether the room closed and who owns it now; a new
    // owner is news only when it changed (I owned it).
    std::string text = "left " + r;
    const std::string owner = JsonString(reply, "owner");
    if (JsonBool(reply, "closed").value_or(false)) {
      text += "; you were its last member, so it is closed";
    } else if (!owner.empty() && !context.room_owner.empty() && owner != context.room_owner) {
      text += "; " + owner + " owns it now";
    }
    return {Info(text, context)};
  }
  if (cmd == "rooms") return FormatRooms(reply, context);
  if (cmd == "members") return FormatMembers(reply, room, context);
  if (cmd == "invite" || cmd == "kick") {
    const std::string user = JsonString(reply, "user", context.user.empty() ? "?" : context.user);
    return {Info(cmd == "invite" ? "added " + user + " to " + r : "removed " + user + " from " + r,
                 context)};
  }
  if (cmd == "topic") {
    const std::string topic = JsonString(reply, "topic", context.text);
    if (!context.text.empty()) return {Info("topic of " + r + " set to: " + topic, context)};
    return {Info(topic.empty() ? r + " has no topic" : "topic of " + r + ": " + topic, context)};
  }
  return {};
}

}  // namespace imchat::client::detail
