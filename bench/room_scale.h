// Memory for many rooms: `rooms` rooms of `members` members each, among `rooms` users (user i
// owns room i, whose members are users i..i+members-1, wrapping around, so everyone is in
// `members` rooms). The users stay connected and idle; the broker's and the daemon's RSS are
// read before the rooms exist and after. On the stack the rooms are made with commands
// (`create`, `join`) and the users subscribe as the imchat client does; on raw each user
// subscribes to im/room/<room>/+ for each of its rooms, the nearest plain-broker form of
// membership.
#pragma once

#include <string>

#include "servers.h"

namespace imchat::bench {

struct RoomScaleResult {
  bool ok = false;
  std::string error;
  int rooms = 0, members = 0;
  double setup_seconds = 0;                           // first create until the last join's reply
  long broker_before_kib = 0, daemon_before_kib = 0;  // users connected, no rooms yet
  long broker_kib = 0, daemon_kib = 0;                // the rooms exist, everyone idle
};

RoomScaleResult RunRoomScale(Server& server, int rooms, int members, double timeout_s);

}  // namespace imchat::bench
