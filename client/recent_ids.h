// Duplicate detection: the last `capacity` ids seen (message ids, and keys of
// statuses already shown). A QoS 1 redelivery or a replay after a reconnect
// repeats an id; older ids are forgotten to bound memory.
#ifndef IMCHAT_CLIENT_RECENT_IDS_H_
#define IMCHAT_CLIENT_RECENT_IDS_H_

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>

namespace imchat::client {

class RecentIds {
 public:
  explicit RecentIds(std::size_t capacity) : capacity_(capacity) {}

  // True when `id` was seen among the last `capacity` ids; remembers it.
  bool SeenBefore(const std::string& id) {
    if (!ids_.insert(id).second) return true;
    order_.push_back(id);
    if (order_.size() > capacity_) {
      ids_.erase(order_.front());
      order_.pop_front();
    }
    return false;
  }

 private:
  std::size_t capacity_;
  std::deque<std::string> order_;  // oldest first
  std::unordered_set<std::string> ids_;
};

}  // namespace imchat::client

#endif  // IMCHAT_CLIENT_RECENT_IDS_H_
