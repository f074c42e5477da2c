// Service logic with a fake MQTT link, a fake clock and a temporary database.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "service_fixture.h"

using namespace service_test;  // NOLINT(build/namespaces): test helpers

TEST_CASE("service says hello, becomes ready on the snapshot and sends the block set", "[unit]") {
  Fixture f;
  CHECK(f.ready == 1);
  auto control = f.link.On("$CONTROL/imchat/v1");
  REQUIRE(control.size() == 4);
  CHECK(control[0].Json() == json{{"op", "hello"}});
  CHECK(control[1].Json()["op"] == "blocks");
  // The room membership (none yet) follows: the plugin refuses room traffic until rooms_end.
  CHECK(control[2].Json() == json{{"op", "rooms_begin"}});
  CHECK(control[3].Json() == json{{"op", "rooms_end"}});
}

TEST_CASE("presence follows the last connection and coalesces im/online", "[unit]") {
  Fixture f;
  f.Login("alice", 1);
  f.Login("alice", 2);
  f.Login("bob", 3);
  auto presence = f.link.On("im/presence/alice");
  REQUIRE(presence.size() == 1);
  CHECK(presence[0].retain);
  CHECK(presence[0].Json()["online"] == true);
  f.now += 100;
  f.service->Tick();
  f.service->Tick();
  auto online = f.link.On("im/online");
  REQUIRE(online.size() == 1);  // three logins, one publication
  CHECK(online[0].Json() == json{"alice", "bob"});
  CHECK(online[0].retain);

  f.Logout("alice", 1, "quit");
  CHECK(f.link.On("im/presence/alice").size() == 1);  // still connected on conn 2
  f.now += 50;
  f.Logout("alice", 2, "quit");
  presence = f.link.On("im/presence/alice");
  REQUIRE(presence.size() == 2);
  CHECK(presence[1].Json()["online"] == false);
  CHECK(presence[1].Json()["reason"] == "quit");
  CHECK(presence[1].Json()["since"] == f.now);
}

TEST_CASE("a snapshot after reconnecting marks missing users lost", "[unit]") {
  Fixture f;
  f.Login("alice", 1);
  f.Login("bob", 2);
  f.service->OnDisconnected();
  f.service->OnConnected();
  f.Event("im/sessions",
          {{"sessions", {{{"user", "bob"}, {"conn", 2}, {"since", 1}, {"inbox", true}}}}});
  auto alice = f.link.On("im/presence/alice");
  CHECK(alice.back().Json()["online"] == false);
  CHECK(alice.back().Json()["reason"] == "lost");
  CHECK(f.link.On("im/presence/bob").size() == 1);  // unchanged: no new publication
  CHECK(f.ready == 2);
}

