// SQLite behind Store: WAL journal, statements prepared once, writes batched
// into one transaction per event batch (Commit()).
#include "store.h"

#include <sqlite3.h>

#include <mutex>

#include "store_schema.h"

namespace imchat {

struct Store::Impl {
  sqlite3* db = nullptr;
  bool in_transaction = false;
  sqlite3_stmt* insert_message = nullptr;
  sqlite3_stmt* select_queue = nullptr;
  sqlite3_stmt* count_queue = nullptr;
  sqlite3_stmt* mark_delivered = nullptr;
  sqlite3_stmt* history_pair = nullptr;
  sqlite3_stmt* history_all = nullptr;
  sqlite3_stmt* find_message = nullptr;
  sqlite3_stmt* insert_block = nullptr;
  sqlite3_stmt* delete_block = nullptr;
  sqlite3_stmt* select_blocks = nullptr;
  sqlite3_stmt* select_users = nullptr;
  sqlite3_stmt* save_user = nullptr;
  sqlite3_stmt* select_meta = nullptr;
  sqlite3_stmt* save_meta = nullptr;

  ~Impl() {
    for (sqlite3_stmt* s : {insert_message, select_queue, count_queue, mark_delivered, history_pair,
                            history_all, find_message, insert_block, delete_block, select_blocks,
                            select_users, save_user, select_meta, save_meta}) {
      sqlite3_finalize(s);
    }
    if (db) {
      if (in_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(db);
    }
  }

  bool Exec(const char* sql, std::string* error) { return ExecSql(db, sql, error); }

  bool Prepare(const char* sql, sqlite3_stmt** out, std::string* error) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) != SQLITE_OK) {
      *error = sqlite3_errmsg(db);
      return false;
    }
    return true;
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() = default;

std::unique_ptr<Store> Store::Open(const std::string& path, std::string* error) {
  // One thread owns the store (store.h): SQLite's own locking and memory
  // statistics were a tenth of the service's time under load, for nothing.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  auto impl = std::make_unique<Impl>();
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    *error = "cannot open database " + path + ": " +
             (impl->db ? sqlite3_errmsg(impl->db) : "out of memory");
    return nullptr;
  }
  sqlite3_busy_timeout(impl->db, 2000);
  if (!CheckOrCreateSchema(impl->db, path, error)) return nullptr;
  std::string why;
  // NORMAL is durable in WAL mode across process crashes (kill -9); only an OS
  // crash can lose the last transactions.
  impl->Exec("PRAGMA synchronous=NORMAL", &why);
  bool ok =
      impl->Prepare(
          "INSERT OR IGNORE INTO messages(id, sender, recipient, ts, body, pending, ref) "
          "VALUES(?,?,?,?,?,?,?)",
          &impl->insert_message, &why) &&
      impl->Prepare(
          "SELECT seq, id, sender, recipient, ts, body, ref FROM messages "
          "WHERE recipient=?1 AND pending=1 ORDER BY ts, seq LIMIT ?2",
          &impl->select_queue, &why) &&
      impl->Prepare("SELECT count(*) FROM messages WHERE recipient=? AND pending=1",
                    &impl->count_queue, &why) &&
      impl->Prepare("UPDATE messages SET pending=0 WHERE id=?", &impl->mark_delivered, &why) &&
      impl->Prepare(
          // Two searches of the pair index merged by seq (an OR is not planned
          // on a partial index); the second is skipped for a user's notes to self.
          "SELECT * FROM (SELECT seq, id, sender, recipient, ts, body FROM messages "
          "WHERE sender=?1 AND recipient=?2 AND recipient<>'' AND seq<?4 UNION ALL "
          "SELECT seq, id, sender, recipient, ts, body FROM messages "
          "WHERE sender=?2 AND recipient=?1 AND recipient<>'' AND ?1<>?2 AND seq<?4 "
          "ORDER BY seq DESC LIMIT ?3) ORDER BY seq",
          &impl->history_pair, &why) &&
      impl->Prepare(
          "SELECT * FROM (SELECT seq, id, sender, recipient, ts, body FROM messages "
          "WHERE recipient='' AND seq<?2 ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
          &impl->history_all, &why) &&
      impl->Prepare("SELECT seq, id, sender, recipient, ts, X'' FROM messages WHERE id=?",
                    &impl->find_message, &why) &&
      impl->Prepare("INSERT OR IGNORE INTO blocks VALUES(?,?)", &impl->insert_block, &why) &&
      impl->Prepare("DELETE FROM blocks WHERE blocker=? AND blocked=?", &impl->delete_block,
                    &why) &&
      impl->Prepare("SELECT blocker, blocked FROM blocks ORDER BY 1, 2", &impl->select_blocks,
                    &why) &&
      impl->Prepare("SELECT name, display, last_seen, online, since FROM users",
                    &impl->select_users, &why) &&
      impl->Prepare("INSERT OR REPLACE INTO users VALUES(?,?,?,?,?)", &impl->save_user, &why) &&
      impl->Prepare("SELECT value FROM meta WHERE key=?", &impl->select_meta, &why) &&
      impl->Prepare("INSERT OR REPLACE INTO meta VALUES(?,?)", &impl->save_meta, &why);
  if (!ok) {
    *error = "database " + path + ": " + why;
    return nullptr;
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

sqlite3* Store::handle() const { return impl_->db; }

void Store::Begin() {
  if (impl_->in_transaction) return;
  std::string why;
  if (impl_->Exec("BEGIN IMMEDIATE", &why)) {
    impl_->in_transaction = true;
  } else {
    write_error_ = why;
  }
}

Store::AddResult Store::AddMessage(const StoredMessage& m, bool queue) {
  Begin();
  sqlite3_stmt* s = impl_->insert_message;
  BindText(s, 1, m.id);
  BindText(s, 2, m.sender);
  BindText(s, 3, m.recipient);
  sqlite3_bind_int64(s, 4, m.ts);
  sqlite3_bind_blob(s, 5, m.body.data(), static_cast<int>(m.body.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int(s, 6, queue ? 1 : 0);
  BindText(s, 7, m.ref);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) {
    write_error_ = sqlite3_errmsg(impl_->db);
    return AddResult::kError;
  }
  return sqlite3_changes(impl_->db) > 0 ? AddResult::kAdded : AddResult::kDuplicate;
}

Result<std::vector<StoredMessage>> Store::Queue(const std::string& recipient, int limit) {
  BindText(impl_->select_queue, 1, recipient);
  sqlite3_bind_int(impl_->select_queue, 2, limit);
  return ReadMessages(impl_->db, impl_->select_queue, "the offline queue");
}

Result<int> Store::QueueSize(const std::string& recipient) {
  sqlite3_stmt* s = impl_->count_queue;
  BindText(s, 1, recipient);
  int n = 0;
  Status read = ReadRows(impl_->db, s, "the offline queue's size",
                         [&n](sqlite3_stmt* s) { n = sqlite3_column_int(s, 0); });
  if (!read.ok()) return read;
  return n;
}

void Store::MarkDelivered(const std::string& id) {
  Begin();
  BindText(impl_->mark_delivered, 1, id);
  if (sqlite3_step(impl_->mark_delivered) != SQLITE_DONE) {
    write_error_ = sqlite3_errmsg(impl_->db);
  }
  sqlite3_reset(impl_->mark_delivered);
}

Result<std::vector<StoredMessage>> Store::History(const std::string& a, const std::string& b, int n,
                                                  std::int64_t before) {
  if (b.empty()) {
    sqlite3_bind_int(impl_->history_all, 1, n);
    sqlite3_bind_int64(impl_->history_all, 2, before);
    return ReadMessages(impl_->db, impl_->history_all, "the broadcast history");
  }
  BindText(impl_->history_pair, 1, a);
  BindText(impl_->history_pair, 2, b);
  sqlite3_bind_int(impl_->history_pair, 3, n);
  sqlite3_bind_int64(impl_->history_pair, 4, before);
  return ReadMessages(impl_->db, impl_->history_pair, "the message history");
}

Result<std::optional<StoredMessage>> Store::Find(const std::string& id) {
  BindText(impl_->find_message, 1, id);
  auto found = ReadMessages(impl_->db, impl_->find_message, "a message");
  if (!found.ok()) return found.status();
  if (found->empty()) return std::optional<StoredMessage>();
  return std::optional<StoredMessage>(std::move(found->front()));
}

void Store::SetBlock(const std::string& blocker, const std::string& blocked, bool on) {
  Begin();
  sqlite3_stmt* s = on ? impl_->insert_block : impl_->delete_block;
  BindText(s, 1, blocker);
  BindText(s, 2, blocked);
  if (sqlite3_step(s) != SQLITE_DONE) write_error_ = sqlite3_errmsg(impl_->db);
  sqlite3_reset(s);
}

Result<std::vector<std::pair<std::string, std::string>>> Store::Blocks() {
  std::vector<std::pair<std::string, std::string>> out;
  Status read = ReadRows(impl_->db, impl_->select_blocks, "the blocks", [&out](sqlite3_stmt* s) {
    out.emplace_back(ColumnBytes(s, 0), ColumnBytes(s, 1));
  });
  if (!read.ok()) return read;
  return out;
}

Result<std::vector<UserRecord>> Store::Users() {
  std::vector<UserRecord> out;
  Status read = ReadRows(impl_->db, impl_->select_users, "the users", [&out](sqlite3_stmt* s) {
    UserRecord u;
    u.name = ColumnBytes(s, 0);
    u.display = ColumnBytes(s, 1);
    u.last_seen = sqlite3_column_int64(s, 2);
    u.online = sqlite3_column_int(s, 3) != 0;
    u.since = sqlite3_column_int64(s, 4);
    out.push_back(std::move(u));
  });
  if (!read.ok()) return read;
  return out;
}

void Store::SaveUser(const UserRecord& u) {
  Begin();
  sqlite3_stmt* s = impl_->save_user;
  BindText(s, 1, u.name);
  BindText(s, 2, u.display);
  sqlite3_bind_int64(s, 3, u.last_seen);
  sqlite3_bind_int(s, 4, u.online ? 1 : 0);
  sqlite3_bind_int64(s, 5, u.since);
  if (sqlite3_step(s) != SQLITE_DONE) write_error_ = sqlite3_errmsg(impl_->db);
  sqlite3_reset(s);
}

Result<std::int64_t> Store::MetaInt(const std::string& key) {
  sqlite3_stmt* s = impl_->select_meta;
  BindText(s, 1, key);
  std::int64_t v = 0;
  Status read = ReadRows(impl_->db, s, "the meta table",
                         [&v](sqlite3_stmt* s) { v = sqlite3_column_int64(s, 0); });
  if (!read.ok()) return read;
  return v;
}

void Store::SetMetaInt(const std::string& key, std::int64_t value) {
  Begin();
  sqlite3_stmt* s = impl_->save_meta;
  BindText(s, 1, key);
  std::string text = std::to_string(value);
  BindText(s, 2, text);
  if (sqlite3_step(s) != SQLITE_DONE) write_error_ = sqlite3_errmsg(impl_->db);
  sqlite3_reset(s);
}

Status Store::Commit() {
  if (!impl_->in_transaction) {
    if (!write_error_.empty()) {
      Status error = Status::Error(write_error_);
      write_error_.clear();
      return error;
    }
    return Status::Ok();
  }
  impl_->in_transaction = false;
  std::string why;
  if (!write_error_.empty() || !impl_->Exec("COMMIT", &why)) {
    Status error = Status::Error(write_error_.empty() ? why : write_error_);
    write_error_.clear();
    impl_->Exec("ROLLBACK", &why);
    return error;
  }
  return Status::Ok();
}

}  // namespace imchat
