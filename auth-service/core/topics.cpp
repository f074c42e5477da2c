#include "topics.h"

#include <iterator>

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

const TopicShape* ShapeOf(TopicKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < std::size(kTopicShapes) ? &kTopicShapes[i] : nullptr;
}

namespace {

// ShapeOf indexes the table by kind, so the rows must be in TopicKind order
// (the rows' levels are checked by tests/unit/names_topics_test.cpp).
constexpr bool RowsInKindOrder() {
  for (std::size_t i = 0; i < std::size(kTopicShapes); ++i) {
    if (static_cast<std::size_t>(kTopicShapes[i].kind) != i) return false;
  }
  return std::size(kTopicShapes) == static_cast<std::size_t>(TopicKind::kOther);
}
static_assert(RowsInKindOrder(), "kTopicShapes: one row per TopicKind, in enum order");

// Whether the literal levels of `shape` fit `levels` (`more`: the topic has
// further levels beyond the array). Name levels are checked by the caller.
bool LiteralsFit(const TopicShape& shape, const std::string_view* levels, std::size_t count,
                 bool more) {
  for (std::size_t i = 0; i < shape.count; ++i) {
    if (shape.levels[i] == kRestLevels) return true;
    if (i >= count) return false;
    if (shape.levels[i] != kNameLevel && shape.levels[i] != levels[i]) return false;
  }
  return count == shape.count && !more;
}

}  // namespace

ParsedTopic ParseTopic(std::string_view topic) {
  ParsedTopic out;
  if (topic.empty()) return out;
  // Called several times per message by the broker plugin: levels go into a
  // fixed array, not a vector, and the rows are scanned in place.
  std::string_view levels[kMaxTopicLevels];
  std::size_t count = 0;
  bool more = false;
  for (std::size_t start = 0;;) {
    if (count == kMaxTopicLevels) {
      more = true;  // only a row ending in kRestLevels can still match
      break;
    }
    const std::size_t slash = topic.find('/', start);
    if (slash == std::string_view::npos) {
      levels[count++] = topic.substr(start);
      break;
    }
    levels[count++] = topic.substr(start, slash - start);
    start = slash + 1;
  }
  for (const TopicShape& shape : kTopicShapes) {
    if (!LiteralsFit(shape, levels, count, more)) continue;
    // Rows do not overlap: this is the only candidate, and a bad name makes the topic kOther.
    int names = 0;
    for (std::size_t i = 0; i < shape.count && i < count; ++i) {
      if (shape.levels[i] != kNameLevel) continue;
      if (!IsValidUserName(levels[i])) return out;
      (names++ == 0 ? out.first : out.second) = std::string(levels[i]);
    }
    out.kind = shape.kind;
    return out;
  }
  return out;
}

std::string BuildTopic(TopicKind kind, std::string_view first, std::string_view second) {
  const TopicShape* shape = ShapeOf(kind);
  std::string out;
  if (!shape) return out;
  int names = 0;
  for (std::size_t i = 0; i < shape->count; ++i) {
    if (i > 0) out += '/';
    if (shape->levels[i] == kNameLevel) {
      out += names++ == 0 ? first : second;
    } else {
      out += shape->levels[i];
    }
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

std::string UserToTopic(std::string_view to) { return BuildTopic(TopicKind::kUserTo, to); }
std::string InboxFilter(std::string_view me) { return BuildTopic(TopicKind::kUserToFrom, me, "+"); }
std::string CarbonFilter(std::string_view me) {
  return BuildTopic(TopicKind::kUserToFrom, "+", me);
}
std::string RoomTopic(std::string_view room) { return BuildTopic(TopicKind::kRoom, room); }
std::string RoomFromTopic(std::string_view room, std::string_view sender) {
  return BuildTopic(TopicKind::kRoomFrom, room, sender);
}
std::string RoomInfoTopic(std::string_view room) { return BuildTopic(TopicKind::kRoomInfo, room); }
std::string AllTopic(std::string_view sender) { return BuildTopic(TopicKind::kAllFrom, sender); }
std::string UserTopic(std::string_view to, std::string_view sender) {
  return BuildTopic(TopicKind::kUserToFrom, to, sender);
}
std::string PresenceTopic(std::string_view name) { return BuildTopic(TopicKind::kPresence, name); }
std::string LoginTopic(std::string_view name) { return BuildTopic(TopicKind::kLogin, name); }
std::string LogoutTopic(std::string_view name) { return BuildTopic(TopicKind::kLogout, name); }
std::string CmdTopic(std::string_view name) { return BuildTopic(TopicKind::kCmd, name); }
std::string SvcTopic(std::string_view name) { return BuildTopic(TopicKind::kSvc, name); }

}  // namespace imchat
