// The auth-service logic: presence, the offline queue and its replay,
// archive, statuses, commands, blocks and the idle timeout. Driven by one
// thread through the On* methods; talks MQTT only through MqttLink and
// SQLite only through Store, so tests run it with fakes and a temp file.
//
// Batching contract: the owner calls EndBatch() after each batch of events;
// it commits the store and only then sends what depends on the commit
// (`stored` acks to the plugin and `queued` statuses).
#ifndef IMCHAT_DAEMON_SERVICE_H_
#define IMCHAT_DAEMON_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "archive_stream.h"
#include "blocks.h"
#include "commands.h"
#include "mqtt_link.h"
#include "presence.h"
#include "server_log.h"
#include "store.h"
#include "topics.h"

namespace imchat {

struct ServiceOptions {
  int idle_timeout_s = 0;  // 0 = off
  bool log_text = false;   // message text in server.log
  int history_limit = kMaxHistory;
  int online_coalesce_ms = 75;  // at most one im/online publication per this
  int replay_window = 200;      // replayed messages in flight per user
};

// A `ts` user property (decimal ms) or `fallback` when absent or malformed.
std::int64_t ParseTimestamp(const std::string& s, std::int64_t fallback);

class Service {
 public:
  using Clock = std::function<std::int64_t()>;  // ms since the epoch
  Service(Store& store, MqttLink& link, ServerLog& log, Clock clock, ServiceOptions options);

  void SetUsers(std::set<std::string, std::less<>> users);

  // The link is up and subscribed: say hello (the answer makes us ready).
  void OnConnected();
  void OnDisconnected();
  void OnMessage(const InMessage& m);
  void OnPublished(std::uint64_t tag, int reason);
  // Timers: im/online coalescing, idle timeout, hello retry. Call often.
  void Tick();
  // Commits and sends what waited for the commit. False when the commit failed.
  bool EndBatch();
  // True when the uncommitted work includes offline messages or replay
  // deliveries (their acks wait for the commit, and a crash before it would
  // bring them back out of order or twice): the owner should not defer
  // EndBatch() then. Archive-only work may be committed in larger batches.
  bool CommitUrgent() const {
    return !stored_ids_.empty() || !queued_statuses_.empty() || replayed_uncommitted_;
  }

  // True once the sessions snapshot after the last OnConnected() was applied.
  bool ready() const { return ready_; }
  // Called when the service becomes ready (prints the ready line).
  std::function<void()> on_ready;

  const PresenceTable& presence() const { return presence_; }
  const BlockSet& blocks() const { return blocks_; }

 private:
  struct Replay {
    bool active = false;
    bool stopped = false;            // a replay publish was refused: wait for the next login
    bool again = false;              // the user became ready again during a replay
    std::set<std::string> inflight;  // ids published, PUBACK pending
  };
  struct Pending {  // a replayed message awaiting its PUBACK
    std::string user, id, sender, ref;
  };

  void Publish(const std::string& topic, const nlohmann::json& j, bool retain = false);
  void Reply(const std::string& user, nlohmann::json j);
  void Status(const std::string& sender, const std::string& id, const std::string& ref,
              const std::string& to, const std::string& status, const std::string& reason = "");
  void Control(const nlohmann::json& j);

  void HandleLogin(const nlohmann::json& j);
  void HandleLogout(const nlohmann::json& j);
  void HandleSessions(const nlohmann::json& j);
  // The plugin's archive stream: chat messages and commands, in order.
  void HandleArchive(const std::string& batch);
  // A chat message or command on its own topic: queued in the service's session
  // by a version before the archive stream (it subscribed those topics).
  void HandleOldTopic(const InMessage& m, const ParsedTopic& t);
  void HandleDirect(const ArchiveRecord& m);
  void HandleBroadcast(const ArchiveRecord& m);
  void HandleCommand(const std::string& user, const std::string& line);

  void PresenceChanged(const std::string& user);
  void Welcome(const std::string& user);
  void StartReplay(const std::string& user);
  void PumpReplay(const std::string& user);
  void CheckIdle(std::int64_t now);
  void Touch(const std::string& user) { last_activity_[user] = clock_(); }
  // True when `viewer` should not see `user` in who/since/welcome.
  bool Hidden(const std::string& viewer, const std::string& user) const;
  std::string Display(const std::string& user) const;

  // Commands (service_commands.cpp).
  nlohmann::json RunCommand(const std::string& user, const Command& cmd);

  Store& store_;
  MqttLink& link_;
  ServerLog& log_;
  Clock clock_;
  ServiceOptions options_;
  std::set<std::string, std::less<>> users_;
  PresenceTable presence_;
  BlockSet blocks_;
  bool connected_ = false;
  bool ready_ = false;
  std::int64_t hello_sent_ = 0;
  bool online_dirty_ = false;
  std::int64_t online_published_ = 0;
  std::string online_last_;
  std::map<std::string, Replay> replays_;
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_tag_ = 1;
  // Per user, the connections subscribed to the inbox.
  std::map<std::string, std::set<std::string>> inbox_conns_;
  std::set<std::string> replay_candidates_;  // got queued messages in this batch
  std::set<std::string> welcomed_conns_;
  std::map<std::string, std::int64_t> last_activity_;
  std::set<std::string> idle_kicked_;
  std::int64_t last_idle_check_ = 0;
  // Waiting for the commit.
  std::vector<std::string> stored_ids_;
  std::vector<nlohmann::json> queued_statuses_;  // {sender, status json}
  bool replayed_uncommitted_ = false;
  std::int64_t retry_hello_at_ = 0;
  std::int64_t lost_at_ = 0;  // when the broker connection was last lost
  std::int64_t alive_saved_ = 0;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_SERVICE_H_
