// Who is online: per-user connection sets built from the plugin's login,
// logout and sessions events. A user is online while at least one
// connection is. Pure logic (no MQTT, no clock): callers pass the time.
#ifndef IMCHAT_DAEMON_PRESENCE_H_
#define IMCHAT_DAEMON_PRESENCE_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace imchat {

struct PresenceEntry {
  std::string display;
  bool online = false;
  std::int64_t since = 0;      // ms: when the current state began
  std::int64_t last_seen = 0;  // ms: last time online (== since while offline)
  std::string reason;          // why offline: quit, lost, idle, kicked
  std::set<std::string> conns;
};

class PresenceTable {
 public:
  // Seeds a user from the database (state as last published, no connections).
  void Seed(const std::string& user, const std::string& display, bool online, std::int64_t since,
            std::int64_t last_seen);

  // A connection came up. True when the user went from offline to online.
  bool Login(const std::string& user, const std::string& conn, std::int64_t now);
  // A connection ended. True when it was the user's last one (now offline).
  bool Logout(const std::string& user, const std::string& conn, const std::string& reason,
              std::int64_t now);
  // Replaces every connection with `sessions` (user -> connection keys).
  // Returns the users whose online state changed; those who were online but
  // are absent become offline with reason "lost".
  std::vector<std::string> Rebuild(const std::map<std::string, std::set<std::string>>& sessions,
                                   std::int64_t now);

  void SetDisplay(const std::string& user, const std::string& display);

  bool IsOnline(const std::string& user) const;
  const PresenceEntry* Find(const std::string& user) const;
  const std::map<std::string, PresenceEntry>& entries() const { return entries_; }
  // Sorted names of online users.
  std::vector<std::string> OnlineNames() const;
  // The retained im/presence/<user> document (topics.md).
  nlohmann::json PresenceJson(const std::string& user) const;

 private:
  std::map<std::string, PresenceEntry> entries_;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_PRESENCE_H_
