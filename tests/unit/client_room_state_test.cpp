// Room conversations in the client's state machine (client/chat_state.h,
// topics.md "Rooms"): what room commands publish, which conversation plain
// lines go to, how room lines show their context, room info and notices,
// statuses of room messages, unread counts, and replies to room commands.
#include <catch2/catch.hpp>

#include "client_state_util.h"

using namespace client_state_test;  // NOLINT(build/namespaces): test helpers

namespace {

Incoming Reply(const std::string& json) { return Msg("im/svc/alice", json); }

std::string Info(const std::string& room, const std::string& extra) {
  return R"({"room":")" + room +
         R"(","topic":"Release Friday","owner":"alice","invite_only":false,"member_count":3,"members":["alice","bob","carol"],"ts":1)" +
         extra + "}";
}

}  // namespace

TEST_CASE("client rooms: a command too long for the service stays here", "[unit]") {
  // The room commands' syntax is in client_state_test.cpp with the other commands.
  ChatState s("alice");
  Action a = Type(s, "/topic dev " + std::string(1020, 't'));
  CHECK(a.publish.empty());
  CHECK(Show(a.lines) ==
        Strings{"12:00:01 -- error: command too long (1030 bytes; at most 1024); not sent"});
}

TEST_CASE("client rooms: /leave and /members without a room use the current one", "[unit]") {
  ChatState s("alice");
  Action a = Type(s, "/leave");
  CHECK(a.publish.empty());
  CHECK(Show(a.lines) ==
        Strings{"12:00:01 -- error: /leave needs a room: you are not talking in one; /leave "
                "<room>"});
  CHECK(Show(Type(s, "/members").lines) ==
        Strings{"12:00:01 -- error: /members needs a room: you are not talking in one; /members "
                "<room>"});
  Type(s, "/query bob");
  CHECK(Type(s, "/leave").publish.empty());  // a user is not a room
  Type(s, "/query #dev");
  CHECK(Type(s, "/members").publish.at(0).payload == "members dev");
  CHECK(Type(s, "/part").publish.at(0).payload == "leave dev");
}

TEST_CASE("client rooms: the current conversation decides where plain lines go", "[unit]") {
  ChatState s("alice");
  Action a = Type(s, "/query #dev");
  CHECK(a.publish.empty());
  CHECK(Show(a.lines) ==
        Strings{"12:00:01 -- what you type now goes to #dev; /query alone goes back to everyone"});
  CHECK(s.query() == "#dev");
  CHECK(s.Prompt() == "alice -> #dev> ");
  a = Type(s, "hello dev");
  REQUIRE(a.publish.size() == 1);
  CHECK(a.publish[0].topic == "im/room/dev");
  CHECK(a.publish[0].payload == "hello dev");
  CHECK_FALSE(a.publish[0].ref.empty());  // matches the service's `sent` status
  CHECK(a.lines.empty());                 // my line comes back from the broker
  CHECK(s.AwaitingReplies() == 1);
  // /msg still goes to one user; /query moves between conversations.
  CHECK(Type(s, "/msg bob psst").publish.at(0).topic == "im/user/bob");
  Type(s, "/query bob");
  CHECK(Type(s, "x").publish.at(0).topic == "im/user/bob");
  Type(s, "/query #ops");
  CHECK(Type(s, "x").publish.at(0).topic == "im/room/ops");
  Type(s, "/query");
  CHECK(s.Prompt() == "alice> ");
  CHECK(Type(s, "x").publish.at(0).topic == "im/all");
}

