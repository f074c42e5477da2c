"""Coalesced delivered statuses (topics.md "Delivery status"): a burst of direct messages
gets statuses that cover every message exactly once, in send order, several per status
message, and they arrive about a millisecond after the burst even when nothing else wakes
the broker (QoS 0 everywhere: no acknowledgement arrives after the last PUBLISH)."""

import json
import socket
import statistics
import struct
import time

import imtest


class RawSender:
    """An MQTT 5 client on a plain socket, so a whole burst leaves in one TCP write."""

    def __init__(self, port, user):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        s = imtest.mqtt_string
        body = (s("MQTT") + bytes([5, 0xC2]) + struct.pack("!H", 30) + b"\x00" +
                s(f"raw-{user}-{time.monotonic_ns()}") + s(user) + s(imtest.PASSWORDS[user]))
        self.sock.sendall(imtest.mqtt_packet(0x10, body))
        connack = self.sock.recv(64)
        assert connack[:1] == b"\x20" and connack[3] == 0, connack

    def burst(self, topic, texts):
        """QoS 0 PUBLISHes, each with a `ref` user property (index in the burst)."""
        data = b""
        for i, text in enumerate(texts):
            prop = b"\x26" + imtest.mqtt_string("ref") + imtest.mqtt_string(f"r{i}")
            body = imtest.mqtt_string(topic) + imtest.mqtt_varint(len(prop)) + prop + text.encode()
            data += imtest.mqtt_packet(0x30, body)
        self.sock.sendall(data)

    def close(self):
        self.sock.close()


class Batching(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_burst_statuses_cover_each_message_once_and_promptly(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+", qos=0)
        watcher = self.stack.client("alice")  # alice's statuses, read at QoS 0
        watcher.subscribe("im/svc/alice", qos=0)
        sender = RawSender(self.stack.port, "alice")
        delays, coalesced = [], 0
        try:
            for round_ in range(3):
                texts = [f"burst {round_} message {i}" for i in range(20)]
                watcher.drain()
                start = time.monotonic()
                sender.burst("im/user/bob", texts)
                ids = [bob.expect("im/user/bob/alice").props["id"] for _ in texts]
                covered, refs = [], []
                while len(covered) < len(ids):
                    status = json.loads(watcher.expect("im/svc/alice").payload)
                    self.assertEqual((status["type"], status["status"], status["to"]),
                                     ("status", "delivered", "bob"))
                    part = status.get("ids", [status["id"]])
                    self.assertEqual(part[0], status["id"])
                    covered += part
                    refs += status.get("refs", [status.get("ref", "")])
                    if len(part) > 1:
                        coalesced += 1
                        self.assertEqual(status["text"], f"{len(part)} messages delivered to bob")
                delays.append(time.monotonic() - start)
                self.assertEqual(covered, ids)  # each message once, in send order
                self.assertEqual(refs, [f"r{i}" for i in range(len(texts))])
                watcher.expect_none(topic="im/svc/alice", timeout=0.2)
        finally:
            sender.close()
        self.assertGreater(coalesced, 0, "no status covered more than one message")
        # Without the plugin's wake-up the last statuses wait for the broker's 100 ms idle
        # timeout; with it, about a millisecond. The bound leaves room for a busy machine.
        self.assertLess(statistics.median(delays), 0.05, delays)


if __name__ == "__main__":
    import unittest
    unittest.main()
