// Runs a parsed command (commands.h) for a user and builds its reply, as
// topics.md ("Commands") describes each one: help, who, since, block,
// unblock, blocked, history, nick, users, and the room commands (room_commands.h).
// block/unblock also change the block set
// and tell the plugin; nick publishes the new presence. A database read that
// fails is refused with a reply that says so (and a server.log line).
#ifndef IMCHAT_DAEMON_COMMAND_EXECUTOR_H_
#define IMCHAT_DAEMON_COMMAND_EXECUTOR_H_

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "blocks.h"
#include "commands.h"
#include "presence_publisher.h"
#include "room_commands.h"
#include "service_env.h"

namespace imchat {

class CommandExecutor {
 public:
  CommandExecutor(const ServiceEnv& env, PresencePublisher& presence, BlockSet& blocks,
                  Rooms& rooms, RoomStore& room_store, int history_limit)
      : env_(env),
        presence_(presence),
        blocks_(blocks),
        history_limit_(history_limit),
        rooms_(env, rooms, room_store, presence, blocks, users_, history_limit) {}

  // The users of users.txt (block and history targets must be one of them).
  void SetUsers(std::set<std::string, std::less<>> users) { users_ = std::move(users); }

  // The reply to `cmd` from `me` ({"type":"reply","cmd",...,"ok",...}).
  nlohmann::json Run(const std::string& me, const Command& cmd);

 private:
  // True when `viewer` should not see `user` in who/since.
  bool Hidden(const std::string& viewer, const std::string& user) const {
    return blocks_.EitherBlocks(viewer, user);
  }

  // The `users [page]` reply: a page of users.txt's names, sorted.
  nlohmann::json Users(const std::string& me, const Command& cmd, std::int64_t now) const;

  ServiceEnv env_;
  PresencePublisher& presence_;
  BlockSet& blocks_;
  int history_limit_;
  std::set<std::string, std::less<>> users_;
  RoomCommands rooms_;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_COMMAND_EXECUTOR_H_
