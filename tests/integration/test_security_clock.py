"""Wall-clock jumps do not move the lockout: it runs on the monotonic clock. The broker runs
under libfaketime (Debian package faketime) with only the wall clock faked, read from a file
the test rewrites to jump hours forward or back mid-run. Fails if libfaketime is missing
(scripts/setup --with-tests installs it); skipped only under scripts/test-asan."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


class WallClockJump(unittest.TestCase):
    def setUp(self):
        imtest.require_built(imtest.PLUGIN, "imchat_auth")
        imtest.require_file(LIBFAKETIME, "faketime")
        if "asan" in os.environ.get("IMCHAT_BROKER_PRELOAD", ""):
            # An environment limit, not a missing package: scripts/test runs this test.
            self.skipTest("libfaketime hangs mosquitto when the ASan runtime is preloaded too "
                          "(scripts/test-asan); scripts/test runs this test")
        self.stack = imtest.Stack(daemon=False, lockout=3)
        self.offset_file = os.path.join(self.stack.dir, "faketime")
        self.jump("+0")
        saved = {k: os.environ.get(k) for k in ("IMCHAT_BROKER_PRELOAD", "FAKETIME_TIMESTAMP_FILE",
                                                "FAKETIME_NO_CACHE", "DONT_FAKE_MONOTONIC",
                                                "FAKETIME_DONT_FAKE_MONOTONIC")}
        preload = " ".join(p for p in (saved["IMCHAT_BROKER_PRELOAD"], LIBFAKETIME) if p)
        os.environ.update({"IMCHAT_BROKER_PRELOAD": preload,
                           "FAKETIME_TIMESTAMP_FILE": self.offset_file, "FAKETIME_NO_CACHE": "1",
                           "DONT_FAKE_MONOTONIC": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
        try:
            self.stack.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def tearDown(self):
        self.stack.stop()
        self.stack.cleanup()

    def jump(self, offset):
        with open(self.offset_file, "w") as f:
            f.write(offset + "\n")

    def assert_jumped(self, seconds):
        """The broker's log timestamps (wall clock) moved by about `seconds`: the jump
        really happened inside mosquitto."""
        last = [line for line in self.stack.broker_log().splitlines() if line[:4].isdigit()][-1]
        logged = time.mktime(time.strptime(last[:19], "%Y-%m-%dT%H:%M:%S"))
        self.assertLess(abs(logged - time.time() - seconds), 120, last)

    def locked(self, user):
        try:
            self.stack.client(user).disconnect()
            return False
        except imtest.ConnectRefused:
            return True

    def lock(self, user):
        for _ in range(3):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client(user, "wrong")

    def test_forward_jump_does_not_end_the_lockout(self):
        self.lock("alice")
        self.jump("+2h")
        self.assertTrue(self.locked("alice"), "a wall-clock jump forward ended the lockout")
        self.assert_jumped(2 * 3600)

    def test_backward_jump_does_not_extend_the_lockout(self):
        self.lock("bob")
        self.jump("-2h")
        time.sleep(0.2)
        self.assertTrue(self.locked("bob"))
        self.assert_jumped(-2 * 3600)
        # 3 s of real (monotonic) time later the lockout is over, whatever the wall clock says.
        imtest.wait_for(lambda: not self.locked("bob"), timeout=8, interval=1,
                        what="the lockout to end after a backward wall-clock jump")


if __name__ == "__main__":
    unittest.main()
