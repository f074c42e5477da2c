// The daemon's SQLite database (data/imchat.db): the message archive, the
// offline queue, blocks, display names and last-seen times.
//
// Contract: Open() refuses (returns an error, never rewrites) a file that is
// not an imchat database of a known schema version, or that fails an
// integrity check; an older schema (1 or 2) is upgraded in one transaction (all
// or nothing), saying so on stderr. Writes go into one open transaction that the caller ends
// with Commit(); nothing counts as stored before Commit() returned ok.
//
// Errors: a read returns a Result whose error names what could not be read
// and SQLite's reason; a write that fails (SetBlock, SaveUser, MarkDelivered,
// SetMetaInt; AddMessage also says kError) makes the next Commit() fail with
// that write's error, so the whole batch is reported and rolled back together.
// Not thread-safe: one thread owns the store.
#ifndef IMCHAT_DAEMON_STORE_H_
#define IMCHAT_DAEMON_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "status.h"

struct sqlite3;

namespace imchat {

struct StoredMessage {
  std::int64_t seq = 0;  // send order (insertion order)
  std::string id;        // the broker's message id
  std::string sender;
  std::string recipient;  // "" for a broadcast
  std::int64_t ts = 0;    // ms since the epoch, from the broker
  std::string body;       // exact bytes
  std::string ref;        // the sender's `ref` property, echoed in statuses
};

struct UserRecord {
  std::string name;
  std::string display;
  std::int64_t last_seen = 0;  // ms; when the user was last online
  bool online = false;         // the state last published
  std::int64_t since = 0;
};

class Store {
 public:
  // Opens or creates `path`. On failure returns nullptr and sets `*error`.
  static std::unique_ptr<Store> Open(const std::string& path, std::string* error);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  enum class AddResult { kAdded, kDuplicate, kError };
  // Archives a message; with `queue` it is also put on the recipient's
  // offline queue. Idempotent by id (kDuplicate when the id was known).
  AddResult AddMessage(const StoredMessage& m, bool queue);
  // The first `limit` messages of the recipient's undelivered queue in send
  // order: by the broker's time stamp, then arrival (a message the plugin
  // resent after a service crash arrives late but keeps its place).
  Result<std::vector<StoredMessage>> Queue(const std::string& recipient, int limit);
  Result<int> QueueSize(const std::string& recipient);
  void MarkDelivered(const std::string& id);
  // Last `n` messages between a and b (both directions), oldest first; with
  // b == "" the last n broadcasts. Only messages with seq < `before` (a
  // cursor: the seq of a message found with Find). Each page is a range
  // read of an index (the pair index, or the broadcast index), at any depth.
  Result<std::vector<StoredMessage>> History(const std::string& a, const std::string& b, int n,
                                             std::int64_t before = kNoCursor);
  // The archived direct message or broadcast with this id (the id index), or
  // nullopt when there is none. The body is not read.
  Result<std::optional<StoredMessage>> Find(const std::string& id);
  // A cursor before every message.
  static constexpr std::int64_t kNoCursor = INT64_MAX;

  void SetBlock(const std::string& blocker, const std::string& blocked, bool on);
  // Every (blocker, blocked) pair, sorted.
  Result<std::vector<std::pair<std::string, std::string>>> Blocks();

  Result<std::vector<UserRecord>> Users();
  void SaveUser(const UserRecord& u);

  // A number kept in the meta table (0 when absent), e.g. "alive": the last
  // time the service was known to be listening.
  Result<std::int64_t> MetaInt(const std::string& key);
  void SetMetaInt(const std::string& key, std::int64_t value);

  // Ends the open transaction. An error (a failed write since the last
  // commit, or the COMMIT itself) means the writes since the last successful
  // commit are lost.
  Status Commit();
  // The last write error since the previous Commit(), if any.
  const std::string& write_error() const { return write_error_; }

 private:
  friend class RoomStore;  // the room tables (room_store.h) share the connection and transaction
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  void Begin();
  sqlite3* handle() const;
  std::unique_ptr<Impl> impl_;
  std::string write_error_;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_STORE_H_