TEST_CASE("client rooms: room lines carry their room unless it is the current one", "[unit]") {
  ChatState s("alice");
  Receive(s,
          Msg("im/presence/bob", R"({"user":"bob","display":"Bob B.","online":true})", {}, true));
  CHECK(Receive(s, Msg("im/room/dev/bob", "hi", {{"id", "r1"}})) ==
        Strings{"12:00:01 [#dev] <bob (Bob B.)> hi"});
  CHECK(Receive(s, Msg("im/room/dev/bob", "hi", {{"id", "r1"}})).empty());  // a duplicate
  CHECK(Receive(s, Msg("im/all/carol", "to all", {{"id", "b1"}})) ==
        Strings{"12:00:01 <carol> to all"});
  Type(s, "/query #dev");
  CHECK(Receive(s, Msg("im/room/dev/carol", "in dev", {{"id", "r2"}})) ==
        Strings{"12:00:01 <carol> in dev"});
  CHECK(Receive(s, Msg("im/room/dev/alice", "mine", {{"id", "r2a"}})) ==
        Strings{"12:00:01 <alice> mine"});
  // While a room is current, a broadcast must not pass for one of its lines.
  CHECK(Receive(s, Msg("im/all/carol", "to all", {{"id", "b2"}})) ==
        Strings{"12:00:01 [all] <carol> to all"});
  CHECK(Receive(s, Msg("im/room/ops/carol", "in ops", {{"id", "r3"}})) ==
        Strings{"12:00:01 [#ops] <carol> in ops"});
  CHECK(Receive(s, Msg("im/user/alice/carol", "dm", {{"id", "d1"}})) ==
        Strings{"12:00:01 *carol* dm"});
  // Replayed room lines are tagged like replayed private ones.
  const std::string ts = std::to_string(kEarlier);
  CHECK(Receive(s, Msg("im/room/ops/bob", "missed", {{"id", "r4"}, {"ts", ts}, {"queued", "1"}})) ==
        Strings{"11:58:03 [away] [#ops] <bob (Bob B.)> missed"});
  std::vector<Line> lines = s.OnMessage(Msg("im/room/ops/bob", "x", {{"id", "r5"}}), kNoon);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].to == "#ops");
  CHECK(lines[0].context == "#ops");
  // Malformed room topics are ignored.
  CHECK(Receive(s, Msg("im/room/dev", "x")).empty());
  CHECK(Receive(s, Msg("im/room/d+v/bob", "x")).empty());
  CHECK(Receive(s, Msg("im/room/dev/bob/x", "x")).empty());
}

TEST_CASE("client rooms: unseen lines are counted per room until it becomes current", "[unit]") {
  ChatState s("alice");
  Receive(s, Msg("im/room/dev/bob", "1", {{"id", "a"}}));
  Receive(s, Msg("im/room/dev/bob", "2", {{"id", "b"}}));
  Receive(s, Msg("im/room/ops/bob", "3", {{"id", "c"}}));
  CHECK(s.rooms().Find("dev")->unseen == 2);
  CHECK(s.rooms().Find("ops")->unseen == 1);
  Type(s, "/query #dev");
  CHECK(s.rooms().Find("dev")->unseen == 0);
  Receive(s, Msg("im/room/dev/bob", "4", {{"id", "d"}}));  // current: seen
  CHECK(s.rooms().Find("dev")->unseen == 0);
  Type(s, "/rooms");
  const std::string reply =
      R"({"type":"reply","cmd":"rooms","ok":true,"text":"x","rooms":[{"room":"dev","topic":"Release Friday","member_count":3,"unread":0},{"room":"ops","topic":"","member_count":1,"unread":2}]})";
  CHECK(Receive(s, Reply(reply)) ==
        Strings{"12:00:01 -- your rooms (2):",
                "12:00:01 --   #dev (3 members, current): Release Friday",
                "12:00:01 --   #ops (1 member, 2 unread, 1 new while you were elsewhere)"});
  CHECK(s.AwaitingReplies() == 0);
}

