// SQL for the room tables (room_store.h). Statements are prepared on first
// use and kept; every write joins the Store's open transaction.
#include "room_store.h"

#include "store_schema.h"

namespace imchat {

namespace {
enum Statement {
  kRooms,
  kMembers,
  kLastSeqs,
  kSaveRoom,
  kDeleteRoom,
  kDeleteRoomMembers,
  kDeleteRoomMessages,
  kSaveMember,
  kDeleteMember,
  kSetCursor,
  kAddMessage,
  kAfter,
  kCountAfter,
  kSkipTo,
  kHistory,
  kFind,
};
}  // namespace

RoomStore::~RoomStore() {
  for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
}

sqlite3_stmt* RoomStore::Prepared(int which, const char* sql) {
  sqlite3_stmt*& s = statements_[which];
  if (!s && sqlite3_prepare_v3(store_.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
                SQLITE_OK) {
    s = nullptr;
  }
  return s;
}

void RoomStore::Write(sqlite3_stmt* s) {
  if (!s) {
    store_.write_error_ = sqlite3_errmsg(store_.handle());
    return;
  }
  if (sqlite3_step(s) != SQLITE_DONE) store_.write_error_ = sqlite3_errmsg(store_.handle());
  sqlite3_reset(s);
}

namespace {
// A statement that could not be prepared reads as an error, like a failed step.
Status Unprepared(sqlite3* db, const char* what) {
  return Status::Error(std::string("cannot read ") + what +
                       " from the database: " + sqlite3_errmsg(db));
}
}  // namespace

Result<std::vector<RoomRow>> RoomStore::Rooms() {
  sqlite3_stmt* s = Prepared(kRooms, "SELECT name, owner, topic, invite_only, created FROM rooms");
  if (!s) return Unprepared(store_.handle(), "the rooms");
  std::vector<RoomRow> out;
  Status read = ReadRows(store_.handle(), s, "the rooms", [&out](sqlite3_stmt* s) {
    out.push_back({ColumnBytes(s, 0), ColumnBytes(s, 1), ColumnBytes(s, 2),
                   sqlite3_column_int(s, 3) != 0, sqlite3_column_int64(s, 4)});
  });
  if (!read.ok()) return read;
  return out;
}

Result<std::vector<MemberRow>> RoomStore::Members() {
  sqlite3_stmt* s =
      Prepared(kMembers,
               "SELECT room, user, role, join_order, joined, cursor FROM room_members "
               "ORDER BY room, join_order");
  if (!s) return Unprepared(store_.handle(), "the room members");
  std::vector<MemberRow> out;
  Status read = ReadRows(store_.handle(), s, "the room members", [&out](sqlite3_stmt* s) {
    out.push_back({ColumnBytes(s, 0), ColumnBytes(s, 1), ColumnBytes(s, 2) == "owner",
                   sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4),
                   sqlite3_column_int64(s, 5)});
  });
  if (!read.ok()) return read;
  return out;
}

Result<std::vector<std::pair<std::string, std::int64_t>>> RoomStore::LastSeqs() {
  sqlite3_stmt* s = Prepared(kLastSeqs, "SELECT room, max(seq) FROM room_messages GROUP BY room");
  if (!s) return Unprepared(store_.handle(), "the room messages");
  std::vector<std::pair<std::string, std::int64_t>> out;
  Status read = ReadRows(store_.handle(), s, "the room messages", [&out](sqlite3_stmt* s) {
    out.emplace_back(ColumnBytes(s, 0), sqlite3_column_int64(s, 1));
  });
  if (!read.ok()) return read;
  return out;
}

void RoomStore::SaveRoom(const RoomRow& r) {
  store_.Begin();
  sqlite3_stmt* s = Prepared(kSaveRoom, "INSERT OR REPLACE INTO rooms VALUES(?,?,?,?,?)");
  if (s) {
    BindText(s, 1, r.name);
    BindText(s, 2, r.owner);
    BindText(s, 3, r.topic);
    sqlite3_bind_int(s, 4, r.invite_only ? 1 : 0);
    sqlite3_bind_int64(s, 5, r.created);
  }
  Write(s);
}

void RoomStore::DeleteRoom(const std::string& room) {
  store_.Begin();
  for (auto [which, sql] :
       {std::pair{kDeleteRoom, "DELETE FROM rooms WHERE name=?"},
        std::pair{kDeleteRoomMembers, "DELETE FROM room_members WHERE room=?"},
        std::pair{kDeleteRoomMessages, "DELETE FROM room_messages WHERE room=?"}}) {
    sqlite3_stmt* s = Prepared(which, sql);
    if (s) BindText(s, 1, room);
    Write(s);
  }
}

void RoomStore::SaveMember(const MemberRow& m) {
  store_.Begin();
  sqlite3_stmt* s =
      Prepared(kSaveMember, "INSERT OR REPLACE INTO room_members VALUES(?,?,?,?,?,?)");
  if (s) {
    BindText(s, 1, m.room);
    BindText(s, 2, m.user);
    BindText(s, 3, m.owner ? "owner" : "member");
    sqlite3_bind_int64(s, 4, m.join_order);
    sqlite3_bind_int64(s, 5, m.joined);
    sqlite3_bind_int64(s, 6, m.cursor);
  }
  Write(s);
}

void RoomStore::DeleteMember(const std::string& room, const std::string& user) {
  store_.Begin();
  sqlite3_stmt* s = Prepared(kDeleteMember, "DELETE FROM room_members WHERE room=? AND user=?");
  if (s) {
    BindText(s, 1, room);
    BindText(s, 2, user);
  }
  Write(s);
}

void RoomStore::SetCursor(const std::string& room, const std::string& user, std::int64_t cursor) {
  store_.Begin();
  sqlite3_stmt* s =
      Prepared(kSetCursor, "UPDATE room_members SET cursor=?3 WHERE room=?1 AND user=?2");
  if (s) {
    BindText(s, 1, room);
    BindText(s, 2, user);
    sqlite3_bind_int64(s, 3, cursor);
  }
  Write(s);
}

Store::AddResult RoomStore::AddMessage(StoredMessage* m) {
  store_.Begin();
  sqlite3_stmt* s = Prepared(kAddMessage,
                             "INSERT OR IGNORE INTO room_messages(id, room, sender, ts, body, ref) "
                             "VALUES(?,?,?,?,?,?)");
  if (!s) {
    store_.write_error_ = sqlite3_errmsg(store_.handle());
    return Store::AddResult::kError;
  }
  BindText(s, 1, m->id);
  BindText(s, 2, m->recipient);
  BindText(s, 3, m->sender);
  sqlite3_bind_int64(s, 4, m->ts);
  sqlite3_bind_blob(s, 5, m->body.data(), static_cast<int>(m->body.size()), SQLITE_TRANSIENT);
  BindText(s, 6, m->ref);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) {
    store_.write_error_ = sqlite3_errmsg(store_.handle());
    return Store::AddResult::kError;
  }
  if (sqlite3_changes(store_.handle()) == 0) return Store::AddResult::kDuplicate;
  m->seq = sqlite3_last_insert_rowid(store_.handle());
  return Store::AddResult::kAdded;
}

