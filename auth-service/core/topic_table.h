// The topic contract of topics.md as one table: each row is a topic shape
// (its levels), who may publish to it and who may read it. ParseTopic
// (topics.h), the ACL's publish/read/subscribe decisions (acl.h) and the
// topic builders are all derived from these rows, so adding a kind of topic
// (e.g. rooms: im/room/<room>/<sender>) is one TopicKind, one row and, when
// no existing rule fits, one new rule value below.
#ifndef IMCHAT_CORE_TOPIC_TABLE_H_
#define IMCHAT_CORE_TOPIC_TABLE_H_

#include <cstddef>
#include <string_view>

namespace imchat {

enum class TopicKind {
  kAll,         // im/all                       (user publishes; broker stamps the sender)
  kAllFrom,     // im/all/<sender>
  kUserTo,      // im/user/<to>                 (user publishes; broker stamps the sender)
  kUserToFrom,  // im/user/<to>/<sender>
  kPresence,    // im/presence/<name>           (retained, service only)
  kOnline,      // im/online                    (retained, service only)
  kLogin,       // im/login/<name>              (plugin -> service)
  kLogout,      // im/logout/<name>             (plugin -> service)
  kSessions,    // im/sessions                  (plugin -> service, snapshot of connections)
  kArchive,     // im/archive                   (plugin -> service, chat messages and commands)
  kCmd,         // im/cmd/<name>                (user -> service)
  kSvc,         // im/svc/<name>                (service -> user)
  kRoom,        // im/room/<room>               (a member publishes; broker stamps the sender)
  kRoomFrom,    // im/room/<room>/<sender>
  kRoomInfo,    // im/roominfo/<room>           (retained, service only, members read)
  kFileUp,      // im/up/<me>/<upload>/<offset> (<me> publishes file chunks, service reads)
  kFileDown,    // im/down/<me>/<file>/<offset> (service publishes file chunks, only <me> reads)
  kControl,     // $CONTROL/...                 (broker control topics)
  kSys,         // $SYS/...
  kOther,       // anything else, including malformed im/ topics
};

// No contract topic has more levels; ParseTopic splits into a fixed array of this size.
inline constexpr std::size_t kMaxTopicLevels = 4;
// A level holding a user or room name (IsValidUserName: rooms follow the same rule);
// names are numbered 0, 1 from the left.
inline constexpr std::string_view kNameLevel = "<name>";
// A last level standing for any further levels, including none (MQTT '#').
inline constexpr std::string_view kRestLevels = "#";

// Who may publish to a topic of the shape (the service may publish to every im/ shape).
enum class Publisher {
  kService,    // the service (or the plugin itself) only
  kAnyUser,    // any user; the broker rewrites the topic to add the sender
  kNamedUser,  // only the user named at name `PublishRule::self`
};

struct PublishRule {
  Publisher who = Publisher::kService;
  int self = -1;      // for kNamedUser
  bool chat = false;  // a chat message or command: never retained
  int room = -1;      // >= 0: the publisher must be a member of the room named at this name
};

// Which blocks (blocks.h) hide a topic from a reader; `ReadRule::other` names the peer.
enum class BlockRule {
  kNone,
  kReaderBlocksPeer,  // hidden when the reader blocks the peer
  kEitherBlocks,      // hidden when the reader blocks the peer or the peer blocks the reader
};

// Who may read (receive, subscribe to) a topic of the shape; the service reads every im/ topic.
struct ReadRule {
  bool users = false;  // false: the service only
  int owner = -1;      // >= 0: only the user named at this name may read
  BlockRule blocks = BlockRule::kNone;
  int other = -1;  // the name the block rule is about
  int room = -1;   // >= 0: only members of the room named at this name may read
  // >= 0: the user named at this name may also read, besides `owner` (carbons:
  // a direct message's sender reads what they sent, from any of their devices).
  // Only where the topic or filter names them there: im/user/+/<me> and
  // im/user/<to>/<me> are granted, im/user/<to>/+ is not.
  int carbon = -1;
};

struct TopicShape {
  TopicKind kind;
  std::string_view levels[kMaxTopicLevels];  // literals, kNameLevel or a final kRestLevels
  std::size_t count;                         // levels used
  PublishRule publish;
  ReadRule read;
};

// The rows. Each kind appears once; rows never overlap (a topic matches at most one).
inline constexpr TopicShape kTopicShapes[] = {
    {TopicKind::kAll, {"im", "all"}, 2, {Publisher::kAnyUser, -1, true}, {}},
    {TopicKind::kAllFrom,
     {"im", "all", kNameLevel},
     3,
     {Publisher::kNamedUser, 0, true},
     {true, -1, BlockRule::kReaderBlocksPeer, 0}},
    {TopicKind::kUserTo, {"im", "user", kNameLevel}, 3, {Publisher::kAnyUser, -1, true}, {}},
    {TopicKind::kUserToFrom,
     {"im", "user", kNameLevel, kNameLevel},
     4,
     {Publisher::kNamedUser, 1, true},
     {true, 0, BlockRule::kReaderBlocksPeer, 1, -1, 1}},
    {TopicKind::kPresence,
     {"im", "presence", kNameLevel},
     3,
     {},
     {true, -1, BlockRule::kEitherBlocks, 0}},
    {TopicKind::kOnline, {"im", "online"}, 2, {}, {true, -1, BlockRule::kNone, -1}},
    {TopicKind::kLogin, {"im", "login", kNameLevel}, 3, {}, {}},
    {TopicKind::kLogout, {"im", "logout", kNameLevel}, 3, {}, {}},
    {TopicKind::kSessions, {"im", "sessions"}, 2, {}, {}},
    {TopicKind::kArchive, {"im", "archive"}, 2, {}, {}},
    {TopicKind::kCmd, {"im", "cmd", kNameLevel}, 3, {Publisher::kNamedUser, 0, true}, {}},
    {TopicKind::kSvc, {"im", "svc", kNameLevel}, 3, {}, {true, 0, BlockRule::kNone, -1}},
    {TopicKind::kRoom, {"im", "room", kNameLevel}, 3, {Publisher::kAnyUser, -1, true, 0}, {}},
    {TopicKind::kRoomFrom,
     {"im", "room", kNameLevel, kNameLevel},
     4,
     {Publisher::kNamedUser, 1, true, 0},
     {true, -1, BlockRule::kReaderBlocksPeer, 1, 0}},
    {TopicKind::kRoomInfo,
     {"im", "roominfo", kNameLevel},
     3,
     {},
     {true, -1, BlockRule::kNone, -1, 0}},
    // Files (file_topics.h): the levels after the name are the daemon's to parse.
    {TopicKind::kFileUp, {"im", "up", kNameLevel, kRestLevels}, 4, {Publisher::kNamedUser, 0, true}, {}},
    {TopicKind::kFileDown,
     {"im", "down", kNameLevel, kRestLevels},
     4,
     {},
     {true, 0, BlockRule::kNone, -1}},
    {TopicKind::kControl, {"$CONTROL", kRestLevels}, 2, {}, {}},
    {TopicKind::kSys, {"$SYS", kRestLevels}, 2, {}, {}},
};

// The row of `kind`; null for kOther.
const TopicShape* ShapeOf(TopicKind kind);

}  // namespace imchat

#endif  // IMCHAT_CORE_TOPIC_TABLE_H_
