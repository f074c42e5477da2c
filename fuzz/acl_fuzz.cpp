// Fuzzes the ACL decisions against the contract, with Mosquitto's own matcher as the
// judge of which topics a filter covers:
//  - a user may publish only to im/all, im/user/<to>, her own im/all/<me>,
//    im/user/<to>/<me> and im/cmd/<me>, never retained chat messages;
//  - a user may read only im/all/*, im/user/<me>/*, im/user/*/<me> (carbons of what she
//    sent), im/presence/*, im/online, im/svc/<me>;
//  - a plain filter matching a readable topic is granted (a carbon only through a filter
//    naming her as the sender: im/user/bob/+ is not hers); a shared filter that is granted
//    covers only readable topics (checked on the fuzzed topic, if it is an imchat topic:
//    malformed ones can carry no message, since nobody may publish there).
// Input: byte 0 picks the actor and the block set, then "<filter>\n<topic>".
#include <mosquitto.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "acl.h"
#include "blocks.h"
#include "names.h"
#include "topics.h"

namespace {

void Check(bool ok, const char* what, const imchat::Actor& who, std::string_view filter,
           std::string_view topic) {
  if (ok) return;
  std::fprintf(stderr, "acl: %s\n  actor: %s%s\n  filter: '%s'\n  topic: '%s'\n", what,
               who.name.c_str(), who.service ? " (service)" : "",
               imchat::Printable(filter, 300).c_str(), imchat::Printable(topic, 300).c_str());
  std::abort();
}

// The fuzzed membership: #dev has alice and bob, #ops has bob (when ready).
bool Member(const imchat::RoomMembers& rooms, const std::string& room, const std::string& user) {
  if (!rooms.ready()) return false;
  return (room == "dev" && (user == "alice" || user == "bob")) || (room == "ops" && user == "bob");
}

bool MayPublish(const imchat::Actor& who, const imchat::ParsedTopic& t, bool retain,
                const imchat::RoomMembers& rooms) {
  using imchat::TopicKind;
  switch (t.kind) {
    case TopicKind::kRoom:
      return !retain && Member(rooms, t.first, who.name);
    case TopicKind::kRoomFrom:
      return !retain && Member(rooms, t.first, who.name) && t.second == who.name;
    case TopicKind::kAll:
    case TopicKind::kUserTo:
      return !retain;
    case TopicKind::kAllFrom:
      return !retain && t.first == who.name;
    case TopicKind::kUserToFrom:
      return !retain && t.second == who.name;
    case TopicKind::kCmd:
    case TopicKind::kFileUp:
      return !retain && t.first == who.name;
    default:
      return false;
  }
}

bool MayRead(const imchat::Actor& who, const imchat::ParsedTopic& t,
             const imchat::RoomMembers& rooms) {
  using imchat::TopicKind;
  switch (t.kind) {
    case TopicKind::kRoomFrom:
    case TopicKind::kRoomInfo:
      return Member(rooms, t.first, who.name);
    case TopicKind::kAllFrom:
    case TopicKind::kPresence:
    case TopicKind::kOnline:
      return true;
    case TopicKind::kUserToFrom:
      return t.first == who.name || t.second == who.name;
    case TopicKind::kSvc:
    case TopicKind::kFileDown:
      return t.first == who.name;
    default:
      return false;
  }
}

bool MosqValidFilter(const std::string& f) {
  return !f.empty() && f.find('\0') == std::string::npos &&
         mosquitto_sub_topic_check(f.c_str()) == MOSQ_ERR_SUCCESS;
}

bool MosqValidTopic(const std::string& t) {
  return !t.empty() && t.find('\0') == std::string::npos &&
         mosquitto_pub_topic_check(t.c_str()) == MOSQ_ERR_SUCCESS;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* const kActors[] = {"alice", "alice2", "bob", "imchat-service"};
  imchat::Actor who;
  who.name = kActors[data[0] & 3];
  who.service = (data[0] & 3) == 3;
  imchat::BlockSet blocks;
  if (data[0] & 4) blocks.Add("alice", "bob");
  if (data[0] & 8) blocks.Add("bob", "alice");
  const bool retain = data[0] & 16;
  imchat::RoomMembers rooms;
  if (data[0] & 32) {
    rooms.Begin();
    rooms.Stage("dev", {"alice", "bob"});
    rooms.Stage("ops", {"bob"});
    rooms.Commit();
  }
  imchat::AclView view;
  view.blocks = &blocks;
  view.rooms = &rooms;

  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t nl = input.find('\n');
  const std::string filter(nl == std::string_view::npos ? input : input.substr(0, nl));
  const std::string topic(nl == std::string_view::npos ? input : input.substr(nl + 1));

  const imchat::ParsedTopic parsed = imchat::ParseTopic(topic);
  const bool can_pub = imchat::CanPublish(who, topic, retain, view).allowed;
  const bool can_read = imchat::CanRead(who, topic, view).allowed;
  if (!who.service) {
    Check(!can_pub || MayPublish(who, parsed, retain, rooms), "publish allowed", who, "", topic);
    Check(!can_read || MayRead(who, parsed, rooms), "read allowed", who, "", topic);
  }
  const imchat::Decision sub = imchat::CanSubscribe(who, filter, view);
  // The broker refuses malformed filters (including "$share/<group>" with wildcards or NUL
  // in the group) before it asks the plugin, so only well-formed ones are judged here.
  if (who.service || !MosqValidFilter(filter) || !MosqValidTopic(topic)) return 0;

  const bool shared = filter.rfind("$share/", 0) == 0;
  std::string plain = filter;
  if (shared) {
    const std::size_t slash = filter.find('/', 7);
    if (slash == std::string::npos || slash == 7) return 0;
    plain = filter.substr(slash + 1);
  }
  if (!MosqValidFilter(plain)) return 0;
  bool matches = false;
  if (mosquitto_topic_matches_sub(plain.c_str(), topic.c_str(), &matches) != MOSQ_ERR_SUCCESS) {
    return 0;
  }
  if (!matches) return 0;
  // A topic readable only as a carbon counts for filters whose sender level is her name.
  const bool carbon_only = parsed.kind == imchat::TopicKind::kUserToFrom &&
                           parsed.first != who.name && parsed.second == who.name;
  const bool names_sender =
      plain.size() >= who.name.size() + 1 &&
      plain.compare(plain.size() - who.name.size() - 1, std::string::npos, "/" + who.name) == 0 &&
      std::count(plain.begin(), plain.end(), '/') == 3;
  if (!shared && can_read && (!carbon_only || names_sender)) {
    Check(sub.allowed, "filter matching a readable topic refused", who, filter, topic);
  }
  // Only topics that can carry messages count: nobody may publish to a malformed im/ topic.
  if (shared && sub.allowed && parsed.kind != imchat::TopicKind::kOther) {
    Check(can_read, "shared filter granted over an unreadable topic", who, filter, topic);
  }
  return 0;
}
