#include "log_file.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "gateway_state.h"

namespace imchat::gateway {
namespace {

// One io_context thread logs, so plain statics are enough.
std::FILE* log_file = nullptr;
std::string log_path;

std::string UtcNow() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

bool OpenLogFile(const std::string& path, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    error = "cannot write --log '" + path + "': " + std::strerror(errno) +
            "; give a writable file (its directory must exist)";
    return false;
  }
  // Line buffered: a line is in the file when Log() returns, even if the gateway is killed.
  std::setvbuf(f, nullptr, _IOLBF, 0);
  if (log_file != nullptr) std::fclose(log_file);
  log_file = f;
  log_path = path;
  return true;
}

void ReopenLogFile() {
  if (log_path.empty()) return;
  std::string error;
  if (!OpenLogFile(log_path, error)) {
    std::fprintf(stderr, "imchat-gateway: %s\n", error.c_str());
    return;
  }
  Log("log reopened (SIGHUP)");
}

void Log(const std::string& line) {
  // One fprintf per line so lines from one process never interleave.
  std::fprintf(stderr, "imchat-gateway: %s\n", line.c_str());
  if (log_file != nullptr) std::fprintf(log_file, "%s %s\n", UtcNow().c_str(), line.c_str());
}

}  // namespace imchat::gateway
