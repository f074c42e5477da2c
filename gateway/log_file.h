// The gateway's log: every line goes to stderr ("imchat-gateway: ..."), and with --log FILE
// also to FILE with a UTC timestamp, like the service's server.log in the same data
// directory. SIGHUP reopens FILE (logrotate's rename-then-signal). Log() itself is declared
// in gateway_state.h.
#ifndef IMCHAT_GATEWAY_LOG_FILE_H_
#define IMCHAT_GATEWAY_LOG_FILE_H_

#include <string>

namespace imchat::gateway {

// Opens (appends to) path for every later Log() line. False with a message naming the file
// when it cannot be opened; the previous file, if any, stays in use then.
bool OpenLogFile(const std::string& path, std::string& error);

// Closes and opens the same path again (after a rotation). Logs a failure to stderr.
void ReopenLogFile();

}  // namespace imchat::gateway

#endif  // IMCHAT_GATEWAY_LOG_FILE_H_
