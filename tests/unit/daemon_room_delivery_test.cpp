// Room messages through the service (fake link): stored once, the `sent`
// status, live cursors, the windowed replay at login (PUBACK-driven cursor,
// restart mid-replay), the replay cap with its notice; and the schema 2 -> 3
// upgrade.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "room_store.h"
#include "service_fixture.h"

using namespace service_test;  // NOLINT(build/namespaces): test helpers

namespace {

// The room replays published so far to `member` (the `for` property).
std::vector<Sent> ReplaysFor(const Fixture& f, const std::string& member) {
  std::vector<Sent> out;
  for (const Sent& s : f.link.sent) {
    if (s.topic.rfind("im/room/", 0) == 0 && s.Prop("for") == member) out.push_back(s);
  }
  return out;
}

// Acknowledges every replay publication not acknowledged yet, in order.
void AckAll(Fixture& f, std::size_t* acked) {
  while (*acked < f.link.sent.size()) {
    const Sent& s = f.link.sent[(*acked)++];
    if (s.tag) f.service->OnPublished(s.tag, 0);
  }
  f.service->EndBatch();
}

std::int64_t Cursor(Fixture& f, const std::string& room, const std::string& user) {
  imchat::RoomStore rooms(*f.store);
  for (const auto& m : Must(rooms.Members())) {
    if (m.room == room && m.user == user) return m.cursor;
  }
  FAIL("no member " << user << " of " << room);
  return -1;
}

// alice says msg1..msgN in #dev, committed.
void Say(Fixture& f, int n) {
  std::vector<ArchiveRecord> batch;
  for (int i = 1; i <= n; ++i) {
    batch.push_back(
        RoomMessage("alice", "dev", "msg" + std::to_string(i), "m" + std::to_string(i)));
  }
  f.Archive(batch);
  f.service->EndBatch();
}

void Setup(Fixture& f) {
  REQUIRE(f.Run("alice", "create dev")["ok"] == true);
  REQUIRE(f.Run("bob", "join dev")["ok"] == true);
  REQUIRE(f.Run("carol", "join dev")["ok"] == true);
}

}  // namespace

TEST_CASE("a room message is stored once; the sender learns who got it now and later", "[unit]") {
  Fixture f;
  Setup(f);
  f.Login("bob", 2);
  f.Inbox("bob", 2);
  f.Archive({RoomMessage("alice", "dev", "hi all", "m1", 50)});
  CHECK(f.Statuses("alice").empty());  // only after the commit
  f.service->EndBatch();
  auto st = f.Statuses("alice");
  REQUIRE(st.size() == 1);
  CHECK(st[0].Json() == json{{"type", "status"},
                             {"status", "sent"},
                             {"room", "dev"},
                             {"id", "m1"},
                             {"live", 1},
                             {"later", 1},
                             {"text", "sent to #dev: 1 now, 1 at their next login"}});
  // bob had an inbox: his cursor moved; carol's did not; the sender's did.
  imchat::RoomStore rooms(*f.store);
  auto history = Must(rooms.History("dev", 10));
  REQUIRE(history.size() == 1);
  std::int64_t seq = history[0].seq;
  CHECK(Cursor(f, "dev", "bob") == seq);
  CHECK(Cursor(f, "dev", "alice") == seq);
  CHECK(Cursor(f, "dev", "carol") < seq);
  // A resend of the same id is not stored or confirmed twice.
  f.Archive({RoomMessage("alice", "dev", "hi all", "m1", 50)});
  f.service->EndBatch();
  CHECK(Must(rooms.History("dev", 10)).size() == 1);
  CHECK(f.Statuses("alice").size() == 1);
  // A message to a room that does not exist (closed meanwhile) is dropped.
  f.Archive({RoomMessage("carol", "gone", "x", "m9", 51)});
  f.service->EndBatch();
  CHECK_THAT(f.Log(), Catch::Contains("dropped: no such room"));
}

