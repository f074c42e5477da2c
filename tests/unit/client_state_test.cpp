// The client's state machine (client/chat_state.h): what input publishes and
// which lines arriving messages produce (topics.md and the client spec).
#include <catch2/catch.hpp>
#include <set>

#include "chat_state.h"

using imchat::client::Action;
using imchat::client::ChatState;
using imchat::client::Incoming;
using imchat::client::Line;
using imchat::client::ParseInput;
using imchat::client::Render;
using imchat::client::RenderOptions;
using imchat::client::SubscriptionsFor;

namespace {

constexpr std::int64_t kNoon = 1795348801000;      // 2026-11-22 12:00:01 UTC
constexpr std::int64_t kEarlier = kNoon - 118000;  // 11:58:03

std::vector<std::string> Show(const std::vector<Line>& lines) {
  RenderOptions o;
  o.utc = true;
  o.now_ms = kNoon;
  std::vector<std::string> out;
  for (const Line& l : lines) out.push_back(Render(l, o));
  return out;
}

using Props = std::vector<std::pair<std::string, std::string>>;

Incoming Msg(std::string topic, std::string payload, Props props = {}, bool retained = false) {
  return {std::move(topic), std::move(payload), std::move(props), retained};
}

std::vector<std::string> Receive(ChatState& s, const Incoming& m) {
  return Show(s.OnMessage(m, kNoon));
}

Action Type(ChatState& s, const std::string& line) { return s.OnInput(ParseInput(line), kNoon); }

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("client state: subscriptions, inbox last", "[unit]") {
  CHECK(SubscriptionsFor("alice") ==
        Strings{"im/svc/alice", "im/all/+", "im/presence/+", "im/online", "im/user/alice/+"});
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
  REQUIRE(a.lines.size() == 1);
  CHECK(a.lines[0].kind == Line::Kind::kInfo);
  a = Type(s, "private now");
  REQUIRE(a.publish.size() == 1);
  CHECK(a.publish[0].topic == "im/user/bob");
  CHECK_FALSE(a.publish[0].ref.empty());
  CHECK(Show(a.lines) == Strings{"12:00:01 -> *bob* private now"});
  Type(s, "/query");
  CHECK(s.query().empty());
  CHECK(Type(s, "room again").publish.at(0).topic == "im/all");

  CHECK(Type(s, "/quit").quit);
  CHECK(Type(s, "/quit").publish.empty());
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
  REQUIRE(a.lines.size() == 11);
  CHECK(Show(a.lines)[0] == "12:00:01 -- /msg <user> <text>  send a private message (alias /to)");
  a = Type(s, "/help since");
  CHECK(Show(a.lines) ==
        Strings{
            "12:00:01 -- /since <duration>  who was online in the last 90s, 5m, 2h, 1d or 1h30m"});

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

  // Untrusted text is escaped when rendered.
  CHECK(Receive(s, Msg("im/all/bob", "\x1b[2Jgone", {{"id", "m5"}})) ==
        Strings{"12:00:01 <bob> \\x1b[2Jgone"});
  // A bad ts falls back to the arrival time.
  CHECK(Receive(s, Msg("im/all/bob", "x", {{"ts", "soon"}})) == Strings{"12:00:01 <bob> x"});
  // Messages for someone else's inbox or unknown topics show nothing.
  CHECK(Receive(s, Msg("im/user/bob/alice", "x")).empty());
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

TEST_CASE("client state: delivery statuses are matched to what was sent by ref", "[unit]") {
  ChatState s("alice");
  const std::string ref1 = Type(s, "/msg bob hi bob").publish.at(0).ref;
  const std::string ref2 = Type(s, "/msg carol " + std::string(50, 'c')).publish.at(0).ref;
  const std::string ref3 = Type(s, "/msg nobody hello?").publish.at(0).ref;
  const std::string ref4 = Type(s, "/msg dave hi dave").publish.at(0).ref;
  CHECK(s.AwaitingReplies() == 4);
  auto status = [](const std::string& ref, const std::string& to, const std::string& st,
                   const std::string& reason = "") {
    std::string j = R"({"type":"status","id":"x","ref":")" + ref + R"(","to":")" + to +
                    R"(","status":")" + st + "\"";
    if (!reason.empty()) j += R"(,"reason":")" + reason + "\"";
    return Msg("im/svc/alice", j + R"(,"text":"server words"})");
  };
  CHECK(Receive(s, status(ref1, "bob", "delivered")) ==
        Strings{"12:00:01 -- delivered to bob: hi bob"});
  CHECK(Receive(s, status(ref2, "carol", "queued")) ==
        Strings{"12:00:01 -- queued for carol (offline): " + std::string(40, 'c') + "..."});
  CHECK(s.AwaitingReplies() == 2);  // a queued status is an answer
  CHECK(Receive(s, status(ref2, "carol", "delivered")) ==
        Strings{"12:00:01 -- delivered to carol: " + std::string(40, 'c') + "..."});
  CHECK(Receive(s, status(ref3, "nobody", "refused", "unknown-user")) ==
        Strings{"12:00:01 -- not delivered to nobody: no such user: hello?"});
  CHECK(Receive(s, status(ref4, "dave", "refused", "blocked")) ==
        Strings{"12:00:01 -- not delivered to dave: dave has blocked you: hi dave"});
  CHECK(s.AwaitingReplies() == 0);
  // A status for a message this run did not send (or already settled): no snippet.
  CHECK(Receive(s, status("other-1", "bob", "delivered")) ==
        Strings{"12:00:01 -- delivered to bob"});
  CHECK(Receive(s, status(ref1, "bob", "delivered")) == Strings{"12:00:01 -- delivered to bob"});
  auto lines = s.OnMessage(status(ref1, "bob", "delivered"), kNoon);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].kind == Line::Kind::kStatus);
  CHECK(lines[0].to == "bob");
}

