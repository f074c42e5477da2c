// Helpers for tests of the daemon's database: a temporary database path,
// raw SQL on that file from a second connection (an older imchat-service, or
// a fault), and the value of a Store read that must succeed.
#ifndef IMCHAT_TESTS_UNIT_STORE_TEST_UTIL_H_
#define IMCHAT_TESTS_UNIT_STORE_TEST_UTIL_H_

#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <utility>

#include "status.h"

namespace imchat::testing {

// A fresh temporary database path, removed (with WAL files) at scope end.
struct TempDb {
  TempDb() {
    char tmpl[] = "/tmp/imchat-store-XXXXXX";
    int fd = mkstemp(tmpl);
    close(fd);
    std::remove(tmpl);
    path = tmpl;
  }
  ~TempDb() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;
  std::string path;
};

// Runs `sql` on the database file `path` through its own connection.
inline void RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  INFO((msg ? msg : ""));
  sqlite3_free(msg);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// The value of `r`; fails the test (with the error) when there is none.
template <typename T>
T Must(Result<T> r) {
  INFO(r.message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace imchat::testing

#endif  // IMCHAT_TESTS_UNIT_STORE_TEST_UTIL_H_
