// The imchat client as a program: log in (up to 3 tries with prompted
// passwords), then run the chat loop — typed lines to publishes, broker
// messages to display lines, reconnecting with backoff when the connection
// drops. main.cpp only parses the command line and calls RunChat().
#ifndef IMCHAT_CLIENT_APP_H_
#define IMCHAT_CLIENT_APP_H_

#include <optional>
#include <string>

#include "session.h"

namespace imchat::client {

// Exit codes (README, "Chatting with imchat").
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;      // login refused (also on reconnect)
inline constexpr int kExitUsage = 2;        // bad command line, no password available
inline constexpr int kExitUnreachable = 3;  // no server at host:port at start-up

struct AppOptions {
  SessionOptions session;               // user set; password filled in by RunChat
  std::optional<std::string> password;  // from IMCHAT_PASSWORD: one try, no prompt
  bool no_color = false;
};

// Logs in and chats until /quit, Ctrl-D, end of stdin, SIGINT/SIGTERM or a
// fatal error. Returns an exit code above. Messages for start-up failures go
// to stderr; everything after login to stdout.
int RunChat(AppOptions options);

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_APP_H_
