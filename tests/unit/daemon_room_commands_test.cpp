// The room commands through the service (fake link): replies, every error,
// the membership deltas to the plugin before the reply, roominfo and notices.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "service_fixture.h"

using namespace service_test;  // NOLINT(build/namespaces): test helpers

namespace {

// The ops sent to the plugin since `from` (an index into the $CONTROL messages).
std::vector<json> ControlSince(const Fixture& f, std::size_t from) {
  std::vector<json> out;
  auto all = f.link.On("$CONTROL/imchat/v1");
  for (std::size_t i = from; i < all.size(); ++i) out.push_back(all[i].Json());
  return out;
}

std::string Error(const json& reply) {
  CHECK(reply["ok"] == false);
  return reply.value("error", std::string());
}

}  // namespace

TEST_CASE("room commands: create, join, leave with replies, deltas and roominfo", "[unit]") {
  Fixture f;
  std::size_t c0 = f.link.On("$CONTROL/imchat/v1").size();
  json r = f.Run("alice", "create #dev");
  CHECK(r["ok"] == true);
  CHECK(r["room"] == "dev");
  CHECK(r["invite_only"] == false);
  CHECK(ControlSince(f, c0) ==
        std::vector<json>{{{"op", "room_add"}, {"room", "dev"}, {"members", {"alice"}}}});
  auto info = f.link.On("im/roominfo/dev");
  REQUIRE(info.size() == 1);
  CHECK(info[0].retain);
  json i = info[0].Json();
  CHECK(i["room"] == "dev");
  CHECK(i["owner"] == "alice");
  CHECK(i["topic"] == "");
  CHECK(i["invite_only"] == false);
  CHECK(i["member_count"] == 1);
  CHECK(i["members"] == json{"alice"});
  CHECK(i["ts"] == f.now);
  CHECK(i["event"] == json{{"type", "create"}, {"user", "alice"}});

  // The delta and roominfo go out before the reply.
  std::size_t before = f.link.sent.size();
  r = f.Run("bob", "join dev");
  CHECK(r["ok"] == true);
  CHECK(r["member_count"] == 2);
  REQUIRE(f.link.sent.size() == before + 3);
  CHECK(f.link.sent[before].topic == "$CONTROL/imchat/v1");
  CHECK(f.link.sent[before].Json() ==
        json{{"op", "room_add"}, {"room", "dev"}, {"members", {"bob"}}});
  CHECK(f.link.sent[before + 1].topic == "im/roominfo/dev");
  CHECK(f.link.sent[before + 1].Json()["event"] == json{{"type", "join"}, {"user", "bob"}});
  CHECK(f.link.sent[before + 1].Json()["members"] == json{"alice", "bob"});
  CHECK(f.link.sent[before + 2].topic == "im/svc/bob");

  CHECK(f.Run("carol", "join #dev")["ok"] == true);
  // The owner leaves: the longest-standing member (bob) owns it now.
  std::size_t c1 = f.link.On("$CONTROL/imchat/v1").size();
  r = f.Run("alice", "leave dev");
  CHECK(r["ok"] == true);
  CHECK(r["owner"] == "bob");
  CHECK(r["closed"] == false);
  CHECK_THAT(r["text"].get<std::string>(), Catch::Contains("bob owns it now"));
  CHECK(ControlSince(f, c1) ==
        std::vector<json>{{{"op", "room_remove"}, {"room", "dev"}, {"members", {"alice"}}}});
  i = f.link.On("im/roominfo/dev").back().Json();
  CHECK(i["owner"] == "bob");
  CHECK(i["members"] == json{"bob", "carol"});
  CHECK(i["event"] == json{{"type", "leave"}, {"user", "alice"}});
  CHECK(f.Run("carol", "leave dev")["ok"] == true);
  // The last member leaves: the room closes and its roominfo is cleared.
  std::size_t c2 = f.link.On("$CONTROL/imchat/v1").size();
  r = f.Run("bob", "leave dev");
  CHECK(r["closed"] == true);
  CHECK_THAT(r["text"].get<std::string>(), Catch::Contains("the room is closed"));
  CHECK(ControlSince(f, c2) == std::vector<json>{{{"op", "room_close"}, {"room", "dev"}}});
  auto last = f.link.On("im/roominfo/dev").back();
  CHECK(last.retain);
  CHECK(last.payload.empty());
  CHECK(Error(f.Run("bob", "join dev")) == "no such room #dev; create it with 'create dev'");
  // A new room of the same name is new: alice owns it.
  CHECK(f.Run("alice", "create dev")["ok"] == true);
}

