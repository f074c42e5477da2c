// The client's state machine (client/chat_state.h): what input publishes and
// which chat messages and presence changes become lines (topics.md and the client spec).
#include <catch2/catch.hpp>
#include <set>

#include "client_state_util.h"

using namespace client_state_test;  // NOLINT(build/namespaces): test helpers
using imchat::client::SubscriptionsFor;

TEST_CASE("client state: subscriptions, inbox last", "[unit]") {
  CHECK(SubscriptionsFor("alice") ==
        Strings{"im/svc/alice", "im/all/+", "im/presence/+", "im/online", "im/room/+/+",
                "im/roominfo/+", "im/down/alice/#", "im/user/+/alice", "im/user/alice/+"});
}

TEST_CASE("client state: input to publishes and local lines", "[unit]") {
  ChatState s("alice");
  CHECK(s.Prompt() == "alice> ");

  Action a = Type(s, "hello everyone");
  REQUIRE(a.publish.size() == 1);
  CHECK(a.publish[0].topic == "im/all");
  CHECK(a.publish[0].payload == "hello everyone");
  CHECK(a.publish[0].ref.empty());
  CHECK(a.lines.empty());  // own broadcasts come back from the broker
  CHECK_FALSE(a.quit);

  a = Type(s, "//slash");
  REQUIRE(a.publish.size() == 1);
  CHECK(a.publish[0].payload == "/slash");

  CHECK(Type(s, "   ").publish.empty());
  CHECK(Type(s, "   ").lines.empty());

  a = Type(s, "/msg bob hi bob");
  REQUIRE(a.publish.size() == 1);
  CHECK(a.publish[0].topic == "im/user/bob");
  CHECK(a.publish[0].payload == "hi bob");
  CHECK_FALSE(a.publish[0].ref.empty());
  CHECK(Show(a.lines) == Strings{"12:00:01 -> *bob* hi bob"});
  CHECK(s.AwaitingReplies() == 1);

  // Refs are unique within a run and differ between runs (random prefix).
  std::set<std::string> refs = {a.publish[0].ref};
  for (int i = 0; i < 50; ++i) refs.insert(Type(s, "/to bob again").publish.at(0).ref);
  CHECK(refs.size() == 51);
  ChatState other("alice");
  CHECK(Type(other, "/msg bob x").publish.at(0).ref != a.publish[0].ref);

  a = Type(s, "/query bob");
  CHECK(a.publish.empty());
  CHECK(s.query() == "bob");
  CHECK(s.Prompt() == "alice -> bob> ");
  CHECK(Show(a.lines) ==
        Strings{
            "12:00:01 -- what you type now goes to bob only; /query alone goes back to everyone"});
  // /all (and /toall, /broadcast) go to everyone even while a /query is set.
  for (const char* line : {"/all to everyone", "/toall to everyone", "/broadcast to everyone"}) {
    INFO(line);
    Action all = Type(s, line);
    REQUIRE(all.publish.size() == 1);
    CHECK(all.publish[0].topic == "im/all");
    CHECK(all.publish[0].payload == "to everyone");
    CHECK(all.publish[0].ref.empty());
    CHECK(s.query() == "bob");
  }
  CHECK(Type(s, "/all " + std::string(65537, 'x')).publish.empty());  // too big, as plain text
  a = Type(s, "private now");
  REQUIRE(a.publish.size() == 1);
  CHECK(a.publish[0].topic == "im/user/bob");
  CHECK_FALSE(a.publish[0].ref.empty());
  CHECK(Show(a.lines) == Strings{"12:00:01 -> *bob* private now"});
  CHECK(Show(Type(s, "/query").lines) ==
        Strings{"12:00:01 -- back to everyone: what you type goes to all users"});
  CHECK(s.query().empty());
  CHECK(s.Prompt() == "alice> ");
  CHECK(Type(s, "room again").publish.at(0).topic == "im/all");

  CHECK(Type(s, "/quit").quit);
  CHECK(Type(s, "/quit").publish.empty());
  CHECK(Type(s, "/exit").quit);
  CHECK(Type(s, "/logout").quit);
  CHECK(Type(s, "/message bob hi").publish.at(0).topic == "im/user/bob");
  CHECK(Type(s, "/whisper bob hi").publish.at(0).topic == "im/user/bob");
}

