"""The daemon under faults: SIGKILL while offline messages arrive (all delivered exactly once
after the restart), a corrupt or foreign database refused with a clear error, bad options,
users.txt reload, the idle timeout and server.log."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402


class Kill(imtest.StackTest):
    # The one test of this scenario (test_faults.py had a weaker copy that allowed duplicates):
    # 500 offline messages, up to 50 unacknowledged at a time, the daemon killed after the
    # 200th and restarted after the 350th.
    def test_sigkill_while_offline_messages_arrive(self):
        bob = self.stack.chat_client("bob")
        bob.disconnect()
        alice = self.stack.client("alice")
        want = []
        for i in range(500):
            payload = f"k{i:03d}".encode()
            want.append(payload)
            alice.publish("im/user/bob", payload, wait=(i % 50 == 49))
            if i == 200:
                self.stack.stop_daemon(signal.SIGKILL)
            if i == 350:
                self.stack.start_daemon()
        time.sleep(0.5)
        bob = self.stack.client("bob")
        bob.subscribe("im/svc/bob")
        bob.subscribe("im/user/bob/+")
        imtest.wait_for(lambda: len({m.payload for m in bob.received
                                     if m.topic == "im/user/bob/alice"}) == len(want),
                        timeout=30, what="all 500 messages")
        bob.drain()
        bob.expect_none("im/user/bob/+", timeout=1.0)
        got = [m for m in bob.received if m.topic == "im/user/bob/alice"]
        self.assertEqual([m.payload for m in got], want)  # in order, exactly once
        self.assertTrue(all(m.props.get("id") for m in got), "a message without an id")
        self.assertEqual(len({m.props["id"] for m in got}), len(want))
        self.assertTrue(all(m.props.get("queued") == "1" for m in got))
        log = self.stack.server_log()
        self.assertIn("message alice -> bob 4 bytes", log)
        self.assertNotIn("k000", log)  # no message text without --log-text


class Database(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def refused(self):
        p = subprocess.run(self.stack.daemon_command(), capture_output=True, text=True, timeout=20,
                           errors="replace")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("imchat.db", p.stderr)
        self.assertNotIn("imchat-service: ready", p.stderr)
        return p.stderr

    def test_garbage_database_refused_and_kept(self):
        db = os.path.join(self.stack.data, "imchat.db")
        garbage = b"this is not a database\n" * 200
        with open(db, "wb") as f:
            f.write(garbage)
        err = self.refused()
        self.assertIn("refusing to start", err)
        with open(db, "rb") as f:
            self.assertEqual(f.read(), garbage)

    def test_foreign_sqlite_database_refused(self):
        db = os.path.join(self.stack.data, "imchat.db")
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE other(x)")
        con.commit()
        con.close()
        self.assertIn("not an imchat", self.refused())

    def test_bad_options_exit_2(self):
        for args in (["--port", "x"], ["--bogus"], []):
            cmd = [imtest.DAEMON] + args if not args else self.stack.daemon_command() + args
            if not args:
                cmd = [imtest.DAEMON, "--port", "1"]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn("usage:", p.stderr)

    def test_waits_for_the_broker(self):
        self.stack.stop_broker()
        self.stack.start_daemon(wait_ready=False)
        time.sleep(1.0)
        self.assertIsNone(self.stack.service.poll())
        self.stack.start_broker()
        imtest.wait_for(lambda: "imchat-service: ready" in self.stack.service_log(), timeout=10,
                        what="ready after the broker came up")
        self.assertIn("failed", self.stack.service_log())  # each failed attempt is logged


class Reload(imtest.StackTest):
    def test_new_user_known_after_users_file_change(self):
        alice = self.stack.chat_client("alice")
        alice.command("history frank")
        self.assertIn("unknown user", alice.expect_svc("reply")["text"])
        self.stack.write_users(imtest.DEFAULT_USERS + "frank franky\n")
        time.sleep(1.5)
        alice.drain()
        alice.command("history frank")
        self.assertTrue(alice.expect_svc("reply")["ok"])
        self.stack.service.send_signal(signal.SIGHUP)
        imtest.wait_for(lambda: "users reloaded (SIGHUP): 7 users" in self.stack.server_log(),
                        what="the reload on SIGHUP")
        self.assertIsNone(self.stack.service.poll())


class LogText(imtest.StackTest):
    STACK_ARGS = {"daemon_args": ["--log-text"]}

    def test_message_text_only_with_log_text(self):
        alice = self.stack.chat_client("alice")
        alice.publish("im/user/bob", b"words for the log")
        imtest.wait_for(lambda: "words for the log" in self.stack.server_log(),
                        what="the text in server.log")
        self.assertIn("message alice -> bob 17 bytes", self.stack.server_log())


class Idle(imtest.StackTest):
    STACK_ARGS = {"idle_timeout": 2}

    def test_idle_user_kicked_with_notice(self):
        erin = self.stack.service_client()  # an observer that is never idle-kicked
        erin.subscribe("im/presence/+")
        alice = self.stack.chat_client("alice")
        notice = alice.expect_svc("notice", timeout=6)
        self.assertIn("idle", notice["text"])
        imtest.wait_for(lambda: alice.is_disconnected, timeout=5, what="alice kicked")

        def offline():
            p = [m.json() for m in erin.received if m.topic == "im/presence/alice"]
            return p and not p[-1]["online"] and p[-1]
        self.assertEqual(imtest.wait_for(offline, what="alice offline")["reason"], "idle")
        log = self.stack.server_log()
        self.assertIn("idle timeout: alice", log)


class UpgradeFromChatTopics(imtest.StackTest):
    """A service session made by a version before the archive stream subscribed the chat and
    command topics, and the broker kept what arrived for it while it was down. The new daemon
    takes over that session (after a broker restart, so only the broker's saved session still
    has the message): what was queued there is still archived and replayed, and the old
    subscriptions are dropped (later messages come once, on im/archive)."""

    STACK_ARGS = {"daemon": False}

    def test_messages_queued_on_old_topics_are_not_lost(self):
        old = self.stack.service_client(client_id="imchat-service", clean=False,
                                        session_expiry=3600)
        for f in ("im/login/+", "im/logout/+", "im/sessions", "im/cmd/+", "im/all/+",
                  "im/user/+/+"):
            old.subscribe(f)
        old.disconnect()
        alice = self.stack.client("alice")
        alice.publish("im/user/bob", "sent while the service was being upgraded")
        alice.disconnect()
        # The broker is upgraded too: its plugin forgets the offline messages it held for
        # resending; the broker's saved session for the service still has the message.
        self.stack.stop_broker()
        self.stack.start_broker()
        alice = self.stack.client("alice")
        self.stack.start_daemon()
        bob = self.stack.chat_client("bob")
        self.assertEqual(bob.expect("im/user/bob/alice").payload,
                         b"sent while the service was being upgraded")
        alice.publish("im/user/bob", "after the upgrade")
        self.assertEqual(bob.expect("im/user/bob/alice").payload, b"after the upgrade")
        bob.command("history alice")
        texts = [m["text"] for m in bob.expect_svc("reply")["messages"]]
        self.assertEqual(texts, ["sent while the service was being upgraded", "after the upgrade"])
        log = self.stack.server_log()
        self.assertEqual(log.count("from the session of an older version"), 1, log[-3000:])


if __name__ == "__main__":
    import unittest
    unittest.main()
