// Interactive console (console.h) on libedit's readline-compatible callback
// interface: the owner's poll() loop feeds characters in, so incoming
// messages can be printed while a line is half typed. libedit keeps global
// state, hence one EditConsole per process (`active`).
#include <editline/readline.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "console.h"
#include "input.h"

namespace imchat::client {

namespace {

class EditConsole;
EditConsole* active = nullptr;

// Candidates of the completion in progress (rl_completion_matches asks for
// them one by one).
std::vector<std::string> candidates;

char* NextCandidate(const char*, int state) {
  static std::size_t next = 0;
  if (state == 0) next = 0;
  if (next >= candidates.size()) return nullptr;
  return strdup(candidates[next++].c_str());
}

class EditConsole : public Console {
 public:
  EditConsole(Completer names, bool color) : names_(std::move(names)), color_(color) {
    active = this;
    rl_attempted_completion_function = &EditConsole::Complete;
    rl_callback_handler_install(prompt_.c_str(), &EditConsole::OnLine);
  }

  ~EditConsole() override {
    rl_callback_handler_remove();
    active = nullptr;
    std::fputs("\n", stdout);
    std::fflush(stdout);
  }

  int fd() const override { return STDIN_FILENO; }
  bool at_eof() const override { return eof_; }
  bool color() const override { return color_; }

  std::vector<std::string> Read() override {
    accepted_ = false;
    rl_callback_read_char();
    std::vector<std::string> out;
    out.swap(lines_);
    return out;
  }

  void Print(const std::string& line) override {
    if (eof_) {
      Write(line);
      return;
    }
    if (accepted_) {
      // libedit empties its buffer only when the next key arrives, so a
      // redraw now would show the accepted line again: start a fresh one.
      rl_callback_handler_remove();
      std::fputs("\r\033[2K", stdout);
      Write(line);
      Reinstall(std::string());
      return;
    }
    // Clear the input line (all its rows when it wraps), print above it, then
    // have libedit redraw prompt and text from a blank line, keeping the
    // cursor where it was inside the text.
    int rows_up = CursorRow();
    if (rows_up > 0) std::fprintf(stdout, "\033[%dA", rows_up);
    std::fputs("\r\033[J", stdout);
    Write(line);
    rl_forced_update_display();
    std::fflush(stdout);
  }

  void SetPrompt(const std::string& prompt) override {
    if (prompt == prompt_) return;
    prompt_ = prompt;
    if (eof_) return;
    std::string typed = Typed();
    rl_callback_handler_remove();
    std::fputs("\r\033[2K", stdout);
    Reinstall(typed);
  }

 private:
  static void Write(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputs("\n", stdout);
    std::fflush(stdout);
  }

  // The screen row of the cursor within the line being edited (0: the
  // prompt's row), counting characters, not bytes.
  int CursorRow() const {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return 0;
    std::size_t column = 0;
    for (char c : prompt_) column += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    for (int i = 0; rl_line_buffer != nullptr && i < rl_point && i < rl_end; ++i) {
      column += (static_cast<unsigned char>(rl_line_buffer[i]) & 0xC0) != 0x80;
    }
    return static_cast<int>(column / ws.ws_col);
  }

  std::string Typed() const {
    if (accepted_ || rl_line_buffer == nullptr || rl_end <= 0) return {};
    return std::string(rl_line_buffer, static_cast<std::size_t>(rl_end));
  }

  void Reinstall(const std::string& typed) {
    rl_callback_handler_install(prompt_.c_str(), &EditConsole::OnLine);
    if (!typed.empty()) {
      // libedit's rl_redisplay() queues a redraw key instead of drawing; a
      // forced update redraws the whole line, from column 0.
      rl_insert_text(typed.c_str());
      std::fputs("\r", stdout);
      rl_forced_update_display();
    }
    std::fflush(stdout);
  }

  static void OnLine(char* line) {
    if (active == nullptr) {
      std::free(line);
      return;
    }
    if (line == nullptr) {
      active->eof_ = true;
      return;
    }
    if (line[0] != '\0') add_history(line);
    active->lines_.emplace_back(line);
    std::free(line);
    // libedit empties its buffer only when the next key arrives; until then
    // rl_line_buffer still holds the accepted text.
    active->accepted_ = true;
  }

  static char** Complete(const char* text, int start, int) {
    rl_attempted_completion_over = 1;  // no file-name completion
    candidates.clear();
    std::string word(text);
    if (start == 0 && !word.empty() && word[0] == '/') {
      for (const auto& c : ClientCommands()) {
        auto offer = [&word](std::string_view name) {
          std::string full = "/" + std::string(name);
          if (full.compare(0, word.size(), word) == 0) candidates.push_back(full);
        };
        offer(c.name);
        for (std::string_view alias : c.aliases) offer(alias);
      }
    } else if (active != nullptr && active->names_) {
      // Users, and rooms where a command takes one: the line so far decides.
      std::string before;
      if (rl_line_buffer != nullptr) before.assign(rl_line_buffer, std::max(start, 0));
      candidates = active->names_(before, word);
    }
    if (candidates.empty()) return nullptr;
    return rl_completion_matches(text, &NextCandidate);
  }

  Completer names_;
  bool color_;
  bool eof_ = false;
  bool accepted_ = false;  // a line was just accepted; no key read since
  std::string prompt_ = "> ";
  std::vector<std::string> lines_;
};

}  // namespace

std::unique_ptr<Console> MakeEditConsole(Completer names, bool color) {
  return std::make_unique<EditConsole>(std::move(names), color);
}

}  // namespace imchat::client
