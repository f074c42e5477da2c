// Carbons in the client (topics.md "Several devices"): a direct message I sent
// from another client shows like my own sent line, tagged; my own sends coming
// back (by ref) and second copies (by id) show nothing.
#include <catch2/catch.hpp>

#include "client_state_util.h"

using namespace client_state_test;  // NOLINT(build/namespaces): test helpers

TEST_CASE("client carbons: a message sent from another device shows as sent, once", "[unit]") {
  ChatState s("alice");
  s.set_utc(true);
  const Incoming carbon = Msg("im/user/bob/alice", "from my phone",
                              {{"id", "k1-00000007"}, {"ts", std::to_string(kEarlier)}});
  CHECK(Receive(s, carbon) == Strings{"11:58:03 [other device] -> *bob* from my phone"});
  CHECK(Receive(s, carbon).empty());  // the same id again
  // Another device's own ref (another run's prefix) is not ours.
  CHECK(
      Receive(s,
              Msg("im/user/carol/alice", "hi carol",
                  {{"id", "k1-00000008"}, {"ts", std::to_string(kNoon)}, {"ref", "0badf00d-1"}})) ==
      Strings{"12:00:01 [other device] -> *carol* hi carol"});
}

TEST_CASE("client carbons: my own sends coming back are dropped by ref", "[unit]") {
  ChatState s("alice");
  s.set_utc(true);
  Action a = Type(s, "/msg bob hi bob");
  REQUIRE(a.publish.size() == 1);
  const std::string ref = a.publish[0].ref;
  REQUIRE_FALSE(ref.empty());
  CHECK(Show(a.lines) == Strings{"12:00:01 -> *bob* hi bob"});
  CHECK(Receive(s, Msg("im/user/bob/alice", "hi bob",
                       {{"id", "k1-00000009"}, {"ts", std::to_string(kNoon)}, {"ref", ref}}))
            .empty());
  // The inbox is unchanged: bob's answer shows as before.
  CHECK(Receive(s, Msg("im/user/alice/bob", "hi alice",
                       {{"id", "k1-0000000a"}, {"ts", std::to_string(kNoon)}})) ==
        Strings{"12:00:01 *bob* hi alice"});
}

TEST_CASE("client carbons: a note to myself shows once, as received", "[unit]") {
  ChatState s("alice");
  s.set_utc(true);
  const Incoming note = Msg("im/user/alice/alice", "remember",
                            {{"id", "k1-0000000b"}, {"ts", std::to_string(kNoon)}});
  CHECK(Receive(s, note) == Strings{"12:00:01 *alice* remember"});
  CHECK(Receive(s, note).empty());  // the carbon subscription's copy
}

TEST_CASE("client history pages: before <id> is sent, `more` offers the next page", "[unit]") {
  ChatState s("alice");
  Action a = Type(s, "/history bob 2 before k1-00000009");
  REQUIRE(a.publish.size() == 1);
  CHECK(a.publish[0].topic == "im/cmd/alice");
  CHECK(a.publish[0].payload == "history bob 2 before k1-00000009");
  a = Type(s, "/history #dev before k1-7");
  REQUIRE(a.publish.size() == 1);
  CHECK(a.publish[0].payload == "history #dev 20 before k1-7");
  CHECK(Type(s, "/history bob 2").publish.at(0).payload == "history bob 2");
  for (const char* bad : {"/history bob before", "/history bob 2 before", "/history bob 2 x y",
                          "/history bob before k1 k2"}) {
    INFO(bad);
    CHECK(Type(s, bad).publish.empty());
  }
  CHECK(
      AnswerTo(
          "/history bob 2",
          R"j({"type":"reply","cmd":"history","ok":true,"text":"2 messages with bob (more before)","more":true,"messages":[{"id":"k1-5","from":"alice","to":"bob","ts":1795348801000,"text":"a"},{"id":"k1-6","from":"bob","to":"alice","ts":1795348801000,"text":"b"}]})j") ==
      Strings{"12:00:01 -- history with bob (2 messages):",
              "12:00:01 -- 2026-11-22 12:00:01 alice -> bob: a",
              "12:00:01 -- 2026-11-22 12:00:01 bob -> alice: b",
              "12:00:01 -- older messages: /history bob 2 before k1-5"});
  CHECK(
      AnswerTo(
          "/history #dev 1",
          R"j({"type":"reply","cmd":"history","ok":true,"text":"1 message in #dev","room":"dev","more":true,"messages":[{"id":"k1-5","from":"bob","to":"#dev","room":"dev","ts":1795348801000,"text":"a"}]})j") ==
      Strings{
          "12:00:01 -- history of #dev (1 messages):", "12:00:01 -- 2026-11-22 12:00:01 <bob> a",
          "12:00:01 -- older messages: /history #dev 1 before k1-5"});
  // The last page: no offer.
  CHECK(
      AnswerTo(
          "/history bob 2",
          R"j({"type":"reply","cmd":"history","ok":true,"text":"1 messages with bob","more":false,"messages":[{"id":"k1-5","from":"alice","to":"bob","ts":1795348801000,"text":"a"}]})j")
          .size() == 2);
}

TEST_CASE("client devices: answers to another device's commands are skipped", "[unit]") {
  using imchat::client::ForAnotherDevice;
  struct Case {
    std::string topic, correlation;
    bool skipped;
  };
  const std::string mine = "imchat-0123456789abcdef";
  const Case cases[] = {
      {"im/svc/alice", "web-5f3a9c", true},          // the browser's reply
      {"im/svc/alice", std::string("\0", 1), true},  // any bytes that are not ours
      {"im/svc/alice", mine, false},                 // ours
      {"im/svc/alice", "", false},                   // welcome, status, notice, MQTT 3.1.1
      {"im/all/bob", "web-5f3a9c", false},           // only service messages are answers
      {"im/svc/alicex", "web-5f3a9c", false},        // not my service topic
  };
  for (const Case& c : cases) {
    Incoming m = Msg(c.topic, "{}");
    m.correlation = c.correlation;
    INFO(c.topic << " " << c.correlation);
    CHECK(ForAnotherDevice(m, "alice", mine) == c.skipped);
  }
}
