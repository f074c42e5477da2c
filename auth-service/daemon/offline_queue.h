// The offline queue in the service: direct messages for a user without a
// connected inbox, and their replay.
//
// Contract (with Service::EndBatch): a queued message is acknowledged to the
// plugin (`stored`, which lets the plugin forget it) and reported to its
// sender (`queued`) only after the batch that stored it was committed; when
// the commit fails neither is sent and the plugin resends the message later.
// A message the store could not take is never acknowledged.
//
// The replay publishes at most `replay_window` queued messages per recipient
// at a time (QoS 1, each with a PUBACK tag), in queue order; a PUBACK marks
// the message delivered and sends `delivered` to its sender; a refusal stops
// the replay (the rest stays queued until the user's next inbox).
#ifndef IMCHAT_DAEMON_OFFLINE_QUEUE_H_
#define IMCHAT_DAEMON_OFFLINE_QUEUE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "archive_stream.h"
#include "inbox_connections.h"
#include "service_env.h"

namespace imchat {

class OfflineQueue {
 public:
  OfflineQueue(const ServiceEnv& env, const InboxConnections& inboxes, int replay_window)
      : env_(env), inboxes_(inboxes), replay_window_(replay_window) {}

  // The offline message `m` was given to the store, which answered `r`:
  // kAdded and kDuplicate (a resend) are acknowledged after the commit, only
  // kAdded also gets a `queued` status; the recipient's replay starts then.
  void Stored(const ArchiveRecord& m, Store::AddResult r);
  // Replays `user`'s queue (or, when a replay is running, again after it).
  void StartReplay(const std::string& user);
  // The PUBACK of publication `tag` with MQTT reason code `reason`.
  void OnPublished(std::uint64_t tag, int reason);
  // The broker connection is lost: replays in flight are abandoned (what was
  // not acknowledged stays queued).
  void Abandon();

  // True when uncommitted work holds acks, statuses or replay deliveries.
  bool CommitUrgent() const {
    return !stored_ids_.empty() || !queued_statuses_.empty() || replayed_uncommitted_;
  }
  // Called just before the store commits.
  void BeforeCommit() { replayed_uncommitted_ = false; }
  // The commit failed: drops what waited for it; returns how many messages
  // were left unacknowledged (the plugin resends them).
  std::size_t CommitFailed();
  // The commit succeeded: sends the acks and `queued` statuses, then starts
  // the replays to recipients with an inbox.
  void Committed();

 private:
  struct Replay {
    bool active = false;
    bool stopped = false;            // a replay publish was refused: wait for the next login
    bool again = false;              // the user became ready again during a replay
    std::set<std::string> inflight;  // ids published, PUBACK pending
  };
  struct Pending {  // a replayed message awaiting its PUBACK
    std::string user, id, sender, ref;
  };
  struct QueuedStatus {
    std::string sender, id, ref, to;
  };

  void PumpReplay(const std::string& user);

  ServiceEnv env_;
  const InboxConnections& inboxes_;
  int replay_window_;
  std::map<std::string, Replay> replays_;
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_tag_ = 1;
  // Waiting for the commit.
  std::vector<std::string> stored_ids_;
  std::vector<QueuedStatus> queued_statuses_;
  std::set<std::string> replay_candidates_;  // got queued messages in this batch
  bool replayed_uncommitted_ = false;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_OFFLINE_QUEUE_H_
