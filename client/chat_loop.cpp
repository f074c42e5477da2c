// The chat loop (chat_loop.h).
#include "chat_loop.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include "input.h"
#include "render.h"
#include "topics.h"

namespace imchat::client {

namespace {

constexpr int kMaxBackoffS = 30;
// The hint line follows the welcome and the replayed messages; the replay has
// no end marker, so the hint waits for a short quiet spell after them.
constexpr auto kHintQuiet = std::chrono::milliseconds(400);
constexpr auto kHintFallback = std::chrono::seconds(3);
constexpr auto kDrainLimit = std::chrono::seconds(5);

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ReasonText(int code) {
  switch (code) {
    case 0x87:
      return "not allowed";
    case 0x90:
      return "bad topic";
    case 0x95:
      return "too large";
    case 0x97:
      return "over the server's quota";
    default:
      return "refused by the server (reason " + std::to_string(code) + ")";
  }
}

constexpr int kServerShuttingDown = 0x8B;

// A refused private or room message gets its reason from the service's status.
bool HasStatus(const Outgoing& out) {
  const TopicKind kind = ParseTopic(out.topic).kind;
  return kind == TopicKind::kUserTo || kind == TopicKind::kRoom;
}

}  // namespace

ChatLoop::ChatLoop(std::unique_ptr<Session> session, std::unique_ptr<Console> console,
                   ChatState& state, int signal_fd, bool fetch_users,
                   std::vector<std::string> refused)
    : session_(std::move(session)),
      console_(std::move(console)),
      state_(state),
      signal_fd_(signal_fd),
      fetch_users_(fetch_users),
      initial_refused_(std::move(refused)),
      transfers_(state.me()) {}

void ChatLoop::Show(const Line& line) {
  RenderOptions options;
  options.color = console_->color();
  options.now_ms = NowMs();
  console_->Print(Render(line, options));
}

void ChatLoop::Info(const std::string& text) { Show(MakeLine(Line::Kind::kInfo, NowMs(), text)); }

void ChatLoop::Error(const std::string& text) { Show(MakeLine(Line::Kind::kError, NowMs(), text)); }

int ChatLoop::Run() {
  Info("connected to " + session_->Address() + " as " + state_.me());
  if (!initial_refused_.empty()) Info(RefusedSubscriptionsText(initial_refused_));
  console_->SetPrompt(state_.Prompt());
  if (fetch_users_) {
    for (const Outgoing& out : state_.FetchUsers()) Send(out);
  }
  hint_at_ = Clock::now() + kHintFallback;
  while (!done_) {
    pollfd fds[3];
    nfds_t n = 0;
    int console_slot = -1, session_slot = -1, signal_slot = -1;
    // Input waits for the hint, so what a script sends is answered after
    // the welcome and the replayed messages, in the order a person sees.
    if (!console_->at_eof() && !quitting_ && hint_shown_) {
      console_slot = static_cast<int>(n);
      fds[n++] = {console_->fd(), POLLIN, 0};
    }
    session_slot = static_cast<int>(n);
    fds[n++] = {session_->wake_fd(), POLLIN, 0};
    if (signal_fd_ >= 0) {
      signal_slot = static_cast<int>(n);
      fds[n++] = {signal_fd_, POLLIN, 0};
    }
    int ready = poll(fds, n, PollTimeoutMs());
    if (ready < 0 && errno != EINTR) break;

    if (signal_slot >= 0 && (fds[signal_slot].revents & POLLIN)) {
      char buf[16];
      ssize_t ignored = read(signal_fd_, buf, sizeof buf);
      (void)ignored;
      if (quitting_) break;  // a second Ctrl-C: stop waiting
      quitting_ = true;
      drain_until_ = Clock::now() + kDrainLimit;
    }
    if (session_slot >= 0 && (fds[session_slot].revents & POLLIN)) HandleEvents();
    if (console_slot >= 0 && (fds[console_slot].revents & (POLLIN | POLLHUP | POLLERR))) {
      for (const auto& text : console_->Read()) {
        if (quitting_) break;
        HandleInput(text);
      }
      if (console_->at_eof() && !quitting_) {
        quitting_ = true;
        wait_replies_ = true;
        drain_until_ = Clock::now() + kDrainLimit;
      }
    }
    HandleEvents();  // events that came while reading input
    if (done_) break;

    auto now = Clock::now();
    if (!hint_shown_ && now >= hint_at_) {
      hint_shown_ = true;
      Info("type a message to send it to everyone; /help lists the commands");
    }
    if (!connected_ && !done_ && now >= reconnect_at_) {
      if (quitting_) break;  // nothing to wait for without a connection
      if (!TryReconnect()) break;
    }
    // A transfer that still moves keeps the end of stdin waiting.
    if (quitting_ && transfers_.busy()) {
      drain_until_ = std::max(drain_until_, transfer_activity_ + kDrainLimit);
    }
    if (quitting_ && (Drained() || now >= drain_until_)) break;
  }
  ReportUnconfirmed();
  if (connected_) session_->Disconnect();
  return exit_code_;
}

int ChatLoop::PollTimeoutMs() const {
  auto now = Clock::now();
  auto next = now + std::chrono::seconds(1);
  if (!hint_shown_) next = std::min(next, hint_at_);
  if (!connected_) next = std::min(next, reconnect_at_);
  if (quitting_) next = std::min(next, drain_until_);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 1000));
}