TEST_CASE("offline messages are acked after commit, then replayed in order on inbox", "[unit]") {
  Fixture f;
  std::vector<ArchiveRecord> batch;
  for (int i = 1; i <= 3; ++i) {
    batch.push_back(
        Direct("alice", "bob", "msg" + std::to_string(i), "id" + std::to_string(i), 500 + i, true));
  }
  f.Archive(batch);
  CHECK(f.link.On("$CONTROL/imchat/v1").size() == 4);  // nothing acked before the commit
  CHECK(f.Statuses("alice").empty());
  f.service->EndBatch();
  auto control = f.link.On("$CONTROL/imchat/v1");
  REQUIRE(control.size() == 5);
  CHECK(control[4].Json() == json{{"op", "stored"}, {"ids", {"id1", "id2", "id3"}}});
  REQUIRE(f.Statuses("alice").size() == 3);
  CHECK(f.Statuses("alice")[0].Json()["status"] == "queued");

  f.Login("bob", 7);
  f.Inbox("bob", 7);
  auto welcome = f.link.On("im/svc/bob");
  REQUIRE(welcome.size() == 1);
  CHECK(welcome[0].Json()["type"] == "welcome");
  CHECK(welcome[0].Json()["queued"] == 3);
  auto replay = f.link.On("im/user/bob/alice");
  REQUIRE(replay.size() == 2);  // the replay window
  CHECK(replay[0].payload == "msg1");
  CHECK(replay[0].Prop("queued") == "1");
  CHECK(replay[0].Prop("ts") == "501");
  CHECK(replay[0].Prop("id") == "id1");

  f.service->OnPublished(replay[0].tag, 0);
  f.service->EndBatch();
  replay = f.link.On("im/user/bob/alice");
  REQUIRE(replay.size() == 3);
  CHECK(replay[2].payload == "msg3");
  // bob vanished: the broker refuses the rest with 0x87; they stay queued.
  f.service->OnPublished(replay[1].tag, 0x87);
  f.service->OnPublished(replay[2].tag, 0x87);
  f.service->EndBatch();
  CHECK(Must(f.store->QueueSize("bob")) == 2);
  auto statuses = f.Statuses("alice");
  CHECK(statuses.back().Json()["status"] == "delivered");
  CHECK(statuses.back().Json()["id"] == "id1");

  f.Logout("bob", 7, "lost");
  f.Login("bob", 8);
  f.Inbox("bob", 8);
  replay = f.link.On("im/user/bob/alice");
  REQUIRE(replay.size() == 5);
  CHECK(replay[3].payload == "msg2");
  CHECK(replay[4].payload == "msg3");
}

TEST_CASE("a resent message already stored is acked again but not queued twice", "[unit]") {
  Fixture f;
  ArchiveRecord m = Direct("alice", "bob", "x", "r1", 5, true);
  f.Archive({m});
  f.service->EndBatch();
  m.offline = false;
  m.resend = true;
  f.Archive({m});
  f.service->EndBatch();
  auto control = f.link.On("$CONTROL/imchat/v1");
  CHECK(control.back().Json() == json{{"op", "stored"}, {"ids", {"r1"}}});
  CHECK(f.Statuses("alice").size() == 1);
  CHECK(Must(f.store->QueueSize("bob")) == 1);
}

TEST_CASE("live messages are archived without a status (the broker sent it); commands get replies",
          "[unit]") {
  Fixture f;
  ArchiveRecord live = Direct("alice", "bob", "hi", "L1");
  live.ref = "r9";
  f.Archive({live});
  f.service->EndBatch();
  CHECK(f.Statuses("alice").empty());
  CHECK(Must(f.store->QueueSize("bob")) == 0);
  f.Login("bob", 1);
  f.Archive({Command("alice", "block bob"), Command("alice", "who")});
  f.Archive({Command("alice", "history bob"), Command("alice", "history carol")});
  auto replies = f.link.On("im/svc/alice");
  REQUIRE(replies.size() == 4);
  CHECK(replies[0].Json()["ok"] == true);
  CHECK(f.link.On("$CONTROL/imchat/v1").back().Json() ==
        json{{"op", "block"}, {"user", "alice"}, {"target", "bob"}});
  CHECK(replies[1].Json()["users"] == json::array());  // bob is hidden from alice
  CHECK(replies[2].Json()["messages"].size() == 1);    // the live message was archived
  CHECK(replies[3].Json()["messages"].empty());
}

TEST_CASE("idle users get a notice and a kick once", "[unit]") {
  Fixture f;
  f.service.reset();
  imchat::ServiceOptions options;
  options.idle_timeout_s = 10;
  f.service = std::make_unique<imchat::Service>(
      *f.store, f.link, f.log, [&f] { return f.now; }, options);
  f.service->OnConnected();
  f.Event("im/sessions", {{"sessions", json::array()}});
  f.Login("alice", 1);
  f.Login("bob", 2);
  f.now += 6000;
  f.Archive({Broadcast("bob", "still here", "b1")});
  f.now += 5000;
  f.service->Tick();
  f.now += 1000;
  f.service->Tick();
  auto kicks = f.link.On("$CONTROL/imchat/v1");
  int kicked = 0;
  for (const auto& k : kicks) {
    if (k.Json()["op"] == "kick") {
      ++kicked;
      CHECK(k.Json() == json{{"op", "kick"}, {"user", "alice"}, {"reason", "idle"}});
    }
  }
  CHECK(kicked == 1);
  REQUIRE_FALSE(f.link.On("im/svc/alice").empty());
  CHECK(f.link.On("im/svc/alice").back().Json()["type"] == "notice");
}

