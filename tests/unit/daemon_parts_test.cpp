// The service's parts on their own (service.h lists them): what each promises
// in its header, without the facade around it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_link.h"
#include "idle_watch.h"
#include "inbox_connections.h"
#include "offline_queue.h"
#include "presence_publisher.h"
#include "server_log.h"
#include "service_env.h"
#include "store.h"
#include "store_test_util.h"

namespace {

using imchat::ArchiveRecord;
using imchat::Store;
using imchat::testing::FakeLink;
using nlohmann::json;

struct Parts {
  Parts() : log("", true), out(link) {
    std::string error;
    store = Store::Open(db.path, &error);
    REQUIRE(store);
  }
  imchat::ServiceEnv Env() {
    return {*store, out, log, [this] { return now; }};
  }
  std::vector<json> Controls() const {
    std::vector<json> out_json;
    for (const auto& s : link.On("$CONTROL/imchat/v1")) out_json.push_back(s.Json());
    return out_json;
  }

  std::int64_t now = 1000000;
  imchat::testing::TempDb db;
  FakeLink link;
  imchat::ServerLog log;
  imchat::ServiceOutput out;
  std::unique_ptr<Store> store;
};

ArchiveRecord Offline(const std::string& id) {
  ArchiveRecord r;
  r.kind = ArchiveRecord::Kind::kDirect;
  r.from = "alice";
  r.to = "bob";
  r.id = id;
  r.offline = true;
  return r;
}

}  // namespace

TEST_CASE("offline queue: acks wait for the commit, in chunks of 500; errors are never acked",
          "[unit]") {
  Parts p;
  imchat::InboxConnections inboxes;
  imchat::OfflineQueue queue(p.Env(), inboxes, 10);
  CHECK_FALSE(queue.CommitUrgent());
  for (int i = 0; i < 1001; ++i)
    queue.Stored(Offline("m" + std::to_string(i)), Store::AddResult::kAdded);
  queue.Stored(Offline("dup"), Store::AddResult::kDuplicate);
  queue.Stored(Offline("bad"), Store::AddResult::kError);
  CHECK(queue.CommitUrgent());
  CHECK(p.link.sent.empty());
  queue.Committed();
  auto controls = p.Controls();
  REQUIRE(controls.size() == 3);
  CHECK(controls[0]["ids"].size() == 500);
  CHECK(controls[1]["ids"].size() == 500);
  CHECK(controls[2]["ids"] == json{"m1000", "dup"});  // "bad" is left to the plugin
  CHECK(p.link.On("im/svc/alice").size() == 1001);    // `queued` only for new messages
  CHECK_FALSE(queue.CommitUrgent());

  p.link.sent.clear();
  queue.Stored(Offline("lost"), Store::AddResult::kAdded);
  CHECK(queue.CommitFailed() == 1);
  queue.Committed();  // the next batch's commit: nothing of the failed one is sent
  CHECK(p.link.sent.empty());
}

TEST_CASE("presence publisher: one im/online per interval, none when unchanged", "[unit]") {
  Parts p;
  imchat::PresencePublisher presence(p.Env(), 75);
  presence.table().Login("alice", "1", p.now);
  presence.Changed("alice");
  presence.table().Login("bob", "2", p.now);
  presence.Changed("bob");
  REQUIRE(p.link.On("im/presence/alice").size() == 1);
  CHECK(p.link.On("im/presence/alice")[0].retain);
  presence.Tick(p.now);  // the first publication is due at once
  presence.Tick(p.now + 10);
  REQUIRE(p.link.On("im/online").size() == 1);
  CHECK(p.link.On("im/online")[0].Json() == json{"alice", "bob"});
  presence.Changed("bob");  // the same list again
  presence.Tick(p.now + 100);
  CHECK(p.link.On("im/online").size() == 1);
  presence.ForgetPublishedOnline();  // a new broker connection: publish even if unchanged
  presence.OnlineDueNow();
  presence.Tick(p.now + 110);
  CHECK(p.link.On("im/online").size() == 2);
}

TEST_CASE("idle watch: off at 0, one kick per login, activity postpones it", "[unit]") {
  Parts p;
  imchat::PresencePublisher presence(p.Env(), 75);
  presence.table().Login("alice", "1", p.now);
  imchat::IdleWatch off(p.Env(), 0);
  off.Tick(p.now + 3600 * 1000, presence.table());
  CHECK(p.link.sent.empty());

  imchat::IdleWatch idle(p.Env(), 10);
  idle.LoggedIn("alice");
  p.now += 9000;
  idle.Touch("alice");
  idle.Tick(p.now + 9000, presence.table());
  CHECK(p.link.sent.empty());
  idle.Tick(p.now + 10000, presence.table());
  idle.Tick(p.now + 20000, presence.table());
  auto kicks = p.Controls();
  REQUIRE(kicks.size() == 1);
  CHECK(kicks[0] == json{{"op", "kick"}, {"user", "alice"}, {"reason", "idle"}});
  idle.LoggedIn("alice");
  idle.Tick(p.now + 30000, presence.table());
  CHECK(p.Controls().size() == 2);
}

TEST_CASE("inbox connections: welcomed once per connection, forgotten when it ends", "[unit]") {
  imchat::InboxConnections inboxes;
  inboxes.Add("bob", "1");
  CHECK(inboxes.Has("bob"));
  CHECK(inboxes.MarkWelcomed("bob", "1"));
  CHECK_FALSE(inboxes.MarkWelcomed("bob", "1"));
  inboxes.Add("bob", "2");
  inboxes.Remove("bob", "1");
  CHECK(inboxes.Has("bob"));
  CHECK(inboxes.MarkWelcomed("bob", "1"));  // a new connection with a reused number
  inboxes.Remove("bob", "1");
  inboxes.Remove("bob", "2");
  CHECK_FALSE(inboxes.Has("bob"));
  inboxes.Add("carol", "3");
  inboxes.Clear();
  CHECK(inboxes.by_user().empty());
}
