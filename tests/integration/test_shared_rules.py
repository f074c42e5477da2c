"""Rules the broker plugin and the daemon share through core, seen from outside:
the service password file is read the same way by both (core/secret_file.h), and
both keep their users table when users.txt is emptied at a reload
(core/users_reload.h)."""

import signal
import unittest

import imtest

# Everyone but bob: a real reload that drops bob (the positive control below).
USERS_WITHOUT_BOB = "".join(line + "\n" for line in imtest.DEFAULT_USERS.splitlines()
                            if not line.startswith("bob "))


class PasswordFile(unittest.TestCase):
    def test_trailing_spaces_tabs_and_crlf_read_alike_by_plugin_and_daemon(self):
        # The plugin used to strip one CR, the daemon CRs and spaces: with this file the
        # daemon's login was refused and no command was ever answered.
        for ending in ("   \r\n", " \t \r\n"):
            with self.subTest(ending=repr(ending)):
                stack = imtest.Stack()
                try:
                    with open(stack.pwfile, "w", newline="") as f:
                        f.write(stack.service_password + ending + "a second line is ignored\n")
                    stack.start()  # waits until the daemon has logged in and is ready
                    alice = stack.chat_client("alice")
                    alice.command("who")
                    self.assertTrue(alice.expect_svc("reply")["ok"])
                finally:
                    stack.stop()
                    stack.cleanup()


class UsersEmptiedAtReload(imtest.StackTest):
    def block_bob(self, alice):
        alice.drain()
        alice.command("block bob")
        return alice.expect_svc("reply")

    def test_sighup_with_an_empty_file_keeps_both_tables(self):
        alice = self.stack.chat_client("alice")
        self.stack.write_users("# emptied by mistake\n")
        self.stack.service.send_signal(signal.SIGHUP)
        self.stack.reload_broker()
        imtest.wait_for(lambda: "not reloaded (SIGHUP)" in self.stack.server_log(),
                        what="the daemon to refuse the empty users file")
        imtest.wait_for(lambda: "not reloaded (SIGHUP)" in self.stack.broker_log(),
                        what="the plugin to refuse the empty users file")
        self.assertIn("lists no users", self.stack.server_log())
        # The daemon still knows bob (it used to answer "unknown user 'bob'")...
        reply = self.block_bob(alice)
        self.assertTrue(reply["ok"], reply)
        # ...and the plugin still knows alice: she can log in again.
        self.stack.client("alice", client_id="alice-second").disconnect()

        # Positive control: a reload that really drops bob is applied by the daemon.
        self.stack.write_users(USERS_WITHOUT_BOB)
        self.stack.service.send_signal(signal.SIGHUP)
        imtest.wait_for(lambda: "users reloaded (SIGHUP): 5 users" in self.stack.server_log(),
                        what="the daemon to reload users.txt without bob")
        alice.command("unblock bob")
        reply = alice.expect_svc("reply")
        self.assertFalse(reply["ok"], reply)
        self.assertIn("unknown user 'bob'", reply["text"])

    def test_a_file_emptied_in_place_is_refused_once_still(self):
        alice = self.stack.chat_client("alice")
        with open(self.stack.users_path, "w") as f:
            f.write("")
        imtest.wait_for(lambda: "not reloaded (the file changed)" in self.stack.server_log(),
                        timeout=10, what="the daemon to notice and refuse the empty file")
        imtest.wait_for(lambda: "not reloaded (the file changed)" in self.stack.broker_log(),
                        timeout=10, what="the plugin to notice and refuse the empty file")
        reply = self.block_bob(alice)
        self.assertTrue(reply["ok"], reply)


if __name__ == "__main__":
    unittest.main()
