"""The offline queue: direct messages to a user without a connected client are stored by the
daemon and replayed at the next login, in send order, once, with the original id and ts and
queued=1; delivery statuses to the sender; a recipient flapping under a stream loses nothing."""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402


def statuses(client):
    out = []
    for m in list(client.received):
        if m.topic == f"im/svc/{client.user}":
            j = m.json()
            if j.get("type") == "status":
                out.append(j)
    return out


class Offline(imtest.StackTest):
    def test_replay_to_a_user_who_never_logged_in(self):
        alice = self.stack.chat_client("alice")
        sent = []
        for i in range(30):
            payload = f"hello {i:02d}".encode()
            alice.publish("im/user/carol", payload, user_properties={"ref": f"ref{i}"})
            sent.append(payload)
        # A "queued" status per message, only after the daemon stored it.
        imtest.wait_for(lambda: len([s for s in statuses(alice) if s["status"] == "queued"]) == 30,
                        what="30 queued statuses")
        ids_ts = {}
        carol = self.stack.client("carol")
        carol.subscribe("im/svc/carol")
        carol.subscribe("im/user/carol/+")
        welcome = carol.expect_svc("welcome")
        self.assertEqual(welcome["queued"], 30)
        self.assertIn("30 messages", welcome["text"])
        got = [carol.expect("im/user/carol/alice") for _ in sent]
        self.assertEqual([m.payload for m in got], sent)
        for m in got:
            self.assertEqual(m.props.get("queued"), "1")
            self.assertTrue(m.props.get("id"))
            ids_ts[m.props["id"]] = int(m.props["ts"])
        # Original send times: increasing and earlier than the login.
        ts = [int(m.props["ts"]) for m in got]
        self.assertEqual(ts, sorted(ts))
        self.assertLess(ts[-1], time.time() * 1000)
        self.assertEqual(len(ids_ts), 30)
        carol.expect_none("im/user/carol/+", timeout=1.0)  # once
        # Each queued message is reported delivered to the sender, by id.
        imtest.wait_for(lambda: {s["id"] for s in statuses(alice) if s["status"] == "delivered"}
                        >= set(ids_ts), what="delivered statuses")
        # The sender's ref comes back with the later "delivered" too.
        delivered = [s for s in statuses(alice) if s["status"] == "delivered"]
        self.assertEqual([s.get("ref") for s in delivered], [f"ref{i}" for i in range(30)])
        # A second login gets nothing again.
        carol.disconnect()
        carol2 = self.stack.client("carol")
        carol2.subscribe("im/svc/carol")
        carol2.subscribe("im/user/carol/+")
        self.assertEqual(carol2.expect_svc("welcome")["queued"], 0)
        carol2.expect_none("im/user/carol/+", timeout=1.0)
        # ...although her inbox subscription delivers: a live message does arrive.
        alice.publish("im/user/carol", "live after the replay")
        m = carol2.expect("im/user/carol/+")
        self.assertEqual((m.topic, m.text, m.props.get("queued")),
                         ("im/user/carol/alice", "live after the replay", None))

    def test_live_message_status_delivered(self):
        alice = self.stack.chat_client("alice")
        bob = self.stack.chat_client("bob")
        alice.publish("im/user/bob", b"live", user_properties={"ref": "r-1"})
        m = bob.expect("im/user/bob/alice")
        self.assertNotIn("queued", m.props)
        st = alice.expect_svc("status")
        self.assertEqual(st["status"], "delivered")
        self.assertEqual(st["to"], "bob")
        self.assertEqual(st["id"], m.props["id"])
        self.assertEqual(st.get("ref"), "r-1")

    def test_recipient_flapping_under_a_stream(self):
        alice = self.stack.chat_client("alice")
        bobs = []
        stop = threading.Event()

        def flap():
            while not stop.is_set():
                b = self.stack.client("bob", client_id="bob-flapper", clean=False,
                                      session_expiry=300)
                b.subscribe("im/user/bob/+")
                bobs.append(b)
                time.sleep(0.15)
                b.disconnect()
                time.sleep(0.1)

        t = threading.Thread(target=flap)
        t.start()
        want = set()
        try:
            for i in range(200):
                payload = f"f{i:03d}".encode()
                want.add(payload)
                alice.publish("im/user/bob", payload, wait=(i % 10 == 9))
                time.sleep(0.005)
        finally:
            stop.set()
            t.join()
        final = self.stack.client("bob", client_id="bob-flapper", clean=False, session_expiry=300)
        final.subscribe("im/user/bob/+")
        bobs.append(final)

        def received():
            return [m for b in bobs for m in list(b.received) if m.topic == "im/user/bob/alice"]
        imtest.wait_for(lambda: want <= {m.payload for m in received()}, timeout=30,
                        what="every message after the flapping")
        by_payload = {}
        for m in received():
            by_payload.setdefault(m.payload, set()).add(m.props.get("id"))
        for payload, ids in by_payload.items():
            self.assertEqual(len(ids), 1, f"{payload!r} arrived with different ids {ids}")
            self.assertNotIn(None, ids)


if __name__ == "__main__":
    import unittest
    unittest.main()
