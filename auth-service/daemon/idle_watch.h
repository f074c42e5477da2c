// The idle timeout (imchat-service --idle-timeout): each user's last activity
// (a login, a message, a command); a user online and inactive for longer gets
// one notice on im/svc/<user> and one `kick` request to the plugin, until the
// next login. Checked at most every 500 ms.
#ifndef IMCHAT_DAEMON_IDLE_WATCH_H_
#define IMCHAT_DAEMON_IDLE_WATCH_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "presence.h"
#include "service_env.h"

namespace imchat {

class IdleWatch {
 public:
  // `timeout_s` 0 turns the timeout off (activity is still recorded).
  IdleWatch(const ServiceEnv& env, int timeout_s) : env_(env), timeout_s_(timeout_s) {}

  // `user` did something now.
  void Touch(const std::string& user) { last_activity_[user] = env_.clock(); }
  // `user` logged in: active now, and may be kicked again later.
  void LoggedIn(const std::string& user) {
    Touch(user);
    kicked_.erase(user);
  }
  // Kicks the users of `presence` idle for longer than the timeout.
  void Tick(std::int64_t now, const PresenceTable& presence);

 private:
  ServiceEnv env_;
  int timeout_s_;
  std::map<std::string, std::int64_t> last_activity_;
  std::set<std::string> kicked_;  // kicked since their last login
  std::int64_t last_check_ = 0;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_IDLE_WATCH_H_
