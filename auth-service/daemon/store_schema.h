// Internal to the store (store.h, room_store.h): the schema check, creation
// and upgrade that Store::Open runs, and the SQLite helpers they share.
#ifndef IMCHAT_DAEMON_STORE_SCHEMA_H_
#define IMCHAT_DAEMON_STORE_SCHEMA_H_

#include <sqlite3.h>

#include <string>
#include <vector>

#include "status.h"
#include "store.h"

namespace imchat {

// Runs `sql` (several statements allowed); false with SQLite's message in `*error`.
bool ExecSql(sqlite3* db, const char* sql, std::string* error);
// Column `i` of the current row as exact bytes ("" for NULL).
std::string ColumnBytes(sqlite3_stmt* s, int i);

// Binds `v` as text to parameter `i` of `s`.
void BindText(sqlite3_stmt* s, int i, const std::string& v);

// The error of a read whose last step returned `rc` (not a row, not the end):
// what was being read and SQLite's reason, for the caller's log line.
Status ReadError(sqlite3* db, const char* what, int rc);

// Steps `s` to its end, calling `row` for each row; resets `s` either way.
// A step that fails part-way is an error, never a silently short result.
template <typename Row>
Status ReadRows(sqlite3* db, sqlite3_stmt* s, const char* what, Row row) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? Status::Ok() : ReadError(db, what, rc);
}

// Rows of (seq, id, sender, recipient, ts, body[, ref]) as messages.
Result<std::vector<StoredMessage>> ReadMessages(sqlite3* db, sqlite3_stmt* s, const char* what);

// Checks that the database at `path` (open as `db`) is an imchat one of the
// current schema version: creates the schema in an empty file, upgrades
// versions 1 and 2 (each in one transaction), and refuses (false, `*error` naming `path`)
// anything else without changing it.
bool CheckOrCreateSchema(sqlite3* db, const std::string& path, std::string* error);

}  // namespace imchat

#endif  // IMCHAT_DAEMON_STORE_SCHEMA_H_
