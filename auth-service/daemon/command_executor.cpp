// Executing parsed commands against the service's state (topics.md, "Commands").
#include "command_executor.h"

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
    json messages = json::array();
    auto history = env_.store.History(me, all ? "" : cmd.user, n);
    if (!history.ok()) return unreadable(history.status());
    for (const StoredMessage& m : *history) {
      messages.push_back({{"id", m.id},
                          {"from", m.sender},
                          {"to", m.recipient.empty() ? "all" : m.recipient},
                          {"ts", m.ts},
                          {"text", m.body}});
    }
    std::string what = all ? "broadcasts" : "messages with " + cmd.user;
    json j = Ok(cmd, std::to_string(messages.size()) + " " + what);
    j["messages"] = messages;
    return j;
  }
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

}  // namespace imchat