Result<std::vector<StoredMessage>> RoomStore::After(const std::string& room, std::int64_t after,
                                                    std::int64_t upto, int limit) {
  sqlite3_stmt* s = Prepared(kAfter,
                             "SELECT seq, id, sender, room, ts, body, ref FROM room_messages "
                             "WHERE room=?1 AND seq>?2 AND seq<=?3 ORDER BY seq LIMIT ?4");
  if (!s) return Unprepared(store_.handle(), "the room messages");
  BindText(s, 1, room);
  sqlite3_bind_int64(s, 2, after);
  sqlite3_bind_int64(s, 3, upto);
  sqlite3_bind_int(s, 4, limit);
  return ReadMessages(store_.handle(), s, "the room messages");
}

Result<std::int64_t> RoomStore::CountAfter(const std::string& room, std::int64_t after,
                                           std::int64_t upto) {
  sqlite3_stmt* s = Prepared(
      kCountAfter, "SELECT count(*) FROM room_messages WHERE room=?1 AND seq>?2 AND seq<=?3");
  if (!s) return Unprepared(store_.handle(), "the room messages");
  BindText(s, 1, room);
  sqlite3_bind_int64(s, 2, after);
  sqlite3_bind_int64(s, 3, upto);
  std::int64_t n = 0;
  Status read = ReadRows(store_.handle(), s, "the unread count",
                         [&n](sqlite3_stmt* s) { n = sqlite3_column_int64(s, 0); });
  if (!read.ok()) return read;
  return n;
}

Result<std::int64_t> RoomStore::SkipTo(const std::string& room, std::int64_t after,
                                       std::int64_t upto, int keep) {
  sqlite3_stmt* s = Prepared(kSkipTo,
                             "SELECT seq FROM room_messages WHERE room=?1 AND seq>?2 AND seq<=?3 "
                             "ORDER BY seq DESC LIMIT 1 OFFSET ?4");
  if (!s) return Unprepared(store_.handle(), "the room messages");
  BindText(s, 1, room);
  sqlite3_bind_int64(s, 2, after);
  sqlite3_bind_int64(s, 3, upto);
  sqlite3_bind_int(s, 4, keep);
  std::int64_t seq = after;  // nothing to skip
  Status read = ReadRows(store_.handle(), s, "the room messages",
                         [&seq](sqlite3_stmt* s) { seq = sqlite3_column_int64(s, 0); });
  if (!read.ok()) return read;
  return seq;
}

Result<std::vector<StoredMessage>> RoomStore::History(const std::string& room, int n,
                                                      std::int64_t before) {
  // A range of the (room, seq) index, however deep the cursor.
  sqlite3_stmt* s = Prepared(kHistory,
                             "SELECT * FROM (SELECT seq, id, sender, room, ts, body, ref "
                             "FROM room_messages WHERE room=?1 AND seq<?3 "
                             "ORDER BY seq DESC LIMIT ?2) ORDER BY seq");
  if (!s) return Unprepared(store_.handle(), "the room history");
  BindText(s, 1, room);
  sqlite3_bind_int(s, 2, n);
  sqlite3_bind_int64(s, 3, before);
  return ReadMessages(store_.handle(), s, "the room history");
}

Result<std::optional<StoredMessage>> RoomStore::Find(const std::string& id) {
  sqlite3_stmt* s =
      Prepared(kFind, "SELECT seq, id, sender, room, ts, X'' FROM room_messages WHERE id=?1");
  if (!s) return Unprepared(store_.handle(), "a room message");
  BindText(s, 1, id);
  auto found = ReadMessages(store_.handle(), s, "a room message");
  if (!found.ok()) return found.status();
  if (found->empty()) return std::optional<StoredMessage>();
  return std::optional<StoredMessage>(std::move(found->front()));
}

}  // namespace imchat
