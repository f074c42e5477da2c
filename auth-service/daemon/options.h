// imchat-service command-line options.
#ifndef IMCHAT_DAEMON_OPTIONS_H_
#define IMCHAT_DAEMON_OPTIONS_H_

#include <string>
#include <vector>

#include "limits.h"
#include "status.h"

namespace imchat {

struct DaemonOptions {
  std::string host = "localhost";
  int port = 1883;
  std::string users_file;
  std::string data_dir;
  std::string service_user;
  std::string service_password_file;
  std::string client_id = "imchat-service";
  int idle_timeout_s = 0;
  bool log_text = false;
  int history_limit = kMaxHistory;
  int room_replay_cap = kRoomReplayCap;
  // Files: the largest file, each user's quota, days until a file expires (MiB, MiB, days).
  std::int64_t file_max_mib = 100;
  std::int64_t file_quota_mib = 1024;
  int file_expiry_days = 30;
  bool show_help = false;  // --help: print kDaemonUsage and run nothing
};

inline constexpr const char* kDaemonUsage =
    "usage: imchat-service --host H --port N --users FILE --data DIR --service-user NAME\n"
    "                      --service-password-file FILE [--client-id ID] [--idle-timeout SECONDS]\n"
    "                      [--log-text] [--history-limit N] [--room-replay-cap N]\n"
    "                      [--file-max-mib N] [--file-quota-mib N] [--file-expiry-days N]\n";

// Parses argv (without argv[0]): the options, or an error naming the option
// at fault. With --help the result has show_help set and nothing else checked.
Result<DaemonOptions> ParseDaemonOptions(const std::vector<std::string>& args);

}  // namespace imchat

#endif  // IMCHAT_DAEMON_OPTIONS_H_