bool ChatLoop::Drained() const {
  if (!inflight_.empty() || !queued_.empty() || transfers_.busy()) return false;
  // At the end of stdin a script still gets the welcome and the offline
  // messages (the hint line follows them) and the answers to what it sent.
  if (wait_replies_ && connected_ && (!hint_shown_ || state_.AwaitingReplies() > 0)) return false;
  return true;
}

void ChatLoop::ReportUnconfirmed() {
  // The wait at the end is bounded; say what it did not see acknowledged
  // (a few by name, then a count) instead of dropping it silently.
  constexpr std::size_t kNamed = 5;
  std::size_t named = 0;
  for (const auto& [tag, out] : inflight_) {
    if (named++ == kNamed) break;
    Error("not confirmed by the server before exit: " + Snippet(out.payload) +
          "; it may not have been sent");
  }
  if (inflight_.size() > kNamed) {
    Error(std::to_string(inflight_.size() - kNamed) +
          " more messages not confirmed by the server before exit; they may not have been sent");
  }
  std::size_t unsent = queued_.size() + held_.size();
  if (unsent > 0)
    Error(std::to_string(unsent) + " messages were not sent (no time left or no connection)");
  inflight_.clear();
  queued_.clear();
  held_.clear();
}

void ChatLoop::NotConfirmed(const Outgoing& out) {
  if (IsTransferTraffic(out)) return;  // the transfer resumes from the service's offset
  Info("not confirmed by the server (connection lost): " + Snippet(out.payload) +
       "; it may not have been sent");
}

void ChatLoop::HandleInput(const std::string& text) {
  Input input;
  std::string transfer = text;
  if (!FileTransfers::Handles(text)) {
    input = ParseInput(text);
    // /SEND and the like: the table knows them in any case; FileTransfers takes them spelled
    // as it expects.
    const Verb v = input.verb;
    const bool file_verb = v == Verb::kSend || v == Verb::kGet || v == Verb::kFiles;
    transfer = input.kind == Input::Kind::kCommand && file_verb
                   ? "/" + std::string(VerbName(v)) + (input.text.empty() ? "" : " " + input.text)
                   : "";
  }
  if (!transfer.empty()) {
    transfer_activity_ = Clock::now();
    Action action = transfers_.Input(transfer, NowMs());
    for (const auto& line : action.lines) Show(line);
    for (auto& out : action.publish) {
      state_.Claim(&out);
      Send(out);
    }
    return;
  }
  Action action = state_.OnInput(input, NowMs());
  for (const auto& line : action.lines) Show(line);
  for (const auto& out : action.publish) Send(out);
  if (action.quit) {
    quitting_ = true;
    drain_until_ = Clock::now() + kDrainLimit;
  }
  console_->SetPrompt(state_.Prompt());
}

void ChatLoop::Send(const Outgoing& out) {
  if (!connected_ && IsTransferTraffic(out)) return;  // Resume() starts again after reconnecting
  if (connected_) {
    queued_.push_back(out);
    Pump();
    return;
  }
  if (held_.size() >= kMaxHeld) {
    Error("not connected; message not sent");
    return;
  }
  held_.push_back(out);
  Info("not connected: will send when reconnected");
}

void ChatLoop::Pump() {
  while (connected_ && inflight_.size() < kWindow && !queued_.empty()) {
    std::uint64_t tag = next_tag_++;
    inflight_[tag] = std::move(queued_.front());
    queued_.pop_front();
    if (session_->Publish(inflight_[tag], tag)) continue;
    // Paho no longer sees a connection; its connection-lost report follows and
    // moves the queue to the held lines. Back at the front, it keeps its place.
    queued_.push_front(std::move(inflight_[tag]));
    inflight_.erase(tag);
    break;
  }
}

