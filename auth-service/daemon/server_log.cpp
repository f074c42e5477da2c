#include "server_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace imchat {

std::string IsoNow() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  // A busy server logs thousands of lines a second: format the date and time
  // once per second (per thread), only the milliseconds per line.
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[32];
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  int milli = static_cast<int>(ms % 1000);
  std::string out(cached);
  out += '.';
  out += static_cast<char>('0' + milli / 100);
  out += static_cast<char>('0' + milli / 10 % 10);
  out += static_cast<char>('0' + milli % 10);
  out += 'Z';
  return out;
}

ServerLog::ServerLog(const std::string& path, bool quiet) : path_(path), quiet_(quiet) {
  if (!path_.empty()) file_ = std::fopen(path_.c_str(), "a");
}

ServerLog::~ServerLog() {
  WritePending();
  if (file_) std::fclose(file_);
}

void ServerLog::Log(const std::string& text) { Raw(IsoNow() + " " + text); }

void ServerLog::Raw(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_ += line;
  pending_ += '\n';
  if (!buffered_ || pending_.size() >= (1 << 16)) WritePending();
}

void ServerLog::set_buffered(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  buffered_ = on;
  if (!on) WritePending();
}

void ServerLog::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  WritePending();
}

Status ServerLog::Reopen() {
  std::lock_guard<std::mutex> lock(mu_);
  WritePending();
  if (path_.empty()) return Status::Ok();
  std::FILE* fresh = std::fopen(path_.c_str(), "a");
  if (!fresh) {
    return Status::Error("cannot reopen " + path_ + " (" + std::strerror(errno) +
                         "); still writing to the old file");
  }
  if (file_) std::fclose(file_);
  file_ = fresh;
  return Status::Ok();
}

void ServerLog::WritePending() {
  if (pending_.empty()) return;
  if (file_) {
    std::fwrite(pending_.data(), 1, pending_.size(), file_);
    std::fflush(file_);
  }
  if (!quiet_) {
    std::fwrite(pending_.data(), 1, pending_.size(), stderr);
    std::fflush(stderr);
  }
  pending_.clear();
}

}  // namespace imchat
