// The rooms' membership (topics.md, "Rooms"): the service's copy of the room
// tables, kept in memory for the per-message work and written through to the
// RoomStore. Every change is pushed to the plugin on $CONTROL/imchat/v1
// (room_add, room_remove, room_close) and republished as the retained
// im/roominfo/<room> with the `event` that caused it, in that order, so the
// plugin knows a new member before the retained copy is delivered to them.
// The caller sends its reply after the change: the deltas go first.
//
// Rules: the creator owns a room; when the owner leaves (or is removed), the
// longest-standing member becomes the owner; when the last member leaves the
// room closes: its rows and messages are deleted, the plugin gets room_close
// and the retained roominfo is cleared (an empty retained publication).
#ifndef IMCHAT_DAEMON_ROOMS_H_
#define IMCHAT_DAEMON_ROOMS_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "room_store.h"
#include "service_env.h"

namespace imchat {

struct RoomMember {
  std::string user;
  bool owner = false;
  std::int64_t join_order = 0;
  std::int64_t joined = 0;
  std::int64_t cursor = 0;  // last room message seq delivered or skipped
};

struct Room {
  std::string name, owner, topic;
  bool invite_only = false;
  std::int64_t created = 0;
  std::vector<RoomMember> members;  // in join order
  std::int64_t last_seq = 0;        // the newest message's seq (0: none)

  const RoomMember* Member(const std::string& user) const;
  RoomMember* Member(const std::string& user);
};

// What changed, for roominfo's `event` ({"type","user","by"}).
struct RoomEvent {
  std::string type;  // create, join, leave, kick, invite, topic
  std::string user;  // who joined/left/was kicked or invited; the setter for topic
  std::string by;    // who did it ("" when the user did it themselves)
};

class Rooms {
 public:
  Rooms(const ServiceEnv& env, RoomStore& store) : env_(env), store_(store) {}

  // Reads the rooms from the store (at start); false when they could not be
  // read (logged; the service then has no rooms until restarted).
  bool Load();

  const Room* Find(const std::string& room) const;
  bool IsMember(const std::string& room, const std::string& user) const;
  // The rooms `user` is a member of, by name.
  std::vector<const Room*> Of(const std::string& user) const;
  const std::map<std::string, Room>& all() const { return rooms_; }

  // The changes (see the header comment for what each one publishes).
  void Create(const std::string& room, const std::string& owner, bool invite_only);
  // Adds `user` (event join or invite); their cursor starts at the newest
  // message: a new member gets what is said from now on (history has the rest).
  void Add(const std::string& room, const std::string& user, const RoomEvent& event);
  // Removes `user` (event leave or kick); may pass ownership or close the
  // room. Returns the new owner ("" when the room closed).
  std::string Remove(const std::string& room, const std::string& user, const RoomEvent& event);
  void SetTopic(const std::string& room, const std::string& topic, const std::string& by);

  // A room message was stored with `seq`.
  void MessageStored(const std::string& room, std::int64_t seq);
  // Moves `user`'s cursor in `room` forward to `seq` (never back); written to
  // the store before the next commit. Ignored when not a member any more.
  void AdvanceCursor(const std::string& room, const std::string& user, std::int64_t seq);
  // Writes the cursors moved since the last call (called before each commit).
  void FlushCursors();

  // The full membership for the plugin: rooms_begin, room_set (+ room_add
  // for the members past one message's share), rooms_end.
  void SendSnapshot();

 private:
  void PublishInfo(const Room& r, const RoomEvent& event);
  void SendMembers(const char* op, const std::string& room, const std::vector<std::string>& users);
  void SaveMember(const Room& r, const RoomMember& m);

  ServiceEnv env_;
  RoomStore& store_;
  std::map<std::string, Room> rooms_;
  std::map<std::string, std::set<std::string>> by_user_;         // user -> rooms
  std::set<std::pair<std::string, std::string>> dirty_cursors_;  // (room, user)
  std::int64_t next_join_order_ = 1;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_ROOMS_H_
