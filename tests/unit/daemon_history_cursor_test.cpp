// `history <user>|all|#<room> [n] before <id>` (topics.md "Commands"): parsing,
// paging backwards with no gaps or repeats, `more`, ids that are unknown or of
// another conversation (one answer, revealing nothing), and that each page is
// read through an index, not a scan.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "service_fixture.h"

using namespace service_test;  // NOLINT(build/namespaces): test helpers

namespace {

std::string Error(const json& reply) {
  REQUIRE(reply["ok"] == false);
  return reply["error"];
}

// The ids of a history reply's messages, oldest first.
std::vector<std::string> Ids(const json& reply) {
  REQUIRE(reply["ok"] == true);
  std::vector<std::string> ids;
  for (const json& m : reply["messages"]) ids.push_back(m["id"]);
  return ids;
}

std::string Id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "m%05d", i);
  return buf;
}

}  // namespace

TEST_CASE("history cursor: parsing", "[unit]") {
  auto c = imchat::ParseCommand("history bob before k1-00000007");
  CHECK(c.error.empty());
  CHECK(c.user == "bob");
  CHECK(c.before == "k1-00000007");
  CHECK(c.count == imchat::kDefaultHistory);
  c = imchat::ParseCommand("history #dev 5 BEFORE k1-7");
  CHECK(c.error.empty());
  CHECK(c.room == "dev");
  CHECK(c.count == 5);
  CHECK(c.before == "k1-7");
  c = imchat::ParseCommand("history all 500 before x");
  CHECK(c.error.empty());
  CHECK(c.user == "all");
  CHECK(imchat::ParseCommand("history bob").before.empty());
  struct Case {
    const char* line;
    const char* error_part;
  };
  const Case bad[] = {
      {"history bob before", "before needs a message id"},
      {"history bob 5 before", "before needs a message id"},
      {"history bob before a/b", "'a/b' is not a message id"},
      {"history bob before k1 extra", "too many arguments"},
      {"history bob 0 before k1", "count"},
      {"history before k1", "is not a count"},
      {"history bob 5 6 before k1", "too many arguments"},
  };
  for (const Case& b : bad) {
    INFO(b.line);
    CHECK_THAT(imchat::ParseCommand(b.line).error, Catch::Contains(b.error_part));
  }
  CHECK_THAT(imchat::ParseCommand("history bob before " + std::string(65, 'a')).error,
             Catch::Contains("is not a message id"));
}

TEST_CASE("history cursor: paging back through 1,000 messages, no gaps or repeats", "[unit]") {
  Fixture f;
  std::vector<std::string> sent;  // alice <-> bob, oldest first
  std::vector<ArchiveRecord> batch;
  for (int i = 0; i < 1500; ++i) {
    // Other conversations interleaved: they must never show up.
    if (i % 3 == 2) {
      batch.push_back(Direct("carol", "alice", "x", Id(i), i));
      continue;
    }
    batch.push_back(i % 2 ? Direct("bob", "alice", "b" + std::to_string(i), Id(i), i)
                          : Direct("alice", "bob", "a" + std::to_string(i), Id(i), i));
    sent.push_back(Id(i));
  }
  f.Archive(batch);
  f.service->EndBatch();
  REQUIRE(sent.size() == 1000);

  json page = f.Run("alice", "history bob 37");
  CHECK(page["more"] == true);
  std::vector<std::string> got = Ids(page);
  REQUIRE(got.size() == 37);
  CHECK(got.back() == sent.back());
  int pages = 1;
  while (page["more"] == true) {
    const std::string oldest = page["messages"][0]["id"];
    page = f.Run(pages % 2 ? "bob" : "alice",
                 std::string(pages % 2 ? "history alice" : "history bob") + " 37 before " + oldest);
    std::vector<std::string> ids = Ids(page);
    REQUIRE_FALSE(ids.empty());
    got.insert(got.begin(), ids.begin(), ids.end());
    REQUIRE(++pages < 100);
  }
  CHECK(pages == 28);  // 27 full pages and 1 of 1
  CHECK(got == sent);
  CHECK(std::set<std::string>(got.begin(), got.end()).size() == 1000);
  // Before the oldest: nothing, and nothing more.
  page = f.Run("alice", "history bob 5 before " + sent.front());
  CHECK(Ids(page).empty());
  CHECK(page["more"] == false);
  // The plain form still gives the last n, now with `more`.
  page = f.Run("alice", "history bob 1000");
  CHECK(Ids(page) == std::vector<std::string>(sent.end() - 500, sent.end()));  // at most 500
  CHECK(page["more"] == true);
  CHECK(f.Run("alice", "history carol")["more"] == true);  // 500 of carol's, 20 shown
}

