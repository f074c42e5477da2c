// Regression cases for the lockout under attack: a flood of guesses for other (or
// unknown) names must not unlock a locked name, and a lock ends only when the injected
// monotonic clock says so (the broker uses SteadyClock; test_security_clock.py jumps the
// wall clock under a running broker).
#include <catch2/catch.hpp>
#include <string>

#include "fake_clock.h"
#include "lockout.h"

namespace {

// More names than the lockout tracks of names nobody has: it has to forget some.
constexpr std::size_t kMoreThanTracked = imchat::Lockout::kMaxUnlisted + 10;

}  // namespace

TEST_CASE("a flood of unknown names does not unlock a locked name", "[unit][regress]") {
  imchat::testing::FakeClock clock(500);
  imchat::Lockout lockout(&clock, 3, 60);
  for (int i = 0; i < 3; ++i) lockout.RecordFailure("bob");
  REQUIRE(lockout.IsLocked("bob"));
  // Each guess of an unknown name is locked too; the table must forget some, never bob.
  for (std::size_t i = 0; i < kMoreThanTracked; ++i) {
    for (int k = 0; k < 3; ++k) lockout.RecordFailure("guess" + std::to_string(i), false);
  }
  CHECK(lockout.IsLocked("bob"));
  CHECK(lockout.IsLocked("guess" + std::to_string(kMoreThanTracked - 1)));
  clock.now += 59;
  CHECK(lockout.IsLocked("bob"));
  clock.now += 2;
  CHECK_FALSE(lockout.IsLocked("bob"));
}

TEST_CASE("a flood of unknown names does not reset a real user's count", "[unit][regress]") {
  imchat::testing::FakeClock clock(500);
  imchat::Lockout lockout(&clock, 3, 60);
  lockout.RecordFailure("alice");
  lockout.RecordFailure("alice");
  for (std::size_t i = 0; i < kMoreThanTracked; ++i) {
    lockout.RecordFailure("guess" + std::to_string(i), false);
  }
  // Without the flood the third guess locks; with it, too.
  CHECK(lockout.RecordFailure("alice"));
  CHECK(lockout.IsLocked("alice"));
}

TEST_CASE("unknown names past the bound: the oldest is forgotten first", "[unit][regress]") {
  imchat::testing::FakeClock clock(500);
  imchat::Lockout lockout(&clock, 3, 60);
  for (int k = 0; k < 3; ++k) lockout.RecordFailure("first", false);
  REQUIRE(lockout.IsLocked("first"));
  for (std::size_t i = 1; i < imchat::Lockout::kMaxUnlisted; ++i) {
    lockout.RecordFailure("g" + std::to_string(i), false);
  }
  CHECK(lockout.IsLocked("first"));  // exactly at the bound: still tracked
  lockout.RecordFailure("one-more", false);
  CHECK_FALSE(lockout.IsLocked("first"));  // it does not exist; forgetting it is harmless
  // Counts of unknown names that stay tracked still lock.
  lockout.RecordFailure("g5", false);
  CHECK(lockout.RecordFailure("g5", false));
}

TEST_CASE("locked attempts do not extend or restart the lock", "[unit][regress]") {
  imchat::testing::FakeClock clock(500);
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
