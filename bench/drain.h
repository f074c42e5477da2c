// Offline drain: N private messages to a user who is not connected, then that user logs in;
// measures login to the N-th message, checking order and completeness. On the stack the
// daemon stores and replays them; on raw the broker keeps them in the user's persistent
// MQTT 5 session (the nearest plain-broker equivalent).
#pragma once

#include <string>

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

}  // namespace imchat::bench
