// The users.txt reload policy (core/users_reload.h) shared by plugin and daemon,
// driven through a fake file system and clock.
#include "users_reload.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

imchat::UserTable TableOf(const std::vector<std::string>& names) {
  imchat::UserTable table;
  for (const auto& n : names) table.AddPlain(n, "pw-" + n);
  return table;
}

// A users.txt whose stamp, contents and parse result the test sets.
class FakeProbe : public imchat::FileProbe {
 public:
  imchat::FileStamp Stat(const std::string&) const override { return stamp; }
  std::int64_t NowNs() const override { return now; }
  imchat::Result<imchat::UserTable> Load(const std::string&, std::string_view) const override {
    ++loads;
    if (!error.empty()) return imchat::Status::Error(error);
    return TableOf(names);
  }
  // The file is rewritten at the current time.
  void Write(std::vector<std::string> new_names) {
    names = std::move(new_names);
    error.clear();
    stamp.size += 1;
    stamp.mtime_ns = now;
  }

  imchat::FileStamp stamp{true, 7, 10, 100 * kSecond};
  std::int64_t now = 200 * kSecond;
  std::vector<std::string> names{"alice", "bob"};
  std::string error;
  mutable int loads = 0;
};

}  // namespace

TEST_CASE("users reload: SIGHUP reads at once; a parse error keeps the old table", "[unit]") {
  FakeProbe fs;
  imchat::UsersReloader r("users.txt", "svc", fs);
  REQUIRE(r.Load().ok());
  fs.Write({"alice", "bob", "carol"});
  auto fresh = r.Reload("SIGHUP");
  REQUIRE(fresh.ok());
  CHECK(fresh->Contains("carol"));
  fs.Write({});
  fs.error = "users.txt:3: invalid user name 'a/b'";
  auto bad = r.Reload("SIGHUP");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.message() ==
        "users file not reloaded (SIGHUP), keeping the previous table: users.txt:3: invalid "
        "user name 'a/b'");
}

TEST_CASE("users reload: a file listing nobody is refused when the table had users", "[unit]") {
  FakeProbe fs;
  imchat::UsersReloader r("users.txt", "svc", fs);
  REQUIRE(r.Load().ok());
  fs.Write({});
  auto empty = r.Reload("SIGHUP");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.message().find("lists no users") != std::string::npos);
  // Still refused next time: the accepted table still has users.
  CHECK_FALSE(r.Reload("SIGHUP").ok());
  fs.Write({"dave"});
  REQUIRE(r.Reload("SIGHUP").ok());
}

TEST_CASE("users reload: an empty table at start-up is allowed, and so is staying empty",
          "[unit]") {
  FakeProbe fs;
  fs.names.clear();
  imchat::UsersReloader r("users.txt", "svc", fs);
  auto first = r.Load();
  REQUIRE(first.ok());
  CHECK(first->size() == 0);
  CHECK(r.Reload("SIGHUP").ok());
  fs.error = "users.txt: cannot read 'users.txt': No such file or directory";
  CHECK_FALSE(r.Load().ok());  // start-up errors are returned as they are
}

TEST_CASE("users reload: a tick reads a changed file once it has been still for 1 s", "[unit]") {
  FakeProbe fs;
  imchat::UsersReloader r("users.txt", "svc", fs);
  REQUIRE(r.Load().ok());
  CHECK(fs.loads == 1);
  CHECK_FALSE(r.Tick());  // unchanged
  fs.now += 5 * kSecond;
  fs.Write({"alice", "bob", "carol"});
  CHECK_FALSE(r.Tick());  // changed just now: may be half-written
  fs.now += kSecond * 9 / 10;
  CHECK_FALSE(r.Tick());  // still for only 0.9 s
  fs.now += kSecond / 10;
  CHECK_FALSE(r.Tick());  // still for a second, but looked 0.1 s ago (at most 4 looks a second)
  fs.now += kSecond * 3 / 10;
  CHECK(fs.loads == 1);
  auto fresh = r.Tick();  // still for 1.3 s, looked 0.4 s ago
  REQUIRE(fresh);
  REQUIRE(fresh->ok());
  CHECK((*fresh)->Contains("carol"));
  CHECK(fs.loads == 2);
  fs.now += 5 * kSecond;
  CHECK_FALSE(r.Tick());  // the same version is not read again
  CHECK(fs.loads == 2);
}

TEST_CASE("users reload: a tick notices a new inode and skips a missing file", "[unit]") {
  FakeProbe fs;
  imchat::UsersReloader r("users.txt", "svc", fs);
  REQUIRE(r.Load().ok());
  fs.now += 5 * kSecond;
  fs.stamp.exists = false;
  CHECK_FALSE(r.Tick());
  fs.now += 5 * kSecond;
  fs.stamp.exists = true;
  fs.stamp.inode = 8;  // replaced by rename, same size and (old) mtime
  auto fresh = r.Tick();
  REQUIRE(fresh);
  CHECK(fresh->ok());
}

TEST_CASE("users reload: a tick that finds an empty file keeps the table and reports why",
          "[unit]") {
  FakeProbe fs;
  imchat::UsersReloader r("users.txt", "svc", fs);
  REQUIRE(r.Load().ok());
  fs.now += 5 * kSecond;
  fs.Write({});
  fs.now += 2 * kSecond;
  auto refused = r.Tick();
  REQUIRE(refused);
  REQUIRE_FALSE(refused->ok());
  CHECK(refused->message().find("users file not reloaded (the file changed)") == 0);
  fs.now += 5 * kSecond;
  CHECK_FALSE(r.Tick());  // the refused version is not retried until it changes again
}
