// Finding idle users and asking the plugin to disconnect them.
#include "idle_watch.h"

namespace imchat {

void IdleWatch::Tick(std::int64_t now, const PresenceTable& presence) {
  if (timeout_s_ <= 0 || now - last_check_ < 500) return;
  last_check_ = now;
  for (const std::string& user : presence.OnlineNames()) {
    auto it = last_activity_.find(user);
    // Online since before this run without a login seen: counted from `since`.
    std::int64_t last = it != last_activity_.end() ? it->second : presence.Find(user)->since;
    if (now - last < std::int64_t{timeout_s_} * 1000) continue;
    if (!kicked_.insert(user).second) continue;
    env_.log.Log("idle timeout: " + user);
    env_.out.Reply(user, {{"type", "notice"},
                          {"text", "You were idle for more than " + std::to_string(timeout_s_) +
                                       " s; disconnecting."}});
    env_.out.Control({{"op", "kick"}, {"user", user}, {"reason", "idle"}});
  }
}

}  // namespace imchat