TEST_CASE("an offline member gets the missed room messages at login, in order, once", "[unit]") {
  Fixture f;  // replay window 2
  Setup(f);
  std::vector<ArchiveRecord> batch;
  for (int i = 1; i <= 5; ++i) {
    batch.push_back(RoomMessage(i % 2 ? "alice" : "bob", "dev", "msg" + std::to_string(i),
                                "m" + std::to_string(i), 100 + i));
  }
  f.Archive(batch);
  f.service->EndBatch();
  CHECK(ReplaysFor(f, "carol").empty());
  f.Login("carol", 3);
  f.Inbox("carol", 3);
  auto replays = ReplaysFor(f, "carol");
  REQUIRE(replays.size() == 2);  // the window
  CHECK(replays[0].topic == "im/room/dev/alice");
  CHECK(replays[0].payload == "msg1");
  CHECK(replays[0].Prop("id") == "m1");
  CHECK(replays[0].Prop("ts") == "101");
  CHECK(replays[0].Prop("queued") == "1");
  CHECK(replays[1].topic == "im/room/dev/bob");
  CHECK(replays[1].tag != 0);
  // Acknowledgements move the cursor and bring the next ones.
  std::size_t acked = 0;
  for (int round = 0; round < 5; ++round) AckAll(f, &acked);
  replays = ReplaysFor(f, "carol");
  REQUIRE(replays.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(replays[i].payload == "msg" + std::to_string(i + 1));
  imchat::RoomStore rooms(*f.store);
  CHECK(Cursor(f, "dev", "carol") == Must(rooms.History("dev", 1))[0].seq);
  // Once: the next login replays nothing.
  f.Logout("carol", 3, "quit");
  f.Login("carol", 4);
  f.Inbox("carol", 4);
  CHECK(ReplaysFor(f, "carol").size() == 5);
  CHECK(f.Run("carol", "rooms")["rooms"][0]["unread"] == 0);
}

TEST_CASE("a room replay cut by a restart resends at most the window and loses nothing", "[unit]") {
  Fixture f;
  Setup(f);
  Say(f, 6);
  f.Login("carol", 3);
  f.Inbox("carol", 3);
  auto replays = ReplaysFor(f, "carol");
  REQUIRE(replays.size() == 2);
  f.service->OnPublished(replays[0].tag, 0);  // msg1 acknowledged
  f.service->EndBatch();
  replays = ReplaysFor(f, "carol");
  // The service dies here (msg2 and what followed in flight), and a new one starts.
  imchat::ServiceOptions options;
  options.replay_window = 2;
  f.Restart(options, false);
  f.service->OnConnected();
  std::size_t before = f.link.sent.size();
  f.Event("im/sessions",
          {{"ts", f.now},
           {"sessions", {{{"user", "carol"}, {"conn", 3}, {"since", 1}, {"inbox", true}}}}});
  std::vector<std::string> second;
  std::size_t acked = before;
  for (int round = 0; round < 6; ++round) AckAll(f, &acked);
  for (std::size_t i = before; i < f.link.sent.size(); ++i) {
    if (f.link.sent[i].Prop("for") == "carol") second.push_back(f.link.sent[i].payload);
  }
  // Everything after msg1, in order: msg2 (and what else was in flight) again, nothing lost.
  CHECK(second == std::vector<std::string>{"msg2", "msg3", "msg4", "msg5", "msg6"});
}

TEST_CASE("a refused or unmatched replay stops; live messages during a replay come once",
          "[unit]") {
  Fixture f;
  Setup(f);
  f.Archive({RoomMessage("alice", "dev", "old1", "o1"), RoomMessage("alice", "dev", "old2", "o2"),
             RoomMessage("alice", "dev", "old3", "o3")});
  f.service->EndBatch();
  f.Login("carol", 3);
  f.Inbox("carol", 3);
  auto replays = ReplaysFor(f, "carol");
  REQUIRE(replays.size() == 2);
  // A message said while the replay runs reaches carol live (she has an inbox).
  f.Archive({RoomMessage("bob", "dev", "new", "n1")});
  f.service->EndBatch();
  f.service->OnPublished(replays[0].tag, 0);
  f.service->OnPublished(replays[1].tag, 0);
  f.service->EndBatch();
  replays = ReplaysFor(f, "carol");
  REQUIRE(replays.size() == 3);
  CHECK(replays[2].payload == "old3");
  f.service->OnPublished(replays[2].tag, 0);
  f.service->EndBatch();
  CHECK(ReplaysFor(f, "carol").size() == 3);  // "new" is not replayed
  imchat::RoomStore rooms(*f.store);
  CHECK(Cursor(f, "dev", "carol") == Must(rooms.History("dev", 1))[0].seq);

  // 0x10 (no subscription matched): not delivered, the replay stops, the cursor stays.
  f.Logout("carol", 3, "quit");
  f.Archive({RoomMessage("alice", "dev", "later", "l1")});
  f.service->EndBatch();
  f.Login("carol", 4);
  f.Inbox("carol", 4);
  replays = ReplaysFor(f, "carol");
  REQUIRE(replays.size() == 4);
  std::int64_t cursor = Cursor(f, "dev", "carol");
  f.service->OnPublished(replays[3].tag, 0x10);
  f.service->EndBatch();
  CHECK(Cursor(f, "dev", "carol") == cursor);
  CHECK_THAT(f.Log(), Catch::Contains("room replay to carol stopped (reason 16"));
  f.Inbox("carol", 5);
  replays = ReplaysFor(f, "carol");
  REQUIRE(replays.size() == 5);
  CHECK(replays[4].payload == "later");
}

TEST_CASE("the room replay keeps the newest messages past the cap, after a skipped notice",
          "[unit]") {
  Fixture f;
  imchat::ServiceOptions options;
  options.replay_window = 10;
  options.room_replay_cap = 3;
  f.Restart(options);
  Setup(f);
  Say(f, 8);
  f.Login("carol", 3);
  std::size_t before = f.link.sent.size();
  f.Inbox("carol", 3);
  std::vector<Sent> after(f.link.sent.begin() + static_cast<long>(before), f.link.sent.end());
  std::vector<std::string> order;
  for (const Sent& s : after) {
    if (s.topic == "im/svc/carol" && s.Json()["type"] == "notice") {
      json n = s.Json();
      CHECK(n == json{{"type", "notice"},
                      {"event", "skipped"},
                      {"room", "dev"},
                      {"count", 5},
                      {"text", "5 older messages in #dev were skipped; /history #dev has them"}});
      order.push_back("notice");
    }
    if (s.Prop("for") == "carol") order.push_back(s.payload);
  }
  CHECK(order == std::vector<std::string>{"notice", "msg6", "msg7", "msg8"});
  CHECK(imchat::kRoomReplayCap == 1000);
  CHECK(imchat::ServiceOptions{}.room_replay_cap == imchat::kRoomReplayCap);
}

TEST_CASE("room replay skips the senders the member blocks", "[unit]") {
  Fixture f;
  Setup(f);
  REQUIRE(f.Run("carol", "block bob")["ok"] == true);
  f.Archive({RoomMessage("bob", "dev", "from bob", "b1"), RoomMessage("bob", "dev", "bob2", "b2"),
             RoomMessage("bob", "dev", "bob3", "b3"),
             RoomMessage("alice", "dev", "from alice", "a1")});
  f.service->EndBatch();
  f.Login("carol", 3);
  f.Inbox("carol", 3);
  auto replays = ReplaysFor(f, "carol");
  REQUIRE(replays.size() == 1);
  CHECK(replays[0].payload == "from alice");
}

TEST_CASE("store upgrades a schema 2 database to 3 in place, keeping every row", "[unit]") {
  imchat::testing::TempDb db;
  imchat::testing::RawSql(db.path, R"sql(
PRAGMA journal_mode=WAL;
BEGIN;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE blocks(blocker TEXT NOT NULL, blocked TEXT NOT NULL, PRIMARY KEY(blocker, blocked));
CREATE TABLE users(name TEXT PRIMARY KEY, display TEXT NOT NULL DEFAULT '',
  last_seen INTEGER NOT NULL DEFAULT 0, online INTEGER NOT NULL DEFAULT 0,
  since INTEGER NOT NULL DEFAULT 0);
CREATE TABLE messages(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, sender TEXT NOT NULL,
  recipient TEXT NOT NULL, ts INTEGER NOT NULL, body BLOB NOT NULL, ref TEXT NOT NULL DEFAULT '',
  pending INTEGER NOT NULL DEFAULT 0);
CREATE INDEX messages_queue ON messages(recipient, ts, seq) WHERE pending=1;
CREATE INDEX messages_pair ON messages(sender, recipient, seq) WHERE recipient<>'';
CREATE INDEX messages_room ON messages(seq) WHERE recipient='';
INSERT INTO meta VALUES('application','imchat');
INSERT INTO meta VALUES('schema_version','2');
INSERT INTO messages(id,sender,recipient,ts,body,pending) VALUES('q1','alice','bob',5,'queued',1);
INSERT INTO blocks VALUES('alice','dave');
COMMIT;
)sql");
  std::string error;
  auto store = imchat::Store::Open(db.path, &error);
  REQUIRE(store);
  CHECK(Must(store->MetaInt("schema_version")) == 3);
  CHECK(Must(store->QueueSize("bob")) == 1);
  CHECK(Must(store->Blocks()).size() == 1);
  imchat::RoomStore rooms(*store);
  CHECK(Must(rooms.Rooms()).empty());
  rooms.SaveRoom({"dev", "alice", "", false, 1});
  rooms.SaveMember({"dev", "alice", true, 1, 1, 0});
  imchat::StoredMessage m{0, "r1", "alice", "dev", 7, "hello", ""};
  CHECK(rooms.AddMessage(&m) == imchat::Store::AddResult::kAdded);
  CHECK(m.seq > 0);
  CHECK(rooms.AddMessage(&m) == imchat::Store::AddResult::kDuplicate);
  REQUIRE(store->Commit().ok());
  CHECK(Must(rooms.CountAfter("dev", 0, m.seq)) == 1);
  CHECK(Must(rooms.After("dev", 0, m.seq, 10))[0].body == "hello");
  rooms.DeleteRoom("dev");
  REQUIRE(store->Commit().ok());
  CHECK(Must(rooms.History("dev", 10)).empty());
  CHECK(Must(rooms.Members()).empty());
}

TEST_CASE("a failed schema 2 -> 3 upgrade leaves the database unchanged", "[unit]") {
  imchat::testing::TempDb db;
  imchat::testing::RawSql(db.path,
                          "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                          "INSERT INTO meta VALUES('application','imchat');"
                          "INSERT INTO meta VALUES('schema_version','2');"
                          "CREATE TABLE rooms(x);");  // in the way of the new table
  std::string error;
  CHECK_FALSE(imchat::Store::Open(db.path, &error));
  CHECK_THAT(error, Catch::Contains("cannot upgrade") && Catch::Contains("from schema 2 to 3") &&
                        Catch::Contains("(the database is unchanged)"));
  auto again = imchat::Store::Open(db.path, &error);
  CHECK_FALSE(again);
  CHECK_THAT(error, Catch::Contains("from schema 2 to 3"));  // still version 2
}
