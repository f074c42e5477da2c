// Room state and room-info notices (rooms.h).
#include "rooms.h"

#include <nlohmann/json.hpp>

#include "reply_format.h"

namespace imchat::client {

using detail::JsonBool;
using detail::JsonInt;
using detail::JsonString;
using detail::JsonStrings;
using nlohmann::json;

namespace {

// The notice for one change of a room, "" for an event type this client does
// not know (the new state is still taken).
std::string EventText(const std::string& room, const std::string& type, const std::string& user,
                      const std::string& by, const std::string& topic) {
  const std::string r = "#" + room;
  if (type == "create") return (by.empty() ? user : by) + " created " + r;
  if (type == "join") return user + " joined " + r;
  if (type == "leave") return user + " left " + r;
  if (type == "kick") return by + " removed " + user + " from " + r;
  if (type == "invite") return by + " added " + user + " to " + r;
  if (type == "topic") {
    const std::string who = by.empty() ? user : by;
    if (topic.empty()) return who + " cleared the topic of " + r;
    return "topic of " + r + " (set by " + who + "): " + topic;
  }
  return "";
}

}  // namespace

std::vector<Line> Rooms::OnInfo(const std::string& room, const std::string& payload, bool retained,
                                std::int64_t now_ms) {
  if (payload.empty()) {
    // The last member left: the service clears the retained info.
    const bool known = rooms_.erase(room) > 0;
    seen_.erase(room);
    if (retained || !known) return {};
    return {MakeLine(Line::Kind::kInfo, now_ms, "#" + room + " was closed")};
  }
  json j = json::parse(payload, nullptr, false);
  if (!j.is_object()) return {};
  const json* event = nullptr;
  if (auto it = j.find("event"); it != j.end() && it->is_object()) event = &*it;
  const std::string type = event ? JsonString(*event, "type") : "";
  const std::string user = event ? JsonString(*event, "user") : "";
  const std::string by = event ? JsonString(*event, "by") : "";
  if (!retained && user == me_ && (type == "leave" || type == "kick")) {
    rooms_.erase(room);
    return {};
  }
  // Only members read a room's info, so seeing it means I am one.
  RoomState& state = rooms_[room];
  const std::string previous_owner = state.owner;
  state.topic = JsonString(j, "topic");
  state.owner = JsonString(j, "owner");
  state.invite_only = JsonBool(j, "invite_only").value_or(false);
  state.member_count = JsonInt(j, "member_count").value_or(0);
  state.members = JsonStrings(j, "members");
  // The owner leaving or removed passes the room to its longest member.
  const bool new_owner =
      !retained && !previous_owner.empty() && !state.owner.empty() && state.owner != previous_owner;
  if (retained || !event || (user == me_ && !new_owner) || by == me_) return {};
  std::string text = user == me_ ? "" : EventText(room, type, user, by, state.topic);
  if (new_owner) {
    text += (text.empty() ? "" : "; ") +
            (state.owner == me_ ? "you own #" + room + " now" : state.owner + " owns it now");
  }
  if (text.empty()) return {};
  return {MakeLine(Line::Kind::kInfo, now_ms, text)};
}

const RoomState* Rooms::Find(const std::string& room) const {
  auto it = rooms_.find(room);
  return it == rooms_.end() ? nullptr : &it->second;
}

void Rooms::CountUnseen(const std::string& room) {
  // Only members read a room's lines: the room may come before its info.
  ++rooms_[room].unseen;
}

void Rooms::ClearUnseen(const std::string& room) {
  auto it = rooms_.find(room);
  if (it != rooms_.end()) it->second.unseen = 0;
}

std::map<std::string, std::int64_t> Rooms::Unseen() const {
  std::map<std::string, std::int64_t> out;
  for (const auto& [name, state] : rooms_) {
    if (state.unseen > 0) out[name] = state.unseen;
  }
  return out;
}

std::vector<std::string> Rooms::Names() const {
  std::set<std::string> names = seen_;
  for (const auto& [name, state] : rooms_) names.insert(name);
  return {names.begin(), names.end()};
}

}  // namespace imchat::client
