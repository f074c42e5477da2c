// Who is a member of which room: the broker plugin's copy of the service's
// membership (rooms are owned by the service, which pushes a snapshot and
// deltas; topics.md "Rooms"). The ACL asks IsMember for every publish,
// subscribe and delivery of a room topic, so it is a hash lookup, never a scan.
//
// Fail closed: until the first snapshot has been applied (ready() is false)
// nobody is a member of anything. A new snapshot is built aside (Begin/Stage)
// and replaces the table at once (Commit), so traffic keeps flowing on the old
// table while it arrives. Not thread-safe; the broker has one thread.
#ifndef IMCHAT_CORE_ROOM_MEMBERS_H_
#define IMCHAT_CORE_ROOM_MEMBERS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace imchat {

// Whether a user may use a room as a member, and if not, why.
enum class RoomAccess {
  kMember,
  kNotReady,    // no snapshot from the service yet (fail closed)
  kNoSuchRoom,  // the room does not exist
  kNotMember,   // the room exists; the user is not a member
};

// Why a user may not use `room` (access other than kMember), as one sentence;
// `subject_is` names the user: "you are" in a status to them, "'dave' is" in a log.
std::string RoomRefusal(RoomAccess access, std::string_view room, std::string_view subject_is);

class RoomMembers {
 public:
  // True once a snapshot was committed.
  bool ready() const { return ready_; }
  // True between Begin and Commit.
  bool staging() const { return staging_; }

  bool Exists(const std::string& room) const { return rooms_.count(room) != 0; }
  bool IsMember(const std::string& room, const std::string& user) const;
  // IsMember with the reason for a refusal (the ACL's log reasons and the
  // plugin's refusal statuses both come from this).
  RoomAccess Access(const std::string& room, const std::string& user) const;
  std::size_t room_count() const { return rooms_.size(); }
  std::size_t member_count(const std::string& room) const;

  // Deltas, applied to the live table (and to a snapshot being staged, so a
  // delta sent between the service's snapshot messages is not lost).
  void Add(const std::string& room, const std::vector<std::string>& users);
  // Removes users; a room left with no members is closed.
  void Remove(const std::string& room, const std::vector<std::string>& users);
  void Close(const std::string& room);

  // A full snapshot: Begin, then Stage each room's members (several times for
  // a large room), then Commit to replace the table.
  void Begin();
  void Stage(const std::string& room, const std::vector<std::string>& users);
  // False when no Begin preceded it (nothing changes then).
  bool Commit();

 private:
  using Table = std::unordered_map<std::string, std::unordered_set<std::string>>;
  static void AddTo(Table* table, const std::string& room, const std::vector<std::string>& users);
  static void RemoveFrom(Table* table, const std::string& room,
                         const std::vector<std::string>& users);

  Table rooms_;
  Table staged_;
  bool staging_ = false;
  bool ready_ = false;
};

}  // namespace imchat

#endif  // IMCHAT_CORE_ROOM_MEMBERS_H_
