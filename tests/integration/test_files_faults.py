"""A disk that fills during an upload: the uploader gets a clear error, nothing half-stored
stays (no temporary file, no content, no file row), and chat goes on. The files directory
is a small tmpfs (needs root to mount; skipped otherwise)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402
from filetransfer import CHUNK, begin, file_client, reply, send  # noqa: E402


class FilesDiskFull(unittest.TestCase):
    def setUp(self):
        imtest.require_built(imtest.PLUGIN, "imchat_auth")
        imtest.require_built(imtest.DAEMON, "imchat-service")
        self.stack = imtest.Stack()
        self.files = os.path.join(self.stack.data, "files")
        os.makedirs(self.files)
        try:
            imtest.mount_tmpfs(self, self.files, "100m")
        except unittest.SkipTest:
            self.stack.cleanup()
            raise
        self.stack.start()

    def tearDown(self):
        self.stack.stop()
        imtest.umount_tmpfs(self.files)
        self.stack.cleanup()

    def test_disk_full_mid_upload(self):
        alice = file_client(self.stack, "alice")
        bob = file_client(self.stack, "bob")
        bob.subscribe("im/user/bob/+")
        data = os.urandom(30 * 1024 * 1024)
        r = begin(alice, "bob", data, "huge.bin")
        self.assertTrue(r["ok"], r)
        self.assertIsNone(send(alice, r, data, stop_at=4 * CHUNK))
        imtest.wait_for(lambda: any(m.topic == "im/svc/alice" and m.json().get("offset") == 4 * CHUNK
                                    for m in list(alice.received)), what="4 chunks stored")
        # Something else takes the rest of the disk.
        with open(os.path.join(self.files, "filler"), "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        r2 = begin(alice, "bob", data, "huge.bin")
        self.assertEqual(r2["offset"], 4 * CHUNK)
        done = send(alice, r2, data)
        self.assertEqual(done["status"], "error", done)
        self.assertIn("the server's disk is full: the upload of huge.bin was cancelled", done["text"])
        self.assertEqual(os.listdir(os.path.join(self.files, "tmp")), [])
        self.assertEqual([n for n in os.listdir(self.files) if len(n) == 64], [])
        self.assertEqual(reply(alice, "files")["files"], [])
        # Chat goes on.
        alice.publish("im/user/bob", "still here")
        self.assertEqual(bob.expect("im/user/bob/alice").text, "still here")
        # With the disk full, a new upload is refused before any byte.
        r3 = begin(alice, "bob", b"x" * 1000, "small.txt")
        self.assertFalse(r3["ok"])
        self.assertIn("disk has no room", r3["text"])
