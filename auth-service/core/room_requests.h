// The membership requests the service sends the broker plugin on
// $CONTROL/imchat/v1 (topics.md "Service internals"), applied to the plugin's
// RoomMembers table:
//   {"op":"rooms_begin"}                                   a snapshot starts
//   {"op":"room_set","room":"dev","members":["alice"]}     part of the snapshot
//   {"op":"rooms_end"}                                     the snapshot replaces the table
//   {"op":"room_add","room":"dev","members":["carol"]}     deltas, applied at once
//   {"op":"room_remove","room":"dev","members":["bob"]}
//   {"op":"room_close","room":"dev"}
// Room and user names follow IsValidRoomName / IsValidUserName.
#ifndef IMCHAT_CORE_ROOM_REQUESTS_H_
#define IMCHAT_CORE_ROOM_REQUESTS_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "room_members.h"
#include "status.h"

namespace imchat {

// True when `op` is one of the requests above.
bool IsRoomRequest(std::string_view op);

// Applies `request` (a JSON object whose "op" IsRoomRequest) to `rooms`. A
// malformed request changes nothing; the error names the op and what is wrong
// (`room_set: "members"[1]: ...`), and a room_set or rooms_end without a
// rooms_begin before it is an error too.
Status ApplyRoomRequest(const nlohmann::json& request, RoomMembers* rooms);

}  // namespace imchat

#endif  // IMCHAT_CORE_ROOM_REQUESTS_H_
