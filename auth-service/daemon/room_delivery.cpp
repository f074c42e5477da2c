// Storing room messages, the live cursors and the windowed replay
// (room_delivery.h).
#include "room_delivery.h"

#include "names.h"
#include "topics.h"

namespace imchat {

using nlohmann::json;

void RoomDelivery::OnMessage(const ArchiveRecord& m) {
  const Room* r = rooms_.Find(m.to);
  // The plugin checked membership; a leave or close can still have come
  // between its check and this record.
  if (!r || !r->Member(m.from)) {
    env_.log.Log("room message from " + m.from + " to #" + m.to + " id " + Printable(m.id, 40) +
                 " dropped: " + (r ? "the sender is no longer a member" : "no such room"));
    return;
  }
  StoredMessage sm{0, m.id, m.from, m.to, m.ts, m.body, m.ref};
  Store::AddResult added = store_.AddMessage(&sm);
  std::string line = "room message " + m.from + " -> #" + m.to + " " +
                     std::to_string(m.body.size()) + " bytes id " + Printable(m.id, 40);
  if (added == Store::AddResult::kError) line += " [store error: " + env_.store.write_error() + "]";
  if (added == Store::AddResult::kDuplicate) line += " (duplicate)";
  env_.log.Log(line);
  if (added != Store::AddResult::kAdded) return;
  rooms_.MessageStored(m.to, sm.seq);
  int live = 0, later = 0;
  for (const RoomMember& member : r->members) {
    bool inbox = inboxes_.Has(member.user);
    if (member.user != m.from) ++(inbox ? live : later);
    if (inbox || member.user == m.from) Delivered(member.user, m.to, sm.seq);
  }
  sent_.push_back({m.from, m.to, m.id, m.ref, live, later});
}

void RoomDelivery::Delivered(const std::string& user, const std::string& room, std::int64_t seq) {
  auto it = replays_.find(user);
  if (it != replays_.end() && it->second.active) {
    // The replay of this room may still be on its way: jump at its end.
    bool pending = it->second.run && it->second.run->room == room;
    for (const auto& [r, end] : it->second.todo) pending = pending || r == room;
    if (pending) {
      it->second.live_max[room] = seq;
      return;
    }
  }
  rooms_.AdvanceCursor(room, user, seq);
}

void RoomDelivery::StartReplay(const std::string& user) {
  Replay& rp = replays_[user];
  if (rp.active) {
    rp.again = true;
    return;
  }
  rp = Replay{};
  for (const Room* r : rooms_.Of(user)) {
    const RoomMember* m = r->Member(user);
    if (m && m->cursor < r->last_seq) rp.todo.emplace_back(r->name, r->last_seq);
  }
  if (rp.todo.empty()) return;
  rp.active = true;
  Pump(user);
}

void RoomDelivery::Pump(const std::string& user) {
  Replay& rp = replays_[user];
  while (rp.active) {
    if (!rp.run) {
      if (rp.todo.empty()) {
        rp.active = false;
        if (rp.again && inboxes_.Has(user)) StartReplay(user);
        return;
      }
      auto [room, end] = rp.todo.front();
      rp.todo.erase(rp.todo.begin());
      if (!BeginRun(user, room, end, rp)) continue;
    }
    Run& run = *rp.run;
    if (!run.fetched_all && static_cast<int>(run.inflight.size()) <= replay_window_ / 2) {
      Fetch(user, rp);
      if (!rp.active) return;  // stopped by a read error
    }
    if (run.fetched_all && run.inflight.empty()) {
      // Also past what the member got live meanwhile.
      std::int64_t to = std::max(run.end, rp.live_max[run.room]);
      rooms_.AdvanceCursor(run.room, user, to);
      rp.run.reset();
      continue;
    }
    if (!run.inflight.empty()) return;  // the PUBACKs pump again
  }
}

bool RoomDelivery::BeginRun(const std::string& user, const std::string& room, std::int64_t end,
                            Replay& rp) {
  const Room* r = rooms_.Find(room);
  const RoomMember* m = r ? r->Member(user) : nullptr;
  if (!m) return false;  // left meanwhile
  std::int64_t cursor = m->cursor;
  auto count = store_.CountAfter(room, cursor, end);
  auto skip_to = count.ok() && *count > replay_cap_ ? store_.SkipTo(room, cursor, end, replay_cap_)
                                                    : Result<std::int64_t>(cursor);
  if (!count.ok() || !skip_to.ok()) {
    Stop(user, (count.ok() ? skip_to : Result<std::int64_t>(count.status())).message());
    return false;
  }
  if (*skip_to > cursor) {
    std::int64_t skipped = *count - replay_cap_;
    std::string n = std::to_string(skipped);
    env_.out.Reply(user, {{"type", "notice"},
                          {"event", "skipped"},
                          {"room", room},
                          {"count", skipped},
                          {"text", n + (skipped == 1 ? " older message" : " older messages") +
                                       " in #" + room + (skipped == 1 ? " was" : " were") +
                                       " skipped; /history #" + room + " has them"}});
    rooms_.AdvanceCursor(room, user, *skip_to);
    replayed_uncommitted_ = true;
    cursor = *skip_to;
  }
  rp.run = Run{room, cursor, end, false, {}, {}};
  return true;
}

void RoomDelivery::Fetch(const std::string& user, Replay& rp) {
  Run& run = *rp.run;
  for (;;) {
    int want = replay_window_ - static_cast<int>(run.inflight.size());
    auto batch = store_.After(run.room, run.next_after, run.end, want);
    if (!batch.ok()) {
      Stop(user, batch.message());
      return;
    }
    if (static_cast<int>(batch->size()) < want) run.fetched_all = true;
    for (const StoredMessage& m : *batch) {
      run.next_after = m.seq;
      if (blocks_.Blocks(user, m.sender)) {  // the plugin would not deliver it
        run.acked.insert(m.seq);
        continue;
      }
      std::uint64_t tag = next_tag_++;
      pending_[tag] = {user, run.room, m.seq};
      run.inflight.insert(m.seq);
      env_.out.link().Publish(
          RoomFromTopic(run.room, m.sender), m.body, 1, false,
          {{"id", m.id}, {"ts", std::to_string(m.ts)}, {"queued", "1"}, {"for", user}}, tag, {});
    }
    Advance(user, run);
    // Only skipped messages so far: read on rather than wait for PUBACKs.
    if (!run.inflight.empty() || run.fetched_all) return;
  }
}

void RoomDelivery::Advance(const std::string& user, Run& run) {
  while (!run.acked.empty() &&
         (run.inflight.empty() || *run.acked.begin() < *run.inflight.begin())) {
    rooms_.AdvanceCursor(run.room, user, *run.acked.begin());
    run.acked.erase(run.acked.begin());
    replayed_uncommitted_ = true;
  }
}

bool RoomDelivery::OnPublished(std::uint64_t tag, int reason) {
  if (tag < kFirstTag) return false;
  auto it = pending_.find(tag);
  if (it == pending_.end()) return true;
  Pending p = it->second;
  pending_.erase(it);
  Replay& rp = replays_[p.user];
  if (!rp.active || !rp.run || rp.run->room != p.room || !rp.run->inflight.count(p.seq)) {
    return true;  // from a replay that was stopped
  }
  Run& run = *rp.run;
  run.inflight.erase(p.seq);
  if (reason != 0) {
    Stop(p.user, "reason " + std::to_string(reason) + " for a message of #" + p.room);
    return true;
  }
  run.acked.insert(p.seq);
  Advance(p.user, run);
  Pump(p.user);
  return true;
}

void RoomDelivery::Stop(const std::string& user, const std::string& why) {
  env_.log.Log("room replay to " + user + " stopped (" + why +
               "); the rest is replayed at their next login");
  replays_[user] = Replay{};
}

void RoomDelivery::Abandon() {
  pending_.clear();
  replays_.clear();
}

void RoomDelivery::BeforeCommit() {
  rooms_.FlushCursors();
  replayed_uncommitted_ = false;
}

void RoomDelivery::Committed() {
  for (const Sent& s : sent_) {
    json j = {{"type", "status"}, {"status", "sent"}, {"room", s.room}, {"id", s.id}};
    if (!s.ref.empty()) j["ref"] = s.ref;
    j["live"] = s.live;
    j["later"] = s.later;
    j["text"] = "sent to #" + s.room + ": " + std::to_string(s.live) + " now, " +
                std::to_string(s.later) + " at their next login";
    env_.out.Reply(s.sender, j);
  }
  sent_.clear();
}

}  // namespace imchat
