// Fuzzes the topic contract: imchat::TopicMatches against Mosquitto's own matcher
// (libmosquitto's mosquitto_topic_matches_sub), IsValidFilter against
// mosquitto_sub_topic_check, and ParseTopic's round trip (a parsed chat topic must
// rebuild to exactly the input, with valid names), so the ACL never decides on a topic
// the broker would route differently.
// Input: "<filter>\n<topic>"; without a newline the whole input is both.
#include <mosquitto.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "names.h"
#include "topics.h"

namespace {

void Check(bool ok, const char* what, std::string_view a, std::string_view b) {
  if (ok) return;
  std::fprintf(stderr, "mismatch: %s\n  filter/topic: '%s'\n  topic: '%s'\n", what,
               imchat::Printable(a, 200).c_str(), imchat::Printable(b, 200).c_str());
  std::abort();
}

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

void CheckParse(std::string_view topic) {
  const imchat::ParsedTopic p = imchat::ParseTopic(topic);
  std::string rebuilt;
  switch (p.kind) {
    case imchat::TopicKind::kAll:
      rebuilt = imchat::kAllTopic;
      break;
    case imchat::TopicKind::kAllFrom:
      rebuilt = imchat::AllTopic(p.first);
      break;
    case imchat::TopicKind::kUserTo:
      rebuilt = imchat::UserToTopic(p.first);
      break;
    case imchat::TopicKind::kUserToFrom:
      rebuilt = imchat::UserTopic(p.first, p.second);
      break;
    case imchat::TopicKind::kPresence:
      rebuilt = imchat::PresenceTopic(p.first);
      break;
    case imchat::TopicKind::kOnline:
      rebuilt = imchat::kOnlineTopic;
      break;
    case imchat::TopicKind::kLogin:
      rebuilt = imchat::LoginTopic(p.first);
      break;
    case imchat::TopicKind::kLogout:
      rebuilt = imchat::LogoutTopic(p.first);
      break;
    case imchat::TopicKind::kSessions:
      rebuilt = imchat::kSessionsTopic;
      break;
    case imchat::TopicKind::kArchive:
      rebuilt = imchat::kArchiveTopic;
      break;
    case imchat::TopicKind::kCmd:
      rebuilt = imchat::CmdTopic(p.first);
      break;
    case imchat::TopicKind::kSvc:
      rebuilt = imchat::SvcTopic(p.first);
      break;
    case imchat::TopicKind::kRoom:
      rebuilt = imchat::RoomTopic(p.first);
      break;
    case imchat::TopicKind::kRoomFrom:
      rebuilt = imchat::RoomFromTopic(p.first, p.second);
      break;
    case imchat::TopicKind::kRoomInfo:
      rebuilt = imchat::RoomInfoTopic(p.first);
      break;
    case imchat::TopicKind::kFileUp:
    case imchat::TopicKind::kFileDown: {
      // The levels after the owner are the daemon's (file_topics.h). The row ends in
      // kRestLevels, so the built topic is the owner's filter "im/up/<me>/#": drop the "/#".
      std::string head = imchat::BuildTopic(p.kind, p.first);
      Check(head.size() > 2 && head.compare(head.size() - 2, 2, "/#") == 0,
            "file topic row without its rest levels", topic, head);
      head.resize(head.size() - 2);
      Check(topic.rfind(head, 0) == 0 && (topic.size() == head.size() || topic[head.size()] == '/'),
            "file topic without its owner", topic, head);
      Check(imchat::IsValidUserName(p.first), "bad file topic owner", topic, p.first);
      return;
    }
    case imchat::TopicKind::kControl:
      Check(topic.rfind("$CONTROL", 0) == 0, "kControl without $CONTROL", topic, "");
      return;
    case imchat::TopicKind::kSys:
      Check(topic.rfind("$SYS", 0) == 0, "kSys without $SYS", topic, "");
      return;
    case imchat::TopicKind::kOther:
      return;
  }
  Check(rebuilt == topic, "ParseTopic round trip", topic, rebuilt);
  Check(p.first.empty() || imchat::IsValidUserName(p.first), "bad first name", topic, p.first);
  Check(p.second.empty() || imchat::IsValidUserName(p.second), "bad second name", topic, p.second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  const std::string filter(nl == std::string_view::npos ? input : input.substr(0, nl));
  const std::string topic(nl == std::string_view::npos ? input : input.substr(nl + 1));

  CheckParse(topic);
  CheckParse(filter);

  // Mosquitto's C API sees NUL-terminated strings; compare only where both see the same bytes.
  if (HasNul(filter) || HasNul(topic)) {
    Check(!imchat::IsValidFilter(filter) || !HasNul(filter), "filter with NUL accepted", filter,
          topic);
    return 0;
  }
  // Mosquitto's check accepts "", which MQTT forbids as a filter (a broker refuses it earlier).
  const bool mosq_filter_ok =
      !filter.empty() && mosquitto_sub_topic_check(filter.c_str()) == MOSQ_ERR_SUCCESS;
  Check(imchat::IsValidFilter(filter) == mosq_filter_ok, "IsValidFilter vs mosquitto", filter,
        topic);
  const bool mosq_topic_ok =
      !topic.empty() && mosquitto_pub_topic_check(topic.c_str()) == MOSQ_ERR_SUCCESS;
  if (!mosq_filter_ok || !mosq_topic_ok) return 0;
  bool mosq_match = false;
  if (mosquitto_topic_matches_sub(filter.c_str(), topic.c_str(), &mosq_match) != MOSQ_ERR_SUCCESS) {
    return 0;
  }
  Check(imchat::TopicMatches(filter, topic) == mosq_match, "TopicMatches vs mosquitto", filter,
        topic);
  return 0;
}
