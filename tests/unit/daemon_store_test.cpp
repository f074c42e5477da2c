// Store: schema check, idempotent archive, offline queue order, blocks, users.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "store.h"

namespace {

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
  std::string path;
};

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
  REQUIRE(store->Commit(&error));

  auto queue = store->Queue("bob", 10);
  REQUIRE(queue.size() == 2);
  CHECK(queue[0].id == "m1");  // earlier send time first, although it arrived later
  CHECK(queue[0].body == binary);
  CHECK(queue[0].ref == "ref-m1");
  CHECK(queue[1].id == "m2");
  CHECK(store->QueueSize("bob") == 2);
  store->MarkDelivered("m1");
  REQUIRE(store->Commit(&error));
  CHECK(store->QueueSize("bob") == 1);

  auto history = store->History("bob", "alice", 20);
  REQUIRE(history.size() == 2);
  CHECK(history[0].id == "m2");  // arrival order
  CHECK(store->History("alice", "bob", 1).size() == 1);
  CHECK(store->History("alice", "carol", 20).empty());  // carol->bob is not alice's
  auto all = store->History("alice", "", 20);
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
    REQUIRE(store->Commit(&error));
    store->AddMessage(Msg("y", "a", "b", 2, "never committed"), true);
  }
  auto store = imchat::Store::Open(db.path, &error);
  REQUIRE(store);
  auto blocks = store->Blocks();
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0] == std::make_pair(std::string("alice"), std::string("bob")));
  auto users = store->Users();
  REQUIRE(users.size() == 1);
  CHECK(users[0].display == "Alice L.");
  CHECK(users[0].online);
  CHECK(users[0].last_seen == 1234);
  CHECK(store->QueueSize("b") == 1);  // only the committed one
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
