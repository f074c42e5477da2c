// The service when its database fails under it: what was not stored is not
// acknowledged, what cannot be read is not replayed, and server.log says why.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "service_fixture.h"

using namespace service_test;  // NOLINT(build/namespaces): test helpers

TEST_CASE("a message the store could not queue is not acked to the plugin; the log says why",
          "[unit]") {
  Fixture f;
  imchat::testing::RawSql(f.path, "DROP TABLE messages");
  f.Archive({Direct("alice", "bob", "kept by the plugin", "q1", 5, true)});
  CHECK_FALSE(f.service->EndBatch());
  // hello, blocks, rooms_begin, rooms_end: no `stored`
  CHECK(f.link.On("$CONTROL/imchat/v1").size() == 4);
  CHECK(f.Statuses("alice").empty());  // no `queued` either
  std::string log = f.Log();
  CHECK_THAT(log, Catch::Contains("message alice -> bob") && Catch::Contains("[store error: "));
  CHECK_THAT(log, Catch::Contains("error: database commit failed: ") &&
                      Catch::Contains("no such table: messages"));
  // The service asks the plugin to resend what it keeps.
  f.now += 2000;
  f.service->Tick();
  CHECK(f.link.On("$CONTROL/imchat/v1").back().Json() == json{{"op", "hello"}});
}

TEST_CASE("a queue the store cannot read is not replayed; welcome and log say so", "[unit]") {
  Fixture f;
  f.Archive({Direct("alice", "bob", "one", "q1", 5, true)});
  REQUIRE(f.service->EndBatch());
  imchat::testing::RawSql(f.path, "DROP TABLE messages");
  f.Login("bob", 7);
  f.Inbox("bob", 7);
  CHECK(f.link.On("im/user/bob/alice").empty());
  auto welcome = f.link.On("im/svc/bob");
  REQUIRE(welcome.size() == 1);
  CHECK(welcome[0].Json()["queued"] == 0);
  std::string log = f.Log();
  CHECK_THAT(log, Catch::Contains("error: welcome for bob without the queued count: cannot read "
                                  "the offline queue's size"));
  CHECK_THAT(log, Catch::Contains("error: replay to bob stopped: cannot read the offline queue") &&
                      Catch::Contains("the messages stay queued until bob connects again"));
  // A command reading the same table is refused with a reply that says so.
  f.Archive({Command("bob", "history alice")});
  auto reply = f.link.On("im/svc/bob").back().Json();
  CHECK(reply["ok"] == false);
  CHECK(reply["text"] == "the server could not read its database; try again later");
}
