// The room commands as typed (client/input.h; topics.md "Rooms"): every
// valid form, every bad one with its error, and tab completion of room names.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "completion.h"
#include "input.h"

using imchat::client::CompleteWord;
using imchat::client::Input;
using imchat::client::ParseInput;
using imchat::client::Verb;
using Strings = std::vector<std::string>;

TEST_CASE("client input: room commands in their valid forms", "[unit]") {
  struct Case {
    const char* line;
    Verb verb;
    const char* room;
    const char* user;
    const char* text;
    bool invite_only;
    bool all;
    std::int64_t page;
  };
  const Case cases[] = {
      {"/create dev", Verb::kCreate, "dev", "", "", false, false, 1},
      {"/create #dev", Verb::kCreate, "dev", "", "", false, false, 1},
      {"/create ops invite-only", Verb::kCreate, "ops", "", "", true, false, 1},
      {"/create ops Invite-Only", Verb::kCreate, "ops", "", "", true, false, 1},
      {"/join dev", Verb::kJoin, "dev", "", "", false, false, 1},
      {"/JOIN #a.b-c_9", Verb::kJoin, "a.b-c_9", "", "", false, false, 1},
      {"/leave", Verb::kLeave, "", "", "", false, false, 1},
      {"/leave #dev", Verb::kLeave, "dev", "", "", false, false, 1},
      {"/part dev", Verb::kLeave, "dev", "", "", false, false, 1},
      {"/rooms", Verb::kRooms, "", "", "", false, false, 1},
      {"/rooms all", Verb::kRooms, "", "", "", false, true, 1},
      {"/rooms all 3", Verb::kRooms, "", "", "", false, true, 3},
      {"/members", Verb::kMembers, "", "", "", false, false, 1},
      {"/members #dev", Verb::kMembers, "dev", "", "", false, false, 1},
      {"/invite dev bob", Verb::kInvite, "dev", "bob", "", false, false, 1},
      {"/invite #dev  bob ", Verb::kInvite, "dev", "bob", "", false, false, 1},
      {"/kick #dev bob", Verb::kKick, "dev", "bob", "", false, false, 1},
      {"/topic dev", Verb::kTopic, "dev", "", "", false, false, 1},
      {"/topic #dev  Release  on Friday ", Verb::kTopic, "dev", "", "Release  on Friday", false,
       false, 1},
      {"/query #dev", Verb::kQuery, "dev", "", "", false, false, 1},
      {"/history #dev", Verb::kHistory, "dev", "", "", false, false, 1},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    Input in = ParseInput(c.line);
    REQUIRE(in.kind == Input::Kind::kCommand);
    CHECK(in.verb == c.verb);
    CHECK(in.room == c.room);
    CHECK(in.user == c.user);
    CHECK(in.text == c.text);
    CHECK(in.invite_only == c.invite_only);
    CHECK(in.all == c.all);
    CHECK(in.page == c.page);
  }
  Input in = ParseInput("/history #dev 7");
  CHECK(in.room == "dev");
  CHECK(in.count == 7);
  // "dev" without '#' stays a user for /history and /query: rooms and users are separate.
  CHECK(ParseInput("/history dev").user == "dev");
  CHECK(ParseInput("/history dev").room.empty());
  CHECK(ParseInput("/query dev").user == "dev");
}

