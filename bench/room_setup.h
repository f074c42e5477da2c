// Rooms made the way users make them: `create` and `join` commands on im/cmd/<me>, each
// answered by the service on im/svc/<me>. The clients must be connected and subscribed to
// their im/svc/<me> topic. Only for the stack (raw mosquitto has no service).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "load_loop.h"

namespace imchat::bench {

// Sends every (client, command line) at once (a client's commands in order) and waits for
// all replies. Fails with the first refused command's error, or when a reply is missing after
// timeout_s. Replaces the clients' on_message while it runs and clears it afterwards.
bool RunCommands(LoadLoop& loop, const std::vector<std::pair<LoadClient*, std::string>>& commands,
                 double timeout_s, std::string* error);

// `owner` creates `room`, then every member joins it (all at once).
bool MakeRoom(LoadLoop& loop, LoadClient* owner, const std::vector<LoadClient*>& members,
              const std::string& room, double timeout_s, std::string* error);

// The filters of a chat client with rooms, as the imchat client subscribes (room messages and
// command replies first, the inbox last: the inbox subscription starts the service's replays).
std::vector<std::string> RoomChatFilters(LoadClient* client);

}  // namespace imchat::bench
