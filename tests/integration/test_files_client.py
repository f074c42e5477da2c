"""Files in the imchat client (stdin mode) against the real broker, plugin and daemon:
/send with progress and the file message, the recipient's line with name, size and id,
/get into a directory with the hash checked, never overwriting and never writing outside
the directory whatever the name says, and /files."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402
from filetransfer import CHUNK, file_client, upload  # noqa: E402


class FilesInTheClient(imtest.StackTest):
    def setUp(self):
        imtest.require_client()
        super().setUp()
        self.work = tempfile.mkdtemp(prefix="imchat-files-")

    def chat(self, user):
        c = self.stack.chat(user)
        c.ready()
        return c

    def test_send_get_and_files(self):
        data = os.urandom(5 * CHUNK + 7)
        path = os.path.join(self.work, "holiday photo.jpg")
        with open(path, "wb") as f:
            f.write(data)
        alice = self.chat("alice")
        bob = self.chat("bob")
        alice.send(f"/send bob {path}")
        alice.expect_line(r"-- sending holiday photo\.jpg \(327\.7 kB\) to bob\.\.\.$")
        sent = alice.expect_line(r"-- sent holiday photo\.jpg \(327\.7 kB\) to bob in \d+ s; "
                                 r"file ([0-9a-f]{8})$", timeout=20)
        line = bob.expect_line(r"\*alice\* sent a file: holiday photo\.jpg \(327\.7 kB\) "
                               r"\[file ([0-9a-f]{32})\]$")
        file_id = line.group(1)
        self.assertTrue(file_id.startswith(sent.group(1)))
        # The file message is alice's own: its status names it, and its carbon is not shown
        # as sent from another device.
        alice.expect_line(r"-- delivered to bob: sent a file: holiday photo\.jpg")
        into = os.path.join(self.work, "inbox")
        os.mkdir(into)
        # An existing file of that name stays as it is.
        with open(os.path.join(into, "holiday photo.jpg"), "wb") as f:
            f.write(b"mine")
        bob.send(f"/get {file_id[:8]} {into}")
        bob.expect_line(r"-- receiving holiday photo\.jpg \(327\.7 kB\) from alice\.\.\.$")
        saved = bob.expect_line(r"-- saved holiday photo\.jpg \(327\.7 kB\) as (.*), "
                                r"SHA-256 verified$", timeout=20)
        self.assertEqual(saved.group(1), os.path.join(into, "holiday photo (1).jpg"))
        with open(saved.group(1), "rb") as f:
            self.assertEqual(f.read(), data)
        with open(os.path.join(into, "holiday photo.jpg"), "rb") as f:
            self.assertEqual(f.read(), b"mine")
        self.assertEqual(sorted(os.listdir(into)), ["holiday photo (1).jpg", "holiday photo.jpg"])
        bob.send("/files")
        bob.expect_line(r"-- recent files \(/get <id> \[dir\]\):$")
        bob.expect_line(r"--   " + file_id[:8] + r"  holiday photo\.jpg \(327\.7 kB\) from alice to you$")
        # Any case, like every command.
        bob.send("/FILES")
        bob.expect_line(r"-- recent files \(/get <id> \[dir\]\):$")
        bob.send("/Files x")
        bob.expect_line(r"-- error: usage: /files$")
        bob.send("/get 0123456789abcdef0123456789abcdef " + into)
        bob.expect_line(r"-- error: no such file: 0123456789abcdef0123456789abcdef$")
        for c in (alice, bob):
            c.close_stdin()
            self.assertEqual(c.wait(), 0, c.output())
        self.assertNotIn("[other device]", alice.output())

    def test_the_longest_local_names_go_whole_with_their_extension(self):
        # Linux allows 255-byte file names (NAME_MAX), the service as many: such a name goes
        # as it is (a 4 KiB one cannot exist on disk; ShortenFileName's unit test has those).
        name = "\u00e9" * 125 + ".jpeg"
        self.assertEqual(len(name.encode()), 255)
        path = os.path.join(self.work, name)
        with open(path, "wb") as f:
            f.write(b"pixels")
        alice = self.chat("alice")
        bob = self.chat("bob")
        alice.send(f"/send bob {path}")
        alice.expect_line(r"-- sent .*\.jpeg \(6 B\) to bob in \d+ s; file [0-9a-f]{8}$",
                          timeout=20)
        line = bob.expect_line(r"\*alice\* sent a file: (.*) \(6 B\) \[file [0-9a-f]{32}\]$")
        self.assertEqual(line.group(1), name)
        alice.expect_no_line(r"shortened", timeout=0.2)
        # Past NAME_MAX the system itself refuses the path, with its own error.
        alice.send(f"/send bob {os.path.join(self.work, 'z' * 4096 + '.txt')}")
        alice.expect_line(r"-- error: cannot send .*: File name too long$")
        for c in (alice, bob):
            c.close_stdin()
            self.assertEqual(c.wait(), 0, c.output())

    def test_get_never_writes_outside_the_directory(self):
        # A third-party uploader may name a file anything.
        peer = file_client(self.stack, "carol")
        into = os.path.join(self.work, "safe")
        os.mkdir(into)
        names = {"../../escape.txt": "escape.txt", "a/b/.hidden": "_hidden",
                 "..": None, "evil\\..\\win.ini": "win.ini"}
        ids = {}
        for name in names:
            ids[name] = upload(peer, "dave", name.encode(), name)["file"]
        dave = self.chat("dave")
        for name, expected in names.items():
            dave.send(f"/get {ids[name]} {into}")
            saved = dave.expect_line(r"-- saved .* as (.*), SHA-256 verified$", timeout=10)
            got = saved.group(1)
            self.assertEqual(os.path.dirname(got), into)
            self.assertEqual(os.path.basename(got),
                             expected or f"file-{ids[name][:8]}")
            with open(got, "rb") as f:
                self.assertEqual(f.read(), name.encode())
        self.assertFalse(os.path.exists(os.path.join(self.work, "escape.txt")))
        self.assertEqual(len(os.listdir(into)), 4)
        dave.close_stdin()
        self.assertEqual(dave.wait(), 0, dave.output())
