// The topic contract (see topics.md): parsing a topic name into what it means.
// Matching is always by topic level, never by string prefix.
#ifndef IMCHAT_CORE_TOPICS_H_
#define IMCHAT_CORE_TOPICS_H_

#include <string>
#include <string_view>
#include <vector>

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
  kControl,     // $CONTROL/...                 (broker control topics)
  kSys,         // $SYS/...
  kOther,       // anything else, including malformed im/ topics
};

struct ParsedTopic {
  TopicKind kind = TopicKind::kOther;
  std::string first;   // <sender>, <to> or <name>, depending on kind
  std::string second;  // <sender> for kUserToFrom
};

// Parses a concrete topic name (no wildcards). Names are checked with
// IsValidUserName; a topic with a bad name, a wildcard, an empty level or extra
// levels is kOther.
ParsedTopic ParseTopic(std::string_view topic);

// Splits on '/' keeping empty levels ("a//b" -> {"a","","b"}).
std::vector<std::string_view> SplitLevels(std::string_view topic);

// True when the MQTT topic filter `filter` matches topic name `topic` by the
// MQTT 3.1.1/5 rules (+ and #, '$' topics not matched by a leading wildcard).
bool TopicMatches(std::string_view filter, std::string_view topic);

// True when `filter` is a syntactically valid MQTT subscription filter.
bool IsValidFilter(std::string_view filter);

// Topic builders.
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

inline constexpr const char* kOnlineTopic = "im/online";
inline constexpr const char* kSessionsTopic = "im/sessions";
// Plugin -> service: chat messages and commands, batched (archive_stream.h).
inline constexpr const char* kArchiveTopic = "im/archive";
// The plugin's control topic: the service sends it JSON requests (see topics.md).
inline constexpr const char* kControlTopic = "$CONTROL/imchat/v1";

}  // namespace imchat

#endif  // IMCHAT_CORE_TOPICS_H_