TEST_CASE("client state: commands go to im/cmd/<me> in the service's syntax", "[unit]") {
  struct Case {
    const char* line;
    const char* payload;
  };
  const Case cases[] = {
      {"/who", "who"},
      {"/since 5m", "since 300"},
      {"/since 1h30m", "since 5400"},
      {"/block bob", "block bob"},
      {"/unblock bob", "unblock bob"},
      {"/blocked", "blocked"},
      {"/history bob", "history bob 20"},
      {"/history all 5", "history all 5"},
      {"/nick Alice L.", "nick Alice L."},
      {"/nick", "nick"},
      {"/users", "users 1"},
      {"/users 3", "users 3"},
      // Aliases send what their command sends.
      {"/list", "who"},
      {"/whoelse", "who"},
      {"/whoelsesince 5m", "since 300"},
      // Rooms: written with or without '#'; /history needs it to tell a room from a user.
      {"/create dev", "create dev"},
      {"/create #ops invite-only", "create ops invite-only"},
      {"/join #dev", "join dev"},
      {"/leave dev", "leave dev"},
      {"/part #dev", "leave dev"},
      {"/rooms", "rooms"},
      {"/rooms all", "rooms all 1"},
      {"/rooms all 2", "rooms all 2"},
      {"/members #dev", "members dev"},
      {"/invite dev bob", "invite dev bob"},
      {"/kick #dev bob", "kick dev bob"},
      {"/topic dev", "topic dev"},
      {"/topic #dev Release  Friday", "topic dev Release  Friday"},
      {"/history #dev", "history #dev 20"},
      {"/history #dev 5", "history #dev 5"},
  };
  ChatState s("alice");
  std::size_t n = 0;
  for (const Case& c : cases) {
    INFO(c.line);
    Action a = Type(s, c.line);
    REQUIRE(a.publish.size() == 1);
    CHECK(a.publish[0].topic == "im/cmd/alice");
    CHECK(a.publish[0].payload == c.payload);
    CHECK(a.publish[0].ref.empty());
    CHECK(a.lines.empty());
    CHECK(s.AwaitingReplies() == ++n);
  }
}

TEST_CASE("client state: help, errors and oversized messages stay local", "[unit]") {
  ChatState s("alice");
  Action a = Type(s, "/help");
  CHECK(a.publish.empty());
  REQUIRE(a.lines.size() == 24);
  CHECK(Show(a.lines)[0] ==
        "12:00:01 -- /msg (/to, /message, /whisper) <user> <text>  send a private message");
  // The file commands are listed too (FileTransfers runs them, the table describes them).
  CHECK(Show(a.lines)[19].rfind("12:00:01 -- /send <user>|#<room>|all <path>  send a file", 0) == 0);
  CHECK(Show(a.lines)[20].rfind("12:00:01 -- /get <file id> [directory]  ", 0) == 0);
  CHECK(Show(a.lines)[21].rfind("12:00:01 -- /files  ", 0) == 0);
  CHECK(Show(Type(s, "/help get").lines).size() == 1);
  CHECK(Show(Type(s, "/help list").lines) ==
        Strings{"12:00:01 -- /who (/list, /whoelse)  list who is online"});
  CHECK(Show(Type(s, "/help exit").lines) ==
        Strings{"12:00:01 -- /quit (/exit, /logout)  leave the chat (also Ctrl-D)"});
  a = Type(s, "/help since");
  CHECK(
      Show(a.lines) ==
      Strings{"12:00:01 -- /since (/whoelsesince) <duration>  who was online in the last 90s, 5m, "
              "2h, 1d or 1h30m"});

  a = Type(s, "/frob");
  CHECK(a.publish.empty());
  CHECK(Show(a.lines) ==
        Strings{"12:00:01 -- error: unknown command '/frob'; type /help for the list"});
  a = Type(s, "/msg bob");
  CHECK(Show(a.lines) ==
        Strings{"12:00:01 -- error: /msg needs a user and a text: /msg <user> <text>"});

  const std::string limit(65536, 'x');
  CHECK(Type(s, limit).publish.size() == 1);
  a = Type(s, limit + "y");
  CHECK(a.publish.empty());
  CHECK(Show(a.lines) ==
        Strings{"12:00:01 -- error: message too long (65537 bytes; at most 65536); not sent"});
  a = Type(s, "/msg bob " + limit + "y");
  CHECK(a.publish.empty());
  REQUIRE(a.lines.size() == 1);
  CHECK(a.lines[0].kind == Line::Kind::kError);
  CHECK(s.AwaitingReplies() == 0);
}