TEST_CASE("client input: bad room commands are refused with a specific error", "[unit]") {
  const std::string bad_user = "is not a valid user name (1-32 of A-Z a-z 0-9 _ . -); see /help";
  const std::string only = "only A-Z a-z 0-9 _ . - are allowed; see /help";
  struct Case {
    const char* line;
    std::string error;
  };
  const Case cases[] = {
      {"/create", "/create needs a room: /create <room> [invite-only]"},
      {"/create dev open",
       "/create takes a room and optionally 'invite-only': /create <room> "
       "[invite-only]"},
      {"/create dev invite-only x",
       "/create takes a room and optionally 'invite-only': /create <room> [invite-only]"},
      {"/create de/v", "'de/v' is not a valid room name: the name contains '/'; " + only},
      {"/create #", "'#' is not a valid room name: the name is empty; see /help"},
      {"/create ##dev", "'##dev' is not a valid room name: the name contains '#'; " + only},
      {"/join", "/join needs a room: /join <room>"},
      {"/join dev ops", "/join takes one room: /join <room>"},
      {"/join d+v", "'d+v' is not a valid room name: the name contains '+'; " + only},
      {"/join 123456789012345678901234567890123",
       "'123456789012345678901234567890123' is not a valid room name: the name is longer than "
       "32 characters; see /help"},
      {"/join d\x1b[2Jv",
       "'d\\x1b[2Jv' is not a valid room name: the name contains '\\x1b'; " + only},
      {"/leave dev ops", "/leave takes one room: /leave [<room>]"},
      {"/part a/b", "'a/b' is not a valid room name: the name contains '/'; " + only},
      {"/rooms mine", "/rooms takes nothing, or 'all' and a page number: /rooms [all [page]]"},
      {"/rooms all 0", "/rooms takes a page number from 1: /rooms [all [page]]"},
      {"/rooms all x", "/rooms takes a page number from 1: /rooms [all [page]]"},
      {"/rooms all 2 3", "/rooms takes nothing, or 'all' and a page number: /rooms [all [page]]"},
      {"/members dev ops", "/members takes one room: /members [<room>]"},
      {"/invite", "/invite needs a room and a user: /invite <room> <user>"},
      {"/invite dev", "/invite needs a room and a user: /invite <room> <user>"},
      {"/invite dev bob carol", "/invite needs a room and a user: /invite <room> <user>"},
      {"/invite dev b/b", "'b/b' " + bad_user},
      {"/invite d/v bob", "'d/v' is not a valid room name: the name contains '/'; " + only},
      {"/kick dev", "/kick needs a room and a user: /kick <room> <user>"},
      {"/kick dev #bob", "'#bob' " + bad_user},
      {"/topic", "/topic needs a room: /topic <room> [<text>]"},
      {"/topic dev a\x7f", "/topic takes a topic of printable characters: /topic <room> [<text>]"},
      {"/history #d/v", "'#d/v' is not a valid room name: the name contains '/'; " + only},
      {"/query #d+v", "'#d+v' is not a valid room name: the name contains '+'; " + only},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    Input in = ParseInput(c.line);
    CHECK(in.kind == Input::Kind::kError);
    CHECK(in.error == c.error);
  }
}

TEST_CASE("client input: tab completes rooms after room commands, users elsewhere", "[unit]") {
  const Strings users = {"bob", "dave", "devon"};
  const Strings rooms = {"design", "dev", "ops"};
  struct Case {
    const char* before;
    const char* word;
    Strings expected;
  };
  const Case cases[] = {
      {"/join ", "", {"#design", "#dev", "#ops"}},
      {"/join ", "#de", {"#design", "#dev"}},
      {"/join ", "dev", {"#dev"}},  // without '#' too, after a room command
      {"/part ", "o", {"#ops"}},
      {"/topic ", "#o", {"#ops"}},
      {"/topic #ops ", "d", {}},  // the topic text: nothing to complete
      {"/members ", "#", {"#design", "#dev", "#ops"}},
      {"/invite ", "#d", {"#design", "#dev"}},
      {"/invite #dev ", "d", {"dave", "devon"}},  // the user
      {"/kick  #dev  ", "b", {"bob"}},
      {"/query ", "d", {"dave", "devon"}},  // users; a room needs its '#'
      {"/query ", "#d", {"#design", "#dev"}},
      {"/history ", "#o", {"#ops"}},
      {"/msg ", "d", {"dave", "devon"}},
      {"/msg ", "#d", {}},
      {"/create ", "d", {}},  // a new name
      {"/who ", "", {}},
      {"/frob ", "d", {}},
      {"", "de", {"devon"}},  // plain text: names, as always
      {"hello ", "b", {"bob"}},
      {"/JOIN ", "#op", {"#ops"}},
  };
  for (const Case& c : cases) {
    INFO(std::string(c.before) + "|" + c.word);
    CHECK(CompleteWord(c.before, c.word, users, rooms) == c.expected);
  }
}
