// Logging in many clients: connect, then subscribe each to its filters, with at most `window`
// logins in progress at once (so a storm measures the broker, not the kernel's listen backlog).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "load_loop.h"

namespace imchat::bench {

struct WaveResult {
  bool ok = false;
  std::string error;
  double seconds = 0;              // first connect to last SUBACK
  std::vector<double> connack_ms;  // per client: connect call to CONNACK
};

// Connects every client (already added to loop) and subscribes it to filters(client) at QoS 1
// (no SUBSCRIBE when that is empty). Fails on any refused or lost connection or on timeout.
WaveResult ConnectWave(LoadLoop& loop, const std::vector<LoadClient*>& clients,
                       const std::function<std::vector<std::string>(LoadClient*)>& filters,
                       size_t window, double timeout_s);

// A chat user's subscriptions: the room (im/all/+) and its inbox.
std::vector<std::string> ChatFilters(LoadClient* client);
// Disconnects every connected client cleanly and waits (at most 10 s) for the sockets to close.
void LeaveAll(LoadLoop& loop, const std::vector<LoadClient*>& clients);

}  // namespace imchat::bench
