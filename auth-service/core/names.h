// User-name rules shared by the plugin, the daemon and the client.
#ifndef IMCHAT_CORE_NAMES_H_
#define IMCHAT_CORE_NAMES_H_

#include <string>
#include <string_view>

namespace imchat {

inline constexpr std::size_t kMaxNameLength = 32;

// True when `name` is 1-32 characters of A-Z a-z 0-9 _ . - (so it is always a
// single, wildcard-free MQTT topic level and safe to print).
bool IsValidUserName(std::string_view name);

// A human-readable reason why `name` is not valid, or "" when it is.
std::string NameError(std::string_view name);

// Room names follow the user-name rule (they are topic levels too); rooms and
// users are separate name spaces.
inline bool IsValidRoomName(std::string_view name) { return IsValidUserName(name); }
// A reason why `name` is not a valid room name, or "" when it is.
inline std::string RoomNameError(std::string_view name) { return NameError(name); }

// Renders arbitrary bytes for a log line or an error message: printable ASCII
// is kept, everything else becomes \xNN, and the result is cut at `max` bytes.
std::string Printable(std::string_view bytes, std::size_t max = 64);

}  // namespace imchat

#endif  // IMCHAT_CORE_NAMES_H_
