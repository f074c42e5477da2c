"""Bad MQTT input: odd payloads and malformed commands. Nothing crashes, every refusal is
clear, and nothing else is affected (the next ordinary message still flows).
Chat payloads are opaque bytes to the system: they arrive and are archived byte-exact.
"""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

LIMIT = 65536  # mosquitto.conf message_size_limit

# Payloads that are valid UTF-8 and must survive delivery and history byte for byte.
TEXTS = {
    "empty": b"",
    "nul": b"a\x00b\x00",
    "escape": b"\x1b[2J\x1b[31mred\x1b]0;title\x07\x1b[0m\r\x08\x7f",
    "format": b"%n%s%x%p%d%%n%999999s{}{0}${x}",
    "sql": b"'; DROP TABLE messages; --\" OR 1=1; /* */ \\x00",
    "json": b'{"type":"reply","ok":true}\\u0000"\n]}',
    "unicode": "h\u00e9llo \u202e\u200b \U0001F600 \ufeff".encode(),
    "newlines": b"line1\nline2\r\nline3",
}
INVALID_UTF8 = [b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"ok\x80ok", b"\xf8\x88\x80\x80\x80"]


def assert_alive(test, stack):
    test.assertIsNone(stack.broker.poll(), "mosquitto exited")
    if stack.service is not None:
        test.assertIsNone(stack.service.poll(), "the daemon exited")
    for log in (stack.broker_log(), stack.service_log()):
        test.assertNotIn("AddressSanitizer", log)
        test.assertNotIn("runtime error", log)


