// Executing parsed commands against the service's state (topics.md, "Commands").
#include "command_executor.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace imchat {

using nlohmann::json;

namespace {

json Ok(const Command& cmd, const std::string& text) { return ReplyOk(cmd.verb, text); }

json Error(const Command& cmd, const std::string& text) { return ReplyError(cmd.verb, text); }

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

json CommandExecutor::Run(const std::string& me, const Command& cmd) {
  if (RoomCommands::Handles(cmd)) return rooms_.Run(me, cmd);
  const std::string& v = cmd.verb;
  std::int64_t now = env_.clock();
  // The user can only retry; the log keeps SQLite's reason for the operator.
  auto unreadable = [&](const Status& error) {
    env_.log.Log("error: " + v + " for " + me + ": " + error.message());
    return Error(cmd, "the server could not read its database; try again later");
  };
  if (v == "help") {
    json list = json::array();
    std::string text = "commands:";
    for (const CommandSpec& c : AllCommands()) {
      list.push_back({{"name", c.name}, {"usage", c.usage}, {"help", c.help}});
      text += "\n  " + c.usage + " - " + c.help;
    }
    json j = Ok(cmd, text);
    j["commands"] = list;
    return j;
  }
  if (v == "who") {
    json users = json::array();
    std::vector<std::string> names;
    for (const std::string& u : presence_.table().OnlineNames()) {
      if (u == me || Hidden(me, u)) continue;
      const PresenceEntry* e = presence_.table().Find(u);
      users.push_back({{"user", u}, {"display", e->display}, {"since", e->since}});
      names.push_back(u);
    }
    json j = Ok(cmd, names.empty() ? "Nobody else is online." : "Online: " + Join(names));
    j["users"] = users;
    return j;
  }
  if (v == "since") {
    json users = json::array();
    std::vector<std::string> names;
    std::int64_t from = now - cmd.seconds * 1000;
    for (const auto& [u, e] : presence_.table().entries()) {
      if (u == me || Hidden(me, u) || !users_.count(u)) continue;
      std::int64_t last_seen = e.online ? now : e.last_seen;
      if (!e.online && last_seen < from) continue;
      users.push_back(
          {{"user", u}, {"display", e.display}, {"online", e.online}, {"last_seen", last_seen}});
      names.push_back(u);
    }
    json j =
        Ok(cmd, names.empty()
                    ? "Nobody else was online in the last " + std::to_string(cmd.seconds) + " s."
                    : "Online in the last " + std::to_string(cmd.seconds) + " s: " + Join(names));
    j["users"] = users;
    return j;
  }
  if (v == "block" || v == "unblock") {
    const std::string& u = cmd.user;
    if (!users_.count(u)) return Error(cmd, "unknown user '" + u + "'");
    if (u == me) return Error(cmd, "you cannot " + v + " yourself");
    bool on = v == "block";
    if (on && blocks_.Blocks(me, u)) return Error(cmd, "you already block " + u);
    if (!on && !blocks_.Blocks(me, u)) return Error(cmd, "you do not block " + u);
    env_.store.SetBlock(me, u, on);
    if (on) {
      blocks_.Add(me, u);
    } else {
      blocks_.Remove(me, u);
    }
    env_.out.Control({{"op", v}, {"user", me}, {"target", u}});
    env_.log.Log(me + (on ? " blocks " : " unblocks ") + u);
    json j = Ok(cmd, on ? "You block " + u + ": no messages or presence between you."
                        : "You no longer block " + u + ".");
    j["user"] = u;
    return j;
  }
  if (v == "blocked") {
    json users = json::array();
    std::vector<std::string> names;
    auto pairs = env_.store.Blocks();
    if (!pairs.ok()) return unreadable(pairs.status());
    for (const auto& [a, b] : *pairs) {
      if (a != me) continue;
      users.push_back(b);
      names.push_back(b);
    }
    json j = Ok(cmd, names.empty() ? "You block nobody." : "You block: " + Join(names));
    j["users"] = users;
    return j;
  }
  if (v == "history") {
    bool all = cmd.user == "all";
    if (!all && !users_.count(cmd.user)) return Error(cmd, "unknown user '" + cmd.user + "'");
    int n = std::min(cmd.count, history_limit_);
    std::string what = all ? "broadcasts" : "messages with " + cmd.user;
    std::int64_t before = Store::kNoCursor;
    if (!cmd.before.empty()) {
      auto found = env_.store.Find(cmd.before);
      if (!found.ok()) return unreadable(found.status());
      // One answer for "no such id" and "not in this conversation": an id
      // from somebody else's conversation must reveal nothing about it.
      const std::optional<StoredMessage>& m = *found;
      const bool in_conversation = m && (all ? m->recipient.empty()
                                             : (m->sender == me && m->recipient == cmd.user) ||
                                                   (m->sender == cmd.user && m->recipient == me));
      if (!in_conversation) {
        return Error(cmd, "no message '" + cmd.before + "' in your " + what +
                              "; take the id from a message or a history reply");
      }
      before = m->seq;
    }
    json messages = json::array();
    // One row more than asked says whether older messages remain.
    auto history = env_.store.History(me, all ? "" : cmd.user, n + 1, before);
    if (!history.ok()) return unreadable(history.status());
    const bool more = static_cast<int>(history->size()) > n;
    if (more) history->erase(history->begin());
    for (const StoredMessage& m : *history) {
      messages.push_back({{"id", m.id},
                          {"from", m.sender},
                          {"to", m.recipient.empty() ? "all" : m.recipient},
                          {"ts", m.ts},
                          {"text", m.body}});
    }
    json j = Ok(cmd, std::to_string(messages.size()) + " " + what + (more ? " (more before)" : ""));
    j["messages"] = messages;
    j["more"] = more;
    return j;
  }
  if (v == "users") return Users(me, cmd, now);
  if (v == "nick") {
    presence_.table().SetDisplay(me, cmd.display);
    presence_.Changed(me);
    json j = Ok(cmd, cmd.display.empty() ? "Display name cleared."
                                         : "Display name set to '" + cmd.display + "'.");
    j["display"] = cmd.display;
    return j;
  }
  return Error(cmd, UnknownCommandText(v));
}

json CommandExecutor::Users(const std::string& me, const Command& cmd, std::int64_t now) const {
  // Everything comes from memory (users.txt's names, the presence table
  // seeded from the database at start), so a page costs no query.
  const std::int64_t total = static_cast<std::int64_t>(users_.size());
  const std::int64_t pages =
      std::max<std::int64_t>(1, (total + kUsersPageSize - 1) / kUsersPageSize);
  if (cmd.page > pages) {
    return Error(cmd, "page " + std::to_string(cmd.page) +
                          " is past the end: " + std::to_string(total) + " users make " +
                          std::to_string(pages) + (pages == 1 ? " page" : " pages") +
                          "; try 'users " + std::to_string(pages) + "'");
  }
  const std::int64_t first = (cmd.page - 1) * kUsersPageSize;
  auto it = users_.begin();
  std::advance(it, first);
  json users = json::array();
  std::vector<std::string> names;
  for (; it != users_.end() && names.size() < static_cast<std::size_t>(kUsersPageSize); ++it) {
    const std::string& u = *it;
    names.push_back(u);
    const PresenceEntry* e = presence_.table().Find(u);
    // Presence between two users who block each other stays hidden, as in
    // who and since; the name itself is no secret (users.txt decides it).
    if (u != me && Hidden(me, u)) {
      users.push_back({{"user", u},
                       {"display", ""},
                       {"online", false},
                       {"last_seen", nullptr},
                       {"hidden", true}});
      continue;
    }
    const bool online = e != nullptr && e->online;
    json last_seen = nullptr;  // never logged in
    if (online) {
      last_seen = now;
    } else if (e != nullptr && e->last_seen > 0) {
      last_seen = e->last_seen;
    }
    users.push_back({{"user", u},
                     {"display", e != nullptr ? e->display : ""},
                     {"online", online},
                     {"last_seen", last_seen}});
  }
  std::string text = "No users.";
  if (!names.empty()) {
    text = "Users " + std::to_string(first + 1) + "-" +
           std::to_string(first + static_cast<std::int64_t>(names.size())) + " of " +
           std::to_string(total) + " (page " + std::to_string(cmd.page) + " of " +
           std::to_string(pages) + "): " + Join(names);
  }
  json j = Ok(cmd, text);
  j["page"] = cmd.page;
  j["pages"] = pages;
  j["total"] = total;
  j["users"] = users;
  return j;
}

}  // namespace imchat
