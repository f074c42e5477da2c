// Matching statuses and replies to what was sent (outbox.h).
#include "outbox.h"

#include <algorithm>

namespace imchat::client {

namespace {

// Private messages remembered for their statuses (a `queued` one may wait
// days for `delivered`), and commands remembered for their replies.
constexpr std::size_t kPendingRefs = 10000;
constexpr std::size_t kPendingCommands = 1000;

}  // namespace

const char* VerbName(Verb verb) {
  for (const CommandInfo& c : ClientCommands()) {
    if (c.verb == verb) return c.name.data();
  }
  return "";
}

bool Outbox::IsOwnRef(const std::string& ref) const {
  // The prefix, not the bounded pending_ map: a carbon can come back after
  // its entry was forgotten, and another run's prefix differs (32 random bits).
  return ref.size() > ref_prefix_.size() + 1 &&
         ref.compare(0, ref_prefix_.size(), ref_prefix_) == 0 && ref[ref_prefix_.size()] == '-';
}

std::string Outbox::SendPrivate(const std::string& to, const std::string& text) {
  std::string ref = ref_prefix_ + "-" + std::to_string(next_ref_++);
  pending_[ref] = {to, Snippet(text)};
  pending_order_.push_back(ref);
  awaiting_status_.insert(ref);
  while (pending_order_.size() > kPendingRefs) {
    pending_.erase(pending_order_.front());
    awaiting_status_.erase(pending_order_.front());
    pending_order_.pop_front();
  }
  return ref;
}

void Outbox::SendCommand(PendingCommand command) {
  commands_.push_back(std::move(command));
  if (commands_.size() > kPendingCommands) commands_.pop_front();
}

std::size_t Outbox::Awaiting() const {
  auto loud = std::count_if(commands_.begin(), commands_.end(),
                            [](const PendingCommand& c) { return !c.quiet; });
  return awaiting_status_.size() + static_cast<std::size_t>(loud);
}

std::optional<PendingCommand> Outbox::TakeCommand(const std::string& name) {
  // Replies come in the order the commands went out; skip entries whose
  // reply never came (e.g. lost with a connection).
  for (std::size_t i = 0; i < commands_.size(); ++i) {
    if (name != VerbName(commands_[i].verb)) continue;
    PendingCommand command = commands_[i];
    commands_.erase(commands_.begin(), commands_.begin() + i + 1);
    return command;
  }
  return std::nullopt;
}

Line Outbox::OnStatus(const DeliveryStatus& s, std::int64_t now_ms) {
  std::string to = s.room.empty() ? s.to : "#" + s.room;
  std::string snippet;
  auto it = s.ref.empty() ? pending_.end() : pending_.find(s.ref);
  if (it != pending_.end()) {
    to = it->second.first;
    snippet = it->second.second;
    awaiting_status_.erase(s.ref);
    if (s.status != "queued") pending_.erase(it);  // "delivered" follows a "queued" later
  }
  std::string text;
  if (s.status == "delivered") {
    text = "delivered to " + to;
  } else if (s.status == "queued") {
    text = "queued for " + to + " (offline)";
  } else if (s.status == "refused") {
    text = "not delivered to " + to + ": " +
           (s.reason == "unknown-user" ? "no such user"
            : s.reason == "blocked"    ? to + " has blocked you"
                                       : (s.reason.empty() ? "refused" : s.reason));
  } else {
    text = s.text;
  }
  if (!snippet.empty()) text += ": " + snippet;
  Line line = MakeLine(Line::Kind::kStatus, now_ms, text);
  line.to = to;
  return line;
}

}  // namespace imchat::client
