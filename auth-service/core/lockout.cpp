#include "lockout.h"

#include <chrono>

namespace imchat {

double SteadyClock::NowSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Lockout::Lockout(const Clock* clock, int max_failures, double lock_seconds)
    : clock_(clock),
      max_failures_(max_failures < 1 ? 1 : max_failures),
      lock_seconds_(lock_seconds) {}

bool Lockout::IsLocked(std::string_view name) const {
  const double now = clock_->NowSeconds();
  for (const Table* table : {&listed_, &unlisted_}) {
    auto it = table->find(name);
    if (it != table->end() && it->second.locked_until > now) return true;
  }
  return false;
}

bool Lockout::RecordFailure(std::string_view name, bool listed) {
  if (listed) {
    auto it = listed_.find(name);
    if (it == listed_.end()) it = listed_.emplace(std::string(name), Entry()).first;
    return Fail(it->second);
  }
  auto it = unlisted_.find(name);
  if (it == unlisted_.end()) {
    // First in, first out: O(log n) per new name, whatever the attacker sends.
    while (unlisted_.size() >= kMaxUnlisted && !unlisted_order_.empty()) {
      unlisted_.erase(unlisted_order_.front());
      unlisted_order_.pop_front();
    }
    // Names forgotten by RecordSuccess stay in the queue; keep it bounded too.
    if (unlisted_order_.size() >= 2 * kMaxUnlisted) {
      std::deque<std::string> live;
      for (auto& n : unlisted_order_) {
        if (unlisted_.count(n)) live.push_back(std::move(n));
      }
      unlisted_order_.swap(live);
    }
    it = unlisted_.emplace(std::string(name), Entry()).first;
    unlisted_order_.push_back(it->first);
  }
  return Fail(it->second);
}

bool Lockout::Fail(Entry& e) {
  // A lock that has run out starts a fresh count.
  if (e.locked_until > 0 && e.locked_until <= clock_->NowSeconds()) e = Entry();
  if (++e.failures >= max_failures_) {
    e.failures = 0;
    e.locked_until = clock_->NowSeconds() + lock_seconds_;
    return true;
  }
  return false;
}

void Lockout::RecordSuccess(std::string_view name) {
  for (Table* table : {&listed_, &unlisted_}) {
    auto it = table->find(name);
    if (it != table->end()) table->erase(it);
  }
}

}  // namespace imchat
