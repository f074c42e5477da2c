#include "room_setup.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

#include "servers.h"

namespace imchat::bench {

bool RunCommands(LoadLoop& loop, const std::vector<std::pair<LoadClient*, std::string>>& commands,
                 double timeout_s, std::string* error) {
  std::unordered_set<LoadClient*> clients;
  for (const auto& command : commands) clients.insert(command.first);
  size_t replies = 0;
  bool refused = false;
  for (LoadClient* client : clients) {
    const std::string svc = SvcTopic(client->name());
    client->on_message = [&, svc](const char* topic, const char* payload, int len) {
      if (svc != topic) return;  // room traffic, room info
      auto j = nlohmann::json::parse(payload, payload + len, nullptr, false);
      if (!j.is_object() || j.value("type", "") != "reply") return;
      ++replies;
      if (!j.value("ok", false) && !refused) {
        refused = true;
        *error = "'" + j.value("cmd", "") + "' refused: " + j.value("text", "");
      }
    };
  }
  for (const auto& [client, line] : commands) {
    if (!client->Publish(CmdTopic(client->name()), line.data(), static_cast<int>(line.size()), 1)) {
      *error = client->name() + " is not connected";
      refused = true;
      break;
    }
  }
  const bool done =
      !refused && loop.RunUntil([&] { return refused || replies >= commands.size(); }, timeout_s);
  for (LoadClient* client : clients) client->on_message = nullptr;
  if (refused) return false;
  if (!done) {
    *error = "the service answered " + std::to_string(replies) + " of " +
             std::to_string(commands.size()) + " room commands";
    return false;
  }
  return true;
}

bool MakeRoom(LoadLoop& loop, LoadClient* owner, const std::vector<LoadClient*>& members,
              const std::string& room, double timeout_s, std::string* error) {
  if (!RunCommands(loop, {{owner, "create " + room}}, timeout_s, error)) return false;
  std::vector<std::pair<LoadClient*, std::string>> joins;
  for (LoadClient* m : members) joins.emplace_back(m, "join " + room);
  return RunCommands(loop, joins, timeout_s, error);
}

std::vector<std::string> RoomChatFilters(LoadClient* client) {
  return {kRoomsFilter, SvcTopic(client->name()), InboxFilter(client->name())};
}

}  // namespace imchat::bench
