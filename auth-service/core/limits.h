// The protocol's limits, in one place. The plugin, the daemon, the client and
// the fuzz targets use these constants; topics.md states the same numbers
// (tests/integration/test_docs.py checks them), and mosquitto.conf's
// message_size_limit must equal kMaxPayloadBytes (scripts/broker-conf keeps it).
#ifndef IMCHAT_CORE_LIMITS_H_
#define IMCHAT_CORE_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace imchat {

// User and room names: 1-32 characters of A-Z a-z 0-9 _ . - (names.h).
inline constexpr std::size_t kMaxNameChars = 32;
// Display names (`nick`): 1-64 printable characters.
inline constexpr std::size_t kMaxDisplayChars = 64;
// Chat payloads: the broker's message_size_limit.
inline constexpr std::size_t kMaxPayloadBytes = 64 * 1024;
// One command line on im/cmd/<me>.
inline constexpr std::size_t kMaxCommandBytes = 1024;
// A command's MQTT 5 Correlation Data, echoed on its answers (topics.md
// "Several devices"); more is refused with an error.
inline constexpr std::size_t kMaxCorrelationBytes = 128;
// `history <user> [n]`: n when omitted, and the most one request returns.
inline constexpr int kDefaultHistory = 20;
inline constexpr int kMaxHistory = 500;
// `since <seconds>`: the longest look-back (365 days).
inline constexpr std::int64_t kMaxSinceSeconds = 365LL * 24 * 3600;
// `users [page]`: users per page of the address book. A page of the longest
// names and display names stays far below kMaxPayloadBytes (about 40 KiB).
inline constexpr int kUsersPageSize = 100;
// Rooms: a member's replay at login is at most the newest kRoomReplayCap
// messages of each room (a `skipped` notice counts the rest); roominfo lists
// the first kRoomInfoMembers members; a topic line is 1-kMaxRoomTopicChars
// characters; `rooms all` lists kRoomsPerPage rooms per page.
inline constexpr int kRoomReplayCap = 1000;
inline constexpr int kRoomInfoMembers = 100;
inline constexpr std::size_t kMaxRoomTopicChars = 200;
inline constexpr int kRoomsPerPage = 50;

}  // namespace imchat

#endif  // IMCHAT_CORE_LIMITS_H_
