// The room commands (topics.md, "Rooms"): create, join, leave, rooms,
// members, invite, kick, topic and `history #<room>`. Each checks its case in
// a fixed order and refuses with a specific error (no such room, not a
// member, already a member, invite-only, not the owner, room exists, unknown
// user, the invitee blocks the inviter, kicking yourself); a change goes
// through Rooms, which tells the plugin and republishes roominfo before the
// reply is sent. invite and kick also notify the user on im/svc/<user>.
#ifndef IMCHAT_DAEMON_ROOM_COMMANDS_H_
#define IMCHAT_DAEMON_ROOM_COMMANDS_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "blocks.h"
#include "commands.h"
#include "presence_publisher.h"
#include "room_store.h"
#include "rooms.h"
#include "service_env.h"

namespace imchat {

class RoomCommands {
 public:
  RoomCommands(const ServiceEnv& env, Rooms& rooms, RoomStore& store,
               const PresencePublisher& presence, const BlockSet& blocks,
               const std::set<std::string, std::less<>>& users, int history_limit)
      : env_(env),
        rooms_(rooms),
        store_(store),
        presence_(presence),
        blocks_(blocks),
        users_(users),
        history_limit_(history_limit) {}

  // True for the verbs this runs (history only with a room).
  static bool Handles(const Command& cmd);
  // The reply to `cmd` from `me`.
  nlohmann::json Run(const std::string& me, const Command& cmd);

 private:
  nlohmann::json Create(const std::string& me, const Command& cmd);
  nlohmann::json Join(const std::string& me, const Command& cmd);
  nlohmann::json Leave(const std::string& me, const Command& cmd);
  nlohmann::json List(const std::string& me, const Command& cmd);
  nlohmann::json Members(const Command& cmd, const Room& r);
  nlohmann::json Invite(const std::string& me, const Command& cmd, const Room& r);
  nlohmann::json Kick(const std::string& me, const Command& cmd, const Room& r);
  nlohmann::json Topic(const std::string& me, const Command& cmd, const Room& r);
  nlohmann::json History(const Command& cmd, const Room& r);
  nlohmann::json Unreadable(const std::string& me, const Command& cmd, const Status& error);

  ServiceEnv env_;
  Rooms& rooms_;
  RoomStore& store_;
  const PresencePublisher& presence_;
  const BlockSet& blocks_;
  const std::set<std::string, std::less<>>& users_;
  int history_limit_;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_ROOM_COMMANDS_H_
