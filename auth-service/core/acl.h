// The topic ACL of topics.md as pure decisions (no broker types): who may
// publish, read and subscribe what, and where a will may go. The per-kind
// publish and read rules are the rows of topic_table.h; this file applies
// them (one read rule serves both CanRead and CanSubscribe). Matching is by
// topic level, never by prefix.
#ifndef IMCHAT_CORE_ACL_H_
#define IMCHAT_CORE_ACL_H_

#include <string>
#include <string_view>

#include "blocks.h"
#include "room_members.h"

namespace imchat {

// The authenticated party: a chat user or the service account.
struct Actor {
  std::string name;
  bool service = false;
};

// Allowed, or refused with a specific reason for the log.
struct Decision {
  bool allowed = false;
  std::string reason;
  static Decision Allow() { return {true, ""}; }
  static Decision Deny(std::string why) { return {false, std::move(why)}; }
};

// What the ACL needs to know about the world; `blocks` must outlive the call.
struct AclView {
  const BlockSet* blocks = nullptr;
  // Room membership; null (or not ready) refuses every room topic to users.
  const RoomMembers* rooms = nullptr;
};

// A publish by `who` to `topic` (a topic name) as the client sent it, before the
// broker rewrites im/all and im/user/<to>. Retained chat messages are refused.
Decision CanPublish(const Actor& who, std::string_view topic, bool retain, const AclView& view);

// A will (last-will message) of `who` to `topic`: CanPublish's rules, and for a
// user only their own broadcast topic im/all/<me>, since the broker does not
// stamp the sender of a will. The plugin treats a publish from a connection it
// no longer tracks, or one it is taking over, as a will.
Decision CanPublishWill(const Actor& who, std::string_view topic, bool retain, const AclView& view);

// Delivery of a message on `topic` to `who` (checked per subscriber).
// `only_for`: a room message the service replays to one member carries that
// member's name (user property `for`); then only that user may read it.
Decision CanRead(const Actor& who, std::string_view topic, const AclView& view,
                 std::string_view only_for = {});

// A SUBSCRIBE filter (possibly "$share/<group>/<filter>"): granted when it can
// match something `who` may read; a shared subscription only when everything
// it can match is readable.
Decision CanSubscribe(const Actor& who, std::string_view filter, const AclView& view);

// True when `filter` matches im/user/<me>/<x> for every sender x (the inbox).
bool FilterCoversInbox(std::string_view filter, std::string_view me);

}  // namespace imchat

#endif  // IMCHAT_CORE_ACL_H_