TEST_CASE("room commands: every error is specific", "[unit]") {
  Fixture f;
  CHECK(f.Run("alice", "create dev")["ok"] == true);
  CHECK(f.Run("alice", "create priv invite-only")["ok"] == true);
  CHECK(Error(f.Run("bob", "create dev")) == "room #dev already exists; join it with 'join dev'");
  CHECK(Error(f.Run("alice", "create dev")) == "room #dev already exists; you are a member");
  CHECK(Error(f.Run("bob", "create priv")) ==
        "room #priv already exists; it is invite-only; ask alice to invite you");
  CHECK_THAT(Error(f.Run("bob", "create a/b")), Catch::StartsWith("bad room name 'a/b': "));
  CHECK_THAT(Error(f.Run("bob", "join #")), Catch::StartsWith("bad room name '#': "));
  CHECK_THAT(Error(f.Run("bob", "join " + std::string(33, 'x'))),
             Catch::StartsWith("bad room name"));
  CHECK_THAT(Error(f.Run("bob", "create x loud")),
             Catch::StartsWith("'loud' is not 'invite-only'"));
  CHECK(Error(f.Run("bob", "join nope")) == "no such room #nope; create it with 'create nope'");
  CHECK(Error(f.Run("alice", "join dev")) == "you are already a member of #dev");
  CHECK(Error(f.Run("bob", "join priv")) ==
        "#priv is invite-only; ask its owner alice to invite you");
  CHECK(Error(f.Run("bob", "leave dev")) == "you are not a member of #dev");
  CHECK(Error(f.Run("bob", "leave nope")) == "no such room #nope");
  CHECK(Error(f.Run("bob", "members dev")) ==
        "you are not a member of #dev; join it with 'join dev'");
  CHECK(Error(f.Run("bob", "members priv")) == "you are not a member of #priv");
  CHECK(Error(f.Run("bob", "topic dev hello")) ==
        "you are not a member of #dev; join it with 'join dev'");
  CHECK(Error(f.Run("bob", "history #dev")) ==
        "you are not a member of #dev; join it with 'join dev'");
  CHECK(Error(f.Run("bob", "history #nope")) == "no such room #nope");
  CHECK(Error(f.Run("bob", "invite dev carol")) ==
        "you are not a member of #dev; join it with 'join dev'");
  CHECK(Error(f.Run("alice", "invite dev zed")) == "unknown user 'zed'");
  CHECK(Error(f.Run("alice", "invite dev alice")) == "alice is already a member of #dev");
  CHECK(Error(f.Run("alice", "kick dev alice")) == "you cannot kick yourself; use 'leave dev'");
  CHECK(Error(f.Run("alice", "kick dev zed")) == "unknown user 'zed'");
  CHECK(Error(f.Run("alice", "kick dev bob")) == "bob is not a member of #dev");
  CHECK(f.Run("bob", "join dev")["ok"] == true);
  CHECK(Error(f.Run("bob", "kick dev alice")) ==
        "you are not the owner of #dev; only alice can kick");
  // In an invite-only room only the owner invites.
  CHECK(f.Run("alice", "invite priv bob")["ok"] == true);
  CHECK(Error(f.Run("bob", "invite priv carol")) ==
        "#priv is invite-only: only its owner alice can invite; you are not the owner");
  // The invitee blocks the inviter.
  CHECK(f.Run("carol", "block bob")["ok"] == true);
  CHECK(Error(f.Run("bob", "invite dev carol")) == "carol blocks you; you cannot invite them");
  CHECK_THAT(Error(f.Run("bob", "rooms some")), Catch::StartsWith("'some' is not 'all'"));
  CHECK(Error(f.Run("bob", "rooms all 2")) == "there is no page 2 (1 page)");
  CHECK_THAT(Error(f.Run("bob", "topic dev " + std::string(201, 't'))),
             Catch::StartsWith("topic too long (at most 200 characters)"));
  CHECK_THAT(Error(f.Run("bob", "invite dev")), Catch::StartsWith("missing argument"));
}

