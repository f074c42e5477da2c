// imchat: the command-line chat client.
//
// Logs in to an imchat server (a Mosquitto broker with the imchat plugin and
// the auth-service) and chats: plain lines go to everyone, /msg to one
// person, /help lists the rest. Interactive on a terminal (line editing,
// history, tab completion); with stdin not a terminal it reads lines from
// stdin and prints one line per event, for scripts.
//
// Usage: imchat [--host H] [--port P] [--client-id ID] [--no-color] [USER]
// The password comes from IMCHAT_PASSWORD or is asked for without echo.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app.h"
#include "names.h"
#include "tty_prompt.h"

namespace {

constexpr const char* kUsage =
    "usage: imchat [--host H] [--port P] [--client-id ID] [--no-color] [USER]\n"
    "  --host H        server host (default localhost)\n"
    "  --port P        server port (default 1883)\n"
    "  --client-id ID  MQTT client id (default imchat-USER-<random>)\n"
    "  --no-color      no colours (also: NO_COLOR set, or output not a terminal)\n"
    "The password is read from IMCHAT_PASSWORD, or asked for on the terminal.\n"
    "Exit status: 0 done, 1 login refused, 2 usage error, 3 server unreachable.\n";

int UsageError(const std::string& text) {
  std::fprintf(stderr, "imchat: %s\n%s", text.c_str(), kUsage);
  return imchat::client::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using imchat::client::AppOptions;
  AppOptions options;
  std::string user;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    // The option's argument, or null when it is the last word.
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::puts("imchat 0.1");
      return 0;
    } else if (arg == "--host") {
      const char* v = value();
      if (v == nullptr || *v == '\0') return UsageError("--host needs a host name");
      options.session.host = v;
    } else if (arg == "--port") {
      const char* v = value();
      char* end = nullptr;
      long port = v ? std::strtol(v, &end, 10) : 0;
      if (v == nullptr || *end != '\0' || port < 1 || port > 65535) {
        return UsageError("--port needs a number from 1 to 65535");
      }
      options.session.port = static_cast<int>(port);
    } else if (arg == "--client-id") {
      const char* v = value();
      if (v == nullptr || *v == '\0') return UsageError("--client-id needs an id");
      options.session.client_id = v;
    } else if (arg == "--no-color") {
      options.no_color = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return UsageError("unknown option '" + imchat::Printable(arg) + "'");
    } else if (user.empty()) {
      user = arg;
    } else {
      return UsageError("one user name only (got '" + imchat::Printable(arg) + "' too)");
    }
  }
  if (user.empty()) {
    if (isatty(STDIN_FILENO) != 1) {
      return UsageError("a user name is needed when stdin is not a terminal");
    }
    auto typed = imchat::client::PromptTty("Username: ", true);
    if (!typed) return UsageError("no user name given");
    user = *typed;
  }
  if (!imchat::IsValidUserName(user)) {
    return UsageError("'" + imchat::Printable(user) +
                      "' is not a valid user name: " + imchat::NameError(user));
  }
  options.session.user = user;
  if (const char* pw = std::getenv("IMCHAT_PASSWORD"); pw != nullptr) options.password = pw;
  return imchat::client::RunChat(std::move(options));
}
