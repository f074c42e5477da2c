// The offline queue: storing direct messages for users without a connected
// client, acknowledging them to the plugin only after the commit, and the
// replay (a window of QoS 1 publishes per recipient, stopped by a refusal).
#include "names.h"
#include "service.h"
#include "topics.h"

namespace imchat {

using nlohmann::json;

std::int64_t ParseTimestamp(const std::string& s, std::int64_t fallback) {
  if (s.empty() || s.size() > 18) return fallback;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return fallback;
    v = v * 10 + (c - '0');
  }
  return v;
}

void Service::HandleDirect(const ArchiveRecord& m) {
  const bool offline = m.offline || m.resend;
  StoredMessage sm{0, m.id, m.from, m.to, m.ts, m.body, m.ref};
  Store::AddResult r = store_.AddMessage(sm, offline);
  Touch(m.from);
  std::string line = "message " + m.from + " -> " + m.to + " " + std::to_string(m.body.size()) +
                     " bytes id " + Printable(m.id, 40) + (offline ? " (offline)" : "");
  if (options_.log_text) line += ": " + Printable(m.body, 200);
  if (r == Store::AddResult::kError) line += " [store error: " + store_.write_error() + "]";
  log_.Log(line);
  // A live message (the recipient had a connected inbox): the broker has
  // already told the sender it was delivered; it is only archived here.
  if (!offline) return;
  if (r == Store::AddResult::kError) return;
  stored_ids_.push_back(m.id);
  if (r == Store::AddResult::kAdded) {
    json j = {{"sender", m.from}, {"id", m.id}, {"ref", m.ref}, {"to", m.to}};
    queued_statuses_.push_back(j);
  }
  replay_candidates_.insert(m.to);
}

void Service::StartReplay(const std::string& user) {
  Replay& r = replays_[user];
  if (r.active) {
    r.again = true;
    return;
  }
  r = Replay{};
  r.active = true;
  PumpReplay(user);
}

void Service::PumpReplay(const std::string& user) {
  Replay& r = replays_[user];
  if (!r.active) return;
  bool exhausted = false;
  int window = options_.replay_window;
  // Refilled once half the window is free rather than per acknowledgement:
  // each query reads the messages in flight again (they are still pending).
  if (!r.stopped && static_cast<int>(r.inflight.size()) <= window / 2) {
    // Messages in flight are still pending in the store: skip past them.
    std::vector<StoredMessage> batch =
        store_.Queue(user, window + static_cast<int>(r.inflight.size()));
    exhausted = true;
    for (const StoredMessage& m : batch) {
      if (r.inflight.count(m.id)) continue;
      if (static_cast<int>(r.inflight.size()) >= window) {
        exhausted = false;
        break;
      }
      std::uint64_t tag = next_tag_++;
      pending_[tag] = {user, m.id, m.sender, m.ref};
      r.inflight.insert(m.id);
      link_.Publish(UserTopic(user, m.sender), m.body, 1, false,
                    {{"id", m.id}, {"ts", std::to_string(m.ts)}, {"queued", "1"}}, tag);
    }
  }
  if (r.inflight.empty() && (r.stopped || exhausted)) {
    r.active = false;
    bool again = r.again && inbox_conns_.count(user);
    if (again) StartReplay(user);
  }
}

void Service::OnPublished(std::uint64_t tag, int reason) {
  auto it = pending_.find(tag);
  if (it == pending_.end()) return;
  Pending p = it->second;
  pending_.erase(it);
  Replay& r = replays_[p.user];
  r.inflight.erase(p.id);
  if (reason == 0) {
    store_.MarkDelivered(p.id);
    replayed_uncommitted_ = true;
    log_.Log("replayed " + p.sender + " -> " + p.user + " id " + Printable(p.id, 40));
    Status(p.sender, p.id, p.ref, p.user, "delivered");
  } else if (!r.stopped) {
    r.stopped = true;
    log_.Log("replay to " + p.user + " stopped (reason " + std::to_string(reason) +
             "); the rest stays queued");
  }
  PumpReplay(p.user);
}

bool Service::EndBatch() {
  replayed_uncommitted_ = false;
  std::string error;
  if (!store_.Commit(&error)) {
    log_.Log("error: database commit failed: " + error + "; " + std::to_string(stored_ids_.size()) +
             " offline messages not acknowledged");
    stored_ids_.clear();
    queued_statuses_.clear();
    replay_candidates_.clear();
    // The plugin keeps unacknowledged messages and resends them after a hello.
    retry_hello_at_ = clock_() + 2000;
    return false;
  }
  if (!stored_ids_.empty()) {
    for (std::size_t i = 0; i < stored_ids_.size(); i += 500) {
      json ids = json::array();
      for (std::size_t k = i; k < stored_ids_.size() && k < i + 500; ++k)
        ids.push_back(stored_ids_[k]);
      Control({{"op", "stored"}, {"ids", ids}});
    }
    stored_ids_.clear();
  }
  for (const json& q : queued_statuses_) {
    Status(q["sender"], q["id"], q["ref"], q["to"], "queued");
  }
  queued_statuses_.clear();
  std::set<std::string> candidates;
  candidates.swap(replay_candidates_);
  for (const std::string& user : candidates) {
    if (inbox_conns_.count(user)) StartReplay(user);
  }
  return true;
}

}  // namespace imchat
