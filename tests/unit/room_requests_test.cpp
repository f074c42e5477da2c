// The service's room membership requests as the plugin applies them
// (core/room_requests.h): a snapshot built aside and swapped in at rooms_end,
// deltas, and requests with bad names or shapes refused whole with a
// specific message.
#include "room_requests.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using imchat::ApplyRoomRequest;
using imchat::RoomAccess;
using imchat::RoomMembers;
using nlohmann::json;

namespace {

void Apply(RoomMembers* rooms, const json& request) {
  auto s = ApplyRoomRequest(request, rooms);
  INFO(request.dump() << " -> " << s.message());
  REQUIRE(s.ok());
}

std::string Error(RoomMembers* rooms, const json& request) {
  auto s = ApplyRoomRequest(request, rooms);
  REQUIRE_FALSE(s.ok());
  return s.message();
}

}  // namespace

TEST_CASE("room requests: a snapshot in parts, then deltas", "[unit]") {
  RoomMembers rooms;
  CHECK(imchat::IsRoomRequest("room_set"));
  CHECK_FALSE(imchat::IsRoomRequest("blocks"));
  Apply(&rooms, {{"op", "rooms_begin"}});
  Apply(&rooms, {{"op", "room_set"}, {"room", "dev"}, {"members", {"alice", "bob"}}});
  Apply(&rooms, {{"op", "room_set"}, {"room", "dev"}, {"members", {"carol"}}});
  CHECK(rooms.Access("dev", "alice") == RoomAccess::kNotReady);  // fail closed until rooms_end
  Apply(&rooms, {{"op", "rooms_end"}});
  CHECK(rooms.Access("dev", "carol") == RoomAccess::kMember);
  CHECK(rooms.Access("dev", "dave") == RoomAccess::kNotMember);
  CHECK(rooms.Access("ops", "alice") == RoomAccess::kNoSuchRoom);

  Apply(&rooms, {{"op", "room_add"}, {"room", "ops"}, {"members", {"dave"}}});
  CHECK(rooms.IsMember("ops", "dave"));
  Apply(&rooms, {{"op", "room_remove"}, {"room", "dev"}, {"members", {"bob"}}});
  CHECK_FALSE(rooms.IsMember("dev", "bob"));
  CHECK(rooms.IsMember("dev", "alice"));
  Apply(&rooms, {{"op", "room_close"}, {"room", "dev"}});
  CHECK(rooms.Access("dev", "alice") == RoomAccess::kNoSuchRoom);
  Apply(&rooms, {{"op", "room_add"}, {"room", "dev"}, {"members", json::array()}});
  CHECK_FALSE(rooms.Exists("dev"));  // an empty add creates nothing
}

TEST_CASE("room requests: malformed ones change nothing and say what is wrong", "[unit]") {
  RoomMembers rooms;
  CHECK(Error(&rooms, {{"op", "rooms_end"}}) == "rooms_end without a rooms_begin before it");
  CHECK(Error(&rooms, {{"op", "room_set"}, {"room", "dev"}, {"members", {"alice"}}}) ==
        "room_set without a rooms_begin before it");
  Apply(&rooms, {{"op", "rooms_begin"}});
  Apply(&rooms, {{"op", "room_set"}, {"room", "dev"}, {"members", {"alice", "bob"}}});
  Apply(&rooms, {{"op", "rooms_end"}});

  struct Case {
    json request;
    std::string starts;
  };
  const std::string long_name(33, 'a');
  const Case cases[] = {
      {{{"op", "room_add"}, {"members", {"x"}}}, "room_add: \"room\" must be a string"},
      {{{"op", "room_add"}, {"room", 7}, {"members", {"x"}}},
       "room_add: \"room\" must be a string"},
      {{{"op", "room_add"}, {"room", "a/b"}, {"members", {"x"}}}, "room_add: \"room\": "},
      {{{"op", "room_add"}, {"room", "a+b"}, {"members", {"x"}}}, "room_add: \"room\": "},
      {{{"op", "room_add"}, {"room", "#dev"}, {"members", {"x"}}}, "room_add: \"room\": "},
      {{{"op", "room_add"}, {"room", "a\x01"}, {"members", {"x"}}}, "room_add: \"room\": "},
      {{{"op", "room_add"}, {"room", long_name}, {"members", {"x"}}}, "room_add: \"room\": "},
      {{{"op", "room_close"}, {"room", ""}}, "room_close: \"room\": "},
      {{{"op", "room_add"}, {"room", "dev"}}, "room_add: \"members\" must be an array"},
      {{{"op", "room_remove"}, {"room", "dev"}, {"members", "alice"}},
       "room_remove: \"members\" must be an array"},
      {{{"op", "room_add"}, {"room", "dev"}, {"members", {"carol", 5}}},
       "room_add: \"members\"[1]: must be a"},
      {{{"op", "room_add"}, {"room", "dev"}, {"members", {"carol", "x/y"}}},
       "room_add: \"members\"[1]: "},
      {{{"op", "room_remove"}, {"room", "dev"}, {"members", {"alice", "#"}}},
       "room_remove: \"members\"[1]: "},
  };
  for (const Case& c : cases) {
    CAPTURE(c.request.dump());
    const std::string error = Error(&rooms, c.request);
    CHECK(error.rfind(c.starts, 0) == 0);
    CHECK(error.size() > c.starts.size());
  }
  // Nothing was half-applied: carol was not added, alice not removed.
  CHECK_FALSE(rooms.IsMember("dev", "carol"));
  CHECK(rooms.IsMember("dev", "alice"));
  CHECK(rooms.room_count() == 1);
}
