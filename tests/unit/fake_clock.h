// A hand-driven imchat::Clock for unit tests of time-dependent code (the
// lockout): a test sets or advances `now` (seconds) and nothing else moves it.
#ifndef IMCHAT_TESTS_UNIT_FAKE_CLOCK_H_
#define IMCHAT_TESTS_UNIT_FAKE_CLOCK_H_

#include "lockout.h"

namespace imchat::testing {

class FakeClock : public imchat::Clock {
 public:
  explicit FakeClock(double start_seconds = 1000) : now(start_seconds) {}
  double NowSeconds() const override { return now; }
  double now;
};

}  // namespace imchat::testing

#endif  // IMCHAT_TESTS_UNIT_FAKE_CLOCK_H_