TEST_CASE("room commands: invite, kick, topic, members, rooms, history", "[unit]") {
  Fixture f;
  f.Login("bob", 2);
  CHECK(f.Run("alice", "create dev invite-only")["ok"] == true);
  std::size_t c0 = f.link.On("$CONTROL/imchat/v1").size();
  json r = f.Run("alice", "invite #dev bob");
  CHECK(r["ok"] == true);
  CHECK(r["user"] == "bob");
  CHECK(ControlSince(f, c0) ==
        std::vector<json>{{{"op", "room_add"}, {"room", "dev"}, {"members", {"bob"}}}});
  json notice = f.link.On("im/svc/bob").back().Json();
  CHECK(notice == json{{"type", "notice"},
                       {"event", "invited"},
                       {"room", "dev"},
                       {"by", "alice"},
                       {"text", "alice added you to #dev"}});
  CHECK(f.link.On("im/roominfo/dev").back().Json()["event"] ==
        json{{"type", "invite"}, {"user", "bob"}, {"by", "alice"}});

  r = f.Run("bob", "topic dev  release on Friday ");
  CHECK(r["topic"] == "release on Friday");
  json info = f.link.On("im/roominfo/dev").back().Json();
  CHECK(info["topic"] == "release on Friday");
  CHECK(info["event"] == json{{"type", "topic"}, {"user", "bob"}, {"by", "bob"}});
  CHECK(f.Run("alice", "topic dev")["text"] == "Topic of #dev: release on Friday");

  r = f.Run("alice", "members dev");
  CHECK(r["members"] == json{{{"user", "alice"}, {"role", "owner"}, {"online", false}},
                             {{"user", "bob"}, {"role", "member"}, {"online", true}}});

  f.Archive(
      {RoomMessage("alice", "dev", "one", "m1", 10), RoomMessage("bob", "dev", "two", "m2", 11)});
  f.service->EndBatch();
  r = f.Run("bob", "history #dev 5");
  REQUIRE(r["messages"].size() == 2);
  CHECK(r["messages"][0] == json{{"id", "m1"},
                                 {"from", "alice"},
                                 {"to", "#dev"},
                                 {"room", "dev"},
                                 {"ts", 10},
                                 {"text", "one"}});
  CHECK(r["messages"][1]["text"] == "two");
  CHECK(f.Run("bob", "history #dev 1")["messages"].size() == 1);

  // alice is offline: bob's message waits for her; bob got alice's live (inbox? no: logged in
  // without an inbox, so both are unread for him too).
  r = f.Run("alice", "rooms");
  CHECK(
      r["rooms"] ==
      json{{{"room", "dev"}, {"topic", "release on Friday"}, {"member_count", 2}, {"unread", 1}}});
  CHECK(f.Run("carol", "rooms")["text"] == "You are in no rooms; 'rooms all' lists the open ones.");
  CHECK(f.Run("carol", "create open1")["ok"] == true);
  r = f.Run("bob", "rooms all");
  CHECK(r["rooms"] == json{{{"room", "open1"}, {"topic", ""}, {"member_count", 1}}});  // not dev
  CHECK(r["page"] == 1);
  CHECK(r["pages"] == 1);
  CHECK(r["total"] == 1);

  std::size_t c1 = f.link.On("$CONTROL/imchat/v1").size();
  r = f.Run("alice", "kick dev bob");
  CHECK(r["ok"] == true);
  CHECK(ControlSince(f, c1) ==
        std::vector<json>{{{"op", "room_remove"}, {"room", "dev"}, {"members", {"bob"}}}});
  CHECK(f.link.On("im/svc/bob").back().Json() == json{{"type", "notice"},
                                                      {"event", "kicked"},
                                                      {"room", "dev"},
                                                      {"by", "alice"},
                                                      {"text", "alice removed you from #dev"}});
  CHECK(f.link.On("im/roominfo/dev").back().Json()["event"] ==
        json{{"type", "kick"}, {"user", "bob"}, {"by", "alice"}});
  CHECK(Error(f.Run("bob", "history #dev")) == "you are not a member of #dev");
  // help lists the room commands; history with a user still works.
  std::string help = f.Run("bob", "help")["text"];
  for (const char* usage :
       {"create <room> [invite-only]", "join <room>", "leave <room>", "rooms [all [page]]",
        "members <room>", "invite <room> <user>", "kick <room> <user>", "topic <room> [text]",
        "history <user>|all|#<room> [n]"}) {
    CHECK_THAT(help, Catch::Contains(usage));
  }
  CHECK(f.Run("bob", "history alice")["ok"] == true);
}

TEST_CASE("rooms all pages open rooms; the snapshot after hello lists every room", "[unit]") {
  Fixture f;
  for (int k = 0; k < imchat::kRoomsPerPage + 3; ++k) {
    char name[8];
    std::snprintf(name, sizeof name, "r%03d", k);
    f.Archive({Command("alice", std::string("create ") + name)});
  }
  f.service->EndBatch();
  json r = f.Run("bob", "rooms all 2");
  CHECK(r["pages"] == 2);
  CHECK(r["total"] == imchat::kRoomsPerPage + 3);
  REQUIRE(r["rooms"].size() == 3);
  CHECK(r["rooms"][0]["room"] == "r050");
  CHECK(f.Run("bob", "join r001")["ok"] == true);

  std::size_t c0 = f.link.On("$CONTROL/imchat/v1").size();
  f.service->OnDisconnected();
  f.service->OnConnected();
  f.Event("im/sessions", {{"ts", f.now}, {"sessions", json::array()}});
  auto ops = ControlSince(f, c0);
  REQUIRE(ops.size() == 1 + 1 + 1 + (imchat::kRoomsPerPage + 3) + 1);  // hello, blocks, ...
  CHECK(ops[2] == json{{"op", "rooms_begin"}});
  CHECK(ops[3] == json{{"op", "room_set"}, {"room", "r000"}, {"members", {"alice"}}});
  CHECK(ops[4] == json{{"op", "room_set"}, {"room", "r001"}, {"members", {"alice", "bob"}}});
  CHECK(ops.back() == json{{"op", "rooms_end"}});

  // A restarted service reads the rooms back from the database.
  f.Restart(imchat::ServiceOptions{}, false);
  CHECK(f.Run("bob", "members r001")["members"].size() == 2);
  CHECK(Error(f.Run("bob", "join r001")) == "you are already a member of #r001");
}
