// Room membership in memory, written through to the store, pushed to the
// plugin and published as roominfo (rooms.h).
#include "rooms.h"

#include <algorithm>

#include "limits.h"
#include "topics.h"

namespace imchat {

using nlohmann::json;

namespace {
// Names per room_set/room_add: a name is at most 32 characters, so 1,000 of
// them stay well under the 48 KiB each $CONTROL message is allowed.
constexpr std::size_t kNamesPerControl = 1000;
}  // namespace

const RoomMember* Room::Member(const std::string& user) const {
  for (const RoomMember& m : members) {
    if (m.user == user) return &m;
  }
  return nullptr;
}

RoomMember* Room::Member(const std::string& user) {
  return const_cast<RoomMember*>(static_cast<const Room*>(this)->Member(user));
}

bool Rooms::Load() {
  auto rooms = store_.Rooms();
  auto members = store_.Members();
  auto last = store_.LastSeqs();
  for (const Status* s : {&rooms.status(), &members.status(), &last.status()}) {
    if (!s->ok()) {
      env_.log.Log("error: the rooms could not be read; starting without rooms: " + s->message());
      return false;
    }
  }
  for (const RoomRow& r : *rooms) {
    rooms_[r.name] = Room{r.name, r.owner, r.topic, r.invite_only, r.created, {}, 0};
  }
  for (const MemberRow& m : *members) {
    auto it = rooms_.find(m.room);
    if (it == rooms_.end()) continue;
    it->second.members.push_back({m.user, m.owner, m.join_order, m.joined, m.cursor});
    by_user_[m.user].insert(m.room);
    next_join_order_ = std::max(next_join_order_, m.join_order + 1);
  }
  for (const auto& [room, seq] : *last) {
    auto it = rooms_.find(room);
    if (it != rooms_.end()) it->second.last_seq = seq;
  }
  return true;
}

const Room* Rooms::Find(const std::string& room) const {
  auto it = rooms_.find(room);
  return it == rooms_.end() ? nullptr : &it->second;
}

bool Rooms::IsMember(const std::string& room, const std::string& user) const {
  auto it = by_user_.find(user);
  return it != by_user_.end() && it->second.count(room) > 0;
}

std::vector<const Room*> Rooms::Of(const std::string& user) const {
  std::vector<const Room*> out;
  auto it = by_user_.find(user);
  if (it == by_user_.end()) return out;
  for (const std::string& room : it->second) out.push_back(Find(room));
  return out;
}

void Rooms::Create(const std::string& room, const std::string& owner, bool invite_only) {
  std::int64_t now = env_.clock();
  Room& r = rooms_[room];
  r = Room{room, owner, "", invite_only, now, {}, 0};
  store_.SaveRoom({room, owner, "", invite_only, now});
  r.members.push_back({owner, true, next_join_order_++, now, 0});
  by_user_[owner].insert(room);
  SaveMember(r, r.members.back());
  SendMembers("room_add", room, {owner});
  PublishInfo(r, {"create", owner, ""});
}

void Rooms::Add(const std::string& room, const std::string& user, const RoomEvent& event) {
  Room& r = rooms_.at(room);
  r.members.push_back({user, false, next_join_order_++, env_.clock(), r.last_seq});
  by_user_[user].insert(room);
  SaveMember(r, r.members.back());
  SendMembers("room_add", room, {user});
  PublishInfo(r, event);
}

std::string Rooms::Remove(const std::string& room, const std::string& user,
                          const RoomEvent& event) {
  Room& r = rooms_.at(room);
  auto it = std::find_if(r.members.begin(), r.members.end(),
                         [&](const RoomMember& m) { return m.user == user; });
  if (it == r.members.end()) return r.owner;
  bool was_owner = it->owner;
  r.members.erase(it);
  auto mine = by_user_.find(user);
  if (mine != by_user_.end()) {
    mine->second.erase(room);
    if (mine->second.empty()) by_user_.erase(mine);
  }
  dirty_cursors_.erase({room, user});
  if (r.members.empty()) {
    store_.DeleteRoom(room);
    env_.out.Control({{"op", "room_close"}, {"room", room}});
    // An empty retained publication clears the retained roominfo.
    env_.out.link().Publish(RoomInfoTopic(room), "", 1, true, {}, 0, {});
    env_.log.Log("room #" + room + " closed: its last member " + user + " left");
    rooms_.erase(room);
    return "";
  }
  store_.DeleteMember(room, user);
  if (was_owner) {
    // members are in join order: the first one stayed longest.
    RoomMember& heir = r.members.front();
    heir.owner = true;
    r.owner = heir.user;
    SaveMember(r, heir);
    store_.SaveRoom({r.name, r.owner, r.topic, r.invite_only, r.created});
    env_.log.Log("room #" + room + ": ownership passes from " + user + " to " + r.owner);
  }
  SendMembers("room_remove", room, {user});
  PublishInfo(r, event);
  return r.owner;
}

void Rooms::SetTopic(const std::string& room, const std::string& topic, const std::string& by) {
  Room& r = rooms_.at(room);
  r.topic = topic;
  store_.SaveRoom({r.name, r.owner, r.topic, r.invite_only, r.created});
  PublishInfo(r, {"topic", by, by});
}

void Rooms::MessageStored(const std::string& room, std::int64_t seq) {
  auto it = rooms_.find(room);
  if (it != rooms_.end()) it->second.last_seq = std::max(it->second.last_seq, seq);
}

void Rooms::AdvanceCursor(const std::string& room, const std::string& user, std::int64_t seq) {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  RoomMember* m = it->second.Member(user);
  if (!m || m->cursor >= seq) return;
  m->cursor = seq;
  dirty_cursors_.insert({room, user});
}

void Rooms::FlushCursors() {
  for (const auto& [room, user] : dirty_cursors_) {
    const Room* r = Find(room);
    const RoomMember* m = r ? r->Member(user) : nullptr;
    if (m) store_.SetCursor(room, user, m->cursor);
  }
  dirty_cursors_.clear();
}

void Rooms::SendSnapshot() {
  env_.out.Control({{"op", "rooms_begin"}});
  for (const auto& [name, r] : rooms_) {
    std::vector<std::string> users;
    for (const RoomMember& m : r.members) users.push_back(m.user);
    SendMembers("room_set", name, users);
  }
  env_.out.Control({{"op", "rooms_end"}});
  env_.log.Log("rooms snapshot sent to the plugin: " + std::to_string(rooms_.size()) + " rooms");
}

void Rooms::SendMembers(const char* op, const std::string& room,
                        const std::vector<std::string>& users) {
  // room_set replaces the room's members: only the first part may be a
  // room_set, the rest are added to it.
  std::string first = op;
  for (std::size_t i = 0; i < users.size() || i == 0; i += kNamesPerControl) {
    json list = json::array();
    for (std::size_t k = i; k < users.size() && k < i + kNamesPerControl; ++k) {
      list.push_back(users[k]);
    }
    env_.out.Control(
        {{"op", i == 0 ? first : std::string("room_add")}, {"room", room}, {"members", list}});
  }
}

void Rooms::SaveMember(const Room& r, const RoomMember& m) {
  store_.SaveMember({r.name, m.user, m.owner, m.join_order, m.joined, m.cursor});
}

void Rooms::PublishInfo(const Room& r, const RoomEvent& event) {
  json members = json::array();
  for (const RoomMember& m : r.members) {
    if (static_cast<int>(members.size()) >= kRoomInfoMembers) break;
    members.push_back(m.user);
  }
  json ev = {{"type", event.type}, {"user", event.user}};
  if (!event.by.empty()) ev["by"] = event.by;
  env_.out.Publish(RoomInfoTopic(r.name),
                   {{"room", r.name},
                    {"topic", r.topic},
                    {"owner", r.owner},
                    {"invite_only", r.invite_only},
                    {"member_count", r.members.size()},
                    {"members", members},
                    {"ts", env_.clock()},
                    {"event", ev}},
                   true);
}

}  // namespace imchat
