// Archive intake: the plugin's im/archive stream (topics.md, "Archive
// stream"): direct messages, broadcasts, room messages and commands in the order the broker
// accepted them, so a command sees every message sent before it. Each message
// is archived in the store; an offline (or resent) direct message goes on to
// the OfflineQueue; a room message to RoomDelivery; a command is run and answered on im/svc/<user>.
// The same records arriving on their own topics (queued in the service's session by a version
// before the archive stream) are handled alike.
#ifndef IMCHAT_DAEMON_ARCHIVE_INTAKE_H_
#define IMCHAT_DAEMON_ARCHIVE_INTAKE_H_

#include <cstdint>
#include <string>

#include "archive_stream.h"
#include "command_executor.h"
#include "files.h"
#include "idle_watch.h"
#include "mqtt_link.h"
#include "offline_queue.h"
#include "room_delivery.h"
#include "service_env.h"
#include "topics.h"

namespace imchat {

// A `ts` user property (decimal ms) or `fallback` when absent or malformed.
std::int64_t ParseTimestamp(const std::string& s, std::int64_t fallback);

class ArchiveIntake {
 public:
  ArchiveIntake(const ServiceEnv& env, bool log_text, IdleWatch& idle, OfflineQueue& queue,
                RoomDelivery& rooms, CommandExecutor& commands)
      : env_(env),
        log_text_(log_text),
        idle_(idle),
        queue_(queue),
        rooms_(rooms),
        commands_(commands) {}

  // The file commands (files.h) go there instead of to the command executor.
  void set_files(Files* files) { files_ = files; }

  // One im/archive payload; a damaged batch keeps the records before the damage.
  void OnBatch(const std::string& batch);
  // A message on im/all/<from>, im/user/<to>/<from> or im/cmd/<user>.
  void OnOldTopic(const InMessage& m, const ParsedTopic& t);

 private:
  void HandleDirect(const ArchiveRecord& m);
  void HandleBroadcast(const ArchiveRecord& m);
  // `correlation`: the command's MQTT 5 Correlation Data, echoed on its answers.
  void HandleCommand(const std::string& user, const std::string& line,
                     const std::string& correlation);

  ServiceEnv env_;
  bool log_text_;  // message text in server.log
  IdleWatch& idle_;
  OfflineQueue& queue_;
  RoomDelivery& rooms_;
  CommandExecutor& commands_;
  Files* files_ = nullptr;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_ARCHIVE_INTAKE_H_
