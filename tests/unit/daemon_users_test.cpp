// The address book command `users [page]` (topics.md, "Commands"): every user
// of users.txt, sorted, kUsersPageSize a page, with presence from memory.
#include <catch2/catch.hpp>
#include <cstdio>
#include <set>
#include <string>

#include "limits.h"
#include "service_fixture.h"

using namespace service_test;  // NOLINT(build/namespaces): test helpers

namespace {

using Names = std::set<std::string, std::less<>>;

// "u0000", "u0001", ... sorted the same as numerically.
Names Numbered(int n) {
  Names names;
  for (int i = 0; i < n; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "u%04d", i);
    names.insert(buf);
  }
  return names;
}

// The reply to `line` sent by `me`.
json Ask(Fixture& f, const std::string& me, const std::string& line) {
  f.Archive({Command(me, line)});
  f.service->EndBatch();
  return f.link.On("im/svc/" + me).back().Json();
}

}  // namespace

TEST_CASE("users pages: none, one, exactly a page, one more than a page, past the end", "[unit]") {
  constexpr int kPage = imchat::kUsersPageSize;
  struct Case {
    int users;
    int page;
    int pages;    // 0: the page is past the end (an error)
    int on_page;  // users on the page
    std::string first;
  };
  const Case cases[] = {
      {0, 1, 1, 0, ""},
      {0, 2, 0, 0, ""},
      {1, 1, 1, 1, "u0000"},
      {1, 2, 0, 0, ""},
      {kPage, 1, 1, kPage, "u0000"},
      {kPage, 2, 0, 0, ""},
      {kPage + 1, 1, 2, kPage, "u0000"},
      {kPage + 1, 2, 2, 1, "u0100"},
      {kPage + 1, 3, 0, 0, ""},
      {250, 3, 3, 50, "u0200"},
  };
  for (const Case& c : cases) {
    INFO(c.users << " users, page " << c.page);
    Fixture f;
    f.service->SetUsers(Numbered(c.users));
    json r = Ask(f, "alice", "users " + std::to_string(c.page));
    CHECK(r["type"] == "reply");
    CHECK(r["cmd"] == "users");
    if (c.pages == 0) {
      CHECK(r["ok"] == false);
      const int pages = c.users == 0 ? 1 : (c.users + kPage - 1) / kPage;
      CHECK(r["error"] == "page " + std::to_string(c.page) +
                              " is past the end: " + std::to_string(c.users) + " users make " +
                              std::to_string(pages) + (pages == 1 ? " page" : " pages") +
                              "; try 'users " + std::to_string(pages) + "'");
      continue;
    }
    REQUIRE(r["ok"] == true);
    CHECK(r["page"] == c.page);
    CHECK(r["pages"] == c.pages);
    CHECK(r["total"] == c.users);
    REQUIRE(r["users"].size() == static_cast<std::size_t>(c.on_page));
    if (c.on_page == 0) {
      CHECK(r["text"] == "No users.");
      continue;
    }
    CHECK(r["users"][0]["user"] == c.first);
    // Sorted by name, nothing repeated across the page.
    for (std::size_t i = 1; i < r["users"].size(); ++i) {
      CHECK(r["users"][i - 1]["user"].get<std::string>() <
            r["users"][i]["user"].get<std::string>());
    }
    const int from = (c.page - 1) * kPage + 1;
    CHECK(r["text"].get<std::string>().rfind(
              "Users " + std::to_string(from) + "-" + std::to_string(from + c.on_page - 1) +
                  " of " + std::to_string(c.users) + " (page " + std::to_string(c.page) + " of " +
                  std::to_string(c.pages) + "): " + c.first,
              0) == 0);
  }
}

TEST_CASE("users: a bad page number is refused with the usage", "[unit]") {
  Fixture f;
  for (const char* line : {"users 0", "users two", "users -1", "users 1 2"}) {
    INFO(line);
    json r = Ask(f, "alice", line);
    CHECK(r["cmd"] == "users");
    CHECK(r["ok"] == false);
    CHECK(r["error"].get<std::string>().find("usage: users [page]") != std::string::npos);
  }
  json r = Ask(f, "alice", "users 99999999999999999999");
  CHECK(r["ok"] == false);
  CHECK(r["error"].get<std::string>().find("is past the end: 3 users make 1 page; try 'users 1'") !=
        std::string::npos);
}

TEST_CASE("users: display name, online flag and last seen; blocked pairs hidden", "[unit]") {
  Fixture f;
  f.service->SetUsers({"alice", "bob", "carol", "dave"});
  f.now = 5000;
  f.Login("bob", 1);
  f.Archive({Command("bob", "nick Bob B.")});
  f.now = 8000;
  f.Logout("bob", 1, "quit");
  f.Login("carol", 2);
  f.now = 9000;
  json r = Ask(f, "alice", "users");
  REQUIRE(r["ok"] == true);
  CHECK(r["users"] == json::parse(R"([
    {"user":"alice","display":"","online":false,"last_seen":null},
    {"user":"bob","display":"Bob B.","online":false,"last_seen":8000},
    {"user":"carol","display":"","online":true,"last_seen":9000},
    {"user":"dave","display":"","online":false,"last_seen":null}])"));
  CHECK(r["text"] == "Users 1-4 of 4 (page 1 of 1): alice, bob, carol, dave");

  // Like who and since: no presence between users when either blocks the other.
  f.Archive({Command("carol", "block alice")});
  r = Ask(f, "alice", "users");
  CHECK(r["users"][2] == json::parse(
                             R"({"user":"carol","display":"","online":false,"last_seen":null,
                                 "hidden":true})"));
  CHECK(r["users"][1]["display"] == "Bob B.");
}

TEST_CASE("users: 10,000 users page through without repeats or gaps", "[unit]") {
  Fixture f;
  const Names all = Numbered(10000);
  f.service->SetUsers(all);
  Names seen;
  json r = Ask(f, "alice", "users");
  const int pages = r["pages"].get<int>();
  CHECK(pages == 10000 / imchat::kUsersPageSize);
  for (int page = 1; page <= pages; ++page) {
    if (page > 1) r = Ask(f, "alice", "users " + std::to_string(page));
    REQUIRE(r["ok"] == true);
    // A page stays well below the broker's payload limit.
    CHECK(r.dump().size() < imchat::kMaxPayloadBytes / 4);
    for (const json& u : r["users"]) CHECK(seen.insert(u["user"].get<std::string>()).second);
  }
  CHECK(seen == all);
}
