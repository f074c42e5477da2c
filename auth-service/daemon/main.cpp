// imchat-service: the auth-service daemon (presence, offline queue, archive,
// commands, blocks, idle timeout) for an imchat broker. See topics.md.
// Usage: imchat-service --host H --port N --users FILE --data DIR
//          --service-user NAME --service-password-file FILE [--client-id ID]
//          [--idle-timeout SECONDS] [--log-text] [--history-limit N]
#include <malloc.h>

#include <cstdio>
#include <string>
#include <vector>

#include "options.h"
#include "runner.h"

int main(int argc, char** argv) {
  // File chunks are 64 KiB buffers allocated and freed at the top of the
  // heap; with glibc's default 128 KiB trim threshold the heap shrank and
  // regrew (page faults, zeroed pages) for every few chunks: keeping up to
  // 4 MiB free made uploads about 45 % faster (scripts/bench --only files).
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
  auto options = imchat::ParseDaemonOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::fprintf(stderr, "imchat-service: %s\n%s", options.message().c_str(), imchat::kDaemonUsage);
    return 2;
  }
  if (options->show_help) {
    std::fputs(imchat::kDaemonUsage, stdout);
    return 0;
  }
  return imchat::RunDaemon(*options);
}
