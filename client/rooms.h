// What the client knows about rooms (topics.md "Rooms"): the rooms I am a
// member of, with the state of their retained im/roominfo/<room> (topic,
// owner, members), how many of their lines arrived while another
// conversation was current, and open rooms seen in a `rooms all` reply (for
// tab completion). Live room info carrying an `event` becomes a notice line
// ("bob joined #dev"); retained copies only set the state, as with presence.
// Not thread-safe: one thread owns it (through ChatState).
#ifndef IMCHAT_CLIENT_ROOMS_H_
#define IMCHAT_CLIENT_ROOMS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "render.h"

namespace imchat::client {

struct RoomState {
  std::string topic;
  std::string owner;
  bool invite_only = false;
  std::int64_t member_count = 0;
  std::vector<std::string> members;  // the first 100, as the service lists them
  std::int64_t unseen = 0;           // lines received while another conversation was current
};

class Rooms {
 public:
  explicit Rooms(std::string me) : me_(std::move(me)) {}

  // A message on im/roominfo/<room>. An empty payload (the room closed) or a
  // live event removing me forgets the room. Events caused by me (I get the
  // reply) or about me (I get a notice on im/svc/<me>) show no line.
  std::vector<Line> OnInfo(const std::string& room, const std::string& payload, bool retained,
                           std::int64_t now_ms);

  // I became a member (a join/create reply, an `invited` notice).
  void Joined(const std::string& room) { rooms_.try_emplace(room); }
  // I am no longer a member (a leave reply, a `kicked` notice).
  void Left(const std::string& room) { rooms_.erase(room); }
  // An open room seen in a listing: offered by tab completion.
  void Seen(const std::string& room) { seen_.insert(room); }

  bool IsMember(const std::string& room) const { return rooms_.count(room) > 0; }
  // Null when I am not a member.
  const RoomState* Find(const std::string& room) const;

  // A line of `room` arrived while another conversation was current.
  void CountUnseen(const std::string& room);
  // `room` became the current conversation.
  void ClearUnseen(const std::string& room);
  // Unseen counts of my rooms that have any.
  std::map<std::string, std::int64_t> Unseen() const;

  // My rooms and the open rooms seen, sorted, without '#'.
  std::vector<std::string> Names() const;

 private:
  std::string me_;
  std::map<std::string, RoomState> rooms_;
  std::set<std::string> seen_;
};

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_ROOMS_H_
