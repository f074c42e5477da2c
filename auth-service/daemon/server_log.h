// server.log: one line per event, "<ISO-8601 UTC time> <text>", written to the
// log file in the data directory and to stderr. Thread-safe. Lines are flushed
// one by one until set_buffered(true); then only by Flush() (the daemon calls it
// after every batch of events, so a busy server does not pay two write()
// calls per logged message).
#ifndef IMCHAT_DAEMON_SERVER_LOG_H_
#define IMCHAT_DAEMON_SERVER_LOG_H_

#include <cstdio>
#include <mutex>
#include <string>

#include "status.h"

namespace imchat {

class ServerLog {
 public:
  // `path` "" logs to stderr only (unit tests); `quiet` drops the stderr copy.
  explicit ServerLog(const std::string& path, bool quiet = false);
  ~ServerLog();
  ServerLog(const ServerLog&) = delete;
  ServerLog& operator=(const ServerLog&) = delete;

  // True when the file could be opened (or none was asked for).
  bool ok() const { return path_.empty() || file_ != nullptr; }
  void Log(const std::string& text);
  // Writes `line` exactly as given (no time stamp), e.g. the ready line.
  void Raw(const std::string& line);
  void set_buffered(bool on);
  void Flush();
  // Writes what is pending, closes the file and opens `path` again (appending),
  // so a log rotated by renaming (logrotate) continues in a new file. On
  // failure the old file stays in use and the error is returned.
  Status Reopen();

 private:
  void WritePending();  // with mu_ held

  std::string path_;
  bool quiet_;
  bool buffered_ = false;
  std::string pending_;  // lines not yet written
  std::FILE* file_ = nullptr;
  std::mutex mu_;
};

// The current UTC time as 2026-11-22T18:54:34.123Z.
std::string IsoNow();

}  // namespace imchat

#endif  // IMCHAT_DAEMON_SERVER_LOG_H_
