#include "acl.h"

#include <optional>
#include <vector>

#include "names.h"
#include "topics.h"

namespace imchat {

namespace {

bool IsChat(TopicKind kind) {
  return kind == TopicKind::kAll || kind == TopicKind::kAllFrom || kind == TopicKind::kUserTo ||
         kind == TopicKind::kUserToFrom || kind == TopicKind::kCmd;
}

bool StartsWithIm(std::string_view topic) { return topic.substr(0, 3) == "im/"; }

// Strips "$share/<group>/"; returns nullopt for a malformed shared filter.
std::optional<std::string_view> StripShare(std::string_view filter, bool* shared) {
  *shared = false;
  if (filter.substr(0, 7) != "$share/") return filter;
  *shared = true;
  std::string_view rest = filter.substr(7);
  std::size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 >= rest.size())
    return std::nullopt;
  return rest.substr(slash + 1);
}

// A topic shape from topics.md: literal levels, and "*" for "any valid name".
struct Shape {
  TopicKind kind;
  std::vector<std::string_view> levels;
};

const std::vector<Shape>& Shapes() {
  static const std::vector<Shape> shapes = {
      {TopicKind::kAll, {"im", "all"}},
      {TopicKind::kAllFrom, {"im", "all", "*"}},
      {TopicKind::kUserTo, {"im", "user", "*"}},
      {TopicKind::kUserToFrom, {"im", "user", "*", "*"}},
      {TopicKind::kPresence, {"im", "presence", "*"}},
      {TopicKind::kOnline, {"im", "online"}},
      {TopicKind::kLogin, {"im", "login", "*"}},
      {TopicKind::kLogout, {"im", "logout", "*"}},
      {TopicKind::kSessions, {"im", "sessions"}},
      {TopicKind::kArchive, {"im", "archive"}},
      {TopicKind::kCmd, {"im", "cmd", "*"}},
      {TopicKind::kSvc, {"im", "svc", "*"}},
      {TopicKind::kControl, {"$CONTROL", "imchat", "v1"}},
      {TopicKind::kSys, {"$SYS", "*"}},
  };
  return shapes;
}

// For a shape the filter matches: each name level is either a fixed name or any name.
struct Binding {
  std::vector<std::optional<std::string>> names;  // nullopt = any name
};

std::optional<Binding> MatchShape(const std::vector<std::string_view>& filter, const Shape& shape) {
  Binding b;
  if (shape.levels[0][0] == '$' && (filter[0] == "+" || filter[0] == "#")) return std::nullopt;
  std::size_t i = 0;
  for (; i < filter.size(); ++i) {
    if (filter[i] == "#") {
      for (; i < shape.levels.size(); ++i) {
        if (shape.levels[i] == "*") b.names.push_back(std::nullopt);
      }
      return b;
    }
    if (i >= shape.levels.size()) return std::nullopt;
    if (shape.levels[i] == "*") {
      if (filter[i] == "+") {
        b.names.push_back(std::nullopt);
      } else if (IsValidUserName(filter[i])) {
        b.names.push_back(std::string(filter[i]));
      } else {
        return std::nullopt;
      }
    } else if (filter[i] != "+" && filter[i] != shape.levels[i]) {
      return std::nullopt;
    }
  }
  if (i != shape.levels.size()) return std::nullopt;
  return b;
}

// Whether some (every == false) or every (every == true) topic of the bound
// shape is readable by user `me`.
bool ShapeReadable(TopicKind kind, const Binding& b, const std::string& me, const BlockSet& blocks,
                   bool every) {
  auto is_me = [&](const std::optional<std::string>& n) { return n ? *n == me : !every; };
  switch (kind) {
    case TopicKind::kAllFrom:
      if (b.names[0]) return !blocks.Blocks(me, *b.names[0]);
      return every ? !blocks.BlocksAnyone(me) : true;
    case TopicKind::kUserToFrom:
      if (!is_me(b.names[0])) return false;
      if (b.names[1]) return !blocks.Blocks(me, *b.names[1]);
      return every ? !blocks.BlocksAnyone(me) : true;
    case TopicKind::kPresence:
      if (b.names[0]) return !blocks.EitherBlocks(me, *b.names[0]);
      return every ? !blocks.InAnyPair(me) : true;
    case TopicKind::kOnline:
      return true;
    case TopicKind::kSvc:
      return is_me(b.names[0]);
    default:
      return false;
  }
}

}  // namespace

