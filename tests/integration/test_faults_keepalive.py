"""Fault: the daemon frozen (SIGSTOP) past its keepalive, then resumed (SIGCONT). The broker
drops it; what arrived meanwhile waits in its persistent session and nothing is lost."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402
from test_faults import FaultTest, collect  # noqa: E402

DAEMON_KEEPALIVE = 10  # seconds; the daemon's MQTT keepalive (paho_link.h)


class StoppedDaemon(FaultTest):
    def test_stopped_daemon_past_keepalive(self):
        self.go_offline("bob")
        alice = self.stack.client("alice")
        self.stack.service.send_signal(signal.SIGSTOP)
        try:
            want = set()
            for i in range(20):
                payload = f"s{i:02d}".encode()
                want.add(payload)
                alice.publish("im/user/bob", payload)
            # The broker drops a client silent for 1.5x its keepalive (the daemon's is 10 s);
            # the daemon's persistent session keeps what arrives meanwhile.
            imtest.wait_for(lambda: "imchat-service has exceeded timeout" in
                            self.stack.broker_log(), timeout=DAEMON_KEEPALIVE * 1.5 + 5,
                            interval=0.5, what="the broker to drop the stopped daemon")
        finally:
            self.stack.service.send_signal(signal.SIGCONT)
        self.assertTrue(self._daemon_answers(), "the daemon did not recover from SIGSTOP")
        bob = self.stack.chat_client("bob")
        seen = collect(bob, "im/user/bob/alice", want)
        self.assert_duplicates_share_ids(seen)

    def _daemon_answers(self):
        probe = self.stack.client("carol")
        probe.subscribe("im/svc/carol")
        for _ in range(3):
            probe.command("help")
            try:
                probe.expect_svc("reply", timeout=10)
                return True
            except AssertionError:
                continue
        return False


if __name__ == "__main__":
    import unittest
    unittest.main()
