// Which connections of each user hold the inbox subscription (im/user/<me>/+),
// as the plugin's inbox events and sessions snapshots report them: only to
// those may the service replay queued messages. Also which of them were
// welcomed, so a connection is welcomed once.
#ifndef IMCHAT_DAEMON_INBOX_CONNECTIONS_H_
#define IMCHAT_DAEMON_INBOX_CONNECTIONS_H_

#include <map>
#include <set>
#include <string>

namespace imchat {

class InboxConnections {
 public:
  void Add(const std::string& user, const std::string& conn) { by_user_[user].insert(conn); }
  // True the first time for a connection (it should be welcomed now).
  bool MarkWelcomed(const std::string& user, const std::string& conn) {
    return welcomed_.insert(user + "/" + conn).second;
  }
  // The connection ended.
  void Remove(const std::string& user, const std::string& conn) {
    auto it = by_user_.find(user);
    if (it != by_user_.end()) {
      it->second.erase(conn);
      if (it->second.empty()) by_user_.erase(it);
    }
    welcomed_.erase(user + "/" + conn);
  }
  // Forgets everything (a sessions snapshot replaces it all).
  void Clear() {
    by_user_.clear();
    welcomed_.clear();
  }
  bool Has(const std::string& user) const { return by_user_.count(user) > 0; }
  const std::map<std::string, std::set<std::string>>& by_user() const { return by_user_; }

 private:
  std::map<std::string, std::set<std::string>> by_user_;
  std::set<std::string> welcomed_;  // "user/conn"
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_INBOX_CONNECTIONS_H_