TEST_CASE("client state: chat messages, display names and duplicate ids", "[unit]") {
  ChatState s("alice");
  const std::string ts = std::to_string(kEarlier);
  CHECK(Receive(s, Msg("im/all/bob", "hello", {{"id", "m1"}, {"ts", ts}})) ==
        Strings{"11:58:03 <bob> hello"});
  CHECK(Receive(s, Msg("im/all/bob", "hello", {{"id", "m1"}, {"ts", ts}})).empty());
  CHECK(Receive(s, Msg("im/user/alice/bob", "hi", {{"id", "m2"}})) == Strings{"12:00:01 *bob* hi"});
  CHECK(Receive(s, Msg("im/user/alice/bob", "hi", {{"id", "m2"}, {"queued", "1"}})).empty());
  // Without an id nothing can be recognised as a duplicate.
  CHECK(Receive(s, Msg("im/all/bob", "no id")).size() == 1);
  CHECK(Receive(s, Msg("im/all/bob", "no id")).size() == 1);
  // Own broadcasts show like anyone's.
  CHECK(Receive(s, Msg("im/all/alice", "mine", {{"id", "m3"}})) ==
        Strings{"12:00:01 <alice> mine"});

  Receive(s, Msg("im/presence/carol",
                 R"({"user":"carol","display":"Carol S.","online":true,"since":1})", {}, true));
  CHECK(Receive(s, Msg("im/all/carol", "hey", {{"id", "m4"}})) ==
        Strings{"12:00:01 <carol (Carol S.)> hey"});
  CHECK(Receive(s, Msg("im/user/alice/carol", "psst", {{"id", "m4p"}})) ==
        Strings{"12:00:01 *carol* psst"});

  // Untrusted text is escaped when rendered.
  CHECK(Receive(s, Msg("im/all/bob", "\x1b[2Jgone", {{"id", "m5"}})) ==
        Strings{"12:00:01 <bob> \\x1b[2Jgone"});
  // A bad ts falls back to the arrival time.
  CHECK(Receive(s, Msg("im/all/bob", "x", {{"ts", "soon"}})) == Strings{"12:00:01 <bob> x"});
  // Messages for someone else's inbox or unknown topics show nothing. (im/user/bob/alice,
  // here before, is now alice's carbon: client_carbon_test.cpp.)
  CHECK(Receive(s, Msg("im/user/bob/carol", "x")).empty());
  CHECK(Receive(s, Msg("im/elsewhere", "x")).empty());
  CHECK(Receive(s, Msg("", "")).empty());
  CHECK(Receive(s, Msg("im/all/", "x")).empty());
  CHECK(Receive(s, Msg("im/user/alice/", "x")).empty());
}

TEST_CASE("client state: duplicate detection is bounded and keeps recent ids", "[unit]") {
  ChatState s("alice");
  CHECK(Receive(s, Msg("im/all/bob", "first", {{"id", "first"}})).size() == 1);
  for (int i = 0; i < 9999; ++i) {
    s.OnMessage(Msg("im/all/bob", "x", {{"id", "id" + std::to_string(i)}}), kNoon);
  }
  CHECK(Receive(s, Msg("im/all/bob", "first", {{"id", "first"}})).empty());  // still remembered
  s.OnMessage(Msg("im/all/bob", "x", {{"id", "one more"}}), kNoon);
  // 10,001 ids later the oldest is forgotten: memory stays bounded.
  CHECK(Receive(s, Msg("im/all/bob", "first", {{"id", "first"}})).size() == 1);
}

