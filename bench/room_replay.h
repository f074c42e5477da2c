// Room replay: a member misses N room messages while offline, then logs in; measures login to
// the N-th message, checking that each room's messages arrive complete and in order. The
// service replays at most kRoomReplayCap (1,000) messages per room at a login (topics.md), so
// the N messages are spread over ceil(N / 1,000) rooms, as a member of many busy rooms would
// see them. On the stack the service stores each room message once and replays it from its
// database; on raw the member's persistent MQTT 5 session subscribed to im/room/+/+ queues
// them in the broker (the nearest plain-broker equivalent).
#pragma once

#include "drain.h"
#include "servers.h"

namespace imchat::bench {

DrainResult RunRoomReplay(Server& server, long messages, double timeout_s);

}  // namespace imchat::bench
