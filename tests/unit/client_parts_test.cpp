// The chat state's parts on their own (chat_state.h lists them).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "outbox.h"
#include "recent_ids.h"
#include "roster.h"

namespace {

using imchat::client::DeliveryStatus;
using imchat::client::Outbox;
using imchat::client::Verb;
using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("outbox: a queued message keeps its snippet for the later delivered status", "[unit]") {
  Outbox outbox("p");
  std::string ref = outbox.SendPrivate("bob", "see you at noon");
  CHECK(ref == "p-1");
  CHECK(outbox.Awaiting() == 1);
  CHECK(outbox.OnStatus({"queued", "m1", ref, "bob", "", ""}, 0).text ==
        "queued for bob (offline): see you at noon");
  CHECK(outbox.Awaiting() == 0);  // a `queued` status is an answer
  CHECK(outbox.OnStatus({"delivered", "m1", ref, "bob", "", ""}, 0).text ==
        "delivered to bob: see you at noon");
  // Forgotten after `delivered`: a repeat names only the recipient.
  CHECK(outbox.OnStatus({"delivered", "m1", ref, "bob", "", ""}, 0).text == "delivered to bob");
  CHECK(outbox.OnStatus({"odd", "m2", "", "carol", "", "service text"}, 0).text == "service text");
}

TEST_CASE("outbox: a reply answers the oldest command of its verb, dropping older ones", "[unit]") {
  Outbox outbox("p");
  outbox.SendCommand({Verb::kWho, "", 0});
  outbox.SendCommand({Verb::kHistory, "bob", 0});
  outbox.SendCommand({Verb::kSince, "", 300});
  CHECK(outbox.Awaiting() == 3);
  auto since = outbox.TakeCommand("since");
  REQUIRE(since);
  CHECK(since->seconds == 300);
  CHECK(outbox.Awaiting() == 0);  // who and history never got their replies
  CHECK_FALSE(outbox.TakeCommand("who"));
}

TEST_CASE("recent ids: a repeat is caught until the id is pushed out", "[unit]") {
  imchat::client::RecentIds recent(2);
  CHECK_FALSE(recent.SeenBefore("a"));
  CHECK(recent.SeenBefore("a"));
  CHECK_FALSE(recent.SeenBefore("b"));
  CHECK_FALSE(recent.SeenBefore("c"));  // "a" is forgotten now
  CHECK_FALSE(recent.SeenBefore("a"));
  CHECK(recent.SeenBefore("c"));
}

TEST_CASE("roster: im/online replaces who is online; names stay known", "[unit]") {
  imchat::client::Roster roster("me");
  roster.SetOnline({"bob", "carol", "me"});
  roster.OnOnlineList(R"(["carol","dave"])");
  CHECK(roster.OnlineUsers() == Strings{"carol", "dave"});
  CHECK(roster.KnownUsers() == Strings{"bob", "carol", "dave"});
  roster.OnOnlineList("not json");  // ignored
  CHECK(roster.OnlineUsers() == Strings{"carol", "dave"});
  CHECK(roster.OnPresence("erin", R"({"online":true,"display":"Erin E."})", false, 5).size() == 1);
  CHECK(roster.Display("erin") == "Erin E.");
  CHECK(roster.OnPresence("erin", "", true, 6).empty());  // cleared: gone, name kept
  CHECK(roster.Display("erin").empty());
  CHECK(roster.OnlineUsers() == Strings{"carol", "dave"});
}
