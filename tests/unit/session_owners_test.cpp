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

TEST_CASE("a user's client ids are bounded; past the bound new ids are refused, none forgotten",
          "[unit]") {
  SessionOwners owners(SmallLimits());
  owners.Connected("alice-1", "alice", 10);
  owners.Disconnected("alice-1", 10);
  for (int i = 0; i < 3; ++i) {
    const std::string id = "bob-" + std::to_string(i);
    REQUIRE(owners.CanClaim(id, "bob"));
    owners.Connected(id, "bob", 20 + i);
    owners.Disconnected(id, 20 + i);
  }
  // A 4th id is refused; forgetting bob-0's owner would leave its session (still kept by the
  // broker) open to anyone who knows the id.
  CHECK_FALSE(owners.CanClaim("bob-new", "bob"));
  CHECK(owners.CanClaim("bob-0", "bob"));          // his own ids stay usable
  CHECK_FALSE(owners.CanClaim("bob-0", "alice"));  // and stay his
  CHECK(owners.CanClaim("alice-2", "alice"));      // another user's bound is separate
  CHECK(owners.Find("bob-0"));
  // A clean session on one of his ids ends it, which makes room.
  owners.Forget("bob-1");
  CHECK(owners.CanClaim("bob-new", "bob"));
  owners.Connected("bob-new", "bob", 30);
  CHECK(owners.size() == 1 + 3);
  // Expiry makes room too.
  owners.Disconnected("bob-new", 30);
  owners.Expire(30 + 1000 + 1);
  CHECK(owners.CanClaim("bob-other", "bob"));
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
