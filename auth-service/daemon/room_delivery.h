// Room messages in the service (topics.md, "Rooms"): each one from the
// archive stream is stored once, its sender gets a `sent` status (after the
// commit, like `queued`) counting the other members with an inbox now (`live`)
// and the rest (`later`), and the cursor of every member who got it live (an
// inbox connection when it was archived; the plugin flushes the stream before
// each inbox event, so this is exact) moves past it.
//
// The replay at a member's inbox event: for each of their rooms, the messages
// after their cursor up to the room's newest at that moment, oldest first, at
// most the newest `replay_cap` (a `skipped` notice first counts the rest, and
// the cursor skips them), published to im/room/<room>/<sender> with `queued=1`
// and `for=<member>` (the plugin delivers it to that member only), at most
// `replay_window` in flight. A PUBACK with reason 0 advances the cursor
// (never past a message still in flight); anything else (0x10: the member had
// no subscription for it, a refusal, not sent) stops that member's replay
// until their next inbox, so nothing is lost, and a crash resends at most the
// window. Messages said live during the replay are not replayed again: the
// cursor jumps past them when the room's replay ends. Messages from a sender
// the member blocks are skipped.
#ifndef IMCHAT_DAEMON_ROOM_DELIVERY_H_
#define IMCHAT_DAEMON_ROOM_DELIVERY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "archive_stream.h"
#include "blocks.h"
#include "inbox_connections.h"
#include "room_store.h"
#include "rooms.h"
#include "service_env.h"

namespace imchat {

class RoomDelivery {
 public:
  // PUBACK tags of room replays start here (the OfflineQueue's stay below).
  static constexpr std::uint64_t kFirstTag = 1ULL << 62;

  RoomDelivery(const ServiceEnv& env, Rooms& rooms, RoomStore& store,
               const InboxConnections& inboxes, const BlockSet& blocks, int replay_window,
               int replay_cap)
      : env_(env),
        rooms_(rooms),
        store_(store),
        inboxes_(inboxes),
        blocks_(blocks),
        replay_window_(replay_window),
        replay_cap_(replay_cap) {}

  // A room record of the archive stream (from = sender, to = room).
  void OnMessage(const ArchiveRecord& m);
  // Replays `user`'s rooms (or again after the running replay).
  void StartReplay(const std::string& user);
  // The PUBACK of `tag`; false when the tag is not a room replay's.
  bool OnPublished(std::uint64_t tag, int reason);
  // The broker connection is lost: replays in flight are abandoned.
  void Abandon();

  bool CommitUrgent() const { return !sent_.empty() || replayed_uncommitted_; }
  // Writes the moved cursors into the batch.
  void BeforeCommit();
  void CommitFailed() { sent_.clear(); }
  // Sends the `sent` statuses of the committed messages.
  void Committed();

 private:
  struct Run {  // one room of a member's replay
    std::string room;
    std::int64_t next_after = 0;  // the last seq fetched
    std::int64_t end = 0;         // the room's newest seq when the replay began
    bool fetched_all = false;
    std::set<std::int64_t> inflight, acked;
  };
  struct Replay {
    bool active = false;
    bool again = false;                                      // a new inbox meanwhile
    std::vector<std::pair<std::string, std::int64_t>> todo;  // (room, end)
    std::map<std::string, std::int64_t> live_max;            // seqs got live meanwhile, by room
    std::optional<Run> run;
  };
  struct Pending {
    std::string user, room;
    std::int64_t seq;
  };
  struct Sent {
    std::string sender, room, id, ref;
    int live, later;
  };

  // `user` got `seq` of `room` live.
  void Delivered(const std::string& user, const std::string& room, std::int64_t seq);
  void Pump(const std::string& user);
  // Starts the run of one room; false when there is nothing to replay.
  bool BeginRun(const std::string& user, const std::string& room, std::int64_t end, Replay& rp);
  void Fetch(const std::string& user, Replay& rp);
  // Moves the cursor over the acknowledged messages before the first in flight.
  void Advance(const std::string& user, Run& run);
  void Stop(const std::string& user, const std::string& why);

  ServiceEnv env_;
  Rooms& rooms_;
  RoomStore& store_;
  const InboxConnections& inboxes_;
  const BlockSet& blocks_;
  int replay_window_;
  int replay_cap_;
  std::map<std::string, Replay> replays_;
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_tag_ = kFirstTag;
  std::vector<Sent> sent_;  // waiting for the commit
  bool replayed_uncommitted_ = false;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_ROOM_DELIVERY_H_
