#include "server_log.h"

#include <chrono>
#include <ctime>

namespace imchat {

std::string IsoNow() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

ServerLog::ServerLog(const std::string& path, bool quiet) : path_(path), quiet_(quiet) {
  if (!path_.empty()) file_ = std::fopen(path_.c_str(), "a");
}

ServerLog::~ServerLog() {
  if (file_) std::fclose(file_);
}

void ServerLog::Log(const std::string& text) { Raw(IsoNow() + " " + text); }

void ServerLog::Raw(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  // Flushed per line: the log is for following a live server and for tests.
  if (file_) {
    std::fprintf(file_, "%s\n", line.c_str());
    std::fflush(file_);
  }
  if (!quiet_) {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }
}

}  // namespace imchat
