#include "session_owners.h"

#include <nlohmann/json.hpp>

namespace imchat {

namespace {
constexpr int kFormatVersion = 1;
}  // namespace

SessionOwners::SessionOwners() : SessionOwners(Limits()) {}

SessionOwners::SessionOwners(Limits limits) : limits_(limits) {
  if (limits_.max_per_user < 1) limits_.max_per_user = 1;
}

const SessionOwners::Entry* SessionOwners::Find(std::string_view client_id) const {
  auto it = entries_.find(client_id);
  return it == entries_.end() ? nullptr : &it->second;
}

SessionOwners::Entry* SessionOwners::Find(std::string_view client_id) {
  auto it = entries_.find(client_id);
  return it == entries_.end() ? nullptr : &it->second;
}

SessionOwners::Entry& SessionOwners::Connected(const std::string& client_id,
                                               const std::string& user, std::int64_t now_s) {
  auto it = entries_.find(client_id);
  if (it != entries_.end() && it->second.user != user) {
    // Only reachable if the caller let another user in; the newest owner wins.
    Erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    it = entries_.emplace(client_id, Entry()).first;
    it->second.user = user;
    by_user_[user].insert(client_id);
    dirty_ = true;
  }
  Entry& e = it->second;
  if (e.live == 0) dirty_ = true;  // saved as live from now on
  ++e.live;
  e.seen_s = now_s;
  return e;
}

bool SessionOwners::CanClaim(std::string_view client_id, std::string_view user) const {
  const Entry* e = Find(client_id);
  if (e) return e->user == user;
  auto u = by_user_.find(user);
  return u == by_user_.end() || u->second.size() < limits_.max_per_user;
}

void SessionOwners::Disconnected(std::string_view client_id, std::int64_t now_s) {
  Entry* e = Find(client_id);
  if (!e || e->live == 0) return;
  --e->live;
  e->seen_s = now_s;
  if (e->live == 0) dirty_ = true;
}

void SessionOwners::Forget(std::string_view client_id) {
  auto it = entries_.find(client_id);
  if (it != entries_.end()) Erase(it);
}

std::size_t SessionOwners::Expire(std::int64_t now_s) {
  std::size_t n = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (it->second.live == 0 && now_s - it->second.seen_s > limits_.keep_seconds) {
      Erase(it);
      ++n;
    }
    it = next;
  }
  return n;
}

void SessionOwners::Erase(std::map<std::string, Entry, std::less<>>::iterator it) {
  auto u = by_user_.find(it->second.user);
  if (u != by_user_.end()) {
    u->second.erase(it->first);
    if (u->second.empty()) by_user_.erase(u);
  }
  entries_.erase(it);
  dirty_ = true;
}

std::string SessionOwners::Serialize() const {
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& [client_id, e] : entries_) {
    sessions.push_back(
        {{"client_id", client_id}, {"user", e.user}, {"seen", e.seen_s}, {"live", e.live > 0}});
  }
  nlohmann::json doc = {{"version", kFormatVersion}, {"sessions", sessions}};
  // Client ids may hold any UTF-8; replace (never throw on) what is not.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<SessionOwners> SessionOwners::Parse(std::string_view text, Limits limits,
                                                  std::int64_t now_s, std::string* error) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    *error = "not a JSON object";
    return std::nullopt;
  }
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || *version != kFormatVersion) {
    *error = "unknown format version";
    return std::nullopt;
  }
  auto sessions = doc.find("sessions");
  if (sessions == doc.end() || !sessions->is_array()) {
    *error = "no sessions array";
    return std::nullopt;
  }
  SessionOwners owners(limits);
  std::size_t index = 0;
  for (const auto& s : *sessions) {
    const std::string where = "session " + std::to_string(index++) + ": ";
    if (!s.is_object()) {
      *error = where + "not an object";
      return std::nullopt;
    }
    auto cid = s.find("client_id");
    auto user = s.find("user");
    auto seen = s.find("seen");
    auto live = s.find("live");
    if (cid == s.end() || !cid->is_string() || user == s.end() || !user->is_string() ||
        user->get_ref<const std::string&>().empty() || seen == s.end() ||
        !seen->is_number_integer() || live == s.end() || !live->is_boolean()) {
      *error = where + "needs client_id, user, seen and live";
      return std::nullopt;
    }
    const std::string& id = cid->get_ref<const std::string&>();
    if (owners.entries_.count(id)) {
      *error = where + "client id listed twice";
      return std::nullopt;
    }
    Entry e;
    e.user = user->get<std::string>();
    e.seen_s = live->get<bool>() ? now_s : seen->get<std::int64_t>();
    owners.by_user_[e.user].insert(id);
    owners.entries_.emplace(id, std::move(e));
  }
  // Expired owners dropped here leave the table dirty, so the file is rewritten without them.
  owners.Expire(now_s);
  return owners;
}

}  // namespace imchat