TEST_CASE("client state: the welcome and notices", "[unit]") {
  ChatState s("alice");
  CHECK(
      Receive(
          s,
          Msg("im/svc/alice",
              R"({"type":"welcome","text":"Welcome, alice! Online: bob. 2 messages arrived while you were away.","online":["bob"],"queued":2})")) ==
      Strings{"12:00:01 -- Welcome, alice! Online: bob. 2 messages arrived while you were away."});
  CHECK(s.OnlineUsers() == Strings{"bob"});
  CHECK(
      Receive(
          s,
          Msg("im/svc/alice",
              R"({"type":"notice","text":"You were idle for more than 600 s; disconnecting."})")) ==
      Strings{"12:00:01 -- You were idle for more than 600 s; disconnecting."});
  // Only my own service topic counts.
  CHECK(Receive(s, Msg("im/svc/bob", R"({"type":"notice","text":"x"})")).empty());
}

TEST_CASE("client state: command replies are formatted from their fields", "[unit]") {
  struct Case {
    const char* command;  // typed first, so the reply can be matched to it
    const char* reply;
    Strings lines;
  };
  const Case cases[] = {
      {"/who",
       R"({"type":"reply","cmd":"who","ok":true,"text":"Online: bob, carol","users":[{"user":"bob","display":"","since":1},{"user":"carol","display":"Carol S.","since":2}]})",
       {"12:00:01 -- online: bob, carol (Carol S.)"}},
      {"/who",
       R"({"type":"reply","cmd":"who","ok":true,"text":"Nobody else is online.","users":[]})",
       {"12:00:01 -- nobody else is online"}},
      {"/since 5m",
       R"({"type":"reply","cmd":"since","ok":true,"text":"x","users":[{"user":"bob","display":"","online":true,"last_seen":1795348801000},{"user":"carol","display":"","online":false,"last_seen":1795348690000}]})",
       {"12:00:01 -- online in the last 5m: bob (online), carol (last seen 11:58:10)"}},
      {"/since 1h30m",
       R"({"type":"reply","cmd":"since","ok":true,"text":"x","users":[]})",
       {"12:00:01 -- nobody else was online in the last 1h30m"}},
      {"/blocked",
       R"({"type":"reply","cmd":"blocked","ok":true,"text":"You block: bob","users":["bob","eve"]})",
       {"12:00:01 -- you block: bob, eve"}},
      {"/blocked",
       R"({"type":"reply","cmd":"blocked","ok":true,"text":"You block nobody.","users":[]})",
       {"12:00:01 -- you block nobody"}},
      {"/block bob",
       R"({"type":"reply","cmd":"block","ok":true,"text":"You block bob.","user":"bob"})",
       {"12:00:01 -- blocked bob"}},
      {"/unblock bob",
       R"({"type":"reply","cmd":"unblock","ok":true,"text":"x","user":"bob"})",
       {"12:00:01 -- unblocked bob"}},
      {"/block zed",
       R"({"type":"reply","cmd":"block","ok":false,"error":"unknown user 'zed'","text":"unknown user 'zed'"})",
       {"12:00:01 -- error: unknown user 'zed'"}},
      {"/nick Alice L.",
       R"({"type":"reply","cmd":"nick","ok":true,"text":"x","display":"Alice L."})",
       {"12:00:01 -- display name set to 'Alice L.'"}},
      {"/nick",
       R"({"type":"reply","cmd":"nick","ok":true,"text":"x","display":""})",
       {"12:00:01 -- display name cleared"}},
      {"/history bob 5",
       R"({"type":"reply","cmd":"history","ok":true,"text":"2 messages with bob","messages":[{"id":"1","from":"alice","to":"bob","ts":1795262283000,"text":"hi bob"},{"id":"2","from":"bob","to":"alice","ts":1795348801000,"text":"hi\nalice"}]})",
       {"12:00:01 -- history with bob (2 messages):",
        "12:00:01 -- 2026-11-21 11:58:03 alice -> bob: hi bob",
        "12:00:01 -- 2026-11-22 12:00:01 bob -> alice: hi\\nalice"}},
      {"/history all",
       R"({"type":"reply","cmd":"history","ok":true,"text":"1 broadcasts","messages":[{"id":"1","from":"carol","to":"all","ts":1795262283000,"text":"hello"}]})",
       {"12:00:01 -- history of the room (1 message):",
        "12:00:01 -- 2026-11-21 11:58:03 <carol> hello"}},
      {"/history bob",
       R"({"type":"reply","cmd":"history","ok":true,"text":"0 messages","messages":[]})",
       {"12:00:01 -- history with bob (0 messages):"}},
      {"/who",
       R"({"type":"reply","cmd":"help","ok":true,"text":"commands:","commands":[{"name":"who","usage":"who","help":"who is online"}]})",
       {"12:00:01 -- who  who is online"}},
      {"/who",
       R"({"type":"reply","cmd":"later","ok":true,"text":"a newer command's text"})",
       {"12:00:01 -- a newer command's text"}},
      {"/who",
       R"({"type":"reply","cmd":"frob","ok":false,"error":"unknown command 'frob'","text":"x"})",
       {"12:00:01 -- error: unknown command 'frob'"}},
  };
  for (const Case& c : cases) {
    INFO(c.reply);
    ChatState s("alice");
    s.set_utc(true);
    Type(s, c.command);
    CHECK(Receive(s, Msg("im/svc/alice", c.reply)) == c.lines);
  }
}

