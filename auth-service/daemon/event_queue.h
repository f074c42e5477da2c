// Events from the MQTT link to the service loop. Thread-safe.
#ifndef IMCHAT_DAEMON_EVENT_QUEUE_H_
#define IMCHAT_DAEMON_EVENT_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "mqtt_link.h"

namespace imchat {

struct Event {
  enum class Kind { kConnectOk, kConnectFailed, kSubscribed, kLost, kMessage, kPublished };
  Kind kind = Kind::kMessage;
  InMessage message;      // kMessage
  std::uint64_t tag = 0;  // kPublished
  int code = 0;           // kPublished: reason; kConnectOk: 1 when a session was present
  std::string text;       // kConnectFailed/kLost: why
};

class EventQueue {
 public:
  void Push(Event e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_one();
  }
  // Waits up to `timeout` for events; returns at most `max` of them.
  std::vector<Event> Pop(std::chrono::milliseconds timeout, std::size_t max) {
    std::unique_lock<std::mutex> lock(mu_);
    // A zero timeout must not enter the condition variable (a futex call each time).
    if (timeout.count() > 0) cv_.wait_for(lock, timeout, [this] { return !events_.empty(); });
    std::vector<Event> out;
    while (!events_.empty() && out.size() < max) {
      out.push_back(std::move(events_.front()));
      events_.pop_front();
    }
    return out;
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
};

}  // namespace imchat

#endif  // IMCHAT_DAEMON_EVENT_QUEUE_H_
