// Running the room commands (room_commands.h); the wording of every reply
// and error is stated in topics.md ("Rooms").
#include "room_commands.h"

#include <algorithm>

#include "limits.h"
#include "topics.h"

namespace imchat {

using nlohmann::json;

namespace {

json Ok(const Command& cmd, const std::string& text) { return ReplyOk(cmd.verb, text); }
json Error(const Command& cmd, const std::string& text) { return ReplyError(cmd.verb, text); }

std::string Count(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

bool RoomCommands::Handles(const Command& cmd) {
  static const std::set<std::string> kVerbs = {"create",  "join",   "leave", "rooms",
                                               "members", "invite", "kick",  "topic"};
  return kVerbs.count(cmd.verb) > 0 || (cmd.verb == "history" && !cmd.room.empty());
}

json RoomCommands::Unreadable(const std::string& me, const Command& cmd, const Status& error) {
  env_.log.Log("error: " + cmd.verb + " for " + me + ": " + error.message());
  return Error(cmd, "the server could not read its database; try again later");
}

json RoomCommands::Run(const std::string& me, const Command& cmd) {
  if (cmd.verb == "create") return Create(me, cmd);
  if (cmd.verb == "join") return Join(me, cmd);
  if (cmd.verb == "leave") return Leave(me, cmd);
  if (cmd.verb == "rooms") return List(me, cmd);
  // The rest act on a room of mine.
  const Room* r = rooms_.Find(cmd.room);
  if (!r) return Error(cmd, "no such room #" + cmd.room);
  if (!r->Member(me)) {
    return Error(cmd, "you are not a member of #" + cmd.room +
                          (r->invite_only ? "" : "; join it with 'join " + cmd.room + "'"));
  }
  if (cmd.verb == "members") return Members(cmd, *r);
  if (cmd.verb == "invite") return Invite(me, cmd, *r);
  if (cmd.verb == "kick") return Kick(me, cmd, *r);
  if (cmd.verb == "topic") return Topic(me, cmd, *r);
  return History(cmd, *r);
}

json RoomCommands::Create(const std::string& me, const Command& cmd) {
  if (const Room* r = rooms_.Find(cmd.room)) {
    std::string how = r->Member(me)    ? "you are a member"
                      : r->invite_only ? "it is invite-only; ask " + r->owner + " to invite you"
                                       : "join it with 'join " + cmd.room + "'";
    return Error(cmd, "room #" + cmd.room + " already exists; " + how);
  }
  rooms_.Create(cmd.room, me, cmd.invite_only);
  env_.log.Log(me + " created #" + cmd.room + (cmd.invite_only ? " (invite-only)" : ""));
  json j =
      Ok(cmd, "Created #" + cmd.room + (cmd.invite_only ? " (invite-only)" : "") + "; you own it.");
  j["room"] = cmd.room;
  j["invite_only"] = cmd.invite_only;
  return j;
}

json RoomCommands::Join(const std::string& me, const Command& cmd) {
  const Room* r = rooms_.Find(cmd.room);
  if (!r)
    return Error(cmd, "no such room #" + cmd.room + "; create it with 'create " + cmd.room + "'");
  if (r->Member(me)) return Error(cmd, "you are already a member of #" + cmd.room);
  if (r->invite_only) {
    return Error(cmd,
                 "#" + cmd.room + " is invite-only; ask its owner " + r->owner + " to invite you");
  }
  rooms_.Add(cmd.room, me, {"join", me, ""});
  env_.log.Log(me + " joined #" + cmd.room);
  json j = Ok(cmd, "Joined #" + cmd.room + " (" + Count(r->members.size(), "member", "members") +
                       ")" + (r->topic.empty() ? "." : ": " + r->topic));
  j["room"] = cmd.room;
  j["topic"] = r->topic;
  j["member_count"] = r->members.size();
  return j;
}

json RoomCommands::Leave(const std::string& me, const Command& cmd) {
  const Room* r = rooms_.Find(cmd.room);
  if (!r) return Error(cmd, "no such room #" + cmd.room);
  if (!r->Member(me)) return Error(cmd, "you are not a member of #" + cmd.room);
  bool was_owner = r->owner == me;
  std::string owner = rooms_.Remove(cmd.room, me, {"leave", me, ""});  // r is gone if it closed
  env_.log.Log(me + " left #" + cmd.room);
  std::string text = "Left #" + cmd.room + ".";
  if (owner.empty()) {
    text += " You were its last member: the room is closed.";
  } else if (was_owner) {
    text += " " + owner + " owns it now.";
  }
  json j = Ok(cmd, text);
  j["room"] = cmd.room;
  j["closed"] = owner.empty();
  if (!owner.empty()) j["owner"] = owner;
  return j;
}

json RoomCommands::List(const std::string& me, const Command& cmd) {
  json list = json::array();
  std::string names;
  if (!cmd.all) {
    for (const Room* r : rooms_.Of(me)) {
      const RoomMember* m = r->Member(me);
      auto unread = store_.CountAfter(r->name, m->cursor, r->last_seq);
      if (!unread.ok()) return Unreadable(me, cmd, unread.status());
      list.push_back({{"room", r->name},
                      {"topic", r->topic},
                      {"member_count", r->members.size()},
                      {"unread", *unread}});
      names += (names.empty() ? "#" : ", #") + r->name +
               (*unread ? " (" + std::to_string(*unread) + " unread)" : "");
    }
    json j = Ok(cmd, names.empty() ? "You are in no rooms; 'rooms all' lists the open ones."
                                   : "Your rooms: " + names);
    j["rooms"] = list;
    return j;
  }
  std::vector<const Room*> open;
  for (const auto& [name, r] : rooms_.all()) {
    if (!r.invite_only) open.push_back(&r);
  }
  int pages = std::max<int>(1, (static_cast<int>(open.size()) + kRoomsPerPage - 1) / kRoomsPerPage);
  if (cmd.page > pages) {
    return Error(cmd, "there is no page " + std::to_string(cmd.page) + " (" +
                          Count(static_cast<std::size_t>(pages), "page", "pages") + ")");
  }
  std::size_t first = static_cast<std::size_t>(cmd.page - 1) * kRoomsPerPage;
  for (std::size_t i = first; i < open.size() && i < first + kRoomsPerPage; ++i) {
    const Room* r = open[i];
    list.push_back({{"room", r->name}, {"topic", r->topic}, {"member_count", r->members.size()}});
    names +=
        (names.empty() ? "#" : ", #") + r->name + " (" + std::to_string(r->members.size()) + ")";
  }
  std::string text = open.empty() ? "There are no open rooms; 'create <room>' makes one."
                                  : "Open rooms (page " + std::to_string(cmd.page) + " of " +
                                        std::to_string(pages) + "): " + names;
  json j = Ok(cmd, text);
  j["rooms"] = list;
  j["page"] = cmd.page;
  j["pages"] = pages;
  j["total"] = open.size();
  return j;
}

json RoomCommands::Members(const Command& cmd, const Room& r) {
  json list = json::array();
  std::string names;
  for (const RoomMember& m : r.members) {
    const PresenceEntry* e = presence_.table().Find(m.user);
    bool online = e && e->online;
    list.push_back({{"user", m.user}, {"role", m.owner ? "owner" : "member"}, {"online", online}});
    names += (names.empty() ? "" : ", ") + m.user + (m.owner ? " (owner)" : "") +
             (online ? "" : " (offline)");
  }
  json j = Ok(cmd, "#" + r.name + ": " + names);
  j["room"] = r.name;
  j["members"] = list;
  return j;
}

json RoomCommands::Invite(const std::string& me, const Command& cmd, const Room& r) {
  const std::string& u = cmd.user;
  if (r.invite_only && r.owner != me) {
    return Error(cmd, "#" + r.name + " is invite-only: only its owner " + r.owner +
                          " can invite; you are not the owner");
  }
  if (!users_.count(u)) return Error(cmd, "unknown user '" + u + "'");
  if (r.Member(u)) return Error(cmd, u + " is already a member of #" + r.name);
  if (blocks_.Blocks(u, me)) return Error(cmd, u + " blocks you; you cannot invite them");
  rooms_.Add(r.name, u, {"invite", u, me});
  env_.out.Reply(u, {{"type", "notice"},
                     {"event", "invited"},
                     {"room", r.name},
                     {"by", me},
                     {"text", me + " added you to #" + r.name}});
  env_.log.Log(me + " invited " + u + " to #" + r.name);
  json j = Ok(cmd, "Added " + u + " to #" + r.name + ".");
  j["room"] = r.name;
  j["user"] = u;
  return j;
}

json RoomCommands::Kick(const std::string& me, const Command& cmd, const Room& r) {
  const std::string& u = cmd.user;
  if (r.owner != me) {
    return Error(cmd, "you are not the owner of #" + r.name + "; only " + r.owner + " can kick");
  }
  if (u == me) return Error(cmd, "you cannot kick yourself; use 'leave " + r.name + "'");
  if (!users_.count(u)) return Error(cmd, "unknown user '" + u + "'");
  if (!r.Member(u)) return Error(cmd, u + " is not a member of #" + r.name);
  std::string room = r.name;  // r stays: the owner is still a member
  rooms_.Remove(room, u, {"kick", u, me});
  env_.out.Reply(u, {{"type", "notice"},
                     {"event", "kicked"},
                     {"room", room},
                     {"by", me},
                     {"text", me + " removed you from #" + room}});
  env_.log.Log(me + " kicked " + u + " from #" + room);
  json j = Ok(cmd, "Removed " + u + " from #" + room + ".");
  j["room"] = room;
  j["user"] = u;
  return j;
}

json RoomCommands::Topic(const std::string& me, const Command& cmd, const Room& r) {
  if (cmd.text.empty()) {
    json j = Ok(cmd, r.topic.empty() ? "#" + r.name + " has no topic."
                                     : "Topic of #" + r.name + ": " + r.topic);
    j["room"] = r.name;
    j["topic"] = r.topic;
    return j;
  }
  rooms_.SetTopic(r.name, cmd.text, me);
  env_.log.Log(me + " set the topic of #" + r.name);
  json j = Ok(cmd, "Topic of #" + r.name + " set to: " + cmd.text);
  j["room"] = r.name;
  j["topic"] = cmd.text;
  return j;
}

json RoomCommands::History(const Command& cmd, const Room& r) {
  const int n = std::min(cmd.count, history_limit_);
  std::int64_t before = Store::kNoCursor;
  if (!cmd.before.empty()) {
    auto found = store_.Find(cmd.before);
    if (!found.ok()) return Unreadable("", cmd, found.status());
    // The same answer for an unknown id and another room's (store.h, Find).
    if (!*found || (*found)->recipient != r.name) {
      return Error(cmd, "no message '" + cmd.before + "' in #" + r.name +
                            "; take the id from a message or a history reply");
    }
    before = (*found)->seq;
  }
  // One row more than asked says whether older messages remain.
  auto history = store_.History(r.name, n + 1, before);
  if (!history.ok()) return Unreadable("", cmd, history.status());
  const bool more = static_cast<int>(history->size()) > n;
  if (more) history->erase(history->begin());
  json messages = json::array();
  for (const StoredMessage& m : *history) {
    messages.push_back({{"id", m.id},
                        {"from", m.sender},
                        {"to", "#" + r.name},
                        {"room", r.name},
                        {"ts", m.ts},
                        {"text", m.body}});
  }
  json j = Ok(cmd, Count(messages.size(), "message", "messages") + " in #" + r.name +
                       (more ? " (more before)" : ""));
  j["room"] = r.name;
  j["messages"] = messages;
  j["more"] = more;
  return j;
}

}  // namespace imchat