TEST_CASE("client state: replies settle what non-interactive mode waits for", "[unit]") {
  ChatState s("alice");
  Type(s, "/who");
  Type(s, "/history bob");
  CHECK(s.AwaitingReplies() == 2);
  Receive(s, Msg("im/svc/alice", R"({"type":"reply","cmd":"who","ok":true,"users":[]})"));
  CHECK(s.AwaitingReplies() == 1);
  // The history reply still knows its target though the who came first.
  CHECK(Receive(s, Msg("im/svc/alice",
                       R"({"type":"reply","cmd":"history","ok":true,"messages":[]})")) ==
        Strings{"12:00:01 -- history with bob (0 messages):"});
  CHECK(s.AwaitingReplies() == 0);
}

TEST_CASE("client state: malformed payloads never throw", "[unit]") {
  const Incoming cases[] = {
      Msg("im/svc/alice", "not json"),
      Msg("im/svc/alice", "\x1b[2J{"),
      Msg("im/svc/alice", "[1,2,3]"),
      Msg("im/svc/alice", "{}"),
      Msg("im/svc/alice", R"({"type":5})"),
      Msg("im/svc/alice", R"({"type":"reply","cmd":"who","ok":"yes","users":7})"),
      Msg("im/svc/alice", R"({"type":"reply","cmd":"who","ok":true,"users":[1,null,{"user":3}]})"),
      Msg("im/svc/alice",
          R"({"type":"reply","cmd":"since","ok":true,"users":[{"last_seen":"x"}]})"),
      Msg("im/svc/alice", R"({"type":"reply","cmd":"history","ok":true,"messages":{"a":1}})"),
      Msg("im/svc/alice",
          R"({"type":"reply","cmd":"history","ok":true,"messages":[7,{"ts":"x"}]})"),
      Msg("im/svc/alice", R"({"type":"status","ref":[],"to":{},"status":null})"),
      Msg("im/svc/alice", R"({"type":"welcome","online":"bob"})"),
      Msg("im/svc/alice", R"({"type":"reply","cmd":"blocked","ok":true,"users":[1,"bob"]})"),
      Msg("im/presence/bob", "garbage"),
      Msg("im/presence/bob", R"({"online":"yes"})"),
      Msg("im/presence/bob", R"({"online":true,"since":"then","display":5})"),
      Msg("im/presence/bob", "[]"),
      Msg("im/online", "{"),
      Msg("im/online", R"({"a":1})"),
      Msg("im/online", "[1,2,null]"),
      Msg("im/svc/alice", "\xff\xfe"),
      Msg("im/all/bob", "\xff\xfe", {{"ts", "99999999999999999999999"}}),
  };
  for (const Incoming& m : cases) {
    INFO(m.topic << " " << m.payload);
    ChatState s("alice");
    std::vector<Line> lines;
    CHECK_NOTHROW(lines = s.OnMessage(m, kNoon));
    for (const std::string& shown : Show(lines)) {
      for (char c : shown) CHECK(static_cast<unsigned char>(c) >= 0x20);
    }
  }
  ChatState s("alice");
  CHECK(Receive(s, Msg("im/svc/alice", "\x1b[2J")) ==
        Strings{"12:00:01 -- unreadable message from the service: \\x1b[2J"});
}
