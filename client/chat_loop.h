// The chat loop after login (app.h): one thread polls the console, the
// session's wake pipe and a signal pipe; ChatState decides what lines mean.
// Delivery rules it keeps: a line typed while disconnected is held (at most
// kMaxHeld) and sent after reconnecting; a publish in flight when the link
// dropped is reported as unconfirmed and never resent (resending could
// duplicate it).
#ifndef IMCHAT_CLIENT_CHAT_LOOP_H_
#define IMCHAT_CLIENT_CHAT_LOOP_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chat_state.h"
#include "console.h"
#include "file_transfers.h"
#include "session.h"

namespace imchat::client {

class ChatLoop {
 public:
  static constexpr std::size_t kMaxHeld = 100;
  // Publishes handed to Paho at a time. Paho C's send thread only looks at
  // its queue again when a command is added (or after a second), not when a
  // PUBACK frees the window, so a large backlog inside Paho crawls; feeding
  // it as acknowledgements come keeps it moving.
  static constexpr std::size_t kWindow = 64;

  // `session` is connected and subscribed; `signal_fd` becomes readable on
  // SIGINT/SIGTERM (-1: none). `fetch_users`: fetch every user's name for
  // tab completion after login (ChatState::FetchUsers; interactive mode).
  // `refused`: optional filters its connect was refused
  // (ConnectResult::refused), reported when the loop starts.
  ChatLoop(std::unique_ptr<Session> session, std::unique_ptr<Console> console, ChatState& state,
           int signal_fd, bool fetch_users = false, std::vector<std::string> refused = {});

  // Runs until the user quits or a fatal error; returns the exit code.
  int Run();

 private:
  using Clock = std::chrono::steady_clock;

  void Show(const Line& line);
  void Info(const std::string& text);
  void Error(const std::string& text);
  void HandleInput(const std::string& text);
  void Send(const Outgoing& out);
  void Pump();  // queued_ -> Paho while the window has room
  void NotConfirmed(const Outgoing& out);
  void ReportUnconfirmed();  // at exit: what is still in flight or held
  void HandleEvents();
  void OnLost(const std::string& cause);
  void OnClosed(int reason, const std::string& text);
  bool TryReconnect();  // false: fatal (exit code set)
  bool Drained() const;
  int PollTimeoutMs() const;

  std::unique_ptr<Session> session_;
  std::unique_ptr<Console> console_;
  ChatState& state_;
  int signal_fd_;
  bool fetch_users_;
  std::vector<std::string> initial_refused_;
  FileTransfers transfers_;  // /send, /get, /files
  Clock::time_point transfer_activity_{};

  bool connected_ = true;
  std::map<std::uint64_t, Outgoing> inflight_;  // handed to Paho, no PUBACK yet
  std::deque<Outgoing> queued_;                 // waiting for room in the window
  std::deque<Outgoing> held_;
  std::uint64_t next_tag_ = 1;
  int backoff_s_ = 1;
  Clock::time_point reconnect_at_{};

  bool hint_shown_ = false;
  Clock::time_point hint_at_{};

  bool quitting_ = false;      // stop after the drain
  bool wait_replies_ = false;  // end of stdin: also wait for replies and statuses
  Clock::time_point drain_until_{};
  int exit_code_ = 0;
  bool done_ = false;
};

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_CHAT_LOOP_H_
