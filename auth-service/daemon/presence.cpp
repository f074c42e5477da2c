#include "presence.h"

namespace imchat {

void PresenceTable::Seed(const std::string& user, const std::string& display, bool online,
                         std::int64_t since, std::int64_t last_seen) {
  PresenceEntry& e = entries_[user];
  e.display = display;
  e.online = online;
  e.since = since;
  e.last_seen = last_seen;
}

bool PresenceTable::Login(const std::string& user, const std::string& conn, std::int64_t now) {
  PresenceEntry& e = entries_[user];
  e.conns.insert(conn);
  e.last_seen = now;
  if (e.online) return false;
  e.online = true;
  e.since = now;
  e.reason.clear();
  return true;
}

bool PresenceTable::Logout(const std::string& user, const std::string& conn,
                           const std::string& reason, std::int64_t now) {
  auto it = entries_.find(user);
  if (it == entries_.end()) return false;
  PresenceEntry& e = it->second;
  e.conns.erase(conn);
  // A logout for a connection we never saw (missed login) still ends the
  // user's presence when nothing else is known to be connected.
  if (!e.conns.empty() || !e.online) return false;
  e.online = false;
  e.since = now;
  e.last_seen = now;
  e.reason = reason.empty() ? "lost" : reason;
  return true;
}

std::vector<std::string> PresenceTable::Rebuild(
    const std::map<std::string, std::set<std::string>>& sessions, std::int64_t now) {
  std::vector<std::string> changed;
  for (auto& [user, e] : entries_) {
    if (sessions.count(user)) continue;
    e.conns.clear();
    if (e.online) {
      e.online = false;
      e.since = now;
      e.last_seen = now;
      e.reason = "lost";
      changed.push_back(user);
    }
  }
  for (const auto& [user, conns] : sessions) {
    PresenceEntry& e = entries_[user];
    e.conns = conns;
    e.last_seen = now;
    if (!e.online) {
      e.online = true;
      e.since = now;
      e.reason.clear();
      changed.push_back(user);
    }
  }
  return changed;
}

void PresenceTable::SetDisplay(const std::string& user, const std::string& display) {
  entries_[user].display = display;
}

bool PresenceTable::IsOnline(const std::string& user) const {
  auto it = entries_.find(user);
  return it != entries_.end() && it->second.online;
}

const PresenceEntry* PresenceTable::Find(const std::string& user) const {
  auto it = entries_.find(user);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> PresenceTable::OnlineNames() const {
  std::vector<std::string> out;
  for (const auto& [user, e] : entries_) {
    if (e.online) out.push_back(user);
  }
  return out;
}

nlohmann::json PresenceTable::PresenceJson(const std::string& user) const {
  nlohmann::json j = {{"user", user}, {"display", ""}, {"online", false}, {"since", 0}};
  if (const PresenceEntry* e = Find(user)) {
    j["display"] = e->display;
    j["online"] = e->online;
    j["since"] = e->since;
    if (!e->online) j["reason"] = e->reason.empty() ? "lost" : e->reason;
  }
  return j;
}

}  // namespace imchat
