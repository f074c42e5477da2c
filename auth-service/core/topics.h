// The topic contract (see topics.md): parsing a topic name into what it means,
// and building topic names and filters. Both follow the rows of topic_table.h.
// Matching is always by topic level, never by string prefix.
#ifndef IMCHAT_CORE_TOPICS_H_
#define IMCHAT_CORE_TOPICS_H_

#include <string>
#include <string_view>
#include <vector>

#include "topic_table.h"

namespace imchat {

struct ParsedTopic {
  TopicKind kind = TopicKind::kOther;
  std::string first;   // <sender>, <to> or <name>, depending on kind
  std::string second;  // <sender> for kUserToFrom
};

// Parses a concrete topic name (no wildcards) by the rows of kTopicShapes.
// Names are checked with IsValidUserName; a topic with a bad name, a wildcard,
// an empty level or extra levels is kOther. Allocates only the names it returns.
ParsedTopic ParseTopic(std::string_view topic);

// Splits on '/' keeping empty levels ("a//b" -> {"a","","b"}).
std::vector<std::string_view> SplitLevels(std::string_view topic);

// True when the MQTT topic filter `filter` matches topic name `topic` by the
// MQTT 3.1.1/5 rules (+ and #, '$' topics not matched by a leading wildcard).
bool TopicMatches(std::string_view filter, std::string_view topic);

// True when `filter` is a syntactically valid MQTT subscription filter.
bool IsValidFilter(std::string_view filter);

// The topic of `kind`'s row with its name levels filled from the left with
// `first` and `second` (a name of "+" makes it a filter). Not for kOther.
std::string BuildTopic(TopicKind kind, std::string_view first = {}, std::string_view second = {});

// Topic builders (BuildTopic of one row each).
inline constexpr const char* kAllTopic = "im/all";                    // publish: to everyone
std::string UserToTopic(std::string_view to);                         // im/user/<to> (publish)
std::string AllTopic(std::string_view sender);                        // im/all/<sender>
std::string UserTopic(std::string_view to, std::string_view sender);  // im/user/<to>/<sender>
std::string PresenceTopic(std::string_view name);
std::string LoginTopic(std::string_view name);
std::string LogoutTopic(std::string_view name);
std::string CmdTopic(std::string_view name);
std::string SvcTopic(std::string_view name);

// Subscription filters.
inline constexpr const char* kAllFilter = "im/all/+";            // every broadcast
inline constexpr const char* kPresenceFilter = "im/presence/+";  // everyone's presence
std::string InboxFilter(std::string_view me);                    // im/user/<me>/+
// Carbons: the direct messages <me> sent, from any of their clients.
std::string CarbonFilter(std::string_view me);  // im/user/+/<me>

// Rooms (topics.md "Rooms").
std::string RoomTopic(std::string_view room);                               // im/room/<room>
std::string RoomFromTopic(std::string_view room, std::string_view sender);  // .../<sender>
std::string RoomInfoTopic(std::string_view room);                           // im/roominfo/<room>
inline constexpr const char* kRoomsFilter = "im/room/+/+";                  // every room of mine
inline constexpr const char* kRoomInfoFilter = "im/roominfo/+";  // info of every room of mine

inline constexpr const char* kOnlineTopic = "im/online";
inline constexpr const char* kSessionsTopic = "im/sessions";
// Plugin -> service: chat messages and commands, batched (archive_stream.h).
inline constexpr const char* kArchiveTopic = "im/archive";
// The plugin's control topic: the service sends it JSON requests (see topics.md).
inline constexpr const char* kControlTopic = "$CONTROL/imchat/v1";

}  // namespace imchat

#endif  // IMCHAT_CORE_TOPICS_H_
