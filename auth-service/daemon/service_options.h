// The service's settings (from imchat-service's options) and its clock, shared
// by the facade (service.h) and the parts it is made of.
#ifndef IMCHAT_DAEMON_SERVICE_OPTIONS_H_
#define IMCHAT_DAEMON_SERVICE_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <string>

#include "limits.h"

namespace imchat {

struct ServiceOptions {
  int idle_timeout_s = 0;  // 0 = off
  bool log_text = false;   // message text in server.log
  int history_limit = kMaxHistory;
  int online_coalesce_ms = 75;           // at most one im/online publication per this
  int replay_window = 200;               // replayed messages in flight per user
  int room_replay_cap = kRoomReplayCap;  // newest messages per room replayed at login
  // Files (files.h): "" keeps them off; the limits are the daemon's options.
  std::string files_dir;
  std::int64_t max_file_bytes = 100LL * 1024 * 1024;
  std::int64_t file_quota_bytes = 1024LL * 1024 * 1024;
  std::int64_t file_expiry_ms = 30LL * 86400 * 1000;
  std::int64_t file_disk_reserve_bytes = 64LL * 1024 * 1024;
};

// Milliseconds since the epoch; injected so tests drive time by hand.
using ServiceClock = std::function<std::int64_t()>;

}  // namespace imchat

#endif  // IMCHAT_DAEMON_SERVICE_OPTIONS_H_
