"""Files end to end (real broker with the plugin, real daemon, paho as the client, the way
topics.md "Files" tells a third party to do it): round trips of edge sizes and names, a DM
to an offline user, room access (member, non-member, kicked member), resume of uploads and
downloads after a dropped connection and after SIGKILL of the daemon, a wrong hash, limits
refused before any byte, and spoofing of the chunk topics."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402
from filetransfer import (CHUNK, begin, fetch, file_client, reply, send, sha,  # noqa: E402
                          upload)


def tmp_files(stack):
    return os.listdir(os.path.join(stack.data, "files", "tmp"))


class RoundTrips(imtest.StackTest):
    def test_sizes_and_binary_content(self):
        alice = file_client(self.stack, "alice")
        bob = file_client(self.stack, "bob")
        for size in (0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5):
            with self.subTest(size=size):
                data = os.urandom(size)
                done = upload(alice, "bob", data, f"blob-{size}.bin")
                self.assertEqual((done["size"], done["sha256"], done["to"]),
                                 (size, sha(data), "@bob"))
                self.assertRegex(done["file"], r"^[0-9a-f]{32}$")
                r, got = fetch(bob, done["file"])
                self.assertTrue(r["ok"], r)
                self.assertEqual(got, data)
                # The uploader may fetch too.
                self.assertEqual(fetch(alice, done["file"])[1], data)
        stored = [n for n in os.listdir(os.path.join(self.stack.data, "files"))
                  if len(n) == 64]
        self.assertEqual(len(stored), 6, "one content file per distinct SHA-256")
        self.assertEqual(tmp_files(self.stack), [])

    def test_names_are_kept_as_text_and_checked(self):
        alice = file_client(self.stack, "alice")
        bob = file_client(self.stack, "bob")
        for name in ("my holiday photo.jpg", "ünïcødé 📎 файл.txt", "../../etc/passwd",
                     "a/b/c", "x" * 255):
            with self.subTest(name=name[:40]):
                done = upload(alice, "bob", b"content", name)
                self.assertEqual(done["name"], name)
                self.assertIn(f"sent a file: {name} (7 B) [file {done['file']}]", done["text"])
                r, got = fetch(bob, done["file"])
                self.assertEqual((r["name"], got), (name, b"content"))
        # Nothing outside the store: the files directory holds content, tmp and files.db only.
        for entry in os.listdir(os.path.join(self.stack.data, "files")):
            self.assertTrue(len(entry) == 64 or entry in ("tmp", "files.db")
                            or entry.startswith("files.db-"), entry)
        r = begin(alice, "bob", b"x", "y" * 256)
        self.assertFalse(r["ok"])
        self.assertIn("at most 255", r["text"])
        r = begin(alice, "bob", b"x", "bad\x01name")
        self.assertFalse(r["ok"])
        self.assertIn("control characters", r["text"])
        # A 4 KiB name makes the line longer than a command may be (1024 bytes): still the
        # name's own error, not "command too long".
        r = begin(alice, "bob", b"x", "z" * 4096)
        self.assertFalse(r["ok"], r)
        self.assertEqual(r["text"], "the file name is 4096 bytes; at most 255 are allowed")
        r = begin(alice, "bob", b"x", "\u00e9" * 2048)
        self.assertEqual(r["text"], "the file name is 4096 bytes; at most 255 are allowed")
        # Anything else that long is still too long as a command.
        r = reply(alice, "upload " + " " * 2000 + "bob 1")
        self.assertFalse(r["ok"], r)
        self.assertIn("command too long", r["text"])
        self.assertEqual(tmp_files(self.stack), [])

    def test_bad_requests_say_what_is_wrong(self):
        alice = file_client(self.stack, "alice")
        cases = {
            "upload nobody 1 " + "a" * 64 + " text/plain n": "no user 'nobody'",
            "upload bob x " + "a" * 64 + " text/plain n": "not a size",
            "upload bob 1 ABC text/plain n": "not a SHA-256",
            "upload bob 1 " + "a" * 64 + " nonsense n": "not a media type",
            "upload #nowhere 1 " + "a" * 64 + " text/plain n": "not a member of #nowhere",
            "upload bob 1": "usage: upload",
            "fetch": "usage: fetch",
            "fetch " + "0" * 32 + " x": "not a byte offset",
        }
        for line, text in cases.items():
            with self.subTest(line=line):
                r = reply(alice, line)
                self.assertFalse(r["ok"], r)
                self.assertIn(text, r["text"])


class Conversations(imtest.StackTest):
    def test_dm_to_an_offline_user_is_fetched_after_login(self):
        alice = file_client(self.stack, "alice")
        data = os.urandom(2 * CHUNK + 17)
        done = upload(alice, "bob", data, "report.pdf", "application/pdf")
        # The file message: ordinary chat text, the details in user properties.
        alice.publish("im/user/bob", done["text"], user_properties={
            "file": done["file"], "name": done["name"], "mime": done["mime"],
            "size": str(done["size"]), "sha256": done["sha256"]})
        bob = file_client(self.stack, "bob")
        bob.subscribe("im/user/bob/+")
        m = bob.expect("im/user/bob/alice")
        self.assertEqual(m.text, done["text"])
        self.assertRegex(m.text, r"^sent a file: report\.pdf \(131\.1 kB\) \[file [0-9a-f]{32}\]$")
        file_id = m.text[-33:-1]
        r, got = fetch(bob, file_id)
        self.assertEqual((r["mime"], r["from"], r["to"], got), ("application/pdf", "alice",
                                                               "@bob", data))
        # carol is neither sender nor recipient: the same answer as an unknown id.
        carol = file_client(self.stack, "carol")
        r, _ = fetch(carol, file_id)
        self.assertEqual((r["ok"], r["text"]), (False, f"no such file: {file_id}"))
        unknown = "0123456789abcdef0123456789abcdef"
        r, _ = fetch(carol, unknown)
        self.assertEqual(r["text"], f"no such file: {unknown}")
        # /files lists it for bob and alice, not for carol.
        self.assertIn(file_id, [f["file"] for f in reply(bob, "files")["files"]])
        self.assertNotIn(file_id, [f["file"] for f in reply(carol, "files")["files"]])

    def test_everyone_may_fetch_a_file_sent_to_all(self):
        alice = file_client(self.stack, "alice")
        done = upload(alice, "all", b"for everyone", "notice.txt", "text/plain")
        self.assertEqual(done["to"], "all")
        dave = file_client(self.stack, "dave")
        self.assertEqual(fetch(dave, done["file"])[1], b"for everyone")

    def test_room_file_for_members_only_and_not_after_a_kick(self):
        alice = file_client(self.stack, "alice")
        bob = file_client(self.stack, "bob")
        carol = file_client(self.stack, "carol")
        self.assertTrue(reply(alice, "create dev")["ok"])
        self.assertTrue(reply(bob, "join dev")["ok"])
        r = begin(carol, "#dev", b"x", "x.txt")
        self.assertFalse(r["ok"])
        self.assertIn("not a member of #dev", r["text"])
        data = os.urandom(CHUNK + 3)
        done = upload(alice, "#dev", data, "design.png", "image/png")
        self.assertEqual(done["to"], "#dev")
        self.assertEqual(fetch(bob, done["file"])[1], data)
        r, _ = fetch(carol, done["file"])
        self.assertEqual(r["text"], f"no such file: {done['file']}")
        self.assertTrue(reply(alice, "kick dev bob")["ok"])
        r, _ = fetch(bob, done["file"])
        self.assertEqual((r["ok"], r["text"]), (False, f"no such file: {done['file']}"))


class Resume(imtest.StackTest):
    def test_upload_resumes_after_the_connection_drops(self):
        data = os.urandom(10 * CHUNK + 99)
        alice = file_client(self.stack, "alice")
        r = begin(alice, "bob", data, "big.bin")
        self.assertEqual(r["offset"], 0)
        self.assertIsNone(send(alice, r, data, stop_at=4 * CHUNK))
        imtest.wait_for(lambda: any(m.topic == "im/svc/alice" and m.json().get("offset") == 4 * CHUNK
                                    for m in list(alice.received)), what="4 chunks stored")
        alice.kill()
        alice = file_client(self.stack, "alice")
        r2 = begin(alice, "bob", data, "big.bin")
        self.assertEqual((r2["upload"], r2["offset"]), (r["upload"], 4 * CHUNK))
        done = send(alice, r2, data)
        self.assertEqual(done["status"], "done", done)
        bob = file_client(self.stack, "bob")
        self.assertEqual(fetch(bob, done["file"])[1], data)

    def test_download_resumes_from_an_offset(self):
        data = os.urandom(40 * CHUNK + 5)
        alice = file_client(self.stack, "alice")
        done = upload(alice, "bob", data, "movie.mkv")
        bob = file_client(self.stack, "bob")
        _, part = fetch(bob, done["file"], stop_at=5 * CHUNK)
        self.assertEqual(part, data[:len(part)])
        self.assertLess(len(part), len(data))
        bob.kill()
        bob = file_client(self.stack, "bob")
        r, got = fetch(bob, done["file"], offset=len(part), have=part)
        self.assertEqual(r["offset"], len(part))
        self.assertEqual(got, data)
        r, _ = fetch(bob, done["file"], offset=len(data) + 1)
        self.assertIn("past the end", r["text"])

    def test_upload_survives_sigkill_of_the_daemon(self):
        data = os.urandom(12 * CHUNK + 1)
        alice = file_client(self.stack, "alice")
        r = begin(alice, "carol", data, "crash.bin")
        self.assertIsNone(send(alice, r, data, stop_at=6 * CHUNK))
        imtest.wait_for(lambda: any(m.topic == "im/svc/alice" and m.json().get("offset") == 6 * CHUNK
                                    for m in list(alice.received)), what="6 chunks stored")
        self.stack.stop_daemon(signal.SIGKILL)
        self.stack.start_daemon()
        r2 = begin(alice, "carol", data, "crash.bin")
        self.assertEqual(r2["upload"], r["upload"])
        self.assertEqual(r2["offset"], 6 * CHUNK)
        done = send(alice, r2, data)
        self.assertEqual((done["status"], done["sha256"]), ("done", sha(data)), done)
        carol = file_client(self.stack, "carol")
        self.assertEqual(fetch(carol, done["file"])[1], data)

    def test_out_of_order_chunks_are_refused_with_the_offset_to_resume(self):
        data = os.urandom(3 * CHUNK - 10)
        alice = file_client(self.stack, "alice")
        r = begin(alice, "bob", data, "order.bin")
        up = r["upload"]
        alice.publish(f"im/up/alice/{up}/{CHUNK}", data[CHUNK:2 * CHUNK])
        j = alice.expect_svc("upload")
        self.assertEqual((j["status"], j["offset"]), ("error", 0))
        self.assertIn(f"chunk at byte {CHUNK} refused", j["text"])
        alice.publish(f"im/up/alice/{up}/0", data[:CHUNK])
        self.assertEqual(alice.expect_svc("upload")["offset"], CHUNK)
        # Overlap: the first chunk again.
        alice.publish(f"im/up/alice/{up}/0", data[:CHUNK])
        j = alice.expect_svc("upload")
        self.assertEqual((j["status"], j["offset"]), ("error", CHUNK))
        alice.publish(f"im/up/alice/{up}/{CHUNK}", data[CHUNK:2 * CHUNK])
        self.assertEqual(alice.expect_svc("upload")["offset"], 2 * CHUNK)
        # A full chunk where only CHUNK - 10 bytes are left: past the announced size.
        alice.publish(f"im/up/alice/{up}/{2 * CHUNK}", os.urandom(CHUNK))
        j = alice.expect_svc("upload")
        self.assertEqual((j["status"], j["offset"]), ("error", 2 * CHUNK), j)
        self.assertIn("end at the announced size", j["text"])
        alice.publish(f"im/up/alice/{up}/{2 * CHUNK}", data[2 * CHUNK:])
        done = alice.expect_svc("upload")
        self.assertEqual((done["status"], done["sha256"]), ("done", sha(data)), done)


class Refusals(imtest.StackTest):
    STACK_ARGS = {"daemon_args": ["--file-max-mib", "1", "--file-quota-mib", "2"]}

    def test_wrong_hash_is_refused_and_nothing_is_stored(self):
        alice = file_client(self.stack, "alice")
        data = os.urandom(2 * CHUNK + 1)
        r = begin(alice, "bob", data, "liar.bin", digest=sha(b"something else"))
        done = send(alice, r, data)
        self.assertEqual(done["status"], "error")
        self.assertIn(f"hash to {sha(data)}", done["text"])
        self.assertEqual(tmp_files(self.stack), [])
        self.assertEqual([n for n in os.listdir(os.path.join(self.stack.data, "files"))
                          if len(n) == 64], [])
        self.assertEqual(reply(alice, "files")["files"], [])

    def test_size_and_quota_are_refused_before_any_byte(self):
        alice = file_client(self.stack, "alice")
        r = reply(alice, f"upload bob {1024 * 1024 + 1} {'a' * 64} application/zip big.zip")
        self.assertFalse(r["ok"])
        self.assertIn("big.zip is 1.0 MB; the largest file allowed is 1.0 MB", r["text"])
        # Two unfinished uploads of 1 MiB count against the 2 MiB quota already.
        for i in range(2):
            self.assertTrue(reply(alice, f"upload bob 1048576 {str(i) * 64} "
                                         f"application/zip part{i}.zip")["ok"])
        r = reply(alice, f"upload bob 1 {'b' * 64} text/plain one-more.txt")
        self.assertFalse(r["ok"])
        self.assertIn("over your quota", r["text"])
        self.assertEqual(len(tmp_files(self.stack)), 2, "only the accepted uploads")
        # Another user's quota is their own.
        self.assertTrue(reply(file_client(self.stack, "bob"),
                              f"upload alice 1 {'b' * 64} text/plain ok.txt")["ok"])


class UploadFlood(imtest.StackTest):
    def test_one_user_cannot_open_uploads_without_end(self):
        """An attack: many tiny uploads begun and never finished (the quota counts bytes, so
        it alone would let thousands pile up, each a temporary file and a row)."""
        alice = file_client(self.stack, "alice")
        blobs = [bytes([i]) for i in range(8)]
        opened = [begin(alice, "bob", b, f"piece{i}.bin") for i, b in enumerate(blobs)]
        self.assertTrue(all(r["ok"] for r in opened), opened)
        for i in range(8, 40):
            r = begin(alice, "bob", bytes([i]), f"piece{i}.bin")
            self.assertFalse(r["ok"], r)
        self.assertIn("you have 8 unfinished uploads, the most allowed at once; finish one",
                      r["text"])
        self.assertIn("dropped a day after they began", r["text"])
        self.assertEqual(len(tmp_files(self.stack)), 8, "nothing made for the refused ones")
        # Asking again for one of the eight resumes it: not a new upload, not refused.
        again = begin(alice, "bob", blobs[0], "piece0.bin")
        self.assertTrue(again["ok"], again)
        self.assertEqual(again["upload"], opened[0]["upload"])
        # Finishing one makes room for one more, and only one.
        self.assertEqual(send(alice, again, blobs[0])["status"], "done")
        self.assertTrue(begin(alice, "bob", b"new", "new.bin")["ok"])
        self.assertFalse(begin(alice, "bob", b"newer", "newer.bin")["ok"])
        # Another user's count is their own.
        bob = file_client(self.stack, "bob")
        self.assertTrue(upload(bob, "alice", b"hello", "hello.txt")["status"] == "done")


class Spoofing(imtest.StackTest):
    def test_chunk_topics_are_only_for_their_owner(self):
        alice = file_client(self.stack, "alice")
        bob = file_client(self.stack, "bob")
        # bob's wide subscriptions are granted but must carry nothing of alice's transfer.
        self.assertLess(bob.subscribe("#"), 0x80)
        self.assertLess(bob.subscribe("im/down/+/#"), 0x80)
        self.assertGreaterEqual(bob.subscribe("im/down/alice/#"), 0x80)
        self.assertGreaterEqual(bob.subscribe("im/up/#"), 0x80)
        self.assertGreaterEqual(alice.subscribe("im/up/alice/#"), 0x80)
        data = os.urandom(2 * CHUNK)
        r = begin(alice, "carol", data, "secret.bin")
        up = r["upload"]
        # bob cannot write into alice's upload (PUBACK 0x87), and it stays at 0.
        info = bob.publish(f"im/up/alice/{up}/0", b"evil" * 100)
        self.assertEqual(reply(alice, f"upload carol {len(data)} {sha(data)} "
                                      f"application/octet-stream secret.bin")["offset"], 0)
        # Nor publish a download chunk to alice, nor retain an upload chunk.
        bob.publish(f"im/down/alice/{'0' * 32}/0", b"fake")
        alice.subscribe(f"im/down/alice/{'0' * 32}/+")
        alice.expect_none(f"im/down/alice/{'0' * 32}/+", timeout=0.5)
        bob.publish(f"im/up/bob/{up}/0", b"x", retain=True)
        done = send(alice, r, data)
        self.assertEqual(done["status"], "done")
        r, got = fetch(alice, done["file"])
        self.assertEqual(got, data)
        theirs = [m for m in list(bob.received) if m.topic.startswith("im/up/")
                  or m.topic.startswith("im/down/") or m.payload in (data[:CHUNK], data[CHUNK:])]
        self.assertEqual(theirs, [])
        del info
