"""Presence from the auth-service daemon: retained im/presence/<name> and im/online, several
connections per user, leave reasons (quit, lost), display names, and presence rebuilt after a
daemon restart and after a client was killed while the daemon was down."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402


def latest(client, topic):
    msgs = [m for m in client.received if m.topic == topic]
    return msgs[-1].json() if msgs else None


class Presence(imtest.StackTest):
    def observer(self):
        erin = self.stack.client("erin")
        erin.subscribe("im/online")
        erin.subscribe("im/presence/+")
        return erin

    def wait_online(self, who, names, what):
        return imtest.wait_for(lambda: latest(who, "im/online") == sorted(names), what=what)

    def wait_presence(self, who, user, online, reason=None):
        def ok():
            p = latest(who, f"im/presence/{user}")
            return p and p["online"] == online and (reason is None or p.get("reason") == reason) and p
        return imtest.wait_for(ok, what=f"presence of {user} online={online} reason={reason}")

    def test_login_quit_and_lost(self):
        erin = self.observer()
        alice = self.stack.chat_client("alice")
        bob = self.stack.chat_client("bob")
        self.wait_online(erin, ["alice", "bob", "erin"], "alice and bob online")
        p = self.wait_presence(erin, "alice", True)
        self.assertEqual(p["user"], "alice")
        self.assertIsInstance(p["since"], int)
        alice.disconnect()
        self.wait_presence(erin, "alice", False, "quit")
        bob.kill()  # no DISCONNECT: the broker notices when the socket closes
        self.wait_presence(erin, "bob", False, "lost")
        self.wait_online(erin, ["erin"], "only erin online")
        # The retained state is what a newcomer sees.
        carol = self.stack.client("carol")
        carol.subscribe("im/online")
        carol.subscribe("im/presence/+")
        first = carol.expect("im/online")
        self.assertTrue(first.retain)
        self.assertIn(first.json(), (["carol", "erin"], ["erin"]))
        got = {}
        imtest.wait_for(lambda: all(u in {m.topic.split("/")[-1] for m in carol.received
                                          if m.topic.startswith("im/presence/")}
                                    for u in ("alice", "bob")), what="retained presence")
        for m in carol.received:
            if m.topic.startswith("im/presence/"):
                got[m.topic.split("/")[-1]] = m.json()
        self.assertEqual(got["alice"]["reason"], "quit")
        self.assertEqual(got["bob"]["reason"], "lost")

    def test_several_connections(self):
        erin = self.observer()
        a1 = self.stack.chat_client("alice")
        a2 = self.stack.chat_client("alice")
        self.wait_presence(erin, "alice", True)
        erin.drain()
        a1.disconnect()
        erin.expect_none("im/presence/alice", timeout=1.0)
        self.assertIn("alice", latest(erin, "im/online"))
        a2.disconnect()
        self.wait_presence(erin, "alice", False, "quit")
        self.wait_online(erin, ["erin"], "alice gone after her last connection")

    def test_display_name_in_presence(self):
        erin = self.observer()
        alice = self.stack.chat_client("alice")
        alice.command("nick Alice L.")
        self.assertEqual(alice.expect_svc("reply")["display"], "Alice L.")
        imtest.wait_for(lambda: (latest(erin, "im/presence/alice") or {}).get("display") == "Alice L.",
                        what="display name in presence")

    def test_rebuilt_after_daemon_restart_and_kill_of_a_client(self):
        erin = self.observer()
        alice = self.stack.chat_client("alice")
        bob = self.stack.chat_client("bob")
        self.wait_online(erin, ["alice", "bob", "erin"], "both online")
        self.stack.stop_daemon(signal.SIGKILL)
        bob.kill()  # while the daemon is down
        carol = self.stack.client("carol")  # logs in while the daemon is down
        self.stack.start_daemon()
        self.wait_online(erin, ["alice", "carol", "erin"], "im/online rebuilt from the snapshot")
        self.wait_presence(erin, "bob", False)
        self.wait_presence(erin, "carol", True)
        del alice, carol


if __name__ == "__main__":
    import unittest
    unittest.main()