TEST_CASE("history cursor: unknown and foreign ids get one answer that reveals nothing", "[unit]") {
  Fixture f;
  f.Archive({Direct("alice", "bob", "ab", "ab1"), Direct("bob", "carol", "secret", "bc1"),
             Broadcast("carol", "hello all", "all1"), Direct("alice", "bob", "ab", "ab2")});
  f.service->EndBatch();
  REQUIRE(f.Run("bob", "create dev")["ok"] == true);
  REQUIRE(f.Run("carol", "create ops")["ok"] == true);
  f.Archive({RoomMessage("bob", "dev", "in dev", "dev1"), RoomMessage("carol", "ops", "x", "ops1"),
             RoomMessage("bob", "dev", "in dev", "dev2")});
  f.service->EndBatch();

  CHECK(Ids(f.Run("alice", "history bob before ab2")) == std::vector<std::string>{"ab1"});
  CHECK(Ids(f.Run("bob", "history #dev before dev2")) == std::vector<std::string>{"dev1"});
  CHECK(Ids(f.Run("alice", "history all before all1")).empty());

  const std::string unknown = Error(f.Run("alice", "history bob before nope"));
  CHECK(unknown ==
        "no message 'nope' in your messages with bob; take the id from a message or a "
        "history reply");
  // bob <-> carol's message from alice, in any conversation of hers: the same answer.
  CHECK(Error(f.Run("alice", "history bob before bc1")) ==
        "no message 'bc1' in your messages with bob; take the id from a message or a history "
        "reply");
  CHECK(Error(f.Run("alice", "history carol before bc1")) ==
        "no message 'bc1' in your messages with carol; take the id from a message or a history "
        "reply");
  // Right conversation kind, wrong conversation: a broadcast, a DM, a room message.
  CHECK_THAT(Error(f.Run("alice", "history bob before all1")), Catch::StartsWith("no message"));
  CHECK_THAT(Error(f.Run("alice", "history all before ab1")),
             Catch::StartsWith("no message 'ab1' in your broadcasts"));
  CHECK_THAT(Error(f.Run("alice", "history bob before dev1")), Catch::StartsWith("no message"));
  CHECK(Error(f.Run("bob", "history #dev before ops1")) ==
        "no message 'ops1' in #dev; take the id from a message or a history reply");
  CHECK(Error(f.Run("bob", "history #dev before nope")) ==
        "no message 'nope' in #dev; take the id from a message or a history reply");
  CHECK_THAT(Error(f.Run("bob", "history #dev before ab1")), Catch::StartsWith("no message"));
  // Members only, as before, whatever the id.
  CHECK_THAT(Error(f.Run("alice", "history #ops before ops1")),
             Catch::StartsWith("you are not a member of #ops"));
  CHECK(Error(f.Run("alice", "history #ops before ops1")) ==
        Error(f.Run("alice", "history #ops before nope")));
  // No reply says anything of what it refused.
  for (const Sent& s : f.link.On("im/svc/alice")) {
    CHECK(s.payload.find("secret") == std::string::npos);
  }
}

TEST_CASE("history cursor: pages are index reads at any depth (20,000 messages)", "[unit]") {
  Fixture f;
  std::vector<ArchiveRecord> batch;
  for (int i = 0; i < 20000; ++i) {
    batch.push_back(i % 4 == 3
                        ? Broadcast("carol", "b", Id(i))
                        : Direct(i % 2 ? "bob" : "alice", i % 2 ? "alice" : "bob", "d", Id(i)));
  }
  f.Archive(batch);
  f.service->EndBatch();
  REQUIRE(f.Run("alice", "create dev")["ok"] == true);
  batch.clear();
  for (int i = 0; i < 12000; ++i) batch.push_back(RoomMessage("alice", "dev", "r", "r" + Id(i)));
  f.Archive(batch);
  f.service->EndBatch();
  // Deep pages are right.
  json page = f.Run("alice", "history bob 3 before " + Id(4));
  CHECK(Ids(page) == std::vector<std::string>{Id(0), Id(1), Id(2)});
  CHECK(page["more"] == false);
  page = f.Run("alice", "history all 2 before " + Id(11));
  CHECK(Ids(page) == std::vector<std::string>{Id(3), Id(7)});
  CHECK(page["more"] == false);
  page = f.Run("alice", "history #dev 2 before r" + Id(3));
  CHECK(Ids(page) == std::vector<std::string>{"r" + Id(1), "r" + Id(2)});
  CHECK(page["more"] == true);

  // The plans of the store's queries (the same SQL as store.cpp and room_store.cpp):
  // each a search of an index, none a scan of a table.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(f.path.c_str(), &db) == SQLITE_OK);
  const char* queries[] = {
      "SELECT * FROM (SELECT seq, id, sender, recipient, ts, body FROM messages "
      "WHERE sender=?1 AND recipient=?2 AND recipient<>'' AND seq<?4 UNION ALL "
      "SELECT seq, id, sender, recipient, ts, body FROM messages "
      "WHERE sender=?2 AND recipient=?1 AND recipient<>'' AND ?1<>?2 AND seq<?4 "
      "ORDER BY seq DESC LIMIT ?3) ORDER BY seq",
      "SELECT * FROM (SELECT seq, id, sender, recipient, ts, body FROM messages "
      "WHERE recipient='' AND seq<?2 ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
      "SELECT seq, id, sender, recipient, ts, X'' FROM messages WHERE id=?",
      "SELECT * FROM (SELECT seq, id, sender, room, ts, body, ref "
      "FROM room_messages WHERE room=?1 AND seq<?3 ORDER BY seq DESC LIMIT ?2) ORDER BY seq",
      "SELECT seq, id, sender, room, ts, X'' FROM room_messages WHERE id=?1",
  };
  for (const char* sql : queries) {
    INFO(sql);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, (std::string("EXPLAIN QUERY PLAN ") + sql).c_str(), -1, &s,
                               nullptr) == SQLITE_OK);
    std::string plan;
    while (sqlite3_step(s) == SQLITE_ROW) {
      plan += reinterpret_cast<const char*>(sqlite3_column_text(s, 3));
      plan += "\n";
    }
    sqlite3_finalize(s);
    INFO(plan);
    CHECK_THAT(plan, Catch::Contains("USING INDEX") || Catch::Contains("USING COVERING INDEX"));
    CHECK_THAT(plan, !Catch::Contains("SCAN messages") && !Catch::Contains("SCAN room_messages"));
  }
  sqlite3_close(db);
}
