// The auth-service: the facade the runner drives. Driven by one thread
// through the On* methods; talks MQTT only through MqttLink and SQLite only
// through Store, so tests run it with fakes and a temp file.
//
// It is made of parts with one job each, wired here:
//   PluginEvents       login/logout/sessions events, the welcome (plugin_events.h)
//   ArchiveIntake      the im/archive stream: messages and commands in order
//   OfflineQueue       queued messages: acks after the commit, the replay
//   Rooms              room membership: store, plugin deltas, roominfo (rooms.h)
//   RoomDelivery       room messages: stored once, `sent`, cursors, the replay
//   CommandExecutor    the commands' replies (commands.h parses them; RoomCommands)
//   Files              file uploads and downloads (files.h)
//   PresencePublisher  im/presence/<user> and the coalesced im/online
//   IdleWatch          the idle timeout
//   ServiceOutput      the shapes of what the service publishes
//   ServiceEnv         what they all use: store, output, server.log, clock
// The timers (hello retry, the "alive" mark, and the parts' own) run in Tick().
//
// Batching contract: the owner calls EndBatch() after each batch of events;
// it commits the store and only then sends what depends on the commit
// (`stored` acks to the plugin and `queued` statuses), in that order, then
// starts the replays the batch made possible. Archive records are handled in
// stream order within a batch. A failed commit sends none of it: the plugin
// keeps the unacknowledged messages and the service says hello again after
// 2 s, so the plugin resends them (OfflineQueue has the details).
#ifndef IMCHAT_DAEMON_SERVICE_H_
#define IMCHAT_DAEMON_SERVICE_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "archive_intake.h"
#include "blocks.h"
#include "command_executor.h"
#include "files.h"
#include "idle_watch.h"
#include "inbox_connections.h"
#include "mqtt_link.h"
#include "offline_queue.h"
#include "plugin_events.h"
#include "presence.h"
#include "presence_publisher.h"
#include "room_delivery.h"
#include "room_store.h"
#include "rooms.h"
#include "server_log.h"
#include "service_env.h"
#include "service_options.h"
#include "service_output.h"
#include "store.h"

namespace imchat {

class Service {
 public:
  using Clock = ServiceClock;  // ms since the epoch
  Service(Store& store, MqttLink& link, ServerLog& log, Clock clock, ServiceOptions options);

  void SetUsers(std::set<std::string, std::less<>> users) {
    files_.SetUsers(users);
    commands_.SetUsers(std::move(users));
  }

  // The link is up and subscribed: say hello (the answer makes us ready).
  void OnConnected();
  void OnDisconnected();
  void OnMessage(const InMessage& m);
  void OnPublished(std::uint64_t tag, int reason) {
    if (!room_delivery_.OnPublished(tag, reason)) queue_.OnPublished(tag, reason);
  }
  // Timers: im/online coalescing, idle timeout, hello retry. Call often.
  void Tick();
  // Commits and sends what waited for the commit. False when the commit failed.
  bool EndBatch();
  // True when the uncommitted work includes offline messages or replay
  // deliveries (their acks wait for the commit, and a crash before it would
  // bring them back out of order or twice): the owner should not defer
  // EndBatch() then. Archive-only work may be committed in larger batches.
  bool CommitUrgent() const { return queue_.CommitUrgent() || room_delivery_.CommitUrgent(); }

  // True once the sessions snapshot after the last OnConnected() was applied.
  bool ready() const { return ready_; }
  // Called when the service becomes ready (prints the ready line).
  std::function<void()> on_ready;

  const PresenceTable& presence() const { return presence_.table(); }
  const BlockSet& blocks() const { return blocks_; }

 private:
  // The parts, in the order they depend on each other.
  ServiceOutput out_;
  ServiceEnv env_;
  PresencePublisher presence_;
  BlockSet blocks_;
  IdleWatch idle_;
  InboxConnections inboxes_;
  RoomStore room_store_;
  Rooms rooms_;
  OfflineQueue queue_;
  RoomDelivery room_delivery_;
  CommandExecutor commands_;
  Files files_;
  ArchiveIntake intake_;
  PluginEvents events_;
  // The connection to the broker and the hello that makes the service ready.
  bool connected_ = false;
  bool ready_ = false;
  std::int64_t hello_sent_ = 0;
  std::int64_t retry_hello_at_ = 0;  // after a failed commit: the plugin resends
  std::int64_t alive_saved_ = 0;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_SERVICE_H_
