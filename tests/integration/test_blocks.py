"""Blocks: persisted by the daemon, sent to the plugin (enforced even for a mosquitto_pub
sender), hidden from who/since, kept across a daemon restart; `blocked` and `unblock`."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402


class Blocks(imtest.StackTest):
    def cmd(self, client, line):
        client.drain()
        client.command(line)
        return client.expect_svc("reply")

    def test_block_enforced_and_persisted(self):
        alice = self.stack.chat_client("alice")
        bob = self.stack.chat_client("bob")
        r = self.cmd(bob, "block alice")
        self.assertEqual((r["ok"], r["user"]), (True, "alice"))
        self.assertEqual(self.cmd(bob, "blocked")["users"], ["alice"])
        time.sleep(0.3)
        rc, out = self.stack.mosquitto_pub("alice", "im/user/bob", "let me in")
        bob.expect_none("im/user/bob/+", timeout=1.0)
        # The blocked user is not in the blocker's who, and the blocker not in hers.
        self.assertEqual(self.cmd(alice, "who")["users"], [])
        self.assertEqual(self.cmd(bob, "who")["users"], [])
        # Across a daemon restart (full set sent again on reconnect).
        self.stack.stop_daemon(signal.SIGKILL)
        self.stack.start_daemon()
        self.assertEqual(self.cmd(bob, "blocked")["users"], ["alice"])
        self.stack.mosquitto_pub("alice", "im/user/bob", "still blocked")
        bob.expect_none("im/user/bob/+", timeout=1.0)
        r = self.cmd(bob, "unblock alice")
        self.assertTrue(r["ok"])
        time.sleep(0.3)
        self.stack.mosquitto_pub("alice", "im/user/bob", "friends again")
        self.assertEqual(bob.expect("im/user/bob/alice").payload, b"friends again")
        self.assertEqual(self.cmd(bob, "blocked")["users"], [])
        self.assertIn("bob blocks alice", self.stack.server_log())

    def test_block_after_broker_restart(self):
        bob = self.stack.chat_client("bob")
        self.cmd(bob, "block carol")
        self.stack.stop_broker()
        self.stack.start_broker()
        # The daemon reconnects, says hello and sends the full set again.
        carol = self.stack.chat_client("carol")
        rc, out = self.stack.mosquitto_pub("carol", "im/user/bob", "after restart")
        bob2 = self.stack.client("bob")
        bob2.subscribe("im/user/bob/+")
        self.stack.mosquitto_pub("carol", "im/user/bob", "after restart 2")
        bob2.expect_none("im/user/bob/+", timeout=1.0)
        del carol


if __name__ == "__main__":
    import unittest
    unittest.main()
