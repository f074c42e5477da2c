#include "acl.h"

#include <optional>
#include <vector>

#include "file_topics.h"
#include "names.h"
#include "topics.h"

namespace imchat {

namespace {

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

// For a shape a filter matches: each name level is either a fixed name or any
// name (a wildcard in the filter). A concrete topic binds every name.
struct Binding {
  std::optional<std::string_view> names[kMaxTopicLevels];  // nullopt = any name
};

std::optional<Binding> MatchShape(const std::vector<std::string_view>& filter,
                                  const TopicShape& shape) {
  Binding b;
  int names = 0;
  auto any_from = [&](std::size_t i) {  // the remaining name levels are wildcards
    for (; i < shape.count; ++i) {
      if (shape.levels[i] == kNameLevel) b.names[names++] = std::nullopt;
    }
  };
  if (shape.levels[0][0] == '$' && (filter[0] == "+" || filter[0] == "#")) return std::nullopt;
  std::size_t i = 0;
  for (; i < filter.size(); ++i) {
    if (filter[i] == "#") {
      any_from(i);
      return b;
    }
    if (i >= shape.count) return std::nullopt;
    if (shape.levels[i] == kRestLevels) return b;
    if (shape.levels[i] == kNameLevel) {
      if (filter[i] == "+") {
        b.names[names++] = std::nullopt;
      } else if (IsValidUserName(filter[i])) {
        b.names[names++] = filter[i];
      } else {
        return std::nullopt;
      }
    } else if (filter[i] != "+" && filter[i] != shape.levels[i]) {
      return std::nullopt;
    }
  }
  if (i < shape.count && shape.levels[i] == kRestLevels) return b;  // '#' matches the parent
  if (i != shape.count) return std::nullopt;
  return b;
}

// Why a read is refused.
enum class ReadVerdict {
  kAllowed,
  kServiceOnly,
  kNotOwner,
  kNotMember,
  kReaderBlocks,
  kEitherBlocks
};

// Whether `me` is a member of the room a rule names at `index` of `b` (some or
// every room when the level is a wildcard: some room may yet be joined, but
// not every one). A wildcard is "some room" also before the first snapshot:
// deliveries are checked one by one anyway, and a client that subscribes
// im/room/+/+ just after a broker restart must not lose its rooms for the
// whole session.
bool MemberOf(const Binding& b, int index, std::string_view me, const RoomMembers* rooms,
              bool every) {
  const auto& room = b.names[index];
  if (!room) return !every;
  if (!rooms || !rooms->ready()) return false;
  return rooms->IsMember(std::string(*room), std::string(me));
}

// The read rule of `shape` for user `me`, with `b` bound from a topic or a
// filter: whether some (every == false) or every (every == true) topic the
// binding stands for is readable. The one home of "who may read what": CanRead
// asks it for a topic, CanSubscribe for each shape a filter matches.
ReadVerdict ApplyReadRule(const TopicShape& shape, const Binding& b, std::string_view me,
                          const BlockSet& blocks, const RoomMembers* rooms, bool every) {
  const ReadRule& rule = shape.read;
  if (!rule.users) return ReadVerdict::kServiceOnly;
  if (rule.room >= 0 && !MemberOf(b, rule.room, me, rooms, every)) return ReadVerdict::kNotMember;
  if (rule.owner >= 0) {
    const auto& owner = b.names[rule.owner];
    // A carbon needs the name itself, never a wildcard: im/user/bob/+ must
    // not become alice's because one of the topics it matches is hers.
    const auto& sender = rule.carbon >= 0 ? b.names[rule.carbon] : std::nullopt;
    const bool carbon = sender && *sender == me;
    if (!carbon && (owner ? *owner != me : every)) return ReadVerdict::kNotOwner;
  }
  if (rule.blocks == BlockRule::kNone) return ReadVerdict::kAllowed;
  const auto& peer = b.names[rule.other];
  const bool either = rule.blocks == BlockRule::kEitherBlocks;
  bool hidden;
  if (peer) {
    hidden = either ? blocks.EitherBlocks(me, *peer) : blocks.Blocks(me, *peer);
  } else {
    // Some sender is always unblocked; every sender only when `me` is in no block.
    hidden = every && (either ? blocks.InAnyPair(me) : blocks.BlocksAnyone(me));
  }
  if (!hidden) return ReadVerdict::kAllowed;
  return either ? ReadVerdict::kEitherBlocks : ReadVerdict::kReaderBlocks;
}

// Why `me` may not use `room` as a member, or nullopt when a member.
std::optional<std::string> NotMemberReason(const std::string& me, const std::string& room,
                                           const RoomMembers* rooms) {
  const RoomAccess access = rooms ? rooms->Access(room, me) : RoomAccess::kNotReady;
  if (access == RoomAccess::kMember) return std::nullopt;
  return RoomRefusal(access, room, "'" + me + "' is");
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
  const TopicShape* shape = ShapeOf(t.kind);
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
  // The levels after im/up/<me> are the daemon's; a publish must be one exact chunk topic.
  if (t.kind == TopicKind::kFileUp && !ParseFileChunkTopic(topic)) {
    return Decision::Deny("'" + Printable(topic) +
                          "' is not an upload chunk topic im/up/<me>/<upload id>/<offset>");
  }
  const PublishRule& rule = shape->publish;
  if (rule.chat && retain) return Decision::Deny("retained chat messages are not allowed");
  if (rule.room >= 0) {
    auto why = NotMemberReason(who.name, rule.room == 0 ? t.first : t.second, view.rooms);
    if (why) return Decision::Deny(*why);
  }
  switch (rule.who) {
    case Publisher::kAnyUser:
      return Decision::Allow();
    case Publisher::kNamedUser: {
      const std::string& as = rule.self == 0 ? t.first : t.second;
      if (as == who.name) return Decision::Allow();
      return Decision::Deny("'" + who.name + "' may not publish to '" + Printable(topic) +
                            "' as '" + as + "'");
    }
    case Publisher::kService:
      break;
  }
  return Decision::Deny("only the service may publish to '" + Printable(topic) + "'");
}

Decision CanPublishWill(const Actor& who, std::string_view topic, bool retain,
                        const AclView& view) {
  Decision d = CanPublish(who, topic, retain, view);
  if (!d.allowed || who.service) return d;
  // No stamping happens for wills, so only a topic that already names the
  // sender as sender is safe, and only the broadcast one is in the contract.
  const ParsedTopic t = ParseTopic(topic);
  if (t.kind == TopicKind::kAllFrom && t.first == who.name) return d;
  return Decision::Deny("a will may only be sent to " + AllTopic(who.name));
}

Decision CanRead(const Actor& who, std::string_view topic, const AclView& view,
                 std::string_view only_for) {
  static const BlockSet kNoBlocks;
  const BlockSet& blocks = view.blocks ? *view.blocks : kNoBlocks;
  if (who.service) {
    if (StartsWithIm(topic) || topic == kControlTopic) return Decision::Allow();
    return Decision::Deny("the service reads only im/... topics");
  }
  if (!only_for.empty() && only_for != who.name) {
    return Decision::Deny("a replay for " + Printable(only_for) + " only");
  }
  ParsedTopic t = ParseTopic(topic);
  const TopicShape* shape = ShapeOf(t.kind);
  if (!shape) return Decision::Deny("'" + Printable(topic) + "' is not an imchat topic");
  Binding b;
  b.names[0] = t.first;
  b.names[1] = t.second;
  switch (ApplyReadRule(*shape, b, who.name, blocks, view.rooms, true)) {
    case ReadVerdict::kAllowed:
      return Decision::Allow();
    case ReadVerdict::kServiceOnly:
      return Decision::Deny("'" + Printable(topic) + "' is not readable by users");
    case ReadVerdict::kNotOwner:
      return Decision::Deny("'" + Printable(topic) + "' is not " + who.name + "'s to read");
    case ReadVerdict::kNotMember:
      return Decision::Deny(
          *NotMemberReason(who.name, std::string(*b.names[shape->read.room]), view.rooms));
    case ReadVerdict::kReaderBlocks:
      return Decision::Deny(who.name + " blocks " + std::string(*b.names[shape->read.other]));
    case ReadVerdict::kEitherBlocks:
      return Decision::Deny(who.name + " and " + std::string(*b.names[shape->read.other]) +
                            " block each other");
  }
  return Decision::Deny("internal error");
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
  for (const TopicShape& shape : kTopicShapes) {
    auto b = MatchShape(levels, shape);
    if (!b) continue;
    matched = true;
    if (ApplyReadRule(shape, *b, who.name, blocks, view.rooms, false) == ReadVerdict::kAllowed) {
      any_readable = true;
    }
    if (ApplyReadRule(shape, *b, who.name, blocks, view.rooms, true) != ReadVerdict::kAllowed) {
      all_readable = false;
    }
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
  const std::string probe = UserTopic(me, "x");
  auto f = SplitLevels(*inner);
  if (f.size() > 4) return false;
  if (f.size() == 4 && f[3] != "+" && f[3] != "#") return false;
  return TopicMatches(*inner, probe);
}

}  // namespace imchat
