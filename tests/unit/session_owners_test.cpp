// The owners of persistent sessions: claims, clean sessions, the per-user bound, expiry
// and the saved form the plugin reads back after a broker restart.
#include "session_owners.h"

#include <catch2/catch.hpp>
#include <string>

using imchat::SessionOwners;

namespace {

SessionOwners::Limits SmallLimits() {
  SessionOwners::Limits limits;
  limits.max_per_user = 3;
  limits.keep_seconds = 1000;
  return limits;
}

SessionOwners RoundTrip(const SessionOwners& owners, std::int64_t now_s) {
  std::string error;
  auto back = SessionOwners::Parse(owners.Serialize(), SmallLimits(), now_s, &error);
  INFO(error);
  REQUIRE(back);
  return *back;
}

}  // namespace

TEST_CASE("a persistent session belongs to its user until a clean session", "[unit]") {
  SessionOwners owners(SmallLimits());
  CHECK(owners.Find("phone") == nullptr);
  owners.Connected("phone", "bob", 100);
  REQUIRE(owners.Find("phone"));
  CHECK(owners.Find("phone")->user == "bob");
  CHECK(owners.dirty());
  owners.ClearDirty();
  owners.Disconnected("phone", 110);
  CHECK(owners.dirty());
  CHECK(owners.Find("phone")->user == "bob");
  owners.Forget("phone");
  CHECK(owners.Find("phone") == nullptr);
}

TEST_CASE("session owners survive a save and a load", "[unit]") {
  SessionOwners owners(SmallLimits());
  owners.Connected("bob-phone", "bob", 100);
  owners.Disconnected("bob-phone", 200);
  owners.Connected("alice \"laptop\"\n\xC3\xA9", "alice", 150);  // still connected
  owners.Find("bob-phone")->inbox = true;
  SessionOwners back = RoundTrip(owners, 300);
  REQUIRE(back.size() == 2);
  CHECK(back.Find("bob-phone")->user == "bob");
  CHECK(back.Find("bob-phone")->seen_s == 200);
  CHECK(back.Find("bob-phone")->live == 0);
  CHECK_FALSE(back.Find("bob-phone")->inbox);  // the broker may have lost the subscription
  // Connected when saved: its expiry starts at the load, like the broker's.
  CHECK(back.Find("alice \"laptop\"\n\xC3\xA9")->seen_s == 300);
  CHECK_FALSE(back.dirty());
}

TEST_CASE("owners expire after keep_seconds idle, never while connected", "[unit]") {
  SessionOwners owners(SmallLimits());
  owners.Connected("idle", "bob", 100);
  owners.Disconnected("idle", 100);
  owners.Connected("busy", "bob", 100);
  CHECK(owners.Expire(1100) == 0);
  CHECK(owners.Expire(1101) == 1);
  CHECK(owners.Find("idle") == nullptr);
  CHECK(owners.Find("busy"));
  // Expired entries in a saved file are dropped at load (and the file is rewritten).
  SessionOwners saved(SmallLimits());
  saved.Connected("old", "bob", 100);
  saved.Disconnected("old", 100);
  std::string error;
  auto back = SessionOwners::Parse(saved.Serialize(), SmallLimits(), 5000, &error);
  REQUIRE(back);
  CHECK(back->size() == 0);
  CHECK(back->dirty());
}

TEST_CASE("a user's client ids are bounded; only that user's idle ones make room", "[unit]") {
  SessionOwners owners(SmallLimits());
  owners.Connected("alice-1", "alice", 10);
  owners.Disconnected("alice-1", 10);
  for (int i = 0; i < 3; ++i) {
    const std::string id = "bob-" + std::to_string(i);
    owners.Connected(id, "bob", 20 + i);
    owners.Disconnected(id, 20 + i);
  }
  owners.Connected("bob-live", "bob", 50);  // 4th: the longest-idle bob-0 goes
  CHECK(owners.Find("bob-0") == nullptr);
  CHECK(owners.Find("bob-1"));
  CHECK(owners.Find("alice-1"));  // another user's ids are never touched
  for (int i = 0; i < 100; ++i) owners.Connected("bob-many-" + std::to_string(i), "bob", 60);
  CHECK(owners.Find("alice-1"));
  CHECK(owners.Find("bob-live"));  // connected ids stay
  CHECK(owners.size() <= 1 + 100 + 1);
  // Once they disconnect, the next claim brings bob back to the bound.
  for (int i = 0; i < 100; ++i) owners.Disconnected("bob-many-" + std::to_string(i), 70);
  owners.Disconnected("bob-live", 70);
  owners.Connected("bob-new", "bob", 80);
  CHECK(owners.size() == 1 + 3);
  CHECK(owners.Find("bob-new"));
}

TEST_CASE("a takeover by the same user keeps the id live until both ended", "[unit]") {
  SessionOwners owners(SmallLimits());
  owners.Connected("phone", "bob", 10);
  owners.Connected("phone", "bob", 20);  // new connection first, the old one's end later
  owners.Disconnected("phone", 21);
  CHECK(owners.Find("phone")->live == 1);
  owners.Disconnected("phone", 30);
  owners.Disconnected("phone", 40);  // an extra end changes nothing
  CHECK(owners.Find("phone")->live == 0);
  CHECK(owners.Find("phone")->seen_s == 30);
}

TEST_CASE("invalid session owner files are refused", "[unit]") {
  const char* bad[] = {
      "",
      "{",
      "[]",
      R"({"version": 2, "sessions": []})",
      R"({"version": 1})",
      R"({"version": 1, "sessions": [1]})",
      R"({"version": 1, "sessions": [{"client_id": "x", "user": "bob", "seen": 1}]})",
      R"({"version": 1, "sessions": [{"client_id": "x", "user": "", "seen": 1, "live": false}]})",
      R"({"version": 1, "sessions": [{"client_id": "x", "user": "bob", "seen": 1, "live": false},
                                     {"client_id": "x", "user": "eve", "seen": 1, "live": false}]})",
  };
  for (const char* text : bad) {
    std::string error;
    INFO(text);
    CHECK_FALSE(SessionOwners::Parse(text, SmallLimits(), 10, &error));
    CHECK_FALSE(error.empty());
  }
  std::string error;
  auto empty = SessionOwners::Parse(R"({"version": 1, "sessions": []})", SmallLimits(), 10, &error);
  REQUIRE(empty);
  CHECK(empty->size() == 0);
}
