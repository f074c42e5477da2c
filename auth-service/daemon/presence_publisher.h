// Presence as the service announces it: the table of who is online (display
// names, since, last seen), each user's change published retained on
// im/presence/<user> and saved in the store at once, and the retained
// im/online list republished at most once per `coalesce_ms` (a login storm
// costs one im/online publication per interval, not one per login), and only
// when it changed.
#ifndef IMCHAT_DAEMON_PRESENCE_PUBLISHER_H_
#define IMCHAT_DAEMON_PRESENCE_PUBLISHER_H_

#include <cstdint>
#include <string>

#include "presence.h"
#include "service_env.h"

namespace imchat {

class PresencePublisher {
 public:
  PresencePublisher(const ServiceEnv& env, int coalesce_ms)
      : env_(env), coalesce_ms_(coalesce_ms) {}

  PresenceTable& table() { return table_; }
  const PresenceTable& table() const { return table_; }

  // `user`'s entry changed: publishes it (retained), saves it (committed with
  // the batch) and schedules an im/online publication.
  void Changed(const std::string& user);
  // The broker may have lost its retained messages (a new connection): the
  // next im/online is published even when the list did not change.
  void ForgetPublishedOnline() { online_last_.clear(); }
  // A sessions snapshot: im/online goes out at the next Tick, interval or not.
  void OnlineDueNow() {
    online_dirty_ = true;
    online_published_ = 0;
  }
  // Publishes im/online when it is due.
  void Tick(std::int64_t now);

 private:
  ServiceEnv env_;
  int coalesce_ms_;
  PresenceTable table_;
  bool online_dirty_ = false;
  std::int64_t online_published_ = 0;
  std::string online_last_;  // the payload last published
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_PRESENCE_PUBLISHER_H_
