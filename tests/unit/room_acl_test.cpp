// Rooms in the ACL: membership decides publish, read and subscribe; until the
// service's first snapshot nobody is a member (fail closed); a replay carrying
// `for` is readable by that member only.
#include <catch2/catch.hpp>

#include "acl.h"
#include "archive_stream.h"
#include "room_members.h"
#include "topics.h"

using imchat::AclView;
using imchat::Actor;
using imchat::BlockSet;
using imchat::RoomMembers;

namespace {

RoomMembers DevRoom() {
  RoomMembers rooms;
  rooms.Begin();
  rooms.Stage("dev", {"alice", "bob"});
  rooms.Stage("dev", {"carol"});  // a large room arrives in parts
  rooms.Stage("ops", {"bob"});
  REQUIRE(rooms.Commit());
  return rooms;
}

}  // namespace

TEST_CASE("room topics parse and build from the topic table", "[unit]") {
  auto t = imchat::ParseTopic("im/room/dev");
  CHECK(t.kind == imchat::TopicKind::kRoom);
  CHECK(t.first == "dev");
  t = imchat::ParseTopic("im/room/dev/alice");
  CHECK(t.kind == imchat::TopicKind::kRoomFrom);
  CHECK((t.first == "dev" && t.second == "alice"));
  CHECK(imchat::ParseTopic("im/roominfo/dev").kind == imchat::TopicKind::kRoomInfo);
  for (const char* bad : {"im/room/d+v", "im/room/dev/al#ce", "im/room/dev/alice/x", "im/room/",
                          "im/roominfo/dev/x", "im/room/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    CAPTURE(bad);
    CHECK(imchat::ParseTopic(bad).kind == imchat::TopicKind::kOther);
  }
  CHECK(imchat::RoomTopic("dev") == "im/room/dev");
  CHECK(imchat::RoomFromTopic("dev", "bob") == "im/room/dev/bob");
  CHECK(imchat::RoomInfoTopic("dev") == "im/roominfo/dev");
}

TEST_CASE("membership: snapshot, deltas, closing an emptied room", "[unit]") {
  RoomMembers rooms;
  CHECK_FALSE(rooms.ready());
  rooms.Add("dev", {"alice"});
  CHECK_FALSE(rooms.IsMember("dev", "alice"));  // not ready: fail closed
  CHECK_FALSE(rooms.Commit());                  // no Begin
  rooms = DevRoom();
  CHECK(rooms.ready());
  CHECK(rooms.IsMember("dev", "carol"));
  CHECK_FALSE(rooms.IsMember("dev", "dave"));
  CHECK_FALSE(rooms.IsMember("ops", "alice"));
  CHECK(rooms.member_count("dev") == 3);
  rooms.Remove("ops", {"bob"});
  CHECK_FALSE(rooms.Exists("ops"));
  // A new snapshot replaces the table; deltas during it reach the new table too.
  rooms.Begin();
  rooms.Stage("new", {"dave"});
  rooms.Add("dev", {"erin"});
  CHECK(rooms.IsMember("dev", "alice"));  // the old table serves until Commit
  REQUIRE(rooms.Commit());
  CHECK(rooms.IsMember("new", "dave"));
  CHECK(rooms.IsMember("dev", "erin"));
  CHECK_FALSE(rooms.IsMember("dev", "alice"));
  rooms.Close("new");
  CHECK_FALSE(rooms.Exists("new"));
}

TEST_CASE("only members publish to a room, as themselves, never retained", "[unit]") {
  RoomMembers rooms = DevRoom();
  BlockSet blocks;
  AclView view{&blocks, &rooms};
  const Actor alice{"alice"}, dave{"dave"}, service{"imchat-service", true};
  CHECK(imchat::CanPublish(alice, "im/room/dev", false, view).allowed);
  CHECK(imchat::CanPublish(alice, "im/room/dev/alice", false, view).allowed);
  CHECK_FALSE(imchat::CanPublish(alice, "im/room/dev", true, view).allowed);
  auto d = imchat::CanPublish(dave, "im/room/dev", false, view);
  CHECK_FALSE(d.allowed);
  CHECK(d.reason == "'dave' is not a member of #dev");
  CHECK(imchat::CanPublish(alice, "im/room/nope", false, view).reason == "no such room #nope");
  CHECK_FALSE(imchat::CanPublish(alice, "im/room/dev/bob", false, view).allowed);  // forged
  CHECK_FALSE(imchat::CanPublish(alice, "im/roominfo/dev", false, view).allowed);
  CHECK(imchat::CanPublish(service, "im/roominfo/dev", true, view).allowed);
  RoomMembers not_ready;
  AclView closed{&blocks, &not_ready};
  d = imchat::CanPublish(alice, "im/room/dev", false, closed);
  CHECK_FALSE(d.allowed);
  CHECK(d.reason.find("not available yet") != std::string::npos);
  CHECK_FALSE(imchat::CanPublish(alice, "im/room/dev", false, AclView{&blocks}).allowed);
}

TEST_CASE("members read a room and its info; blocks and replays narrow it", "[unit]") {
  RoomMembers rooms = DevRoom();
  BlockSet blocks;
  blocks.Add("carol", "bob");
  AclView view{&blocks, &rooms};
  const Actor alice{"alice"}, carol{"carol"}, dave{"dave"};
  CHECK(imchat::CanRead(alice, "im/room/dev/bob", view).allowed);
  CHECK(imchat::CanRead(alice, "im/roominfo/dev", view).allowed);
  CHECK_FALSE(imchat::CanRead(dave, "im/room/dev/bob", view).allowed);
  CHECK_FALSE(imchat::CanRead(dave, "im/roominfo/dev", view).allowed);
  CHECK_FALSE(imchat::CanRead(carol, "im/room/dev/bob", view).allowed);  // carol blocks bob
  CHECK(imchat::CanRead(carol, "im/room/dev/alice", view).allowed);
  CHECK(imchat::CanRead(alice, "im/room/dev/bob", view, "alice").allowed);
  auto d = imchat::CanRead(carol, "im/room/dev/alice", view, "alice");
  CHECK_FALSE(d.allowed);
  CHECK(d.reason == "a replay for alice only");
  RoomMembers not_ready;
  CHECK_FALSE(imchat::CanRead(alice, "im/room/dev/bob", AclView{&blocks, &not_ready}).allowed);
}

TEST_CASE("subscribing to rooms: exact filters need membership, wide ones filter later", "[unit]") {
  RoomMembers rooms = DevRoom();
  BlockSet blocks;
  AclView view{&blocks, &rooms};
  const Actor alice{"alice"}, dave{"dave"};
  CHECK(imchat::CanSubscribe(alice, "im/room/dev/+", view).allowed);
  CHECK(imchat::CanSubscribe(alice, "im/roominfo/dev", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(dave, "im/room/dev/+", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(dave, "im/room/dev/#", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(dave, "im/roominfo/dev", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(alice, "im/room/ops/+", view).allowed);
  // Per delivery: the broker asks CanRead for each message.
  CHECK(imchat::CanSubscribe(dave, "im/room/+/+", view).allowed);
  CHECK(imchat::CanSubscribe(dave, "im/roominfo/+", view).allowed);
  // A shared subscription must be readable everywhere it matches.
  CHECK(imchat::CanSubscribe(alice, "$share/g/im/room/dev/+", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(dave, "$share/g/im/room/dev/+", view).allowed);
  CHECK_FALSE(imchat::CanSubscribe(alice, "$share/g/im/room/+/+", view).allowed);
  // Before the first snapshot only the wide filters are granted (every delivery
  // is still refused), so a client subscribing just after a broker restart
  // keeps its rooms once the snapshot arrives.
  RoomMembers not_ready;
  AclView closed{&blocks, &not_ready};
  CHECK(imchat::CanSubscribe(alice, "im/room/+/+", closed).allowed);
  CHECK(imchat::CanSubscribe(alice, "im/roominfo/+", closed).allowed);
  CHECK_FALSE(imchat::CanSubscribe(alice, "im/room/dev/+", closed).allowed);
  CHECK_FALSE(imchat::CanSubscribe(alice, "im/roominfo/dev", closed).allowed);
  CHECK_FALSE(imchat::CanSubscribe(alice, "$share/g/im/room/+/+", closed).allowed);
  CHECK_FALSE(imchat::CanRead(alice, "im/roominfo/dev", closed).allowed);
}

TEST_CASE("a room record round-trips through the archive stream", "[unit]") {
  imchat::ArchiveRecord r;
  r.kind = imchat::ArchiveRecord::Kind::kRoom;
  r.id = "k1-00000001";
  r.ts = 1764000000000;
  r.from = "alice";
  r.to = "dev";
  r.ref = "c1";
  r.body = "hello room";
  std::string batch;
  imchat::AppendArchiveRecord(&batch, r);
  std::vector<imchat::ArchiveRecord> out;
  std::string error;
  REQUIRE(imchat::DecodeArchiveBatch(batch, &out, &error));
  REQUIRE(out.size() == 1);
  CHECK(out[0] == r);
}
