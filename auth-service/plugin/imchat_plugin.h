// Private header of the imchat Mosquitto plugin: the one state struct passed
// as userdata to every callback, and the callbacks of each concern.
// Everything runs on the broker's single thread; nothing here may block.
#ifndef IMCHAT_PLUGIN_IMCHAT_PLUGIN_H_
#define IMCHAT_PLUGIN_IMCHAT_PLUGIN_H_

#include <time.h>

#include <cstdint>
#include <ctime>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

extern "C" {
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <mqtt_protocol.h>
}

#include "archive_stream.h"
#include "blocks.h"
#include "lockout.h"
#include "room_members.h"
#include "session_owners.h"
#include "users_file.h"
#include "users_reload.h"

namespace imchat::plugin {

struct Options {
  std::string users_file;
  std::string service_user = "imchat-service";
  std::string service_password_file;
  double lockout_seconds = 60;
  int max_failures = 3;
  // Where the owners of persistent sessions are kept across restarts ("" = memory only).
  std::string sessions_file;
  double session_owner_days = 31;
};

// One authenticated connection (a chat user or the service).
struct Connection {
  std::string user;
  std::string client_id;
  bool service = false;
  std::uint64_t conn = 0;  // 0 for the service
  std::int64_t since_ms = 0;
  bool clean = true;
  int protocol = 0;
  bool inbox = false;         // the inbox event was published
  std::string logout_reason;  // set before we kick it (idle, kicked, lost on takeover)
  std::string peer;           // "address:port" (or the address alone), for server.log
};

using UserProperties = std::vector<std::pair<std::string, std::string>>;

// Offline messages held for the service; beyond this the oldest are dropped (the
// service's persistent session still queues them in the broker).
inline constexpr std::size_t kMaxPending = 100000;

// Work sent in batches at TICK (outbound.cpp).
struct Outbound {
  // `delivered` statuses of one sender to one recipient since the last flush.
  struct StatusGroup {
    std::string sender, to;
    std::vector<std::string> ids, refs;  // in send order; refs[i] "" when none
    bool any_ref = false;
  };
  std::string archive;  // encoded archive records not yet handed to the broker
  std::vector<StatusGroup> statuses;
  std::unordered_map<std::string, std::size_t> status_index;  // "sender/to" -> statuses[i]
  std::int64_t last_flush_us = -1000000;                      // steady clock
  // Wakes the broker's loop when held work is due (StartWakeUp); 0: none.
  int wake_signal = 0;
  timer_t wake_timer{};
  std::int64_t wake_due_us = 0;  // steady clock; a pending wake-up is due then
};

// A service replay addressed to one reader: a room member (user property `for`,
// topics.md "Rooms"), or the recipient of a replayed direct message (not its
// sender's carbon subscription, messages.cpp). Mosquitto 2.0 passes no properties to ACL_CHECK, so
// MESSAGE notes which message (its stored payload and topic) is for whom, and the read checks of
// its routing, which follow within the same PUBLISH, look it up (room_messages.cpp). Cleared by the
// next MESSAGE and at TICK.
struct RoomReplay {
  bool active = false;
  const void* payload = nullptr;
  std::string topic;
  std::string member;
};

struct State {
  mosquitto_plugin_id_t* id = nullptr;
  Options options;
  std::string service_password;
  UserTable users;
  SteadyClock clock;
  std::unique_ptr<Lockout> lockout;
  BlockSet blocks;
  // Who is a member of which room, pushed by the service (control.cpp); refuses
  // every room topic to users until the first snapshot.
  RoomMembers rooms;
  RoomReplay room_replay;
  // Keyed by the broker's client pointer: valid from BASIC_AUTH until DISCONNECT.
  std::map<const mosquitto*, Connection> connections;
  // The same connections by user name, so per-message questions ("does bob have an
  // inbox connected?") cost O(bob's connections), not O(everyone connected).
  std::unordered_map<std::string, std::set<const mosquitto*>> connections_by_user;
  // Client id -> owner of a persistent (clean session off) session, and whether
  // that session holds an inbox subscription (resumed without a new SUBSCRIBE).
  // Saved to options.sessions_file (session_store.cpp).
  SessionOwners session_owners;
  std::time_t sessions_saved = 0;         // last save attempt (at most one a second)
  std::time_t sessions_error_logged = 0;  // a failing save is logged once a minute
  std::time_t sessions_expired = 0;       // last sweep of expired owners
  std::uint64_t next_conn = 1;
  std::uint64_t next_message = 1;
  std::string id_prefix;  // plugin start time in ms, base36
  // Offline direct messages not yet stored by the service (it acknowledges
  // them with "stored"), oldest first, at most kMaxPending.
  std::deque<ArchiveRecord> pending;
  Outbound outbound;
  // users.txt loading and its reload policy (core/users_reload.h), shared with the daemon.
  std::unique_ptr<UsersReloader> users_reloader;
};

// --- helpers (sessions.cpp)
std::int64_t NowMs();
// Where `client` connects from: "address:port", or the address alone when the
// port cannot be read safely (peer_address.cpp).
std::string PeerAddress(const mosquitto* client);
// `v` in base 36 (0-9 a-z), zero-padded to at least `width` digits.
std::string Base36(std::uint64_t v, std::size_t width = 0);
// `bytes` in memory from mosquitto_malloc (for payloads handed to the broker),
// or null when out of memory.
void* CopyForBroker(const std::string& bytes);
// Publishes JSON as the broker (QoS 1, not retained); `client_id` null = to subscribers.
void PublishJson(const char* client_id, const std::string& topic, const nlohmann::json& body,
                 const UserProperties& properties = {});
const Connection* FindConnection(const State& state, const mosquitto* client);
Connection* FindConnection(State& state, const mosquitto* client);
// Number of connected clients of chat user `name`.
int ConnectedClients(const State& state, const std::string& name);
// The broker's clients connected as `name` (chat user or service), possibly none.
const std::set<const mosquitto*>& ClientsOf(const State& state, const std::string& name);
// Remembers a new connection; publishes im/login/<name> for chat users.
void AddConnection(State& state, mosquitto* client, const std::string& user, bool service);
// Publishes the inbox event once per connection.
void NoteInboxSubscription(State& state, const mosquitto* client);
// Sets the logout reason of every connection of `user` and kicks them.
void KickUser(State& state, const std::string& user, const std::string& reason);
// The im/sessions snapshot.
nlohmann::json SessionsSnapshot(const State& state);

// --- callbacks
int OnBasicAuth(int event, void* event_data, void* userdata);     // auth.cpp
int OnAclCheck(int event, void* event_data, void* userdata);      // acl_check.cpp
int OnMessage(int event, void* event_data, void* userdata);       // messages.cpp
int OnDisconnect(int event, void* event_data, void* userdata);    // sessions.cpp
int OnControl(int event, void* event_data, void* userdata);       // control.cpp
int OnReload(int event, void* event_data, void* userdata);        // reload.cpp
int OnTick(int event, void* event_data, void* userdata);          // reload.cpp
int OnSessionsTick(int event, void* event_data, void* userdata);  // session_store.cpp
int OnOutboundTick(int event, void* event_data, void* userdata);  // outbound.cpp

// --- outbound.cpp: the archive stream and coalesced statuses (flushed by OnOutboundTick).
// Queues a record for the service; a full batch is handed to the broker at once.
void QueueArchive(State& state, const ArchiveRecordView& record);
// Hands the queued records to the broker now (they reach the service after
// whatever the broker is routing in this loop iteration).
void FlushArchive(State& state);
// Takes the queued records, encoded, for a message that carries them itself.
std::string TakeArchive(State& state);
// Sends `records` as archive batches to one client (the service after a hello),
// each marked as resent.
void ResendArchiveTo(const char* client_id, const std::deque<ArchiveRecord>& records);
// Queues a `delivered` status; one status message per sender and recipient per flush.
void QueueDelivered(State& state, const std::string& sender, const std::string& to,
                    const std::string& id, const std::string& ref);
void FlushStatuses(State& state);
// The wake-up timer of outbound.cpp (a real-time signal to the broker's own
// process); false (logged) when none could be set up, which only delays flushes.
bool StartWakeUp(State& state);
void StopWakeUp(State& state);

// --- messages.cpp: resend held offline messages to the service's client id.
void ResendPending(State& state, const char* service_client_id);
void ForgetStored(State& state, const std::vector<std::string>& ids);
// The value of the first user property `key` in `props`, if any.
std::optional<std::string> FindUserProperty(const mosquitto_property* props, const char* key);

// --- room_messages.cpp: rooms at publish and delivery (topics.md "Rooms").
// True for a user's (non-retained) publish to im/room/<room>: ACL_CHECK lets it
// through and MESSAGE decides membership, where the client's `ref` is known
// for the refusal status.
bool RoomPublishDecidedAtMessage(const char* topic, bool retain);
// MESSAGE for that publish: true when `me` is a member of `room`; otherwise
// logs, publishes a `refused` status to im/svc/<me> and returns false.
bool AdmitRoomMessage(State& state, const mosquitto_evt_message* ed, const std::string& me,
                      const std::string& room, const std::string& id, const std::string& ref);
// MESSAGE for the service's publish to im/room/<room>/<sender>: a replay with
// user property `for` is noted for the read checks (RoomReplayFor), or refused
// when that member has no connection (the service keeps it for the next login).
int RoomServiceMessage(State& state, mosquitto_evt_message* ed);
// The member a delivery of `payload` on `topic` is reserved for; empty for
// every message but a `for` replay being routed.
std::string_view RoomReplayFor(const State& state, const void* payload, const char* topic);

// --- disconnect_reason.cpp: true while the broker handles a client's DISCONNECT
// packet (so the connection ends with reason "quit"); see the file for why.
bool InCleanDisconnect();
bool CanTellCleanDisconnect();

// --- reload.cpp: installs a table users_reloader produced, or logs why the old one stays;
// kicks users no longer listed. False keeps the old table.
bool ApplyUsers(State& state, Result<UserTable> loaded, const char* why);

// --- session_store.cpp: the session owners file. Load: false (logged) when the file
// exists but cannot be read or is invalid; a missing file is an empty table. Save writes
// a changed table atomically (temp file + rename), at most once a second unless `now`.
bool LoadSessionOwners(State& state);
void SaveSessionOwners(State& state, bool now);

}  // namespace imchat::plugin

#endif  // IMCHAT_PLUGIN_IMCHAT_PLUGIN_H_
