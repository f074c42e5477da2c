#include "topics.h"

#include "names.h"

namespace imchat {

std::vector<std::string_view> SplitLevels(std::string_view topic) {
  std::vector<std::string_view> levels;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = topic.find('/', start);
    if (slash == std::string_view::npos) {
      levels.push_back(topic.substr(start));
      return levels;
    }
    levels.push_back(topic.substr(start, slash - start));
    start = slash + 1;
  }
}

ParsedTopic ParseTopic(std::string_view topic) {
  ParsedTopic out;
  if (topic.empty()) return out;
  if (topic[0] == '$') {
    const std::string_view first = topic.substr(0, topic.find('/'));
    if (first == "$CONTROL") out.kind = TopicKind::kControl;
    if (first == "$SYS") out.kind = TopicKind::kSys;
    return out;
  }
  // Called several times per message by the broker plugin: levels go into a
  // fixed array (no contract topic has more than 4), not a vector.
  constexpr std::size_t kMaxLevels = 4;
  std::string_view levels[kMaxLevels];
  std::size_t count = 0;
  for (std::size_t start = 0;;) {
    if (count == kMaxLevels) return out;  // more levels than any contract topic
    const std::size_t slash = topic.find('/', start);
    if (slash == std::string_view::npos) {
      levels[count++] = topic.substr(start);
      break;
    }
    levels[count++] = topic.substr(start, slash - start);
    start = slash + 1;
  }
  if (levels[0] != "im" || count < 2) return out;
  const std::string_view area = levels[1];
  const std::size_t n = count;
  // Every level after the area is a user name; a bad name makes the topic kOther.
  for (std::size_t i = 2; i < n; ++i) {
    if (!IsValidUserName(levels[i])) return out;
  }
  auto set = [&](TopicKind kind) {
    out.kind = kind;
    if (n > 2) out.first = std::string(levels[2]);
    if (n > 3) out.second = std::string(levels[3]);
  };
  if (area == "all") {
    if (n == 2) set(TopicKind::kAll);
    if (n == 3) set(TopicKind::kAllFrom);
  } else if (area == "user") {
    if (n == 3) set(TopicKind::kUserTo);
    if (n == 4) set(TopicKind::kUserToFrom);
  } else if (n == 3) {
    if (area == "presence") set(TopicKind::kPresence);
    if (area == "login") set(TopicKind::kLogin);
    if (area == "logout") set(TopicKind::kLogout);
    if (area == "cmd") set(TopicKind::kCmd);
    if (area == "svc") set(TopicKind::kSvc);
  } else if (n == 2) {
    if (area == "online") set(TopicKind::kOnline);
    if (area == "sessions") set(TopicKind::kSessions);
    if (area == "archive") set(TopicKind::kArchive);
  }
  return out;
}

bool IsValidFilter(std::string_view filter) {
  if (filter.empty()) return false;
  auto levels = SplitLevels(filter);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    std::string_view level = levels[i];
    if (level.find('\0') != std::string_view::npos) return false;
    if (level.find('#') != std::string_view::npos) {
      if (level != "#" || i + 1 != levels.size()) return false;
    }
    if (level.find('+') != std::string_view::npos && level != "+") return false;
  }
  return true;
}

bool TopicMatches(std::string_view filter, std::string_view topic) {
  if (topic.empty() || filter.empty()) return false;
  // A filter starting with a wildcard never matches a '$' topic.
  if (topic[0] == '$' && (filter[0] == '+' || filter[0] == '#')) return false;
  auto f = SplitLevels(filter);
  auto t = SplitLevels(topic);
  std::size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // also matches the parent level
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return i == t.size();
}

std::string UserToTopic(std::string_view to) { return "im/user/" + std::string(to); }
std::string InboxFilter(std::string_view me) { return "im/user/" + std::string(me) + "/+"; }
std::string AllTopic(std::string_view sender) { return "im/all/" + std::string(sender); }
std::string UserTopic(std::string_view to, std::string_view sender) {
  return "im/user/" + std::string(to) + "/" + std::string(sender);
}
std::string PresenceTopic(std::string_view name) { return "im/presence/" + std::string(name); }
std::string LoginTopic(std::string_view name) { return "im/login/" + std::string(name); }
std::string LogoutTopic(std::string_view name) { return "im/logout/" + std::string(name); }
std::string CmdTopic(std::string_view name) { return "im/cmd/" + std::string(name); }
std::string SvcTopic(std::string_view name) { return "im/svc/" + std::string(name); }

}  // namespace imchat
