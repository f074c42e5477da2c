// The store's schema: creating it in a new file, recognising an imchat
// database of a known version, and upgrading versions 1 and 2 (store_schema.h).
#include "store_schema.h"

#include <cstdio>

namespace imchat {

bool ExecSql(sqlite3* db, const char* sql, std::string* error) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    *error = msg ? msg : sqlite3_errmsg(db);
    sqlite3_free(msg);
    return false;
  }
  return true;
}

std::string ColumnBytes(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

void BindText(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

Status ReadError(sqlite3* db, const char* what, int rc) {
  return Status::Error(std::string("cannot read ") + what + " from the database: " +
                       sqlite3_errstr(rc) + " (" + sqlite3_errmsg(db) + ")");
}

Result<std::vector<StoredMessage>> ReadMessages(sqlite3* db, sqlite3_stmt* s, const char* what) {
  std::vector<StoredMessage> out;
  Status read = ReadRows(db, s, what, [&out](sqlite3_stmt* s) {
    StoredMessage m;
    m.seq = sqlite3_column_int64(s, 0);
    m.id = ColumnBytes(s, 1);
    m.sender = ColumnBytes(s, 2);
    m.recipient = ColumnBytes(s, 3);
    m.ts = sqlite3_column_int64(s, 4);
    m.body = ColumnBytes(s, 5);
    if (sqlite3_column_count(s) > 6) m.ref = ColumnBytes(s, 6);
    out.push_back(std::move(m));
  });
  if (!read.ok()) return read;
  return out;
}

namespace {

constexpr int kSchemaVersion = 3;
constexpr const char* kApplication = "imchat";

// Version 2: every message row is written to as few b-trees as its queries
// need. Version 1 put every row in four (AUTOINCREMENT's sqlite_sequence, the
// id, a queue index and a pair index); archiving was most of the service's
// work under load. Now a live direct message touches the table, the id index
// and the pair index; a broadcast the room index instead of the pair index;
// only queued messages are in the queue index.
constexpr const char* kMessagesV2 = R"sql(
CREATE TABLE messages(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  ts INTEGER NOT NULL,
  body BLOB NOT NULL,
  ref TEXT NOT NULL DEFAULT '',
  pending INTEGER NOT NULL DEFAULT 0);
)sql";
constexpr const char* kIndexesV2 = R"sql(
CREATE INDEX messages_queue ON messages(recipient, ts, seq) WHERE pending=1;
CREATE INDEX messages_pair ON messages(sender, recipient, seq) WHERE recipient<>'';
CREATE INDEX messages_room ON messages(seq) WHERE recipient='';
)sql";
constexpr const char* kOtherTables = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE blocks(blocker TEXT NOT NULL, blocked TEXT NOT NULL, PRIMARY KEY(blocker, blocked));
CREATE TABLE users(name TEXT PRIMARY KEY, display TEXT NOT NULL DEFAULT '',
  last_seen INTEGER NOT NULL DEFAULT 0, online INTEGER NOT NULL DEFAULT 0,
  since INTEGER NOT NULL DEFAULT 0);
)sql";
// Version 3 adds rooms. A room message is stored once (room_messages), never
// once per member: each member has a cursor, the last room message seq
// delivered to them or skipped, and a replay reads the room's messages after
// it (the (room, seq) index). seq is shared by all rooms, so a cursor never
// goes back when a room's messages are deleted with the room.
constexpr const char* kRoomTables = R"sql(
CREATE TABLE rooms(name TEXT PRIMARY KEY, owner TEXT NOT NULL, topic TEXT NOT NULL DEFAULT '',
  invite_only INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);
CREATE TABLE room_members(room TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL,
  join_order INTEGER NOT NULL, joined INTEGER NOT NULL, cursor INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(room, user));
CREATE TABLE room_messages(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, room TEXT NOT NULL,
  sender TEXT NOT NULL, ts INTEGER NOT NULL, body BLOB NOT NULL, ref TEXT NOT NULL DEFAULT '');
CREATE INDEX room_messages_room ON room_messages(room, seq);
)sql";
// Version 1 -> 2 in one transaction: rows keep their seq, so history order
// and queue order are unchanged.
constexpr const char* kMigrateV1 = R"sql(
ALTER TABLE messages RENAME TO messages_v1;
DROP INDEX IF EXISTS messages_pending;
DROP INDEX IF EXISTS messages_pair;
)sql";
constexpr const char* kCopyV1 = R"sql(
INSERT INTO messages(seq, id, sender, recipient, ts, body, ref, pending)
  SELECT seq, id, sender, recipient, ts, body, ref, pending FROM messages_v1 ORDER BY seq;