TEST_CASE("client state: replayed messages are marked away with their original time", "[unit]") {
  ChatState s("alice");
  const std::string ts = std::to_string(kEarlier);
  auto lines = s.OnMessage(
      Msg("im/user/alice/bob", "while you were out", {{"id", "q1"}, {"ts", ts}, {"queued", "1"}}),
      kNoon);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].away);
  CHECK(lines[0].ts_ms == kEarlier);
  CHECK(Show(lines) == Strings{"11:58:03 [away] *bob* while you were out"});
  CHECK(Receive(s, Msg("im/user/alice/bob", "live", {{"id", "q2"}, {"queued", "0"}})) ==
        Strings{"12:00:01 *bob* live"});
}

TEST_CASE("client state: presence gives joins and leaves, retained copies are silent", "[unit]") {
  ChatState s("alice");
  auto presence = [](const std::string& user, bool online, const std::string& reason = "") {
    std::string j = R"({"user":")" + user + R"(","display":"","online":)" +
                    (online ? "true" : "false") + R"(,"since":)" + std::to_string(kNoon);
    if (!reason.empty()) j += R"(,"reason":")" + reason + "\"";
    return j + "}";
  };
  CHECK(Receive(s, Msg("im/presence/bob", presence("bob", true), {}, true)).empty());
  CHECK(Receive(s, Msg("im/presence/carol", presence("carol", false, "quit"), {}, true)).empty());
  CHECK(s.OnlineUsers() == Strings{"bob"});
  CHECK(s.KnownUsers() == Strings{"bob", "carol"});

  CHECK(Receive(s, Msg("im/presence/carol", presence("carol", true))) ==
        Strings{"12:00:01 -- carol joined"});
  CHECK(Receive(s, Msg("im/presence/carol", presence("carol", true))).empty());  // no change
  CHECK(Receive(s, Msg("im/presence/dave", presence("dave", true))) ==
        Strings{"12:00:01 -- dave joined"});  // a name never seen before
  CHECK(s.OnlineUsers() == Strings{"bob", "carol", "dave"});

  struct Case {
    const char* reason;
    const char* shown;
  };
  const Case reasons[] = {
      {"quit", "quit"}, {"lost", "connection lost"}, {"idle", "idle"}, {"kicked", "removed"}};
  for (const Case& c : reasons) {
    INFO(c.reason);
    Receive(s, Msg("im/presence/bob", presence("bob", true)));
    CHECK(Receive(s, Msg("im/presence/bob", presence("bob", false, c.reason))) ==
          Strings{std::string("12:00:01 -- bob left (") + c.shown + ")"});
  }
  // A display name set or cleared while online is shown once.
  const std::string named =
      R"({"user":"dave","display":"Dave D.","online":true,"since":1795348801000})";
  CHECK(Receive(s, Msg("im/presence/dave", named)) ==
        Strings{"12:00:01 -- dave is now shown as 'Dave D.'"});
  CHECK(Receive(s, Msg("im/presence/dave", named)).empty());
  CHECK(Receive(s, Msg("im/presence/dave", presence("dave", true))) ==
        Strings{"12:00:01 -- dave cleared their display name"});
  // A retained offline copy of someone online is state, not a leave.
  CHECK(Receive(s, Msg("im/presence/carol", presence("carol", false, "lost"), {}, true)).empty());
  CHECK(s.OnlineUsers() == Strings{"dave"});

  // I am not announced to myself.
  CHECK(Receive(s, Msg("im/presence/alice", presence("alice", true))).empty());
  CHECK(Receive(s, Msg("im/presence/alice", presence("alice", false, "quit"))).empty());
  CHECK(s.KnownUsers() == Strings{"bob", "carol", "dave"});

  // A cleared retained presence forgets the user's state.
  CHECK(Receive(s, Msg("im/presence/dave", "", {}, true)).empty());
  CHECK(s.OnlineUsers().empty());

  // im/online is a snapshot of who is online.
  CHECK(Receive(s, Msg("im/online", R"(["alice","bob","erin"])", {}, true)).empty());
  CHECK(s.OnlineUsers() == Strings{"bob", "erin"});
  CHECK(Receive(s, Msg("im/online", R"(["erin"])")).empty());
  CHECK(s.OnlineUsers() == Strings{"erin"});
}
