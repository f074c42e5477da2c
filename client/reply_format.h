// Internal to the client library: reading the service's JSON without ever
// throwing, and turning command replies (topics.md, "Commands") into display
// lines. Used by chat_state.cpp; tests reach it through ChatState.
#ifndef IMCHAT_CLIENT_REPLY_FORMAT_H_
#define IMCHAT_CLIENT_REPLY_FORMAT_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "render.h"

namespace imchat::client::detail {

// Field readers that tolerate anything: a missing key, another type or a
// `json` that is not an object gives the fallback.
std::string JsonString(const nlohmann::json& j, const char* key, const std::string& fallback = "");
std::optional<std::int64_t> JsonInt(const nlohmann::json& j, const char* key);
std::optional<bool> JsonBool(const nlohmann::json& j, const char* key);
// The strings of an array field; other elements are skipped.
std::vector<std::string> JsonStrings(const nlohmann::json& j, const char* key);

// "a, b, c".
std::string JoinNames(const std::vector<std::string>& names);

// 300 -> "5m", 5400 -> "1h30m", 90 -> "1m30s", 86400 -> "1d".
std::string FormatDuration(std::int64_t seconds);

// What the client remembers of the command a reply answers.
struct ReplyContext {
  std::string user;          // block/unblock/history/invite/kick target ("" when unknown)
  std::int64_t seconds = 0;  // since (0 when unknown)
  std::string room;          // room commands and history #room ("" when unknown)
  std::string text;          // topic: the topic being set ("" when asked)
  std::string room_owner;    // leave: the room's owner as last known here ("" when unknown)
  // rooms: lines of my rooms received while another conversation was current,
  // and the current room conversation ("" when none).
  std::map<std::string, std::int64_t> unseen;
  std::string current_room;
  std::int64_t now_ms = 0;
  bool utc = false;
};

// The lines for one `{"type":"reply",...}` object: ok:false gives one kError
// line, who/since/blocked/block/unblock/nick one kInfo line, history a header
// and one line per message, help one line per command, users one line per
// user and a footer with the page; anything else shows
// the reply's `text`. Room replies: see FormatRoomReply.
std::vector<Line> FormatReply(const nlohmann::json& reply, const ReplyContext& context);

// The lines for a successful reply to a room command (topics.md "Rooms"),
// from its fields: create/join/leave `room` (join also `topic`,
// `member_count`); rooms `rooms` [{room, topic, member_count, unread}] and,
// for `rooms all`, `page`, `pages`, `total`; members `room` and `members`
// [{user, role, online}]; invite/kick `room`, `user`; topic `room`, `topic`.
// A missing field falls back to the context. Empty for other commands.
std::vector<Line> FormatRoomReply(const nlohmann::json& reply, const ReplyContext& context);

// "#dev", or "#?" when the room is unknown.
std::string RoomLabel(const std::string& room);

}  // namespace imchat::client::detail

#endif  // IMCHAT_CLIENT_REPLY_FORMAT_H_
