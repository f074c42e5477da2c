// Lockout with a hand-driven clock.
#include "lockout.h"

#include <catch2/catch.hpp>

#include "fake_clock.h"

using imchat::testing::FakeClock;

TEST_CASE("three failures lock a name for the configured time", "[unit]") {
  FakeClock clock;
  imchat::Lockout lockout(&clock, 3, 60);
  CHECK_FALSE(lockout.RecordFailure("alice"));
  CHECK_FALSE(lockout.RecordFailure("alice"));
  CHECK_FALSE(lockout.IsLocked("alice"));
  CHECK(lockout.RecordFailure("alice"));
  CHECK(lockout.IsLocked("alice"));
  CHECK_FALSE(lockout.IsLocked("bob"));
  clock.now += 59.9;
  CHECK(lockout.IsLocked("alice"));
  clock.now += 0.2;
  CHECK_FALSE(lockout.IsLocked("alice"));
  // After the lock runs out the count starts over.
  CHECK_FALSE(lockout.RecordFailure("alice"));
  CHECK_FALSE(lockout.IsLocked("alice"));
}

TEST_CASE("a success resets the failure count", "[unit]") {
  FakeClock clock;
  imchat::Lockout lockout(&clock, 3, 60);
  lockout.RecordFailure("alice");
  lockout.RecordFailure("alice");
  lockout.RecordSuccess("alice");
  CHECK_FALSE(lockout.RecordFailure("alice"));
  CHECK_FALSE(lockout.RecordFailure("alice"));
  CHECK(lockout.RecordFailure("alice"));
}

TEST_CASE("the failure limit is configurable and names are separate", "[unit]") {
  FakeClock clock;
  imchat::Lockout lockout(&clock, 1, 5);
  CHECK(lockout.RecordFailure("a"));
  CHECK(lockout.IsLocked("a"));
  CHECK_FALSE(lockout.IsLocked("a2"));
  clock.now += 5;
  CHECK_FALSE(lockout.IsLocked("a"));
}
