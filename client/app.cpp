// Log-in and start-up of the client (app.h).
#include "app.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "chat_loop.h"
#include "console.h"
#include "tty_prompt.h"

namespace imchat::client {

namespace {

constexpr int kLoginTries = 3;

int signal_pipe[2] = {-1, -1};

void OnSignal(int) {
  if (signal_pipe[1] >= 0) {
    char byte = 1;
    ssize_t ignored = write(signal_pipe[1], &byte, 1);
    (void)ignored;
  }
}

// SIGINT/SIGTERM end the chat cleanly (a DISCONNECT, so others see "quit")
// instead of killing the process with the terminal in raw mode.
int InstallSignals() {
  if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signal_pipe[0];
}

void Say(const std::string& text) { std::fprintf(stderr, "imchat: %s\n", text.c_str()); }

bool ColorWanted(bool no_color) {
  if (no_color) return false;
  const char* env = std::getenv("NO_COLOR");
  if (env != nullptr && env[0] != '\0') return false;
  return isatty(STDOUT_FILENO) == 1;
}

}  // namespace

int RunChat(AppOptions options) {
  const std::string& user = options.session.user;
  std::unique_ptr<Session> session;
  std::vector<std::string> refused;
  for (int attempt = 1;; ++attempt) {
    if (options.password) {
      options.session.password = *options.password;
    } else {
      auto password = PromptTty("Password: ", false);
      if (!password) {
        Say("no password: set IMCHAT_PASSWORD or run imchat in a terminal");
        return kExitUsage;
      }
      options.session.password = *password;
    }
    session = std::make_unique<Session>(options.session);
    ConnectResult result = session->Connect(SubscriptionsFor(user));
    if (result.kind == ConnectResult::Kind::kOk) {
      refused = result.refused;
      break;
    }
    if (result.kind == ConnectResult::Kind::kUnreachable) {
      Say("cannot reach the imchat server at " + session->Address() + " (" + result.detail +
          "); is it running? (start it with scripts/run)");
      return kExitUnreachable;
    }
    if (result.kind == ConnectResult::Kind::kError) {
      Say("could not start the chat at " + session->Address() + ": " + result.detail);
      return kExitRefused;
    }
    if (options.password) {
      Say("login refused for '" + user + "': wrong user name or password, or the name is locked");
      return kExitRefused;
    }
    if (attempt >= kLoginTries) {
      Say("login refused " + std::to_string(kLoginTries) +
          " times: the name is now locked for a while (60 s by default); try again later");
      return kExitRefused;
    }
    Say("login refused: wrong user name or password (try " + std::to_string(attempt) + " of " +
        std::to_string(kLoginTries) + ")");
  }

  int signal_fd = InstallSignals();
  ChatState state(user);
  std::unique_ptr<Console> console;
  const bool interactive = isatty(STDIN_FILENO) == 1;
  if (interactive) {
    console =
        MakeEditConsole([&state](const std::string& before,
                                 const std::string& word) { return state.Complete(before, word); },
                        ColorWanted(options.no_color));
  } else {
    console = MakeLineConsole(STDIN_FILENO);
  }
  // Only a person at a terminal completes names; a script needs no address book.
  ChatLoop loop(std::move(session), std::move(console), state, signal_fd, interactive,
                std::move(refused));
  return loop.Run();
}

}  // namespace imchat::client
