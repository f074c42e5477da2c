"""Disk full under the daemon's database: no crash, no false "queued"/"delivered", and
recovery once space returns. The data directory is a small tmpfs (needs root to mount;
skipped otherwise)."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402


def statuses(client):
    out = []
    for m in client.received:
        if m.topic == f"im/svc/{client.user}":
            try:
                j = m.json()
            except ValueError:
                continue
            if j.get("type") == "status":
                out.append(j)
    return out


class DiskFull(unittest.TestCase):
    def setUp(self):
        imtest.require_built(imtest.PLUGIN, "imchat_auth")
        imtest.require_built(imtest.DAEMON, "imchat-service")
        # The README's one optional requirement: a full disk is simulated with a tmpfs, which
        # only root can mount. Without it the test cannot run here, which is not a failure.
        self.stack = imtest.Stack()
        try:
            imtest.mount_tmpfs(self, self.stack.data, "2m")
        except unittest.SkipTest:
            self.stack.cleanup()
            raise
        self.filler = os.path.join(self.stack.data, "filler")
        self.stack.start()

    def tearDown(self):
        self.stack.stop()
        imtest.umount_tmpfs(self.stack.data)
        self.stack.cleanup()

    def fill(self):
        with open(self.filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass

    def test_disk_full_then_recovery(self):
        bob = self.stack.chat_client("bob")
        bob.disconnect()
        alice = self.stack.chat_client("alice")
        alice.publish("im/user/bob", b"before")
        imtest.wait_for(lambda: any(s.get("status") == "queued" for s in statuses(alice)),
                        timeout=10, what="'queued' for the message sent before the disk filled")
        self.fill()
        during = [f"full{i}".encode() for i in range(20)]
        for p in during:
            alice.publish("im/user/bob", p)
        time.sleep(2)
        self.assertIsNone(self.stack.service.poll(), "the daemon died on a full disk: "
                          + self.stack.service_log()[-2000:])
        # Space returns; new messages are stored again.
        os.unlink(self.filler)
        alice.publish("im/user/bob", b"after")
        time.sleep(2)
        acked = {s.get("id") for s in statuses(alice) if s.get("status") in ("queued", "delivered")}
        bob = self.stack.chat_client("bob")
        want = {b"before", b"after"}
        imtest.wait_for(lambda: want <= {m.payload for m in bob.received
                                         if m.topic == "im/user/bob/alice"},
                        timeout=20, what="the messages around the full disk")
        time.sleep(1)
        got_ids = {m.props.get("id") for m in bob.received if m.topic == "im/user/bob/alice"}
        # Whatever the daemon told alice was stored has arrived (no false acknowledgement).
        self.assertLessEqual(acked - {None}, got_ids, statuses(alice))
        self.assertIsNone(self.stack.service.poll())
        # The messages refused while the disk was full were kept by the broker and stored
        # once space returned: all of them arrive too.
        got = {m.payload for m in bob.received if m.topic == "im/user/bob/alice"}
        self.assertLessEqual(set(during), got)
        # In send order, although "after" was committed before the 20 sent ahead of it.
        order = [m.payload for m in bob.received if m.topic == "im/user/bob/alice"]
        self.assertEqual(order, [b"before"] + during + [b"after"])


if __name__ == "__main__":
    unittest.main()
