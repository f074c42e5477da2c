// The terminal side of the client: where typed lines come from and where
// display lines go. Two implementations behind one interface:
//  - LineConsole: stdin is not a terminal (scripts, tests). Reads lines from a
//    descriptor, prints one line per event, flushed; never colours.
//  - EditConsole: an interactive terminal with libedit (line editing, history,
//    tab completion). Incoming lines are printed above the line being typed,
//    which is then redrawn intact.
// Both are driven by the owner's poll() loop on fd(); neither blocks.
#ifndef IMCHAT_CLIENT_CONSOLE_H_
#define IMCHAT_CLIENT_CONSOLE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace imchat::client {

class Console {
 public:
  virtual ~Console() = default;

  // The descriptor to poll for input.
  virtual int fd() const = 0;
  // Call when fd() is readable. Returns complete lines typed since the last
  // call (without newline).
  virtual std::vector<std::string> Read() = 0;
  // True once input has ended (Ctrl-D, end of stdin).
  virtual bool at_eof() const = 0;

  // Shows one display line (already rendered, without newline).
  virtual void Print(const std::string& line) = 0;
  // The prompt of the line being typed (interactive only).
  virtual void SetPrompt(const std::string& prompt) = 0;
  // Whether output should use colours.
  virtual bool color() const = 0;
};

// Lines from `in_fd` (not owned), output to stdout.
std::unique_ptr<Console> MakeLineConsole(int in_fd);

// Tab completion of an argument: the candidates for `word`, typed after
// `before` (the line up to the word), e.g. ChatState::Complete.
using Completer =
    std::function<std::vector<std::string>(const std::string& before, const std::string& word)>;

// libedit on the terminal (stdin/stdout). `complete` gives the candidates
// for tab completion of anything but a command name (called on the owner's
// thread, during Read()). `color`: ANSI colours on output.
std::unique_ptr<Console> MakeEditConsole(Completer complete, bool color);

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_CONSOLE_H_
