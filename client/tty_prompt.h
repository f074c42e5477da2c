// Asking the person at the terminal for a user name or a password, on the
// controlling terminal (/dev/tty) so it works even when stdout is redirected.
#ifndef IMCHAT_CLIENT_TTY_PROMPT_H_
#define IMCHAT_CLIENT_TTY_PROMPT_H_

#include <optional>
#include <string>

namespace imchat::client {

// Writes `prompt` and reads one line. With echo off the typed characters are
// not shown (a newline is written after). nullopt when there is no terminal
// or input ended.
std::optional<std::string> PromptTty(const std::string& prompt, bool echo);

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_TTY_PROMPT_H_
