#include "room_members.h"

namespace imchat {

std::string RoomRefusal(RoomAccess access, std::string_view room, std::string_view subject_is) {
  const std::string name(room);
  switch (access) {
    case RoomAccess::kNotReady:
      return "rooms are not available yet (the service has not sent their members); try again "
             "shortly";
    case RoomAccess::kNoSuchRoom:
      return "no such room #" + name;
    case RoomAccess::kNotMember:
    case RoomAccess::kMember:
      break;
  }
  return std::string(subject_is) + " not a member of #" + name;
}

bool RoomMembers::IsMember(const std::string& room, const std::string& user) const {
  if (!ready_) return false;
  auto it = rooms_.find(room);
  return it != rooms_.end() && it->second.count(user) != 0;
}

RoomAccess RoomMembers::Access(const std::string& room, const std::string& user) const {
  if (!ready_) return RoomAccess::kNotReady;
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return RoomAccess::kNoSuchRoom;
  return it->second.count(user) != 0 ? RoomAccess::kMember : RoomAccess::kNotMember;
}

std::size_t RoomMembers::member_count(const std::string& room) const {
  auto it = rooms_.find(room);
  return it == rooms_.end() ? 0 : it->second.size();
}

void RoomMembers::AddTo(Table* table, const std::string& room,
                        const std::vector<std::string>& users) {
  if (users.empty()) return;
  auto& members = (*table)[room];
  members.insert(users.begin(), users.end());
}

void RoomMembers::RemoveFrom(Table* table, const std::string& room,
                             const std::vector<std::string>& users) {
  auto it = table->find(room);
  if (it == table->end()) return;
  for (const std::string& user : users) it->second.erase(user);
  if (it->second.empty()) table->erase(it);
}

void RoomMembers::Add(const std::string& room, const std::vector<std::string>& users) {
  AddTo(&rooms_, room, users);
  if (staging_) AddTo(&staged_, room, users);
}

void RoomMembers::Remove(const std::string& room, const std::vector<std::string>& users) {
  RemoveFrom(&rooms_, room, users);
  if (staging_) RemoveFrom(&staged_, room, users);
}

void RoomMembers::Close(const std::string& room) {
  rooms_.erase(room);
  if (staging_) staged_.erase(room);
}

void RoomMembers::Begin() {
  staged_.clear();
  staging_ = true;
}

void RoomMembers::Stage(const std::string& room, const std::vector<std::string>& users) {
  if (staging_) AddTo(&staged_, room, users);
}

bool RoomMembers::Commit() {
  if (!staging_) return false;
  rooms_.swap(staged_);
  staged_.clear();
  staging_ = false;
  ready_ = true;
  return true;
}

}  // namespace imchat
