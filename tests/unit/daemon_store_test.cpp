// Store: schema check, idempotent archive, offline queue order, blocks, users.
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "store.h"
#include "store_test_util.h"

namespace {

using imchat::testing::Must;
using imchat::testing::RawSql;
using imchat::testing::TempDb;

imchat::StoredMessage Msg(const std::string& id, const std::string& from, const std::string& to,
                          std::int64_t ts, const std::string& body) {
  return {0, id, from, to, ts, body, "ref-" + id};
}

}  // namespace

TEST_CASE("store archives idempotently and queues in send order", "[unit]") {
  TempDb db;
  std::string error;
  auto store = imchat::Store::Open(db.path, &error);
  REQUIRE(store);
  using R = imchat::Store::AddResult;
  std::string binary("a\0b\xff", 4);
  CHECK(store->AddMessage(Msg("m2", "alice", "bob", 200, "second"), true) == R::kAdded);
  CHECK(store->AddMessage(Msg("m1", "alice", "bob", 100, binary), true) == R::kAdded);
  CHECK(store->AddMessage(Msg("m1", "alice", "bob", 100, binary), true) == R::kDuplicate);
  CHECK(store->AddMessage(Msg("m3", "carol", "bob", 300, "live"), false) == R::kAdded);
  CHECK(store->AddMessage(Msg("b1", "carol", "", 400, "to all"), false) == R::kAdded);
  REQUIRE(store->Commit().ok());

  auto queue = Must(store->Queue("bob", 10));
  REQUIRE(queue.size() == 2);
  CHECK(queue[0].id == "m1");  // earlier send time first, although it arrived later
  CHECK(queue[0].body == binary);
  CHECK(queue[0].ref == "ref-m1");
  CHECK(queue[1].id == "m2");
  CHECK(Must(store->QueueSize("bob")) == 2);
  store->MarkDelivered("m1");
  REQUIRE(store->Commit().ok());
  CHECK(Must(store->QueueSize("bob")) == 1);

  auto history = Must(store->History("bob", "alice", 20));
  REQUIRE(history.size() == 2);
  CHECK(history[0].id == "m2");  // arrival order
  CHECK(Must(store->History("alice", "bob", 1)).size() == 1);
  CHECK(Must(store->History("alice", "carol", 20)).empty());  // carol->bob is not alice's
  auto all = Must(store->History("alice", "", 20));
  REQUIRE(all.size() == 1);
  CHECK(all[0].body == "to all");
}

TEST_CASE("store keeps blocks and users across reopen", "[unit]") {
  TempDb db;
  std::string error;
  {
    auto store = imchat::Store::Open(db.path, &error);
    REQUIRE(store);
    store->SetBlock("alice", "bob", true);
    store->SetBlock("carol", "bob", true);
    store->SetBlock("carol", "bob", false);
    store->SaveUser({"alice", "Alice L.", 1234, true, 1000});
    store->AddMessage(Msg("x", "a", "b", 1, "uncommitted"), true);
    REQUIRE(store->Commit().ok());
    store->AddMessage(Msg("y", "a", "b", 2, "never committed"), true);
  }
  auto store = imchat::Store::Open(db.path, &error);
  REQUIRE(store);
  auto blocks = Must(store->Blocks());
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0] == std::make_pair(std::string("alice"), std::string("bob")));
  auto users = Must(store->Users());
  REQUIRE(users.size() == 1);
  CHECK(users[0].display == "Alice L.");
  CHECK(users[0].online);
  CHECK(users[0].last_seen == 1234);
  CHECK(Must(store->QueueSize("b")) == 1);  // only the committed one
}

TEST_CASE("store refuses garbage and foreign databases without touching them", "[unit]") {
  TempDb db;
  const std::string garbage(4096, 'x');
  {
    std::ofstream out(db.path, std::ios::binary);
    out << garbage;
  }
  std::string error;
  CHECK_FALSE(imchat::Store::Open(db.path, &error));
  CHECK(error.find(db.path) != std::string::npos);
  std::ifstream in(db.path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(content == garbage);
}

namespace {

// The schema imchat-service wrote before version 2.
const char* kSchemaV1 = R"sql(
PRAGMA journal_mode=WAL;
BEGIN;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE messages(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  ts INTEGER NOT NULL,
  body BLOB NOT NULL,
  ref TEXT NOT NULL DEFAULT '',
  pending INTEGER NOT NULL DEFAULT 0);
CREATE INDEX messages_pending ON messages(recipient, pending, ts, seq);
CREATE INDEX messages_pair ON messages(sender, recipient, seq);
CREATE TABLE blocks(blocker TEXT NOT NULL, blocked TEXT NOT NULL, PRIMARY KEY(blocker, blocked));
CREATE TABLE users(name TEXT PRIMARY KEY, display TEXT NOT NULL DEFAULT '',
  last_seen INTEGER NOT NULL DEFAULT 0, online INTEGER NOT NULL DEFAULT 0,
  since INTEGER NOT NULL DEFAULT 0);
INSERT INTO meta VALUES('application','imchat');
INSERT INTO meta VALUES('schema_version','1');
COMMIT;
)sql";

}  // namespace

