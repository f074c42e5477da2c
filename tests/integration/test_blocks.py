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

    def assert_blocked(self, bob, text):
        """alice's direct message `text` to bob is refused (RC 0x87) and never reaches him,
        while carol's, sent right after it, does: the delivery path works, and had alice's
        message gone through it would have come first (it was acknowledged first)."""
        rc, out = self.stack.mosquitto_pub("alice", "im/user/bob", text)
        self.assertIn("RC:135", out)
        control = f"control after {text}"
        rc, out = self.stack.mosquitto_pub("carol", "im/user/bob", control)
        self.assertEqual(rc, 0, out)
        m = bob.expect("im/user/bob/+")
        self.assertEqual((m.topic, m.text), ("im/user/bob/carol", control))
        bob.expect_none("im/user/bob/alice", timeout=0.5)
        self.assertNotIn(text.encode(), [m.payload for m in bob.received])

    def test_block_enforced_and_persisted(self):
        alice = self.stack.chat_client("alice")
        bob = self.stack.chat_client("bob")
        # Positive control: before the block, the same message from the same sender arrives.
        rc, out = self.stack.mosquitto_pub("alice", "im/user/bob", "before the block")
        self.assertEqual(rc, 0, out)
        self.assertEqual(bob.expect("im/user/bob/alice").payload, b"before the block")
        self.assertEqual([u["user"] for u in self.cmd(alice, "who")["users"]], ["bob"])
        r = self.cmd(bob, "block alice")
        self.assertEqual((r["ok"], r["user"]), (True, "alice"))
        self.assertEqual(self.cmd(bob, "blocked")["users"], ["alice"])
        time.sleep(0.3)
        self.assert_blocked(bob, "let me in")
        # The blocked user is not in the blocker's who, and the blocker not in hers.
        self.assertEqual(self.cmd(alice, "who")["users"], [])
        self.assertEqual(self.cmd(bob, "who")["users"], [])
        # Across a daemon restart (full set sent again on reconnect).
        self.stack.stop_daemon(signal.SIGKILL)
        self.stack.start_daemon()
        self.assertEqual(self.cmd(bob, "blocked")["users"], ["alice"])
        self.assert_blocked(bob, "still blocked")
        r = self.cmd(bob, "unblock alice")
        self.assertTrue(r["ok"])
        time.sleep(0.3)
        self.stack.mosquitto_pub("alice", "im/user/bob", "friends again")
        self.assertEqual(bob.expect("im/user/bob/alice").payload, b"friends again")
        self.assertEqual(self.cmd(bob, "blocked")["users"], [])
        self.assertIn("bob blocks alice", self.stack.server_log())

    def test_block_after_broker_restart(self):
        bob = self.stack.chat_client("bob")
        # Positive control: before the block, carol's message reaches bob.
        rc, out = self.stack.mosquitto_pub("carol", "im/user/bob", "before the block")
        self.assertEqual(rc, 0, out)
        self.assertEqual(bob.expect("im/user/bob/carol").payload, b"before the block")
        self.cmd(bob, "block carol")
        self.stack.stop_broker()
        self.stack.start_broker()
        # The daemon reconnects, says hello and sends the full set again.
        carol = self.stack.chat_client("carol")
        rc, out = self.stack.mosquitto_pub("carol", "im/user/bob", "after restart")
        self.assertIn("RC:135", out)
        bob2 = self.stack.client("bob")
        bob2.subscribe("im/user/bob/+")
        rc, out = self.stack.mosquitto_pub("carol", "im/user/bob", "after restart 2")
        self.assertIn("RC:135", out)
        # dave is not blocked: his message, acknowledged after carol's, is the first to arrive.
        rc, out = self.stack.mosquitto_pub("dave", "im/user/bob", "from dave")
        self.assertEqual(rc, 0, out)
        m = bob2.expect("im/user/bob/+")
        self.assertEqual((m.topic, m.text), ("im/user/bob/dave", "from dave"))
        bob2.expect_none("im/user/bob/+", timeout=1.0)
        del carol

if __name__ == "__main__":
    import unittest
    unittest.main()