Decision CanPublish(const Actor& who, std::string_view topic, bool retain, const AclView& view) {
  (void)view;
  ParsedTopic t = ParseTopic(topic);
  if (who.service) {
    if (topic == kControlTopic) return Decision::Allow();
    if (StartsWithIm(topic) && t.kind != TopicKind::kOther) return Decision::Allow();
    return Decision::Deny("the service may publish only to im/... and " +
                          std::string(kControlTopic));
  }
  switch (t.kind) {
    case TopicKind::kControl:
      return Decision::Deny("users may not publish to $CONTROL topics");
    case TopicKind::kSys:
      return Decision::Deny("users may not publish to $SYS topics");
    case TopicKind::kOther:
      return Decision::Deny("'" + Printable(topic) + "' is not an imchat topic");
    default:
      break;
  }
  if (IsChat(t.kind) && retain) return Decision::Deny("retained chat messages are not allowed");
  switch (t.kind) {
    case TopicKind::kAll:
    case TopicKind::kUserTo:
      return Decision::Allow();
    case TopicKind::kAllFrom:
      if (t.first == who.name) return Decision::Allow();
      return Decision::Deny("'" + who.name + "' may not publish as '" + t.first + "'");
    case TopicKind::kUserToFrom:
      if (t.second == who.name) return Decision::Allow();
      return Decision::Deny("'" + who.name + "' may not publish as '" + t.second + "'");
    case TopicKind::kCmd:
      if (t.first == who.name) return Decision::Allow();
      return Decision::Deny("'" + who.name + "' may not send commands as '" + t.first + "'");
    default:
      return Decision::Deny("only the service may publish to '" + Printable(topic) + "'");
  }
}

Decision CanRead(const Actor& who, std::string_view topic, const AclView& view) {
  static const BlockSet kNoBlocks;
  const BlockSet& blocks = view.blocks ? *view.blocks : kNoBlocks;
  if (who.service) {
    if (StartsWithIm(topic) || topic == kControlTopic) return Decision::Allow();
    return Decision::Deny("the service reads only im/... topics");
  }
  ParsedTopic t = ParseTopic(topic);
  switch (t.kind) {
    case TopicKind::kAllFrom:
      if (blocks.Blocks(who.name, t.first)) return Decision::Deny(who.name + " blocks " + t.first);
      return Decision::Allow();
    case TopicKind::kUserToFrom:
      if (t.first != who.name) return Decision::Deny("not " + who.name + "'s inbox");
      if (blocks.Blocks(who.name, t.second))
        return Decision::Deny(who.name + " blocks " + t.second);
      return Decision::Allow();
    case TopicKind::kPresence:
      if (blocks.EitherBlocks(who.name, t.first)) {
        return Decision::Deny(who.name + " and " + t.first + " block each other");
      }
      return Decision::Allow();
    case TopicKind::kOnline:
      return Decision::Allow();
    case TopicKind::kSvc:
      if (t.first == who.name) return Decision::Allow();
      return Decision::Deny("not " + who.name + "'s service topic");
    case TopicKind::kSys:
      return Decision::Deny("users may not read $SYS topics");
    default:
      return Decision::Deny("'" + Printable(topic) + "' is not readable by users");
  }
}

Decision CanSubscribe(const Actor& who, std::string_view filter, const AclView& view) {
  static const BlockSet kNoBlocks;
  const BlockSet& blocks = view.blocks ? *view.blocks : kNoBlocks;
  bool shared = false;
  auto inner = StripShare(filter, &shared);
  if (!inner || !IsValidFilter(*inner)) {
    return Decision::Deny("'" + Printable(filter) + "' is not a valid filter");
  }
  if (who.service) {
    if (inner->substr(0, 1) == "$" && *inner != kControlTopic) {
      return Decision::Deny("the service does not read $ topics");
    }
    return Decision::Allow();
  }
  auto levels = SplitLevels(*inner);
  bool any_readable = false;
  bool all_readable = true;
  bool matched = false;
  for (const Shape& shape : Shapes()) {
    auto b = MatchShape(levels, shape);
    if (!b) continue;
    matched = true;
    if (ShapeReadable(shape.kind, *b, who.name, blocks, false)) any_readable = true;
    if (!ShapeReadable(shape.kind, *b, who.name, blocks, true)) all_readable = false;
  }
  if (!matched) return Decision::Deny("'" + Printable(filter) + "' matches no imchat topic");
  if (shared) {
    if (all_readable) return Decision::Allow();
    return Decision::Deny("shared subscription '" + Printable(filter) + "' can match topics " +
                          who.name + " may not read");
  }
  if (any_readable) return Decision::Allow();
  return Decision::Deny("'" + Printable(filter) + "' matches only topics " + who.name +
                        " may not read");
}

bool FilterCoversInbox(std::string_view filter, std::string_view me) {
  bool shared = false;
  auto inner = StripShare(filter, &shared);
  if (!inner || !IsValidFilter(*inner)) return false;
  // A sender level of '+' (or a '#' at or above it) matches every sender; the
  // probe name below stands for "any sender" and cannot be a user name.
  std::string probe = "im/user/" + std::string(me) + "/";
  auto f = SplitLevels(*inner);
  if (f.size() > 4) return false;
  if (f.size() == 4 && f[3] != "+" && f[3] != "#") return false;
  return TopicMatches(*inner, probe + "x");
}

}  // namespace imchat