TEST_CASE("store upgrades a schema 1 database keeping queue, history and blocks", "[unit]") {
  TempDb db;
  RawSql(db.path, kSchemaV1);
  RawSql(db.path,
         "INSERT INTO messages(id,sender,recipient,ts,body,ref,pending) VALUES"
         "('q2','alice','bob',200,'second','r2',1),('q1','alice','bob',100,'first','r1',1),"
         "('l1','bob','alice',150,'live','',0),('b1','carol','',160,'room',''  ,0);"
         "INSERT INTO blocks VALUES('alice','dave');"
         "INSERT INTO users VALUES('bob','Bob B.',99,0,50);");
  std::string error;
  auto store = imchat::Store::Open(db.path, &error);
  REQUIRE(store);
  CHECK(Must(store->MetaInt("schema_version")) == 3);  // 1 -> 2 -> 3
  auto queue = Must(store->Queue("bob", 10));
  REQUIRE(queue.size() == 2);
  CHECK(queue[0].id == "q1");
  CHECK(queue[0].ref == "r1");
  CHECK(queue[1].id == "q2");
  auto history = Must(store->History("alice", "bob", 10));
  REQUIRE(history.size() == 3);
  CHECK(history[0].id == "q2");  // seq kept: arrival order as before
  CHECK(history[2].id == "l1");
  REQUIRE(Must(store->History("bob", "", 10)).size() == 1);
  CHECK(Must(store->Blocks()).size() == 1);
  REQUIRE(Must(store->Users()).size() == 1);
  CHECK(Must(store->Users())[0].display == "Bob B.");
  // New rows continue after the old ones.
  using R = imchat::Store::AddResult;
  CHECK(store->AddMessage(Msg("n1", "bob", "alice", 300, "new"), false) == R::kAdded);
  CHECK(store->AddMessage(Msg("q1", "alice", "bob", 100, "first"), true) == R::kDuplicate);
  REQUIRE(store->Commit().ok());
  CHECK(Must(store->History("alice", "bob", 1))[0].id == "n1");
  store.reset();
  // Opening again finds version 3 and changes nothing.
  store = imchat::Store::Open(db.path, &error);
  REQUIRE(store);
  CHECK(Must(store->QueueSize("bob")) == 2);
}

TEST_CASE("store refuses a schema version it does not know", "[unit]") {
  TempDb db;
  RawSql(db.path, kSchemaV1);
  RawSql(db.path, "UPDATE meta SET value='4' WHERE key='schema_version'");
  std::string error;
  CHECK_FALSE(imchat::Store::Open(db.path, &error));
  CHECK_THAT(error, Catch::Contains("schema version '4'"));
}

TEST_CASE("store history with oneself lists each note once", "[unit]") {
  TempDb db;
  std::string error;
  auto store = imchat::Store::Open(db.path, &error);
  REQUIRE(store);
  store->AddMessage(Msg("s1", "alice", "alice", 1, "note"), false);
  store->AddMessage(Msg("s2", "alice", "bob", 2, "to bob"), false);
  REQUIRE(store->Commit().ok());
  auto notes = Must(store->History("alice", "alice", 10));
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].id == "s1");
}

TEST_CASE("store reads and writes report a database error instead of an empty result", "[unit]") {
  TempDb db;
  std::string error;
  auto store = imchat::Store::Open(db.path, &error);
  REQUIRE(store);
  store->AddMessage(Msg("m1", "alice", "bob", 1, "queued"), true);
  store->SetBlock("alice", "carol", true);
  REQUIRE(store->Commit().ok());
  REQUIRE(Must(store->QueueSize("bob")) == 1);
  // Another program breaks the database under the running service.
  RawSql(db.path, "DROP TABLE messages; DROP TABLE blocks; DROP TABLE users; DROP TABLE meta;");

  auto queue = store->Queue("bob", 10);
  REQUIRE_FALSE(queue.ok());
  CHECK_THAT(queue.message(), Catch::Contains("offline queue") && Catch::Contains("messages"));
  auto size = store->QueueSize("bob");
  REQUIRE_FALSE(size.ok());  // not 0: the queue is not known to be empty
  CHECK_THAT(size.message(), Catch::Contains("offline queue's size"));
  CHECK_FALSE(store->History("alice", "bob", 5).ok());
  CHECK_FALSE(store->History("alice", "", 5).ok());
  CHECK_THAT(store->Blocks().message(), Catch::Contains("blocks"));
  CHECK_FALSE(store->Users().ok());
  CHECK_FALSE(store->MetaInt("alive").ok());

  // A failed write makes the commit fail with its error.
  CHECK(store->AddMessage(Msg("m2", "alice", "bob", 2, "lost"), true) ==
        imchat::Store::AddResult::kError);
  imchat::Status commit = store->Commit();
  REQUIRE_FALSE(commit.ok());
  CHECK_THAT(commit.message(), Catch::Contains("messages"));
  CHECK(store->Commit().ok());  // reported once; nothing is pending now
}
