// Internal to the store (store.h): the schema check, creation and upgrade that
// Store::Open runs, and two SQLite helpers shared by store.cpp.
#ifndef IMCHAT_DAEMON_STORE_SCHEMA_H_
#define IMCHAT_DAEMON_STORE_SCHEMA_H_

#include <sqlite3.h>

#include <string>

namespace imchat {

// Runs `sql` (several statements allowed); false with SQLite's message in `*error`.
bool ExecSql(sqlite3* db, const char* sql, std::string* error);
// Column `i` of the current row as exact bytes ("" for NULL).
std::string ColumnBytes(sqlite3_stmt* s, int i);

// Checks that the database at `path` (open as `db`) is an imchat one of the
// current schema version: creates the schema in an empty file, upgrades
// version 1 in one transaction, and refuses (false, `*error` naming `path`)
// anything else without changing it.
bool CheckOrCreateSchema(sqlite3* db, const std::string& path, std::string* error);

}  // namespace imchat

#endif  // IMCHAT_DAEMON_STORE_SCHEMA_H_
