"""Third-party MQTT clients in a conversation: Debian's mosquitto_pub/mosquitto_sub (MQTT
3.1.1 and 5) and Python paho, against the real broker + plugin + daemon, using only what
topics.md documents. (The project's own client joins these tests once it has landed.)"""

import queue
import threading
import time
import unittest

import imtest


class Sub:
    """mosquitto_sub -v -d in the background; ready once its SUBACK arrived."""

    def __init__(self, stack, user, topics, version="mqttv5", count=None, timeout=10):
        imtest.require_program("stdbuf", "coreutils")
        imtest.require_program("mosquitto_sub", "mosquitto-clients")
        cmd = ["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", str(stack.port),
               "-u", user, "-P", imtest.PASSWORDS[user], "-v", "-d", "-V", version,
               "-W", str(timeout)]
        for t in topics:
            cmd += ["-t", t]
        if count:
            cmd += ["-C", str(count)]
        # Line-buffered: the debug lines (SUBACK) must reach the test as they happen.
        self.proc = imtest.subprocess.Popen(cmd, stdout=imtest.subprocess.PIPE,
                                            stderr=imtest.subprocess.STDOUT, text=True)
        self.lines = []
        self._queue = queue.Queue()
        # A reader thread: select() on a buffered pipe would miss lines already buffered.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait_line(lambda l: "received SUBACK" in l, "SUBACK")

    def _read(self):
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_line(self, pred, what, timeout=imtest.TIMEOUT):
        deadline = time.monotonic() + timeout
        for line in self.lines:
            if pred(line):
                return line
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if pred(line):
                return line
        raise AssertionError(f"mosquitto_sub: no {what}; output: {self.lines[-15:]}")

    def expect(self, topic, text):
        return self.wait_line(lambda l: l == f"{topic} {text}", f"'{topic} {text}'")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        self.proc.stdout.close()


class Interop(imtest.StackTest):
    def sub(self, *args, **kwargs):
        s = Sub(self.stack, *args, **kwargs)
        self.addCleanup(s.stop)
        return s

    def pub(self, user, topic, text, version="mqttv5"):
        rc, out = self.stack.mosquitto_pub(user, topic, text, version=version)
        self.assertEqual(rc, 0, out)
        return out

    def test_broadcast_reaches_cli_subscribers_of_both_protocols(self):
        v5 = self.sub("bob", ["im/all/+"], version="mqttv5")
        v311 = self.sub("carol", ["im/all/+"], version="mqttv311")
        alice = self.stack.client("alice")
        alice.publish("im/all", "hello from paho")
        v5.expect("im/all/alice", "hello from paho")
        v311.expect("im/all/alice", "hello from paho")
        # And the other way: a mosquitto_pub broadcast reaches paho, stamped with the sender.
        alice.subscribe("im/all/+")
        self.pub("dave", "im/all", "hello from mosquitto_pub", version="mqttv311")
        m = alice.expect("im/all/+")
        self.assertEqual((m.topic, m.text), ("im/all/dave", "hello from mosquitto_pub"))

    def test_private_messages_both_ways(self):
        alice = self.stack.client("alice")
        alice.subscribe("im/user/alice/+")
        bob = self.sub("bob", ["im/user/bob/+"], version="mqttv311")
        self.pub("bob", "im/user/alice", "hi alice, from the shell")
        m = alice.expect("im/user/alice/+")
        self.assertEqual((m.topic, m.text), ("im/user/alice/bob", "hi alice, from the shell"))
        alice.publish("im/user/bob", "hi bob, from paho")
        bob.expect("im/user/bob/alice", "hi bob, from paho")

    def test_presence_seen_by_a_cli_subscriber(self):
        watcher = self.sub("carol", ["im/presence/+", "im/online"])
        self.stack.chat_client("alice")
        line = watcher.wait_line(lambda l: l.startswith("im/presence/alice ")
                                 and '"online":true' in l, "alice online")
        self.assertIn('"user":"alice"', line)
        watcher.wait_line(lambda l: l.startswith("im/online ") and '"alice"' in l, "im/online")

    def test_offline_message_delivered_to_a_cli_client_at_its_next_login(self):
        alice = self.stack.client("alice")
        alice.subscribe("im/svc/alice")
        alice.publish("im/user/bob", "while you were out", user_properties={"ref": "r1"})
        status = alice.expect_svc("status", predicate=lambda j: j.get("status") == "queued")
        self.assertEqual(status["to"], "bob")
        # bob logs in with a plain mosquitto_sub (MQTT 3.1.1, clean session) and gets it.
        bob = self.sub("bob", ["im/user/bob/+"], version="mqttv311")
        bob.expect("im/user/bob/alice", "while you were out")
        alice.expect_svc("status", predicate=lambda j: j.get("status") == "delivered")

    def test_forged_sender_and_eavesdropper_are_refused(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/all/+")
        bob.subscribe("im/user/bob/+")
        # mosquitto_pub as alice naming bob as the sender: refused, nobody sees it.
        rc, out = self.stack.mosquitto_pub("alice", "im/all/bob", "forged", version="mqttv5")
        rc, out = self.stack.mosquitto_pub("alice", "im/user/bob/carol", "forged dm",
                                           version="mqttv311")
        # alice's real message, acknowledged after both forged ones, is the first bob gets.
        rc, out = self.stack.mosquitto_pub("alice", "im/user/bob", "real", version="mqttv311")
        self.assertEqual(rc, 0, out)
        m = bob.expect("im/#")
        self.assertEqual((m.topic, m.text), ("im/user/bob/alice", "real"))
        self.assertNotIn("forged", [m.text for m in bob.received])
        bob.expect_none("im/#", timeout=1.0)
        # mosquitto_sub as alice on bob's inbox: the subscription is refused.
        imtest.require_program("mosquitto_sub", "mosquitto-clients")
        eve = imtest.subprocess.run(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.stack.port), "-u", "alice",
             "-P", imtest.PASSWORDS["alice"], "-t", "im/user/bob/+", "-V", "mqttv5", "-W", "3",
             "-v"], capture_output=True, text=True, timeout=20)
        self.assertIn("denied", (eve.stdout + eve.stderr).lower())
        # A wrong password from the shell is refused at CONNECT.
        rc, out = self.stack.mosquitto_pub("alice", "im/all", "x", password="nope",
                                           version="mqttv311")
        self.assertNotEqual(rc, 0)
        self.assertIn("not authorised", out.lower().replace("authorized", "authorised"))


if __name__ == "__main__":
    unittest.main()
