// The rooms' tables in the daemon's database (schema 3, store_schema.cpp):
// rooms, their members (role, join order, cursor) and room messages, each
// stored once. Shares the Store's connection and its open transaction: writes
// here are committed (or rolled back) by Store::Commit() with the rest of the
// batch, and a failed write makes that commit fail (store.h).
//
// Reads return a Result naming what could not be read. Not thread-safe.
#ifndef IMCHAT_DAEMON_ROOM_STORE_H_
#define IMCHAT_DAEMON_ROOM_STORE_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "status.h"
#include "store.h"

namespace imchat {

struct RoomRow {
  std::string name, owner, topic;
  bool invite_only = false;
  std::int64_t created = 0;  // ms
};

struct MemberRow {
  std::string room, user;
  bool owner = false;
  std::int64_t join_order = 0;  // increasing over all joins: who stayed longest
  std::int64_t joined = 0;      // ms
  std::int64_t cursor = 0;      // the last room message seq delivered or skipped
};

class RoomStore {
 public:
  explicit RoomStore(Store& store) : store_(store) {}
  ~RoomStore();
  RoomStore(const RoomStore&) = delete;
  RoomStore& operator=(const RoomStore&) = delete;

  Result<std::vector<RoomRow>> Rooms();
  // Every member, by room and then join order.
  Result<std::vector<MemberRow>> Members();
  // The newest message seq of each room that has messages.
  Result<std::vector<std::pair<std::string, std::int64_t>>> LastSeqs();

  void SaveRoom(const RoomRow& r);
  // Deletes the room, its members and its messages (a room of the same name
  // created later must not show them).
  void DeleteRoom(const std::string& room);
  void SaveMember(const MemberRow& m);
  void DeleteMember(const std::string& room, const std::string& user);
  void SetCursor(const std::string& room, const std::string& user, std::int64_t cursor);

  // Stores a room message (m.recipient = the room); sets m.seq when added.
  // Idempotent by id.
  Store::AddResult AddMessage(StoredMessage* m);
  // Messages of `room` with after < seq <= upto, oldest first, at most `limit`.
  Result<std::vector<StoredMessage>> After(const std::string& room, std::int64_t after,
                                           std::int64_t upto, int limit);
  // How many messages of `room` have after < seq <= upto.
  Result<std::int64_t> CountAfter(const std::string& room, std::int64_t after, std::int64_t upto);
  // The seq of the newest message of `room` (after < seq <= upto) that is
  // older than the newest `keep` ones: what a replay capped at `keep` skips to.
  Result<std::int64_t> SkipTo(const std::string& room, std::int64_t after, std::int64_t upto,
                              int keep);
  // The last `n` messages of `room`, oldest first.
  Result<std::vector<StoredMessage>> History(const std::string& room, int n,
                                             std::int64_t before = Store::kNoCursor);
  // The room message with this id (its room in `recipient`), or nullopt when
  // there is none. The body is not read.
  Result<std::optional<StoredMessage>> Find(const std::string& id);

 private:
  sqlite3_stmt* Prepared(int which, const char* sql);
  // Runs a prepared write (bound by the caller); a failure fails the commit.
  void Write(sqlite3_stmt* s);

  Store& store_;
  sqlite3_stmt* statements_[16] = {};
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_ROOM_STORE_H_
