"""Faults: kill -9 of the daemon in the middle of a replay and of the broker, and a corrupt
database (kill -9 while offline messages arrive: test_daemon_faults.py).
What was acknowledged is never lost; a message seen twice always carries the same `id`
(the documented duplicates), so a client can drop the copy.
"""

import glob
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402


# The daemon's replayed messages in flight per user (Options::replay_window).
REPLAY_WINDOW = 200


def collect(client, topic, want, timeout=30):
    """Waits until `client` holds every payload in `want` on `topic`; returns {payload: [ids]}."""
    def done():
        got = {m.payload for m in client.received if imtest.mqtt.topic_matches_sub(topic, m.topic)}
        return want <= got
    imtest.wait_for(done, timeout=timeout, interval=0.1,
                    what=f"{len(want)} messages on {topic}")
    seen = {}
    for m in client.received:
        if imtest.mqtt.topic_matches_sub(topic, m.topic):
            seen.setdefault(m.payload, []).append(m.props.get("id"))
    return seen


class FaultTest(imtest.StackTest):
    def assert_duplicates_share_ids(self, seen):
        for payload, ids in seen.items():
            self.assertEqual(len(set(ids)), 1, f"{payload!r} arrived with different ids {ids}")
            self.assertIsNotNone(ids[0], f"{payload!r} has no id property")

    def go_offline(self, user):
        """Logs `user` in once (so the service knows the inbox) and out again."""
        c = self.stack.chat_client(user)
        c.disconnect()
        time.sleep(0.3)

    def database_files(self):
        return [p for p in glob.glob(os.path.join(self.stack.data, "*"))
                if os.path.isfile(p) and not p.endswith(("mosquitto.db", ".log", "-wal", "-shm"))
                and not os.path.basename(p).startswith("mosquitto")]


class DaemonKill(FaultTest):
    # A kill while offline messages arrive is tested once, in test_daemon_faults.py
    # (Kill.test_sigkill_while_offline_messages_arrive, exactly once and in order).

    def test_kill_daemon_during_replay(self):
        self.go_offline("bob")
        alice = self.stack.client("alice")
        want = {f"r{i:04d}".encode() for i in range(300)}
        for i, payload in enumerate(sorted(want)):
            alice.publish("im/user/bob", payload, wait=(i % 50 == 49))
        # Let the daemon commit all of them (checked via bob's history after the fact).
        time.sleep(1.0)
        bob = self.stack.client("bob", connect=False)
        daemon = self.stack.service
        original = bob.mqtt.on_message

        def kill_at_20th(client, userdata, msg):
            original(client, userdata, msg)
            if msg.topic == "im/user/bob/alice" and len(bob.received) == 20:
                os.kill(daemon.pid, signal.SIGKILL)  # from paho's thread: no delay

        bob.mqtt.on_message = kill_at_20th
        bob.connect()
        bob.subscribe("im/svc/bob")
        bob.subscribe("im/user/bob/+")
        imtest.wait_for(lambda: daemon.poll() is not None, what="the kill during the replay")
        got_at_kill = len(bob.received)
        replayed = self.stack.service_log().count("replayed alice -> bob")
        self.assertLess(replayed, len(want), "the replay had finished before the kill")
        self.stack.start_daemon()
        seen = collect(bob, "im/user/bob/alice", want)
        self.assert_duplicates_share_ids(seen)
        extra = sum(len(ids) - 1 for ids in seen.values())
        # topics.md: a replay cut short by a crash resends what was in flight, i.e. at most
        # the daemon's replay window (27 runs here resent at most 136 of the 300).
        self.assertLessEqual(extra, REPLAY_WINDOW,
                             f"{extra} duplicates after a kill at {got_at_kill}")

class BrokerKill(FaultTest):
    def test_kill_broker(self):
        self.go_offline("bob")
        alice = self.stack.chat_client("alice")
        want = {f"b{i:03d}".encode() for i in range(50)}
        for payload in sorted(want):
            alice.publish("im/user/bob", payload)
        # Wait until the daemon committed them: alice gets a status per message.
        imtest.wait_for(lambda: sum(1 for m in alice.received if m.topic == "im/svc/alice"
                                    and b'"status"' in m.payload) >= 50,
                        timeout=15, what="a status for each message")
        carol = self.stack.chat_client("carol")
        ready = self.stack._ready_count()
        self.stack.stop_broker(signal.SIGKILL)
        self.stack.start_broker()
        # bob logs in at once, likely before the daemon has reconnected: his queue must
        # still be replayed once it is back.
        bob = self.stack.client("bob")
        bob.subscribe("im/svc/bob")
        bob.subscribe("im/user/bob/+")
        # paho reconnects carol by itself; the daemon must reconnect on its own too.
        imtest.wait_for(lambda: self.stack._ready_count() > ready, timeout=15,
                        what="the daemon to reconnect")
        self.stack.chat_client("dave")  # welcomed: the daemon serves new logins again
        observer = self.stack.client("erin")
        observer.subscribe("im/online")
        observer.subscribe("im/presence/+")

        def online():
            msgs = [m for m in observer.received if m.topic == "im/online"]
            return msgs and set(msgs[-1].json()) >= {"carol", "dave", "bob"} and msgs[-1].json()
        imtest.wait_for(online, timeout=15, what="im/online rebuilt after the broker restart")
        del carol
        seen = collect(bob, "im/user/bob/alice", want)
        self.assert_duplicates_share_ids(seen)
        self.assertIsNone(self.stack.service.poll(), "the daemon exited with the broker")


class Database(FaultTest):
    def _db(self):
        files = self.database_files()
        self.assertTrue(files, f"no database in {os.listdir(self.stack.data)}")
        return files[0]

    def _start_expect_refusal(self, what):
        proc = subprocess.run(self.stack.daemon_command(), capture_output=True, text=True,
                              errors="replace", timeout=20)
        self.assertGreater(proc.returncode, 0, f"{what}: {proc.stderr[-1000:]}")
        err = (proc.stdout + proc.stderr).lower()
        self.assertTrue("database" in err or "sqlite" in err or ".db" in err, err[-1000:])
        self.assertNotIn("addresssanitizer", err)

    def test_corrupt_or_truncated_database_refused(self):
        self.go_offline("bob")
        alice = self.stack.client("alice")
        alice.publish("im/user/bob", b"keep me")
        time.sleep(1.0)
        self.stack.stop_daemon()
        db = self._db()
        with open(db, "rb") as f:
            original = f.read()
        self.assertGreater(len(original), 0)
        for name, data in (("garbage header", b"\x00garbage" * 64 + original[512:]),
                           ("truncated", original[:len(original) // 3 or 1]),
                           ("not sqlite", b"hello\n" * 100)):
            with open(db, "wb") as f:
                f.write(data)
            self._start_expect_refusal(name)
            with open(db, "rb") as f:
                self.assertEqual(f.read(), data, f"{name}: the database was rewritten")
        # Restored, everything is there.
        with open(db, "wb") as f:
            f.write(original)
        self.stack.start_daemon()
        bob = self.stack.chat_client("bob")
        collect(bob, "im/user/bob/alice", {b"keep me"})


if __name__ == "__main__":
    import unittest
    unittest.main()
