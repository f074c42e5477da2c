// Regression cases for the lockout under attack: a flood of guesses for other (or
// unknown) names must not unlock a locked name, and a lock ends only when the injected
// monotonic clock says so (the broker uses SteadyClock; test_security_clock.py jumps the
// wall clock under a running broker).
#include <catch2/catch.hpp>
#include <string>

#include "lockout.h"

namespace {

// More names than the lockout tracks (Lockout::kMaxTracked is 100,000): it has to prune.
constexpr std::size_t kMoreThanTracked = 100010;

class ManualClock : public imchat::Clock {
 public:
  double NowSeconds() const override { return now; }
  double now = 500;
};

}  // namespace

TEST_CASE("a flood of other names does not unlock a locked name", "[unit][regress]") {
  ManualClock clock;
  imchat::Lockout lockout(&clock, 3, 60);
  for (int i = 0; i < 3; ++i) lockout.RecordFailure("bob");
  REQUIRE(lockout.IsLocked("bob"));
  // The lockout must prune, but never a live lock.
  for (std::size_t i = 0; i < kMoreThanTracked; ++i) {
    lockout.RecordFailure("guess" + std::to_string(i));
  }
  CHECK(lockout.IsLocked("bob"));
  clock.now += 59;
  CHECK(lockout.IsLocked("bob"));
  clock.now += 2;
  CHECK_FALSE(lockout.IsLocked("bob"));
}

TEST_CASE("locked attempts do not extend or restart the lock", "[unit][regress]") {
  ManualClock clock;
  imchat::Lockout lockout(&clock, 3, 60);
  for (int i = 0; i < 3; ++i) lockout.RecordFailure("alice");
  REQUIRE(lockout.IsLocked("alice"));
  // The plugin refuses a locked name before it checks (or counts) a password.
  clock.now += 30;
  CHECK(lockout.IsLocked("alice"));
  clock.now += 31;
  CHECK_FALSE(lockout.IsLocked("alice"));
  // After the lock ran out, the count starts over: two failures do not lock again.
  lockout.RecordFailure("alice");
  lockout.RecordFailure("alice");
  CHECK_FALSE(lockout.IsLocked("alice"));
  CHECK(lockout.RecordFailure("alice"));
  CHECK(lockout.IsLocked("alice"));
}