TEST_CASE("client rooms: join and create replies make the room current", "[unit]") {
  ChatState s("alice");
  Type(s, "/join #dev");
  CHECK(
      Receive(
          s,
          Reply(
              R"({"type":"reply","cmd":"join","ok":true,"text":"x","room":"dev","topic":"Release Friday","member_count":4})")) ==
      Strings{"12:00:01 -- joined #dev (4 members); topic: Release Friday",
              "12:00:01 -- what you type now goes to #dev; /query alone goes back to everyone"});
  CHECK(s.Prompt() == "alice -> #dev> ");
  CHECK(s.rooms().IsMember("dev"));
  // A refused join leaves the conversation where it was.
  Type(s, "/join ops");
  CHECK(
      Receive(
          s,
          Reply(
              R"({"type":"reply","cmd":"join","ok":false,"error":"#ops is invite-only; ask its owner to /invite you","text":"x"})")) ==
      Strings{"12:00:01 -- error: #ops is invite-only; ask its owner to /invite you"});
  CHECK(s.query() == "#dev");
  CHECK_FALSE(s.rooms().IsMember("ops"));
  Type(s, "/create ops invite-only");
  CHECK(
      Receive(
          s,
          Reply(
              R"({"type":"reply","cmd":"create","ok":true,"text":"x","room":"ops","invite_only":true})")) ==
      Strings{"12:00:01 -- created invite-only room #ops; you own it",
              "12:00:01 -- what you type now goes to #ops; /query alone goes back to everyone"});
  CHECK(s.query() == "#ops");
  // A join reply nobody here asked for (another client of mine) does not move this one.
  CHECK(Receive(s, Reply(R"({"type":"reply","cmd":"join","ok":true,"room":"qa"})")) ==
        Strings{"12:00:01 -- joined #qa"});
  CHECK(s.query() == "#ops");
  // Leaving the current room goes back to everyone.
  Type(s, "/leave");
  CHECK(Receive(s, Reply(R"({"type":"reply","cmd":"leave","ok":true,"text":"x","room":"ops"})")) ==
        Strings{"12:00:01 -- left #ops",
                "12:00:01 -- you are no longer in #ops: what you type goes to everyone"});
  CHECK(s.Prompt() == "alice> ");
  CHECK_FALSE(s.rooms().IsMember("ops"));
  CHECK(s.KnownRooms() == Strings{"dev", "qa"});
}

TEST_CASE("client rooms: room info sets state; live events become notices", "[unit]") {
  ChatState s("alice");
  auto info = [](const std::string& event) {
    return Msg("im/roominfo/dev", Info("dev", event.empty() ? "" : R"(,"event":)" + event));
  };
  CHECK(Receive(s, Msg("im/roominfo/dev", Info("dev", R"(,"event":{"type":"join","user":"bob"})"),
                       {}, true))
            .empty());  // retained: state only
  const imchat::client::RoomState* dev = s.rooms().Find("dev");
  REQUIRE(dev != nullptr);
  CHECK(dev->topic == "Release Friday");
  CHECK(dev->owner == "alice");
  CHECK(dev->member_count == 3);
  CHECK(dev->members == Strings{"alice", "bob", "carol"});
  CHECK(Receive(s, info(R"({"type":"join","user":"bob"})")) ==
        Strings{"12:00:01 -- bob joined #dev"});
  CHECK(Receive(s, info(R"({"type":"leave","user":"bob"})")) ==
        Strings{"12:00:01 -- bob left #dev"});
  CHECK(Receive(s, info(R"({"type":"kick","user":"carol","by":"bob"})")) ==
        Strings{"12:00:01 -- bob removed carol from #dev"});
  CHECK(Receive(s, info(R"({"type":"invite","user":"dave","by":"bob"})")) ==
        Strings{"12:00:01 -- bob added dave to #dev"});
  CHECK(Receive(s, info(R"({"type":"topic","user":"bob","by":"bob"})")) ==
        Strings{"12:00:01 -- topic of #dev (set by bob): Release Friday"});
  CHECK(Receive(s, info(R"({"type":"create","user":"bob","by":"bob"})")) ==
        Strings{"12:00:01 -- bob created #dev"});
  CHECK(Receive(s, info(R"({"type":"rename","user":"bob"})")).empty());  // unknown: state only
  CHECK(Receive(s, info("")).empty());
  // What I did myself is in my reply; what was done to me comes as a notice.
  CHECK(Receive(s, info(R"({"type":"join","user":"alice"})")).empty());
  CHECK(Receive(s, info(R"({"type":"kick","user":"carol","by":"alice"})")).empty());
  CHECK(Receive(s, info(R"({"type":"invite","user":"alice","by":"bob"})")).empty());
  // Untrusted text is escaped.
  CHECK(Receive(
            s, Msg("im/roominfo/dev",
                   R"({"room":"dev","topic":"\u001b[2Jx","event":{"type":"topic","by":"bob"}})")) ==
        Strings{"12:00:01 -- topic of #dev (set by bob): \\x1b[2Jx"});
  // Closed: the retained info is cleared.
  Type(s, "/query #dev");
  CHECK(Receive(s, Msg("im/roominfo/dev", "")) ==
        Strings{"12:00:01 -- #dev was closed",
                "12:00:01 -- you are no longer in #dev: what you type goes to everyone"});
  CHECK(s.query().empty());
  CHECK_FALSE(s.rooms().IsMember("dev"));
  CHECK(Receive(s, Msg("im/roominfo/dev", "", {}, true)).empty());
  CHECK(Receive(s, Msg("im/roominfo/dev", "not json")).empty());
}

TEST_CASE("client rooms: invited, kicked and skipped notices", "[unit]") {
  ChatState s("alice");
  CHECK(
      Receive(
          s,
          Reply(
              R"({"type":"notice","event":"invited","room":"dev","by":"bob","text":"bob added you to #dev"})")) ==
      Strings{"12:00:01 -- bob added you to #dev; /query #dev talks there"});
  CHECK(s.rooms().IsMember("dev"));
  Type(s, "/query #dev");
  CHECK(
      Receive(
          s,
          Reply(
              R"({"type":"notice","event":"kicked","room":"dev","by":"bob","text":"bob removed you from #dev"})")) ==
      Strings{"12:00:01 -- bob removed you from #dev",
              "12:00:01 -- you are no longer in #dev: what you type goes to everyone"});
  CHECK(s.Prompt() == "alice> ");
  CHECK_FALSE(s.rooms().IsMember("dev"));
  CHECK(
      Receive(
          s,
          Reply(
              R"({"type":"notice","event":"skipped","room":"ops","count":5,"text":"5 older messages in #ops were skipped; /history #ops has them"})")) ==
      Strings{"12:00:01 -- 5 older messages in #ops were skipped; /history #ops has them"});
  // Without a text the notice is still clear.
  CHECK(Receive(s, Reply(R"({"type":"notice","event":"kicked","room":"ops","by":"carol"})")) ==
        Strings{"12:00:01 -- carol removed you from #ops"});
  CHECK(
      Receive(s, Reply(R"({"type":"notice","event":"kicked","room":"o/s","by":"carol"})")).empty());
}

TEST_CASE("client rooms: statuses of room messages", "[unit]") {
  ChatState s("alice");
  Type(s, "/query #dev");
  const std::string ref1 = Type(s, "all here").publish.at(0).ref;
  const std::string ref2 = Type(s, "some away").publish.at(0).ref;
  const std::string ref3 = Type(s, "not mine").publish.at(0).ref;
  CHECK(s.AwaitingReplies() == 3);
  auto sent = [](const std::string& ref, int live, int later, const std::string& text) {
    return Reply(R"({"type":"status","status":"sent","room":"dev","id":"i)" + ref + R"(","ref":")" +
                 ref + R"(","live":)" + std::to_string(live) + R"(,"later":)" +
                 std::to_string(later) + R"(,"text":")" + text + "\"}");
  };
  // Everyone got it live: nothing to say.
  CHECK(Receive(s, sent(ref1, 3, 0, "sent to #dev: 3 now, 0 at their next login")).empty());
  CHECK(Receive(s, sent(ref2, 3, 2, "sent to #dev: 3 now, 2 at their next login")) ==
        Strings{"12:00:01 -- sent to #dev: 3 now, 2 at their next login: some away"});
  std::vector<Line> refused =
      s.OnMessage(Reply(R"({"type":"status","status":"refused","room":"dev","ref":")" + ref3 +
                        R"(","reason":"you are not a member of #dev","text":"x"})"),
                  kNoon);
  CHECK(
      Show(refused) ==
      Strings{"12:00:01 -- error: not delivered to #dev: you are not a member of #dev: not mine"});
  CHECK(s.AwaitingReplies() == 0);
  CHECK(
      Receive(
          s,
          Reply(
              R"({"type":"status","status":"refused","room":"qa","reason":"no such room #qa"})")) ==
      Strings{"12:00:01 -- error: not delivered to #qa: no such room #qa"});
}

TEST_CASE("client rooms: replies to room commands are formatted from their fields", "[unit]") {
  struct Case {
    const char* command;
    const char* reply;
    Strings lines;
  };
  const Case cases[] = {
      {"/leave dev",
       R"({"type":"reply","cmd":"leave","ok":true,"text":"x"})",
       {"12:00:01 -- left #dev"}},
      {"/rooms",
       R"({"type":"reply","cmd":"rooms","ok":true,"text":"x","rooms":[]})",
       {"12:00:01 -- you are in no room; /rooms all lists the open rooms, /join <room> joins one"}},
      {"/rooms all 2",
       R"({"type":"reply","cmd":"rooms","ok":true,"text":"x","page":2,"pages":3,"total":250,"rooms":[{"room":"dev","topic":"Release","member_count":12},{"room":"qa","topic":"","member_count":1}]})",
       {"12:00:01 -- open rooms, page 2 of 3 (250 in all):",
        "12:00:01 --   #dev (12 members): Release", "12:00:01 --   #qa (1 member)"}},
      {"/rooms all",
       R"({"type":"reply","cmd":"rooms","ok":true,"text":"x","page":1,"pages":1,"total":0,"rooms":[]})",
       {"12:00:01 -- no open rooms; /create <room> makes one"}},
      {"/members dev",
       R"({"type":"reply","cmd":"members","ok":true,"text":"x","room":"dev","members":[{"user":"alice","role":"owner","online":true},{"user":"bob","role":"member","online":false},{"user":"carol","role":"member","online":true}]})",
       {"12:00:01 -- members of #dev (3, 2 online): alice (owner, online), bob, carol (online)"}},
      {"/invite dev bob",
       R"({"type":"reply","cmd":"invite","ok":true,"text":"x","room":"dev","user":"bob"})",
       {"12:00:01 -- added bob to #dev"}},
      {"/kick dev bob",
       R"({"type":"reply","cmd":"kick","ok":true,"text":"x"})",
       {"12:00:01 -- removed bob from #dev"}},
      {"/topic dev Release Friday",
       R"({"type":"reply","cmd":"topic","ok":true,"text":"x","room":"dev","topic":"Release Friday"})",
       {"12:00:01 -- topic of #dev set to: Release Friday"}},
      {"/topic dev",
       R"({"type":"reply","cmd":"topic","ok":true,"text":"x","room":"dev","topic":"Release"})",
       {"12:00:01 -- topic of #dev: Release"}},
      {"/topic dev",
       R"({"type":"reply","cmd":"topic","ok":true,"text":"x","room":"dev","topic":""})",
       {"12:00:01 -- #dev has no topic"}},
      {"/history #dev 5",
       R"({"type":"reply","cmd":"history","ok":true,"text":"x","messages":[{"id":"1","from":"bob","to":"dev","ts":1795262283000,"text":"hi all"}]})",
       {"12:00:01 -- history of #dev (1 messages):",
        "12:00:01 -- 2026-11-21 11:58:03 <bob> hi all"}},
      // Errors show the service's specific text.
      {"/join zz",
       R"({"type":"reply","cmd":"join","ok":false,"error":"no such room #zz","text":"x"})",
       {"12:00:01 -- error: no such room #zz"}},
      {"/kick dev bob",
       R"({"type":"reply","cmd":"kick","ok":false,"error":"only the owner of #dev (carol) can remove members","text":"x"})",
       {"12:00:01 -- error: only the owner of #dev (carol) can remove members"}},
      {"/create dev",
       R"({"type":"reply","cmd":"create","ok":false,"error":"#dev already exists; /join dev","text":"x"})",
       {"12:00:01 -- error: #dev already exists; /join dev"}},
      {"/history #dev",
       R"({"type":"reply","cmd":"history","ok":false,"text":"you are not a member of #dev"})",
       {"12:00:01 -- error: you are not a member of #dev"}},
  };
  for (const Case& c : cases) {
    INFO(c.reply);
    CHECK(AnswerTo(c.command, c.reply) == c.lines);
  }
}

TEST_CASE("client rooms: tab completion offers my rooms and open rooms seen", "[unit]") {
  ChatState s("alice");
  Receive(s, Msg("im/roominfo/dev", Info("dev", ""), {}, true));
  Receive(s, Msg("im/presence/dave", R"({"user":"dave","online":true})", {}, true));
  Type(s, "/rooms all");
  Receive(
      s,
      Reply(
          R"({"type":"reply","cmd":"rooms","ok":true,"page":1,"pages":1,"rooms":[{"room":"design"},{"room":"b/d"}]})"));
  CHECK(s.KnownRooms() == Strings{"design", "dev"});
  CHECK(s.Complete("/join ", "#d") == Strings{"#design", "#dev"});
  CHECK(s.Complete("/query ", "d") == Strings{"dave"});
  CHECK(s.Complete("/query ", "") == Strings{"#design", "#dev", "dave"});
}
