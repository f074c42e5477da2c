// Brute-force protection: consecutive bad passwords lock a name for a while.
// Not thread-safe; the plugin uses it from the broker thread only.
#ifndef IMCHAT_CORE_LOCKOUT_H_
#define IMCHAT_CORE_LOCKOUT_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

namespace imchat {

// A monotonic clock, injected so tests can move time by hand.
class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since an arbitrary fixed point; never goes backwards.
  virtual double NowSeconds() const = 0;
};

// std::chrono::steady_clock.
class SteadyClock : public Clock {
 public:
  double NowSeconds() const override;
};

class Lockout {
 public:
  // `clock` must outlive the Lockout. After `max_failures` consecutive failures
  // the name is locked for `lock_seconds`.
  Lockout(const Clock* clock, int max_failures = 3, double lock_seconds = 60);

  // True when `name` is locked now. A locked attempt must be refused without
  // checking the password, and is not counted as a guess.
  bool IsLocked(std::string_view name) const;
  // Records a wrong password; returns true when this failure locked the name. `listed`
  // says whether `name` is a user of users.txt. Listed names are kept until they log in
  // (their number is bounded by the file). Names nobody has are counted and locked just
  // the same, so a lockout reveals nothing, but at most kMaxUnlisted of them are tracked:
  // past that the one tracked longest is forgotten, so guessing many names can neither
  // grow memory without bound nor evict the count or lock of a real user.
  bool RecordFailure(std::string_view name, bool listed = true);
  // Records a good password: the failure count starts over.
  void RecordSuccess(std::string_view name);

  // Unlisted names tracked at most.
  static constexpr std::size_t kMaxUnlisted = 100000;

 private:
  struct Entry {
    int failures = 0;
    double locked_until = 0;
  };
  using Table = std::map<std::string, Entry, std::less<>>;
  bool Fail(Entry& e);

  const Clock* clock_;
  int max_failures_;
  double lock_seconds_;
  Table listed_;
  Table unlisted_;
  std::deque<std::string> unlisted_order_;  // oldest first; may name forgotten entries
};

}  // namespace imchat

#endif  // IMCHAT_CORE_LOCKOUT_H_
