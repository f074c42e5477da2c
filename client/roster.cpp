// Presence and names as the client learns them (roster.h).
#include "roster.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "reply_format.h"

namespace imchat::client {

using detail::JsonBool;
using detail::JsonInt;
using detail::JsonString;
using nlohmann::json;

namespace {

std::string ReasonText(const std::string& reason) {
  if (reason == "quit") return "quit";
  if (reason == "lost") return "connection lost";
  if (reason == "idle") return "idle";
  if (reason == "kicked") return "removed";
  return reason.empty() ? "offline" : reason;
}

}  // namespace

std::string Roster::Display(const std::string& name) const {
  auto it = display_.find(name);
  return it == display_.end() ? "" : it->second;
}

std::vector<std::string> Roster::KnownUsers() const {
  std::vector<std::string> out;
  for (const std::string& name : known_) {
    if (name != me_) out.push_back(name);
  }
  return out;
}

std::vector<std::string> Roster::OnlineUsers() const {
  std::vector<std::string> out;
  for (const auto& [name, online] : online_) {
    if (online && name != me_) out.push_back(name);
  }
  return out;
}

void Roster::OnOnlineList(const std::string& payload) {
  json j = json::parse(payload, nullptr, false);
  if (!j.is_array()) return;
  std::set<std::string> now_online;
  for (const json& e : j) {
    if (e.is_string()) now_online.insert(e.get<std::string>());
  }
  for (auto& [name, online] : online_) online = now_online.count(name) > 0;
  for (const std::string& name : now_online) {
    online_[name] = true;
    known_.insert(name);
  }
}

void Roster::SetOnline(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    online_[name] = true;
    known_.insert(name);
  }
}

std::vector<Line> Roster::OnPresence(const std::string& name, const std::string& payload,
                                     bool retained, std::int64_t now_ms) {
  if (payload.empty()) {  // a cleared retained presence: the user is gone
    online_.erase(name);
    display_.erase(name);
    return {};
  }
  json j = json::parse(payload, nullptr, false);
  std::optional<bool> online = JsonBool(j, "online");
  if (!online) return {};
  std::string display = JsonString(j, "display");
  auto old_display = display_.find(name);
  const bool display_changed =
      old_display == display_.end() ? !display.empty() : old_display->second != display;
  if (display.empty()) {
    display_.erase(name);
  } else {
    display_[name] = display;
  }
  known_.insert(name);
  auto it = online_.find(name);
  const bool was_known = it != online_.end();
  const bool was_online = was_known && it->second;
  online_[name] = *online;
  if (retained || name == me_) return {};
  std::int64_t ts = JsonInt(j, "since").value_or(now_ms);
  if (ts <= 0) ts = now_ms;
  if (*online && !was_online) {
    Line line = MakeLine(Line::Kind::kJoin, ts, "");
    line.from = name;
    line.display = display;
    return {line};
  }
  if (!*online && was_online) {
    Line line = MakeLine(Line::Kind::kLeave, ts, ReasonText(JsonString(j, "reason")));
    line.from = name;
    return {line};
  }
  if (*online && display_changed) {  // a /nick while online
    return {MakeLine(Line::Kind::kInfo, now_ms,
                     display.empty() ? name + " cleared their display name"
                                     : name + " is now shown as '" + display + "'")};
  }
  return {};
}

}  // namespace imchat::client
