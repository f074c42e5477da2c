"""The imchat client in a conversation with third-party MQTT tools: Debian's mosquitto_pub and
mosquitto_sub (MQTT 3.1.1 and 5) and Python paho, against the real broker + plugin + daemon.
What one side sends in the topic contract (topics.md) the other side shows; forged senders never
reach the client's screen."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402
from test_interop import Sub  # noqa: E402

TIME = r"^(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d "


class InteropClient(imtest.StackTest):
    def chat(self, user):
        c = self.stack.chat(user)
        c.ready()
        return c

    def sub(self, *args, **kwargs):
        s = Sub(self.stack, *args, **kwargs)
        self.addCleanup(s.stop)
        return s

    def pub(self, user, topic, text, version="mqttv5"):
        rc, out = self.stack.mosquitto_pub(user, topic, text, version=version)
        self.assertEqual(rc, 0, out)

    def test_mosquitto_pub_to_the_client(self):
        alice = self.chat("alice")
        for version in ("mqttv311", "mqttv5"):
            self.pub("dave", "im/all", f"hello room, {version}", version=version)
            alice.expect_line(TIME + rf"<dave> hello room, {version}$")
            self.pub("dave", "im/user/alice", f"psst alice, {version}", version=version)
            alice.expect_line(TIME + rf"\*dave\* psst alice, {version}$")

    def test_client_to_mosquitto_sub(self):
        v5 = self.sub("dave", ["im/all/+", "im/user/dave/+"], version="mqttv5")
        v311 = self.sub("carol", ["im/all/+", "im/user/carol/+"], version="mqttv311")
        alice = self.chat("alice")
        alice.send("hello shell users")
        v5.expect("im/all/alice", "hello shell users")
        v311.expect("im/all/alice", "hello shell users")
        alice.send("/msg dave hi dave")
        v5.expect("im/user/dave/alice", "hi dave")
        alice.expect_line(r"-- delivered to dave: hi dave$")
        alice.send("/msg carol hi carol")
        v311.expect("im/user/carol/alice", "hi carol")
        alice.expect_line(r"-- delivered to carol: hi carol$")

    def test_paho_private_messages_both_ways(self):
        alice = self.chat("alice")
        bob = self.stack.chat_client("bob")
        alice.expect_line(r"-- bob joined$")
        bob.publish("im/user/alice", "from paho")
        alice.expect_line(TIME + r"\*bob\* from paho$")
        alice.send("/msg bob from imchat")
        m = bob.expect("im/user/bob/+")
        self.assertEqual((m.topic, m.text), ("im/user/bob/alice", "from imchat"))
        self.assertTrue(m.props.get("id"))
        self.assertTrue(m.props.get("ts"))
        alice.expect_line(r"-- delivered to bob: from imchat$")
        # paho's broadcast and the client's broadcast, each seen by the other.
        bob.publish("im/all", "room from paho")
        alice.expect_line(TIME + r"<bob> room from paho$")
        alice.send("room from imchat")
        self.assertEqual(bob.expect("im/all/alice").text, "room from imchat")

    def test_presence_of_the_client_seen_by_a_subscriber(self):
        watcher = self.sub("carol", ["im/presence/alice"])
        alice = self.chat("alice")
        line = watcher.wait_line(lambda l: l.startswith("im/presence/alice ")
                                 and '"online":true' in l, "alice online")
        self.assertIn('"user":"alice"', line)
        alice.close_stdin()
        self.assertEqual(alice.wait(), 0, alice.output())
        watcher.wait_line(lambda l: l.startswith("im/presence/alice ") and '"online":false' in l
                          and '"reason":"quit"' in l, "alice offline (quit)")

    def test_offline_message_from_the_client_reaches_paho_at_its_next_login(self):
        alice = self.chat("alice")
        alice.send("/msg carol see you later")
        alice.expect_line(r"-- queued for carol \(offline\): see you later$")
        carol = self.stack.chat_client("carol")  # waits for the welcome
        m = carol.expect("im/user/carol/+")
        self.assertEqual((m.topic, m.text), ("im/user/carol/alice", "see you later"))
        self.assertEqual(m.props.get("queued"), "1")
        alice.expect_line(r"-- delivered to carol: see you later$")

    def test_forged_senders_never_reach_the_client(self):
        alice = self.chat("alice")
        # dave claims to be alice in the room, and bob in alice's inbox, with both protocols.
        for version in ("mqttv5", "mqttv311"):
            self.stack.mosquitto_pub("dave", "im/all/alice", f"forged room {version}",
                                     version=version)
            self.stack.mosquitto_pub("dave", "im/user/alice/bob", f"forged dm {version}",
                                     version=version)
        # Published after the forgeries: once this is shown, they would have been too.
        self.pub("dave", "im/all", "genuine")
        alice.expect_line(TIME + r"<dave> genuine$")
        self.pub("dave", "im/user/alice", "genuine dm")
        alice.expect_line(TIME + r"\*dave\* genuine dm$")
        alice.expect_no_line(r"forged", timeout=0.5)
        alice.close_stdin()
        self.assertEqual(alice.wait(), 0)
        self.assertFalse([l for l in alice.lines if "forged" in l], alice.output())


if __name__ == "__main__":
    import unittest
    unittest.main()