DROP TABLE messages_v1;
UPDATE meta SET value='2' WHERE key='schema_version';
)sql";

// Rewrites a version 1 database as version 2 (all or nothing).
bool MigrateV1(sqlite3* db, const std::string& path, std::string* error) {
  std::int64_t rows = 0;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM messages", -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    rows = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  // Seconds for millions of messages: say so, the service is not hanging.
  std::fprintf(stderr, "imchat-service: upgrading %s from schema 1 to 2 (%lld messages)...\n",
               path.c_str(), static_cast<long long>(rows));
  std::string why;
  std::string sql =
      std::string("BEGIN IMMEDIATE;") + kMigrateV1 + kMessagesV2 + kCopyV1 + kIndexesV2 + "COMMIT;";
  if (!ExecSql(db, sql.c_str(), &why)) {
    ExecSql(db, "ROLLBACK", &why);
    *error =
        "cannot upgrade " + path + " from schema 1 to 2: " + why + " (the database is unchanged)";
    return false;
  }
  std::fprintf(stderr, "imchat-service: %s upgraded to schema 2\n", path.c_str());
  return true;
}

// Adds the room tables to a version 2 database (all or nothing); the
// messages are not touched, so this is quick at any size.
bool MigrateV2(sqlite3* db, const std::string& path, std::string* error) {
  std::string why;
  std::string sql = std::string("BEGIN IMMEDIATE;") + kRoomTables +
                    "UPDATE meta SET value='3' WHERE key='schema_version';COMMIT;";
  if (!ExecSql(db, sql.c_str(), &why)) {
    ExecSql(db, "ROLLBACK", &why);
    *error =
        "cannot upgrade " + path + " from schema 2 to 3: " + why + " (the database is unchanged)";
    return false;
  }
  std::fprintf(stderr, "imchat-service: %s upgraded to schema 3 (rooms)\n", path.c_str());
  return true;
}

}  // namespace

bool CheckOrCreateSchema(sqlite3* db, const std::string& path, std::string* error) {
  std::string why;
  if (!ExecSql(db, "PRAGMA quick_check", &why)) {
    *error = path + " is not a readable SQLite database (" + why + ")";
    return false;
  }
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, nullptr) != SQLITE_OK) {
    *error = path + " is not a readable SQLite database (" + sqlite3_errmsg(db) + ")";
    return false;
  }
  std::string check;
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) check = ColumnBytes(s, 0);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW || check != "ok") {
    *error = path + " is corrupt (integrity check: " +
             (check.empty() ? std::string(sqlite3_errmsg(db)) : check) + ")";
    return false;
  }
  int tables = 0;
  s = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    tables = sqlite3_column_int(s, 0);
  }
  sqlite3_finalize(s);
  if (tables == 0) {
    if (!ExecSql(db, "PRAGMA journal_mode=WAL", error)) return false;
    std::string sql = std::string("BEGIN;") + kOtherTables + kMessagesV2 + kIndexesV2 +
                      kRoomTables + "INSERT INTO meta VALUES('application','" + kApplication +
                      "');INSERT INTO meta VALUES('schema_version','" +
                      std::to_string(kSchemaVersion) + "');COMMIT;";
    if (!ExecSql(db, sql.c_str(), &why)) {
      *error = "cannot create the schema in " + path + ": " + why;
      return false;
    }
    return true;
  }
  std::string app, version;
  s = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta", -1, &s, nullptr) != SQLITE_OK) {
    *error = path + " is a SQLite database but not an imchat one (no meta table)";
    return false;
  }
  while (sqlite3_step(s) == SQLITE_ROW) {
    std::string key = ColumnBytes(s, 0);
    if (key == "application") app = ColumnBytes(s, 1);
    if (key == "schema_version") version = ColumnBytes(s, 1);
  }
  sqlite3_finalize(s);
  if (app != kApplication) {
    *error = path + " is a SQLite database but not an imchat one";
    return false;
  }
  if (version == "1") {
    if (!MigrateV1(db, path, error)) return false;
    version = "2";
  }
  if (version == "2") {
    if (!MigrateV2(db, path, error)) return false;
    version = "3";
  }
  if (version != std::to_string(kSchemaVersion)) {
    *error = path + " has schema version '" + version + "'; this imchat-service needs " +
             std::to_string(kSchemaVersion);
    return false;
  }
  return ExecSql(db, "PRAGMA journal_mode=WAL", error);
}

}  // namespace imchat
