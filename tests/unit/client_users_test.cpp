// The address book in the client (client/chat_state.h, reply_format.h):
// `/users [page]` shown one line per user with a footer, and the quiet fetch
// of every user's name for tab completion.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "client_state_util.h"
#include "limits.h"

using namespace client_state_test;  // NOLINT(build/namespaces): test helpers
using imchat::client::Outgoing;
using nlohmann::json;

namespace {

// A `users` reply for `page` of `pages` listing `names` (offline, never seen).
Incoming UsersReply(int page, int pages, int total, const Strings& names) {
  json users = json::array();
  for (const std::string& n : names) {
    users.push_back({{"user", n}, {"display", ""}, {"online", false}, {"last_seen", nullptr}});
  }
  json j = {{"type", "reply"}, {"cmd", "users"}, {"ok", true},     {"text", "x"},
            {"page", page},    {"pages", pages}, {"total", total}, {"users", users}};
  return Msg("im/svc/alice", j.dump());
}

}  // namespace

TEST_CASE("client users: one line per user and a footer naming the next page", "[unit]") {
  ChatState s("alice");
  s.set_utc(true);
  Type(s, "/users");
  CHECK(Receive(s, Msg("im/svc/alice", R"({"type":"reply","cmd":"users","ok":true,"text":"x",
        "page":1,"pages":3,"total":250,"users":[
        {"user":"alice","display":"Alice L.","online":true,"last_seen":1795348801000},
        {"user":"bob","display":"","online":false,"last_seen":1795348690000},
        {"user":"carol","display":"","online":false,"last_seen":1795262283000},
        {"user":"dave","display":"","online":false,"last_seen":null},
        {"user":"eve","display":"","online":false,"last_seen":null,"hidden":true}]})")) ==
        Strings{"12:00:01 -- alice (Alice L.): online", "12:00:01 -- bob: last seen 11:58:10",
                "12:00:01 -- carol: last seen 2026-11-21 11:58:03", "12:00:01 -- dave: never seen",
                "12:00:01 -- eve: presence hidden (one of you blocks the other)",
                "12:00:01 -- page 1 of 3 (250 users); /users 2 for more"});
  // The last page has no "for more"; one user is "1 user".
  Type(s, "/users 3");
  CHECK(Receive(s, UsersReply(3, 3, 250, {"zed"})) ==
        Strings{"12:00:01 -- zed: never seen", "12:00:01 -- page 3 of 3 (250 users)"});
  Type(s, "/users");
  CHECK(Receive(s, UsersReply(1, 1, 1, {"alice"})) ==
        Strings{"12:00:01 -- alice: never seen", "12:00:01 -- page 1 of 1 (1 user)"});
  // Display names from the server are escaped like every other field.
  Type(s, "/users");
  CHECK(Receive(s, Msg("im/svc/alice", R"({"type":"reply","cmd":"users","ok":true,"page":1,
        "pages":1,"total":1,"users":[{"user":"bob","display":"B\u001b[2J","online":true}]})"))
            .at(0) == "12:00:01 -- bob (B\\x1b[2J): online");
  Type(s, "/users 9");
  CHECK(
      Receive(
          s,
          Msg("im/svc/alice",
              R"({"type":"reply","cmd":"users","ok":false,"error":"page 9 is past the end: 250 users make 3 pages; try 'users 3'","text":"x"})")) ==
      Strings{"12:00:01 -- error: page 9 is past the end: 250 users make 3 pages; try 'users 3'"});
  CHECK(s.AwaitingReplies() == 0);
}

TEST_CASE("client users: the fetch for completion is quiet, pages on, and is not awaited",
          "[unit]") {
  ChatState s("alice");
  std::vector<Outgoing> out = s.FetchUsers();
  REQUIRE(out.size() == 1);
  CHECK(out[0].topic == "im/cmd/alice");
  CHECK(out[0].payload == "users 1");
  CHECK(s.AwaitingReplies() == 0);  // a script's end of input does not wait for it
  CHECK(s.TakeFollowUps().empty());

  // A /users typed while the fetch runs gets its own, shown, reply.
  Type(s, "/users");
  CHECK(s.AwaitingReplies() == 1);
  CHECK(Receive(s, UsersReply(1, 2, 3, {"alice", "bob"})).empty());  // answers the fetch
  out = s.TakeFollowUps();
  REQUIRE(out.size() == 1);
  CHECK(out[0].payload == "users 2");
  CHECK(s.TakeFollowUps().empty());
  CHECK(Receive(s, UsersReply(1, 2, 3, {"alice", "bob"})).size() == 3);  // the typed one
  CHECK(s.AwaitingReplies() == 0);
  CHECK(Receive(s, UsersReply(2, 2, 3, {"zoe"})).empty());
  CHECK(s.TakeFollowUps().empty());                // that was the last page
  CHECK(s.KnownUsers() == Strings{"bob", "zoe"});  // completion offers them; never me
}

TEST_CASE("client users: the fetch stops at an error and at 10,000 names", "[unit]") {
  ChatState s("alice");
  s.FetchUsers();
  CHECK(Receive(s, Msg("im/svc/alice",
                       R"({"type":"reply","cmd":"users","ok":false,"error":"x","text":"x"})"))
            .empty());
  CHECK(s.TakeFollowUps().empty());

  // A server listing more than the bound: names up to it, then no more pages.
  ChatState big("alice");
  big.FetchUsers();
  const int per_page = 100;
  const int pages = 101;
  int page = 1;
  for (; page <= pages; ++page) {
    Strings names;
    for (int i = 0; i < per_page; ++i) {
      names.push_back("u" + std::to_string(page) + "_" + std::to_string(i));
    }
    CHECK(Receive(big, UsersReply(page, pages, pages * per_page, names)).empty());
    if (big.TakeFollowUps().empty()) break;
  }
  CHECK(page == static_cast<int>(ChatState::kMaxFetchedUsers) / per_page);
  CHECK(big.KnownUsers().size() == ChatState::kMaxFetchedUsers);
  // A server claiming endless pages of nobody gets at most the pages 10,000 names fill.
  ChatState endless("alice");
  endless.FetchUsers();
  int asked = 1;
  while (asked < 1000) {
    Receive(endless, UsersReply(asked, 1000000, 100000000, {}));
    if (endless.TakeFollowUps().empty()) break;
    ++asked;
  }
  CHECK(asked == static_cast<int>(ChatState::kMaxFetchedUsers) / imchat::kUsersPageSize);
  // Names that are not user names are not offered.
  ChatState odd("alice");
  odd.FetchUsers();
  Receive(odd, UsersReply(1, 1, 2, {"ok", "bad/name"}));
  CHECK(odd.KnownUsers() == Strings{"ok"});
}
