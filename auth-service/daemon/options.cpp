#include "options.h"

namespace imchat {

namespace {
bool ParseInt(const std::string& s, long lo, long hi, int* out) {
  if (s.empty() || s.size() > 9) return false;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}
}  // namespace

Result<DaemonOptions> ParseDaemonOptions(const std::vector<std::string>& args) {
  DaemonOptions options;
  DaemonOptions* o = &options;  // (the fields are set through one short name)
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--log-text") {
      o->log_text = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      o->show_help = true;
      return options;
    }
    if (i + 1 >= args.size())
      return Status::Error("option '" + a + "' needs a value or is unknown");
    const std::string& v = args[++i];
    if (a == "--host") {
      o->host = v;
    } else if (a == "--port") {
      if (!ParseInt(v, 1, 65535, &o->port))
        return Status::Error("--port: '" + v + "' is not a port (1-65535)");
    } else if (a == "--users") {
      o->users_file = v;
    } else if (a == "--data") {
      o->data_dir = v;
    } else if (a == "--service-user") {
      o->service_user = v;
    } else if (a == "--service-password-file") {
      o->service_password_file = v;
    } else if (a == "--client-id") {
      o->client_id = v;
    } else if (a == "--idle-timeout") {
      if (!ParseInt(v, 0, 100000000, &o->idle_timeout_s)) {
        return Status::Error("--idle-timeout: '" + v + "' is not a number of seconds");
      }
    } else if (a == "--history-limit") {
      if (!ParseInt(v, 1, 100000, &o->history_limit)) {
        return Status::Error("--history-limit: '" + v + "' is not a count (1-100000)");
      }
    } else if (a == "--room-replay-cap") {
      if (!ParseInt(v, 1, 1000000, &o->room_replay_cap)) {
        return Status::Error("--room-replay-cap: '" + v + "' is not a count (1-1000000)");
      }
    } else if (a == "--file-max-mib" || a == "--file-quota-mib") {
      int mib = 0;
      if (!ParseInt(v, 0, 1024 * 1024, &mib)) {
        return Status::Error(a + ": '" + v + "' is not a number of MiB (0-1048576)");
      }
      (a == "--file-max-mib" ? o->file_max_mib : o->file_quota_mib) = mib;
    } else if (a == "--file-expiry-days") {
      if (!ParseInt(v, 1, 36500, &o->file_expiry_days)) {
        return Status::Error("--file-expiry-days: '" + v + "' is not a number of days (1-36500)");
      }
    } else {
      return Status::Error("unknown option '" + a + "'");
    }
  }
  if (o->users_file.empty()) return Status::Error("--users is required");
  if (o->data_dir.empty()) return Status::Error("--data is required");
  if (o->service_user.empty()) return Status::Error("--service-user is required");
  if (o->service_password_file.empty()) return Status::Error("--service-password-file is required");
  if (o->host.empty()) return Status::Error("--host is empty");
  if (o->client_id.empty()) return Status::Error("--client-id is empty");
  return options;
}

}  // namespace imchat
