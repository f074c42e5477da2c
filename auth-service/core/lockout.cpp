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
  auto it = entries_.find(name);
  return it != entries_.end() && it->second.locked_until > clock_->NowSeconds();
}

bool Lockout::RecordFailure(std::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    // Guessing many names must not grow memory without bound: forget stale counts.
    if (entries_.size() >= kMaxTracked) Prune();
    it = entries_.emplace(std::string(name), Entry()).first;
  }
  Entry& e = it->second;
  // A lock that has run out starts a fresh count.
  if (e.locked_until > 0 && e.locked_until <= clock_->NowSeconds()) e = Entry();
  if (++e.failures >= max_failures_) {
    e.failures = 0;
    e.locked_until = clock_->NowSeconds() + lock_seconds_;
    return true;
  }
  return false;
}

void Lockout::Prune() {
  const double now = clock_->NowSeconds();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.locked_until <= now) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

void Lockout::RecordSuccess(std::string_view name) {
  auto it = entries_.find(name);
  if (it != entries_.end()) entries_.erase(it);
}

}  // namespace imchat
