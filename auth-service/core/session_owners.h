// Who owns each persistent MQTT session (client id -> user), so that no other user can
// resume or discard it, also after a broker restart (the plugin saves the table in the
// broker's data directory). Not thread-safe; the plugin uses it from the broker thread only.
#ifndef IMCHAT_CORE_SESSION_OWNERS_H_
#define IMCHAT_CORE_SESSION_OWNERS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace imchat {

class SessionOwners {
 public:
  struct Limits {
    // Persistent client ids per user. A new one past it is refused (CanClaim), never made
    // room for by forgetting an older owner: the broker keeps that older session, and an
    // ownerless session could be taken over by anyone who knows its client id.
    std::size_t max_per_user = 32;
    // An owner is forgotten this long after its last disconnect. Must not be shorter than
    // the broker's persistent_client_expiration, which caps every session's expiry.
    std::int64_t keep_seconds = 31 * 86400;
  };
  struct Entry {
    std::string user;
    int live = 0;             // connections using the client id now (a takeover overlaps)
    std::int64_t seen_s = 0;  // unix seconds of the last disconnect (or of the load)
    bool inbox = false;       // the session holds the inbox subscription (not saved)
  };

  SessionOwners();  // default Limits
  explicit SessionOwners(Limits limits);

  // The entry of `client_id`, or null.
  const Entry* Find(std::string_view client_id) const;
  Entry* Find(std::string_view client_id);
  // True when `user` may connect with a persistent session as `client_id`: the id is
  // already theirs, or it is new and they hold fewer than max_per_user ids. (Whether
  // another user owns the id is the caller's check.)
  bool CanClaim(std::string_view client_id, std::string_view user) const;
  std::size_t max_per_user() const { return limits_.max_per_user; }
  // `user` connected with a persistent session as `client_id` (the caller checked that no
  // other user owns it and CanClaim). Returns the entry.
  Entry& Connected(const std::string& client_id, const std::string& user, std::int64_t now_s);
  // A persistent connection of `client_id` ended.
  void Disconnected(std::string_view client_id, std::int64_t now_s);
  // `client_id` connected with a clean session: the broker discarded the persistent one.
  void Forget(std::string_view client_id);
  // Forgets owners idle for longer than keep_seconds; returns how many.
  std::size_t Expire(std::int64_t now_s);

  // The table as JSON text (without inbox flags). Ids connected now are saved as "live":
  // a broker that restarts after a crash starts their expiry from its restart.
  std::string Serialize() const;
  // Reads Serialize()'s text; live entries count as last seen at `now_s`, expired ones are
  // dropped. On invalid text returns nullopt and sets `error`.
  static std::optional<SessionOwners> Parse(std::string_view text, Limits limits,
                                            std::int64_t now_s, std::string* error);

  std::size_t size() const { return entries_.size(); }
  // True when the table changed since the last ClearDirty() (it needs saving).
  bool dirty() const { return dirty_; }
  void ClearDirty() { dirty_ = false; }

 private:
  void Erase(std::map<std::string, Entry, std::less<>>::iterator it);

  Limits limits_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::string, std::set<std::string>, std::less<>> by_user_;
  bool dirty_ = false;
};

}  // namespace imchat

#endif  // IMCHAT_CORE_SESSION_OWNERS_H_
