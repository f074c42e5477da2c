// The chat state's room conversations (chat_state.h): which room plain lines
// go to, and what replies and notices about rooms change in it.
#include "chat_state.h"
#include "completion.h"
#include "names.h"
#include "reply_format.h"

namespace imchat::client {

using detail::JsonBool;
using detail::JsonString;
using nlohmann::json;

std::string ChatState::CurrentRoom() const {
  return !query_.empty() && query_.front() == '#' ? query_.substr(1) : std::string();
}

std::vector<std::string> ChatState::Complete(const std::string& before,
                                             const std::string& word) const {
  return CompleteWord(before, word, roster_.KnownUsers(), rooms_.Names());
}

Line ChatState::EnterRoom(const std::string& room, std::int64_t now_ms) {
  query_ = "#" + room;
  rooms_.ClearUnseen(room);
  return MakeLine(Line::Kind::kInfo, now_ms,
                  "what you type now goes to #" + room + "; /query alone goes back to everyone");
}

void ChatState::LeaveIfCurrent(const std::string& room, std::int64_t now_ms,
                               std::vector<Line>* lines) {
  if (room.empty() || CurrentRoom() != room) return;
  query_.clear();
  lines->push_back(MakeLine(Line::Kind::kInfo, now_ms,
                            "you are no longer in #" + room + ": what you type goes to everyone"));
}

std::vector<Line> ChatState::OnRoomReply(const json& reply, const PendingCommand& sent,
                                         std::int64_t now_ms) {
  std::vector<Line> lines;
  if (!JsonBool(reply, "ok").value_or(false)) return lines;
  const std::string cmd = JsonString(reply, "cmd");
  const std::string room = JsonString(reply, "room", sent.room);
  if ((cmd == "create" || cmd == "join") && IsValidRoomName(room)) {
    rooms_.Joined(room);
    // Only what this client asked for moves the conversation: a join typed
    // in another client of mine leaves this one where it is.
    if (sent.room == room) lines.push_back(EnterRoom(room, now_ms));
  } else if (cmd == "leave" && IsValidRoomName(room)) {
    rooms_.Left(room);
    LeaveIfCurrent(room, now_ms, &lines);
  } else if (cmd == "rooms") {
    auto it = reply.find("rooms");
    if (it == reply.end() || !it->is_array()) return lines;
    const bool mine = !reply.contains("page");
    for (const json& r : *it) {
      const std::string name = JsonString(r, "room");
      if (!IsValidRoomName(name)) continue;
      if (mine) {
        rooms_.Joined(name);
      } else {
        rooms_.Seen(name);
      }
    }
  }
  return lines;
}

std::vector<Line> ChatState::OnRoomNotice(const json& notice, std::int64_t now_ms) {
  const std::string event = JsonString(notice, "event");
  const std::string room = JsonString(notice, "room");
  const std::string by = JsonString(notice, "by", "someone");
  std::string text = JsonString(notice, "text");
  std::vector<Line> lines;
  if (!IsValidRoomName(room)) return lines;
  if (event == "invited") {
    rooms_.Joined(room);
    if (text.empty()) text = by + " added you to #" + room;
    text += "; /query #" + room + " talks there";
  } else if (event == "kicked") {
    rooms_.Left(room);
    if (text.empty()) text = by + " removed you from #" + room;
  } else if (text.empty()) {
    return lines;
  }
  lines.push_back(MakeLine(Line::Kind::kInfo, now_ms, text));
  if (event == "kicked") LeaveIfCurrent(room, now_ms, &lines);
  return lines;
}

}  // namespace imchat::client