void ChatLoop::HandleEvents() {
  for (auto& event : session_->TakeEvents()) {
    switch (event.kind) {
      case SessionEvent::Kind::kMessage: {
        // Another device's answers would take this one's pending commands.
        if (ForAnotherDevice(event.message, state_.me(), session_->device())) break;
        Action files;
        if (transfers_.OnMessage(event.message, NowMs(), &files)) {
          transfer_activity_ = Clock::now();
          for (const auto& line : files.lines) Show(line);
          for (auto& out : files.publish) {
            state_.Claim(&out);  // the file message, once the upload is done
            Send(out);
          }
          break;
        }
        bool service = event.message.topic == SvcTopic(state_.me());
        for (const auto& line : state_.OnMessage(event.message, NowMs())) {
          Show(line);
          if (!hint_shown_ && (line.away || service)) hint_at_ = Clock::now() + kHintQuiet;
        }
        for (const Outgoing& out : state_.TakeFollowUps()) Send(out);
        // A reply, a removal or a closed room can change the conversation.
        console_->SetPrompt(state_.Prompt());
        break;
      }
      case SessionEvent::Kind::kPublished: {
        auto it = inflight_.find(event.tag);
        if (it == inflight_.end()) break;  // already reported when the link dropped
        Outgoing out = std::move(it->second);
        inflight_.erase(it);
        Pump();
        if (event.code == -1) {
          NotConfirmed(out);
        } else if (event.code >= 0x80 && !(HasStatus(out) && event.code == 0x87)) {
          Error("not sent (" + ReasonText(event.code) + "): " + Snippet(out.payload));
        }
        break;
      }
      case SessionEvent::Kind::kLost:
        OnLost(event.text);
        break;
      case SessionEvent::Kind::kClosed:
        OnClosed(event.code, event.text);
        break;
    }
  }
}

void ChatLoop::OnClosed(int reason, const std::string& text) {
  if (done_ || !connected_) return;
  // A server going down comes back: reconnect as for a lost link.
  if (reason == kServerShuttingDown) {
    OnLost(text);
    return;
  }
  // Idle timeout, removal from users.txt, the client id taken over by
  // another login: coming back on our own would undo what the server did.
  Error("the server ended the session (" + text +
        "); not reconnecting: start imchat again to come back");
  for (const auto& [tag, out] : inflight_) NotConfirmed(out);
  inflight_.clear();
  connected_ = false;
  exit_code_ = 1;
  done_ = true;
}

void ChatLoop::OnLost(const std::string& cause) {
  if (!connected_) return;
  connected_ = false;
  if (!quitting_) {
    backoff_s_ = 1;
    reconnect_at_ = Clock::now() + std::chrono::seconds(backoff_s_);
    // Paho often gives no cause for a dropped socket.
    Info("connection lost (" +
         (cause.empty() ? std::string("the server closed the connection") : cause) +
         "); reconnecting...");
  }
  for (const auto& [tag, out] : inflight_) NotConfirmed(out);
  inflight_.clear();
  // Queued messages never reached Paho: safe to send after reconnecting.
  for (auto& out : queued_) {
    if (!IsTransferTraffic(out)) held_.push_back(std::move(out));
  }
  queued_.clear();
}

bool ChatLoop::TryReconnect() {
  ConnectResult result = session_->Connect(SubscriptionsFor(state_.me()));
  switch (result.kind) {
    case ConnectResult::Kind::kOk: {
      connected_ = true;
      backoff_s_ = 1;
      state_.OnReconnected();
      Info("reconnected to " + session_->Address());
      if (!result.refused.empty()) Info(RefusedSubscriptionsText(result.refused));
      std::deque<Outgoing> held;
      held.swap(held_);
      for (const auto& out : held) Send(out);
      for (const auto& out : transfers_.Resume()) Send(out);
      return true;
    }
    case ConnectResult::Kind::kRefused:
      Error("login refused on reconnect; exiting");
      exit_code_ = 1;
      return false;
    default:
      break;
  }
  backoff_s_ = std::min(backoff_s_ * 2, kMaxBackoffS);
  reconnect_at_ = Clock::now() + std::chrono::seconds(backoff_s_);
  Info("still not connected to " + session_->Address() + " (" + result.detail + "); next try in " +
       std::to_string(backoff_s_) + " s");
  return true;
}

}  // namespace imchat::client
