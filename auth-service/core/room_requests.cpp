#include "room_requests.h"

#include <string>
#include <vector>

#include "names.h"

namespace imchat {

namespace {

Result<std::string> GetRoom(const nlohmann::json& request, const std::string& op) {
  auto it = request.find("room");
  if (it == request.end() || !it->is_string()) {
    return Status::Error(op + ": \"room\" must be a string (the room's name)");
  }
  std::string room = it->get<std::string>();
  if (!IsValidRoomName(room)) {
    return Status::Error(op + ": \"room\": " + RoomNameError(room));
  }
  return room;
}

// Every entry is checked before anything changes, so a bad name leaves the
// table as it was rather than half-applied.
Result<std::vector<std::string>> GetMembers(const nlohmann::json& request, const std::string& op) {
  auto it = request.find("members");
  if (it == request.end() || !it->is_array()) {
    return Status::Error(op + ": \"members\" must be an array of user names");
  }
  std::vector<std::string> members;
  members.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& m = (*it)[i];
    const std::string at = op + ": \"members\"[" + std::to_string(i) + "]: ";
    if (!m.is_string()) return Status::Error(at + "must be a string");
    std::string name = m.get<std::string>();
    if (!IsValidUserName(name)) return Status::Error(at + NameError(name));
    members.push_back(std::move(name));
  }
  return members;
}

}  // namespace

bool IsRoomRequest(std::string_view op) {
  return op == "rooms_begin" || op == "room_set" || op == "rooms_end" || op == "room_add" ||
         op == "room_remove" || op == "room_close";
}

Status ApplyRoomRequest(const nlohmann::json& request, RoomMembers* rooms) {
  auto op_it = request.find("op");
  if (op_it == request.end() || !op_it->is_string()) {
    return Status::Error("the request has no \"op\" string");
  }
  const std::string op = op_it->get<std::string>();
  if (op == "rooms_begin") {
    rooms->Begin();
    return Status::Ok();
  }
  if (op == "rooms_end") {
    if (!rooms->Commit()) return Status::Error("rooms_end without a rooms_begin before it");
    return Status::Ok();
  }
  auto room = GetRoom(request, op);
  if (!room.ok()) return room.status();
  if (op == "room_close") {
    rooms->Close(*room);
    return Status::Ok();
  }
  auto members = GetMembers(request, op);
  if (!members.ok()) return members.status();
  if (op == "room_set") {
    if (!rooms->staging()) return Status::Error("room_set without a rooms_begin before it");
    rooms->Stage(*room, *members);
  } else if (op == "room_add") {
    rooms->Add(*room, *members);
  } else if (op == "room_remove") {
    rooms->Remove(*room, *members);
  } else {
    return Status::Error("unknown room request '" + Printable(op) + "'");
  }
  return Status::Ok();
}

}  // namespace imchat
