// Offline drain: N private messages to a user who is not connected, then that user logs in;
// measures login to the N-th message, checking order and completeness. On the stack the
// daemon stores and replays them; on raw the broker keeps them in the user's persistent
// MQTT 5 session (the nearest plain-broker equivalent).
#pragma once

#include <functional>
#include <string>

#include "load_loop.h"
#include "servers.h"

namespace imchat::bench {

struct DrainResult {
  bool ok = false;
  std::string error;
  double queue_seconds = 0;  // first send until all are queued (stack: committed to SQLite)
  double drain_seconds = 0;  // connect call until the last message arrived
  long lost = 0, duplicates = 0, out_of_order = 0;
};

DrainResult RunDrain(Server& server, long messages, double timeout_s);

// `o` with a persistent MQTT 5 session (no clean start, an hour's expiry): how raw
// Mosquitto keeps what a disconnected user missed.
ClientOptions Persistent(ClientOptions o);

// The backlog a drain measures: `messages` QoS 1 publishes from `sender` (message i to
// topic_of(i), payloads stamped with i), at most 500 unacknowledged, then on the stack a
// wait until `stored_sql` (a count) reaches `messages`. "" when done, else what failed.
std::string SendBacklog(Server& server, LoadLoop& loop, LoadClient* sender, long messages,
                        const std::function<std::string(long)>& topic_of,
                        const std::string& stored_sql, double timeout_s);

}  // namespace imchat::bench
