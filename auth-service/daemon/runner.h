// The daemon's top level: opens the log, the database and users.txt, runs
// the event loop (MQTT events, signals, timers) until SIGINT/SIGTERM.
#ifndef IMCHAT_DAEMON_RUNNER_H_
#define IMCHAT_DAEMON_RUNNER_H_

#include "options.h"

namespace imchat {

// Returns the process exit status: 0 after a clean shutdown, 1 when start-up
// failed (unreadable files, a refused database).
int RunDaemon(const DaemonOptions& options);

}  // namespace imchat

#endif  // IMCHAT_DAEMON_RUNNER_H_