TEST_CASE("after a restart only sessions begun while the service was away are welcomed", "[unit]") {
  Fixture f;
  f.now += 5000;
  f.service->Tick();  // records when the service was last alive
  f.service->EndBatch();
  std::int64_t alive = f.now;
  f.service.reset();
  f.now += 10000;
  f.service = std::make_unique<imchat::Service>(
      *f.store, f.link, f.log, [&f] { return f.now; }, imchat::ServiceOptions{});
  f.service->SetUsers({"alice", "bob"});
  f.service->OnConnected();
  f.link.sent.clear();
  f.Event("im/sessions",
          {{"sessions",
            {{{"user", "alice"}, {"conn", 1}, {"since", alive - 100}, {"inbox", true}},
             {{"user", "bob"}, {"conn", 2}, {"since", alive + 100}, {"inbox", true}}}}});
  CHECK(f.link.On("im/svc/alice").empty());
  REQUIRE(f.link.On("im/svc/bob").size() == 1);
  CHECK(f.link.On("im/svc/bob")[0].Json()["type"] == "welcome");
}

TEST_CASE("the welcome names at most 100 online users; online_count has them all", "[unit]") {
  Fixture f;
  for (int i = 0; i < 150; ++i) f.Login("user" + std::to_string(1000 + i), 100 + i);
  f.Login("bob", 7);
  f.Inbox("bob", 7);
  auto welcome = f.link.On("im/svc/bob");
  REQUIRE(welcome.size() == 1);
  json j = welcome[0].Json();
  CHECK(j["online"].size() == 100);
  CHECK(j["online_count"] == 150);
  CHECK(j["text"].get<std::string>().find("user1000, user1001") != std::string::npos);
  CHECK(j["text"].get<std::string>().find(" and 130 more.") != std::string::npos);
}

TEST_CASE("an archive batch is handled in order: a command sees the messages before it", "[unit]") {
  Fixture f;
  f.Archive({Direct("alice", "bob", "one", "m1"), Command("alice", "history bob"),
             Direct("alice", "bob", "two", "m2"), Broadcast("alice", "all of you", "m3"),
             Command("alice", "history all")});
  auto replies = f.link.On("im/svc/alice");
  REQUIRE(replies.size() == 2);
  REQUIRE(replies[0].Json()["messages"].size() == 1);
  CHECK(replies[0].Json()["messages"][0]["text"] == "one");
  REQUIRE(replies[1].Json()["messages"].size() == 1);
  CHECK(replies[1].Json()["messages"][0]["text"] == "all of you");
}

TEST_CASE("a damaged archive batch keeps the records before the damage and logs why", "[unit]") {
  Fixture f;
  std::string batch = Batch({Direct("alice", "bob", "kept", "m1", 7, true)});
  batch += "d- m2 8 alice bob 0 999\ncut short";
  f.service->OnMessage({"im/archive", batch, {}, false});
  f.service->EndBatch();
  CHECK(Must(f.store->QueueSize("bob")) == 1);
  CHECK(f.link.On("$CONTROL/imchat/v1").back().Json() == json{{"op", "stored"}, {"ids", {"m1"}}});
}

