// The client's handling of its service topic (client/chat_state.h): delivery
// statuses matched by ref, the welcome, notices, command replies formatted from
// their fields (topics.md "Commands"), and payloads that are not what they should be.
#include <catch2/catch.hpp>

#include "client_state_util.h"

using namespace client_state_test;  // NOLINT(build/namespaces): test helpers

TEST_CASE("client state: delivery statuses are matched to what was sent by ref", "[unit]") {
  ChatState s("alice");
  const std::string ref1 = Type(s, "/msg bob hi bob").publish.at(0).ref;
  const std::string ref2 = Type(s, "/msg carol " + std::string(50, 'c')).publish.at(0).ref;
  const std::string ref3 = Type(s, "/msg nobody hello?").publish.at(0).ref;
  const std::string ref4 = Type(s, "/msg dave hi dave").publish.at(0).ref;
  CHECK(s.AwaitingReplies() == 4);
  auto status = [](const std::string& ref, const std::string& to, const std::string& st,
                   const std::string& reason = "") {
    std::string j = R"({"type":"status","id":"id-)" + ref + R"(","ref":")" + ref + R"(","to":")" +
                    to + R"(","status":")" + st + "\"";
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
  // The same status again (a service restart can repeat one) is shown once.
  CHECK(Receive(s, status(ref1, "bob", "delivered")).empty());
  CHECK(Receive(s, status(ref2, "carol", "queued")).empty());
  auto lines = s.OnMessage(status("other-2", "bob", "delivered"), kNoon);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].kind == Line::Kind::kStatus);
  CHECK(lines[0].to == "bob");
}

TEST_CASE("client state: one status for several messages gives a line per message", "[unit]") {
  ChatState s("alice");
  const std::string ref1 = Type(s, "/msg bob first").publish.at(0).ref;
  const std::string ref2 = Type(s, "/msg bob second").publish.at(0).ref;
  CHECK(s.AwaitingReplies() == 2);
  // As the broker coalesces them (topics.md): ids and refs side by side; a message
  // sent without a ref (another client of alice's) has "" there.
  const std::string j =
      R"({"type":"status","id":"m1","ids":["m1","m2","m3"],"refs":[")" + ref1 + R"(","",")" + ref2 +
      R"("],"to":"bob","status":"delivered","text":"3 messages delivered to bob"})";
  CHECK(Receive(s, Msg("im/svc/alice", j)) == Strings{"12:00:01 -- delivered to bob: first",
                                                      "12:00:01 -- delivered to bob",
                                                      "12:00:01 -- delivered to bob: second"});
  CHECK(s.AwaitingReplies() == 0);
  CHECK(Receive(s, Msg("im/svc/alice", j)).empty());  // repeated: shown once
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
  // Another device of alice's signs in: its welcome reaches this one too.
  const char* other = R"({"type":"welcome","text":"Welcome, alice! Online: bob.","online":["bob"]})";
  CHECK(Receive(s, Msg("im/svc/alice", other)) ==
        Strings{"12:00:01 -- another device of yours signed in"});
  // After this device reconnects, the next welcome is its own again.
  s.OnReconnected();
  CHECK(Receive(s, Msg("im/svc/alice", other)) ==
        Strings{"12:00:01 -- Welcome, alice! Online: bob."});
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
       {"12:00:01 -- history of the room (1 messages):",
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
    CHECK(AnswerTo(c.command, c.reply) == c.lines);
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
