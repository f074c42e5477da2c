// Acknowledging queued messages after the commit, and the windowed replay.
#include "offline_queue.h"

#include "names.h"
#include "topics.h"

namespace imchat {

using nlohmann::json;

void OfflineQueue::Stored(const ArchiveRecord& m, Store::AddResult r) {
  // Not acknowledged: the plugin keeps the message and resends it after a hello.
  if (r == Store::AddResult::kError) return;
  stored_ids_.push_back(m.id);
  if (r == Store::AddResult::kAdded) queued_statuses_.push_back({m.from, m.id, m.ref, m.to});
  replay_candidates_.insert(m.to);
}

void OfflineQueue::StartReplay(const std::string& user) {
  Replay& r = replays_[user];
  if (r.active) {
    r.again = true;
    return;
  }
  r = Replay{};
  r.active = true;
  PumpReplay(user);
}

void OfflineQueue::PumpReplay(const std::string& user) {
  Replay& r = replays_[user];
  if (!r.active) return;
  bool exhausted = false;
  int window = replay_window_;
  // Refilled once half the window is free rather than per acknowledgement:
  // each query reads the messages in flight again (they are still pending).
  if (!r.stopped && static_cast<int>(r.inflight.size()) <= window / 2) {
    // Messages in flight are still pending in the store: skip past them.
    Result<std::vector<StoredMessage>> batch =
        env_.store.Queue(user, window + static_cast<int>(r.inflight.size()));
    if (!batch.ok()) {
      // Stopped like a refused publish: nothing is lost, the next inbox retries.
      r.stopped = true;
      env_.log.Log("error: replay to " + user + " stopped: " + batch.message() +
                   "; the messages stay queued until " + user + " connects again");
    } else {
      exhausted = true;
      for (const StoredMessage& m : *batch) {
        if (r.inflight.count(m.id)) continue;
        if (static_cast<int>(r.inflight.size()) >= window) {
          exhausted = false;
          break;
        }
        std::uint64_t tag = next_tag_++;
        pending_[tag] = {user, m.id, m.sender, m.ref};
        r.inflight.insert(m.id);
        env_.out.link().Publish(UserTopic(user, m.sender), m.body, 1, false,
                                {{"id", m.id}, {"ts", std::to_string(m.ts)}, {"queued", "1"}}, tag,
                                {});
      }
    }
  }
  if (r.inflight.empty() && (r.stopped || exhausted)) {
    r.active = false;
    bool again = r.again && inboxes_.Has(user);
    if (again) StartReplay(user);
  }
}

void OfflineQueue::OnPublished(std::uint64_t tag, int reason) {
  auto it = pending_.find(tag);
  if (it == pending_.end()) return;
  Pending p = it->second;
  pending_.erase(it);
  Replay& r = replays_[p.user];
  r.inflight.erase(p.id);
  if (reason == 0) {
    env_.store.MarkDelivered(p.id);
    replayed_uncommitted_ = true;
    env_.log.Log("replayed " + p.sender + " -> " + p.user + " id " + Printable(p.id, 40));
    env_.out.DeliveryStatus(p.sender, p.id, p.ref, p.user, "delivered");
  } else if (!r.stopped) {
    r.stopped = true;
    env_.log.Log("replay to " + p.user + " stopped (reason " + std::to_string(reason) +
                 "); the rest stays queued");
  }
  PumpReplay(p.user);
}

void OfflineQueue::Abandon() {
  pending_.clear();
  replays_.clear();
}

std::size_t OfflineQueue::CommitFailed() {
  std::size_t unacknowledged = stored_ids_.size();
  stored_ids_.clear();
  queued_statuses_.clear();
  replay_candidates_.clear();
  return unacknowledged;
}

void OfflineQueue::Committed() {
  if (!stored_ids_.empty()) {
    for (std::size_t i = 0; i < stored_ids_.size(); i += 500) {
      json ids = json::array();
      for (std::size_t k = i; k < stored_ids_.size() && k < i + 500; ++k)
        ids.push_back(stored_ids_[k]);
      env_.out.Control({{"op", "stored"}, {"ids", ids}});
    }
    stored_ids_.clear();
  }
  for (const QueuedStatus& q : queued_statuses_) {
    env_.out.DeliveryStatus(q.sender, q.id, q.ref, q.to, "queued");
  }
  queued_statuses_.clear();
  std::set<std::string> candidates;
  candidates.swap(replay_candidates_);
  for (const std::string& user : candidates) {
    if (inboxes_.Has(user)) StartReplay(user);
  }
}

}  // namespace imchat