TEST_CASE("messages an older version's session queued on chat topics are still handled", "[unit]") {
  Fixture f;
  // As the broker delivers them to a session that subscribed im/user/+/+, im/all/+, im/cmd/+.
  f.service->OnMessage(
      {"im/user/bob/alice", "while away", {{"id", "o1"}, {"ts", "77"}, {"offline", "1"}}, false});
  f.service->OnMessage({"im/all/alice", "room", {{"id", "o2"}, {"ts", "78"}}, false});
  f.service->OnMessage({"im/user/bob/alice", "unstamped", {}, false});
  f.service->EndBatch();
  auto queue = Must(f.store->Queue("bob", 10));
  REQUIRE(queue.size() == 1);
  CHECK((queue[0].id == "o1" && queue[0].ts == 77 && queue[0].body == "while away"));
  CHECK(f.Statuses("alice").size() == 1);  // queued
  // The same message again on the archive stream (both paths during the switch): once.
  f.Archive({Direct("alice", "bob", "while away", "o1", 77, true)});
  f.service->EndBatch();
  CHECK(Must(f.store->QueueSize("bob")) == 1);
  CHECK(f.Statuses("alice").size() == 1);
  f.service->OnMessage({"im/cmd/alice", "history all", {}, false});
  auto replies = f.link.On("im/svc/alice");
  REQUIRE_FALSE(replies.empty());
  REQUIRE(replies.back().Json()["messages"].size() == 1);
  CHECK(replies.back().Json()["messages"][0]["text"] == "room");
}

TEST_CASE("a command's correlation data comes back on its reply only (several devices)", "[unit]") {
  Fixture f;
  f.Login("alice", 1);
  f.Inbox("alice", 1);  // the welcome: for every device, no correlation data
  ArchiveRecord phone = Command("alice", "who");
  phone.ref = std::string("phone\n\0 7", 9);  // binary: any bytes come back as they were
  ArchiveRecord laptop = Command("alice", "history bob");
  laptop.ref = "laptop-1";
  ArchiveRecord tool = Command("alice", "blocked");  // MQTT 3.1.1: none
  f.Archive({phone, laptop, tool, Direct("alice", "bob", "hi", "k1-1", 0, true)});
  f.service->EndBatch();
  auto sent = f.link.On("im/svc/alice");
  REQUIRE(sent.size() == 5);
  CHECK(sent[0].Json()["type"] == "welcome");
  CHECK(sent[0].correlation.empty());
  CHECK(sent[1].Json()["cmd"] == "who");
  CHECK(sent[1].correlation == phone.ref);
  CHECK(sent[2].Json()["cmd"] == "history");
  CHECK(sent[2].correlation == "laptop-1");
  CHECK(sent[3].Json()["cmd"] == "blocked");
  CHECK(sent[3].correlation.empty());
  CHECK(sent[4].Json()["status"] == "queued");  // bob is offline: a status, for every device
  CHECK(sent[4].correlation.empty());
}

TEST_CASE("correlation data over the limit is refused without running the command", "[unit]") {
  Fixture f;
  ArchiveRecord long_one = Command("alice", "block bob");
  long_one.ref.assign(imchat::kMaxCorrelationBytes + 1, 'x');
  ArchiveRecord at_limit = Command("alice", "who");
  at_limit.ref.assign(imchat::kMaxCorrelationBytes, 'y');
  f.Archive({long_one, at_limit});
  f.service->EndBatch();
  auto sent = f.link.On("im/svc/alice");
  REQUIRE(sent.size() == 2);
  const json refused = sent[0].Json();
  CHECK(refused["ok"] == false);
  CHECK(refused["cmd"] == "block");
  CHECK(refused["error"] ==
        "the command's correlation data is 129 bytes; at most 128 are "
        "allowed; the command was not run");
  CHECK(sent[0].correlation.empty());  // what was refused is not echoed
  for (const Sent& c : f.link.On("$CONTROL/imchat/v1")) CHECK(c.Json()["op"] != "block");
  CHECK(sent[1].Json()["ok"] == true);
  CHECK(sent[1].correlation == at_limit.ref);
}
