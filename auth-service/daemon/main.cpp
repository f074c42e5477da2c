// imchat-service: the auth-service daemon (presence, offline queue, archive,
// commands, blocks, idle timeout) for an imchat broker. See topics.md.
// Usage: imchat-service --host H --port N --users FILE --data DIR
//          --service-user NAME --service-password-file FILE [--client-id ID]
//          [--idle-timeout SECONDS] [--log-text] [--history-limit N]
#include <cstdio>
#include <string>
#include <vector>

#include "options.h"
#include "runner.h"

int main(int argc, char** argv) {
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
