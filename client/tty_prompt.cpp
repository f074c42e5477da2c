// Prompts on the controlling terminal (tty_prompt.h).
#include "tty_prompt.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace imchat::client {

std::optional<std::string> PromptTty(const std::string& prompt, bool echo) {
  int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  termios saved{};
  bool restore = false;
  if (!echo && tcgetattr(fd, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter still moves to the next line
    restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
  }
  ssize_t ignored = write(fd, prompt.data(), prompt.size());
  (void)ignored;
  std::string line;
  bool got_line = false;
  char c;
  while (true) {
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\n') {
      got_line = true;
      break;
    }
    if (c != '\r') line += c;
  }
  if (restore) tcsetattr(fd, TCSAFLUSH, &saved);
  close(fd);
  if (!got_line && line.empty()) return std::nullopt;
  return line;
}

}  // namespace imchat::client
