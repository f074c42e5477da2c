// The plugin's session events (topics.md, "Events"): im/login/<user> (login,
// inbox, refused), im/logout/<user> and the im/sessions snapshot that answers
// the service's hello. They drive presence, the inbox connections, the
// welcome on im/svc/<user> and the start of each user's replay.
//
// A connection is welcomed once: on its inbox event, or in the first snapshot
// after the service was away when it began while the service was not
// listening (the service's last "alive" time, or 0 after a restart without one).
#ifndef IMCHAT_DAEMON_PLUGIN_EVENTS_H_
#define IMCHAT_DAEMON_PLUGIN_EVENTS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "blocks.h"
#include "idle_watch.h"
#include "inbox_connections.h"
#include "offline_queue.h"
#include "presence_publisher.h"
#include "room_delivery.h"
#include "rooms.h"
#include "service_env.h"

namespace imchat {

class PluginEvents {
 public:
  PluginEvents(const ServiceEnv& env, PresencePublisher& presence, const BlockSet& blocks,
               IdleWatch& idle, InboxConnections& inboxes, OfflineQueue& queue, Rooms& rooms,
               RoomDelivery& room_delivery)
      : env_(env),
        presence_(presence),
        blocks_(blocks),
        idle_(idle),
        inboxes_(inboxes),
        queue_(queue),
        rooms_(rooms),
        room_delivery_(room_delivery) {}

  // Event payloads, parsed JSON objects.
  void OnLogin(const nlohmann::json& j);
  void OnLogout(const nlohmann::json& j);
  // Replaces presence and the inbox connections with the snapshot, sends the
  // plugin the block set and the room membership, welcomes who missed it and
  // starts the replays (direct messages, then rooms).
  void OnSessions(const nlohmann::json& j);
  // The service stopped listening at `ms` (connections after it missed events).
  void set_lost_at(std::int64_t ms) { lost_at_ = ms; }

 private:
  void Welcome(const std::string& user);

  ServiceEnv env_;
  PresencePublisher& presence_;
  const BlockSet& blocks_;
  IdleWatch& idle_;
  InboxConnections& inboxes_;
  OfflineQueue& queue_;
  Rooms& rooms_;
  RoomDelivery& room_delivery_;
  std::int64_t lost_at_ = 0;  // when the broker connection was last lost
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_PLUGIN_EVENTS_H_
