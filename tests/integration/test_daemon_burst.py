"""Bursts of daemon publishes: the daemon is frozen (SIGSTOP) while thousands of events pile up
in its broker session, then resumed (SIGCONT), so it handles them in a few large batches and
publishes far more at once than fit in the MQTT client's buffers. Nothing may be lost: every
queued message is replayed in order once, every status reaches the sender, and every login
shows up in im/presence and im/online."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

CROWD = 300


def crowd_users():
    return imtest.DEFAULT_USERS + "".join(f"user{i:03d} pw{i:03d}\n" for i in range(CROWD))


class DaemonBurst(imtest.StackTest):
    STACK_ARGS = {"users": crowd_users()}

    def freeze(self):
        self.stack.service.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.stack.service.send_signal(signal.SIGCONT)

    def tearDown(self):
        if self.stack.service is not None:
            self.thaw()
        super().tearDown()

    def statuses(self, client, status):
        out = []
        for m in list(client.received):
            if m.topic == f"im/svc/{client.user}":
                j = m.json()
                if j.get("type") == "status" and j.get("status") == status:
                    out.append(j)
        return out

    def test_thousands_queued_during_a_freeze_all_replayed_in_order(self):
        n = 2000
        alice = self.stack.chat_client("alice")
        self.freeze()
        infos = [alice.publish("im/user/carol", f"burst {i:04d}".encode(),
                               user_properties={"ref": f"r{i}"}, wait=False)
                 for i in range(n)]
        imtest.wait_for(lambda: all(i.mid in alice._pubacks for i in infos), timeout=30,
                        what="PUBACKs for the burst")
        # carol logs in while the daemon is still frozen: her inbox event arrives right
        # behind the burst, so the replay starts while the daemon's statuses are going out.
        carol = self.stack.client("carol")
        carol.subscribe("im/svc/carol")
        carol.subscribe("im/user/carol/+")
        self.thaw()
        want = [f"burst {i:04d}".encode() for i in range(n)]
        imtest.wait_for(lambda: len([m for m in list(carol.received)
                                     if m.topic == "im/user/carol/alice"]) >= n,
                        timeout=60, what=f"{n} replayed messages")
        time.sleep(1.0)  # a duplicate would arrive by now
        got = [m.payload for m in list(carol.received) if m.topic == "im/user/carol/alice"]
        self.assertEqual(got, want)
        # Every message was reported queued, then delivered, to the sender, in send order.
        imtest.wait_for(lambda: len(self.statuses(alice, "delivered")) >= n, timeout=30,
                        what=f"{n} delivered statuses")
        self.assertEqual([s.get("ref") for s in self.statuses(alice, "queued")],
                         [f"r{i}" for i in range(n)])
        self.assertEqual([s.get("ref") for s in self.statuses(alice, "delivered")],
                         [f"r{i}" for i in range(n)])
        self.assertNotIn("stopped", self.stack.server_log())
        # Nothing is left queued.
        carol.disconnect()
        carol2 = self.stack.client("carol")
        carol2.subscribe("im/svc/carol")
        carol2.subscribe("im/user/carol/+")
        self.assertEqual(carol2.expect_svc("welcome")["queued"], 0)

    def test_hundreds_of_logins_during_a_freeze_all_online(self):
        watcher = self.stack.client("dave")
        watcher.subscribe("im/online")
        watcher.subscribe("im/presence/+")
        self.freeze()
        names = [f"user{i:03d}" for i in range(CROWD)]
        for i, name in enumerate(names):
            c = self.stack.client(name, password=f"pw{i:03d}")
            c.subscribe(f"im/svc/{name}")
            c.subscribe(f"im/user/{name}/+")
        self.thaw()

        def online():
            lists = [m.json() for m in list(watcher.received) if m.topic == "im/online"]
            return set(lists[-1]) if lists else set()

        imtest.wait_for(lambda: set(names) <= online(), timeout=30,
                        what=f"all {CROWD} users in im/online")

        def presence_online():
            latest = {}
            for m in list(watcher.received):
                if m.topic.startswith("im/presence/"):
                    latest[m.topic.split("/")[2]] = m.json()
            return {u for u, j in latest.items() if j.get("online")}

        imtest.wait_for(lambda: set(names) <= presence_online(), timeout=30,
                        what=f"presence of all {CROWD} users online")
        # A fresh subscriber sees the same from the retained messages.
        time.sleep(0.2)
        late = self.stack.client("erin", password=imtest.PASSWORDS["erin"])
        late.subscribe("im/online")
        self.assertLessEqual(set(names), set(late.expect("im/online").json()))


if __name__ == "__main__":
    import unittest
    unittest.main()
