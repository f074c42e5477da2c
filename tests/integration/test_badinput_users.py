"""Bad users.txt files: the plugin (and the daemon, when built) must either load what is
valid or refuse to start with an error naming the file, never crash, and never let anyone
in with a password that is not theirs. On reload, an invalid file keeps the previous table.
"""

import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

GOOD = "alice wonderland\nbob builder\n"
ERIN = ("erin:$7$101$eKzP0V51fcxK0qb5$L360s4i2Zumvqu1HsAST/Hh7HqFxvYJ7AkCLQ9yp0kONkVZcrMMnh0Ws5S"
        "PpR7gt7H7OYhQo4TmxO8DgXF7O6A==")


class UsersFileTest(imtest.StackTest):
    """setUp does not start anything: each test starts a stack on its own users file."""

    def setUp(self):
        imtest.require_built(imtest.PLUGIN, "imchat_auth")
        self.stack = None

    def tearDown(self):
        if self.stack is not None:
            super().tearDown()

    def start(self, users):
        """Starts the broker on `users` (str or bytes). Returns True when it is up, False
        when it refused to start cleanly (exit status, not a signal, and an error that names
        the users file)."""
        self.stack = imtest.Stack(users="", daemon=False)
        with open(self.stack.users_path, "wb") as f:
            f.write(users.encode() if isinstance(users, str) else users)
        try:
            self.stack.start_broker()
            return True
        except AssertionError:
            code = self.stack.broker.wait(5)
            self.assertGreater(code, 0, f"mosquitto died from signal {-code}")
            self.assertIn("users", self.stack.broker_log().lower(),
                          "the start-up error does not name the users file")
            self.assertNotIn("AddressSanitizer", self.stack.broker_log())
            return False

    def can_login(self, user, password):
        try:
            self.stack.client(user, password).disconnect()
            return True
        except imtest.ConnectRefused:
            return False

    def assert_alive(self):
        self.assertIsNone(self.stack.broker.poll(), "mosquitto exited")
        self.assertNotIn("AddressSanitizer", self.stack.broker_log())
        self.assertNotIn("runtime error", self.stack.broker_log())

    def check_daemon(self):
        """The daemon reads the same file: it must start, or exit with a clear error."""
        imtest.require_built(imtest.DAEMON, "imchat-service")
        self.assertIsNone(self.stack.broker.poll(), "mosquitto exited before the daemon check")
        proc = subprocess.Popen(self.stack.daemon_command(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
        try:
            out, _ = proc.communicate(timeout=2)
            self.assertGreater(proc.returncode, 0, f"daemon died from a signal: {out[-2000:]}")
            self.assertIn("users", out.lower(), out[-2000:])
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)  # still running after 2 s: it accepted the file
            out, _ = proc.communicate(timeout=10)
        self.assertNotIn("AddressSanitizer", out)
        self.assertNotIn("runtime error", out)

    # --- files that must load
    def test_blank_lines_comments_crlf(self):
        text = ("# users\r\n\r\nalice wonderland\r\n   \r\n# bob builder is a comment\r\n"
                "\tbob builder\r\n" + ERIN + "\r\n")
        self.assertTrue(self.start(text), self.stack.broker_log()[-2000:])
        self.assertTrue(self.can_login("alice", "wonderland"))
        self.assertFalse(self.can_login("alice", "wonderland\r"))
        self.assertTrue(self.can_login("erin", "erin-secret"))
        self.assertFalse(self.can_login("#", "bob"))
        self.assert_alive()
        self.check_daemon()

    # --- files where any answer but a crash or a wrong login is acceptable
    def _either(self, content, must_work=(), must_fail=()):
        up = self.start(content)
        if up:
            for user, pw in must_work:
                self.assertTrue(self.can_login(user, pw), f"{user} cannot log in")
            for user, pw in must_fail:
                self.assertFalse(self.can_login(user, pw), f"{user}/{pw!r} got in")
            self.assert_alive()
            self.check_daemon()
        return up

    def test_byte_order_mark(self):
        self._either(b"\xef\xbb\xbfalice wonderland\nbob builder\n", must_work=[("bob", "builder")],
                     must_fail=[("\ufeffalice", "wonderland")])

    def test_missing_password(self):
        self._either(GOOD + "carol\ncarol \n", must_fail=[("carol", ""), ("carol", " "),
                                                          ("carol", "carol")])

    def test_duplicate_user(self):
        up = self._either(GOOD + "alice other\n")
        if up:
            self.assertFalse(self.can_login("alice", "wonderland") and
                             self.can_login("alice", "other"),
                             "both passwords of a duplicated user work")

    def test_ten_megabyte_line(self):
        self._either(GOOD + "carol " + "x" * (10 * 1024 * 1024) + "\n" + "z" * 1000 + "\n",
                     must_fail=[("carol", "x" * 64)])

    def test_truncated_hashes(self):
        cuts = (5, 8, 12, 20, 30, 60, len(ERIN) - 1)
        lines = "".join(ERIN[:n].replace("erin", f"erin{i}", 1) + "\n" for i, n in enumerate(cuts))
        self._either(GOOD + lines, must_fail=[(f"erin{i}", "erin-secret") for i in range(len(cuts))])

    def test_names_with_bad_bytes(self):
        self._either(GOOD + "ca/rol x\nda+ve x\n#x x\nev\x01e x\n" + "f" * 40 + " x\n",
                     must_fail=[("ca/rol", "x"), ("da+ve", "x"), ("f" * 40, "x")])

    def test_binary_garbage(self):
        self._either(bytes(range(256)) * 64 + b"\nalice wonderland\n")

    # --- unreadable files
    def test_missing_file_refuses_to_start(self):
        self.stack = imtest.Stack(users="", daemon=False)
        os.unlink(self.stack.users_path)
        with self.assertRaises(AssertionError):
            self.stack.start_broker()
        code = self.stack.broker.wait(5)
        self.assertGreater(code, 0)
        self.assertIn(os.path.basename(self.stack.users_path), self.stack.broker_log())

    def test_directory_instead_of_file(self):
        self.stack = imtest.Stack(users="", daemon=False)
        os.unlink(self.stack.users_path)
        os.mkdir(self.stack.users_path)
        with self.assertRaises(AssertionError):
            self.stack.start_broker()
        self.assertGreater(self.stack.broker.wait(5), 0)

    # --- reload
    def test_invalid_file_on_reload_keeps_previous_table(self):
        self.assertTrue(self.start(GOOD + ERIN + "\n"))
        alice = self.stack.client("alice")
        refusals = lambda: self.stack.broker_log().count("users file not reloaded")  # noqa: E731
        for n, bad in enumerate((GOOD + ERIN[:40] + "\n",      # half-written hash
                    "alice wonderland\nbob",      # cut inside a line: bob has no password
                    # (An empty file: see test_empty_file_on_reload_keeps_previous_table.)
                    "\x00" * 4096), 1):
            with open(self.stack.users_path, "w") as f:  # written in place, not atomically
                f.write(bad)
            self.stack.reload_broker()
            # Checking the logins after a fixed sleep passed whether or not the plugin had
            # looked at the file yet: wait until it has refused it.
            imtest.wait_for(lambda: refusals() >= n, what=f"the refused reload of {bad[:20]!r}")
            self.assert_alive()
            self.assertTrue(self.can_login("erin", "erin-secret"), repr(bad[:50]))
            self.assertTrue(self.can_login("bob", "builder"), repr(bad[:50]))
            self.assertFalse(self.can_login("bob", ""))
        self.assertFalse(alice.is_disconnected, "an invalid reload kicked a valid user")
        # A valid file afterwards is taken.
        self.stack.write_users("alice wonderland\ncarol singer\n")
        self.stack.reload_broker()
        imtest.wait_for(lambda: self.can_login("carol", "singer"), what="the valid reload")
        self.assertFalse(self.can_login("bob", "builder"))

    def test_empty_file_on_reload_keeps_previous_table(self):
        # Valid syntax, but a file that lists nobody is almost always an editor caught
        # between truncating and writing: refused, and nobody is kicked.
        self.assertTrue(self.start(GOOD))
        alice = self.stack.client("alice")
        refusals = lambda: self.stack.broker_log().count("lists no users")  # noqa: E731
        for n, empty in enumerate(("", "\n", "# all users removed\n\n", "\ufeff\r\n"), 1):
            with open(self.stack.users_path, "w") as f:
                f.write(empty)
            self.stack.reload_broker()
            imtest.wait_for(lambda: refusals() >= n, what="the refused reload")
            self.assert_alive()
            self.assertTrue(self.can_login("bob", "builder"), repr(empty))
        self.assertFalse(alice.is_disconnected, "an empty users file kicked a user")
        # Removing users one by one still works: a file with one user is taken.
        self.stack.write_users("alice wonderland\n")
        self.stack.reload_broker()
        imtest.wait_for(lambda: not self.can_login("bob", "builder"), what="the valid reload")
        self.assertFalse(alice.is_disconnected)


if __name__ == "__main__":
    import unittest
    unittest.main()