class Payloads(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_odd_payloads_delivered_byte_exact(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        bob.subscribe("im/all/+")
        for protocol in (5, 4):
            alice = self.stack.client("alice", protocol=protocol)
            for name, data in TEXTS.items():
                alice.publish("im/user/bob", data)
                got = bob.expect("im/user/bob/alice")
                self.assertEqual(got.payload, data, name)
                alice.publish("im/all", data)
                self.assertEqual(bob.expect("im/all/alice").payload, data, name)
            alice.disconnect()
        assert_alive(self, self.stack)

    def test_size_limit(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        alice = self.stack.client("alice")
        at_limit = bytes([0x61 + i % 26 for i in range(LIMIT)])
        alice.publish("im/user/bob", at_limit)
        self.assertEqual(bob.expect("im/user/bob/alice").payload, at_limit)
        # Over the limit: refused (MQTT 5 PUBACK 0x95 or the connection is closed); the
        # recipient never sees it and the next message from a fresh client still flows.
        # (MQTT 3.1.1 here: paho 1.6 cannot parse a PUBACK with reason 0x95.)
        old = self.stack.client("alice", protocol=4)
        old.publish("im/user/bob", at_limit + b"x", wait=False)
        old.publish("im/user/bob", b"z" * (4 * LIMIT), wait=False)
        rc, out = self.stack.mosquitto_pub("alice", "im/user/bob", "y" * (LIMIT + 1))
        self.assertIn("65537", out)
        bob.expect_none(topic="im/user/bob/+", timeout=1.0)
        carol = self.stack.client("carol")
        carol.publish("im/user/bob", b"after")
        self.assertEqual(bob.expect("im/user/bob/carol").payload, b"after")
        self.assertFalse(bob.is_disconnected)
        assert_alive(self, self.stack)

    def test_invalid_utf8_payload_is_harmless(self):
        # Delivered byte-exact or refused; either way nothing breaks.
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        alice = self.stack.client("alice")
        for data in INVALID_UTF8:
            alice.publish("im/user/bob", data, wait=False)
        alice.publish("im/user/bob", b"end")
        imtest.wait_for(lambda: any(m.payload == b"end" for m in bob.received), what="end")
        for m in bob.received:
            self.assertIn(m.payload, INVALID_UTF8 + [b"end"])
        assert_alive(self, self.stack)

    def test_malformed_packets_do_not_hurt_others(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        garbage = [b"\x10\xff\xff\xff\xff\x7f", b"\x30\x05\x00\x10im/all", b"\xf0\x00",
                   b"\x10\x0c\x00\x04MQTT\x05\x02\x00\x1e\x00\x00", bytes(range(256)),
                   b"\x10" + b"\x80" * 4 + b"\x01"]
        for g in garbage:
            with socket.create_connection(("127.0.0.1", self.stack.port), timeout=2) as s:
                s.sendall(g)
                try:
                    s.recv(64)
                except OSError:
                    pass
        # Deep and long topics and filters: refused (the broker may drop the connection, so
        # a fresh client each) or harmless.
        for f in ["+/" * 5000 + "#", "im/" + "a/" * 5000 + "+", "im/user/" + "b" * 60000 + "/+"]:
            c = self.stack.client("carol")
            _, mid = c.mqtt.subscribe(f, 1)
            imtest.wait_for(lambda: mid in c._subacks or c.is_disconnected,
                            what=f"SUBACK or disconnect for a {len(f)}-byte filter")
            if mid in c._subacks:
                self.assertGreaterEqual(c._subacks[mid][0], 0x80, "an absurd filter was granted")
        for t in ["im/" + "a/" * 5000 + "x", "im/user/" + "b" * 60000, "im/all/" + "c" * 60000]:
            self.stack.client("carol").publish(t, b"deep", wait=False)
        alice = self.stack.client("alice")
        alice.publish("im/user/bob", b"still fine")
        self.assertEqual(bob.expect("im/user/bob/alice").payload, b"still fine")
        assert_alive(self, self.stack)


class Archive(imtest.StackTest):
    """With the daemon: the archive stores payloads byte-exact and survives odd ones."""

    def tearDown(self):
        # Under scripts/test-asan the daemon is sanitized: its exit report (leaks included)
        # lands in its log once it has stopped.
        self.stack.stop()
        log = self.stack.service_log()
        super().tearDown()
        self.assertNotIn("Sanitizer", log, log[-3000:])
        self.assertNotIn("runtime error", log, log[-3000:])

    def history(self, client, peer, n=500):
        client.command(f"history {peer} {n}")
        return client.expect_svc("reply", predicate=lambda j: j.get("cmd") == "history")

    def test_history_is_byte_exact(self):
        alice = self.stack.chat_client("alice")
        bob = self.stack.chat_client("bob")
        for data in INVALID_UTF8:  # must not break archiving of what follows
            alice.publish("im/user/bob", data, wait=False)
        for name, data in TEXTS.items():
            alice.publish("im/user/bob", data)
            bob.expect("im/user/bob/alice", predicate=lambda m, d=data: m.payload == d)
        want = [d.decode() for d in TEXTS.values()]

        def archived():
            texts = [m.get("text") for m in self.history(bob, "alice").get("messages", [])]
            return texts if all(w in texts for w in want) else None

        texts = imtest.wait_for(archived, timeout=10, interval=0.5, what="the archive")
        for name, data in TEXTS.items():
            self.assertIn(data.decode(), texts, name)
        # Order is send order for the valid ones.
        order = [texts.index(w) for w in want]
        self.assertEqual(order, sorted(order))
        # The daemon's replies are valid JSON even for these (expect_svc parsed them).
        assert_alive(self, self.stack)

    def test_commands_bad_input(self):
        alice = self.stack.chat_client("alice")
        bad = ["frob", "", " ", "HELP x y z", "history", "block", "unblock", "since",
               "since -1", "since 99999999999999999999999", "since abc", "history bob -5",
               "history bob 99999999999", "history bob x", "block alice/+", "block #",
               "block " + "a" * 200, "nick " + "\x1b[31m" * 20, "nick " + "x" * 500,
               "who\nhistory bob", "help\x00who", "%n%s %n%s", "block bob'; DROP TABLE x;--",
               "\u202ewho", "history " + "b" * 1000]
        for line in bad:
            alice.drain()
            alice.command(line)
            reply = alice.expect_svc("reply", timeout=5)
            self.assertIsInstance(reply.get("text"), str, line)
            self.assertTrue(reply["text"], line)
            if line.split(" ")[0] not in ("help", "HELP", "who", "nick", "history", "since"):
                self.assertFalse(reply.get("ok"), (line, reply))
        for data in [b"x" * 60000, b"\xff\xfe who", b"history \xc3", b"\x00\x00"]:
            alice.drain()
            alice.publish("im/cmd/alice", data)
            reply = alice.expect_svc("reply", timeout=5)
            self.assertFalse(reply.get("ok"), (data[:20], reply))
        unknown = None
        alice.command("frob")
        unknown = alice.expect_svc("reply", predicate=lambda j: j.get("cmd") == "frob")
        self.assertIn("frob", unknown["text"])
        self.assertIn("help", unknown["text"])
        # Still serving, for alice and for others.
        alice.command("who")
        self.assertTrue(alice.expect_svc("reply", predicate=lambda j: j.get("cmd") == "who")["ok"])
        bob = self.stack.chat_client("bob")
        bob.command("help")
        self.assertTrue(bob.expect_svc("reply")["ok"])
        assert_alive(self, self.stack)


if __name__ == "__main__":
    import unittest
    unittest.main()
