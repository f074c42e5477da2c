// Publishing presence changes and the coalesced im/online list.
#include "presence_publisher.h"

#include "topics.h"

namespace imchat {

void PresencePublisher::Changed(const std::string& user) {
  const PresenceEntry* e = table_.Find(user);
  if (!e) return;
  env_.out.Publish(PresenceTopic(user), table_.PresenceJson(user), true);
  env_.store.SaveUser({user, e->display, e->last_seen, e->online, e->since});
  online_dirty_ = true;
}

void PresencePublisher::Tick(std::int64_t now) {
  if (!online_dirty_ || now - online_published_ < coalesce_ms_) return;
  online_dirty_ = false;
  online_published_ = now;
  std::string payload = DumpJson(table_.OnlineNames());
  if (payload == online_last_) return;
  online_last_ = payload;
  env_.out.link().Publish(kOnlineTopic, payload, 1, true, {}, 0, {});
}

}  // namespace imchat
