"""Authentication by the imchat plugin: users.txt passwords (plain and $7$), refusals that
all look alike, lockout, client-id ownership and users removed on reload."""

import os
import time
import unittest
import uuid

import imtest


class Login(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_plain_and_hashed_users_log_in(self):
        for user, protocol in (("alice", 5), ("bob", 4), ("erin", 5), ("erin", 4)):
            self.stack.client(user, protocol=protocol).disconnect()

    def test_refusals(self):
        cases = [("alice", "wrong"), ("zed", "whatever"), (None, None), ("alice", ""),
                 ("a/b", "x"), ("imchat-service", "wonderland"), ("erin", "erin-secreT")]
        for user, password in cases:
            for protocol in (5, 4):
                with self.subTest(user=user, protocol=protocol):
                    with self.assertRaises(imtest.ConnectRefused) as cm:
                        self.stack.client(user, password, protocol=protocol)
                    # MQTT 5: 0x87 not authorized; 3.1.1: return code 5.
                    self.assertEqual(cm.exception.rc, 0x87 if protocol == 5 else 5)
        log = self.stack.broker_log()
        self.assertIn("refused login of 'zed'", log)
        self.assertIn("unknown user", log)
        self.assertIn("no user name (anonymous)", log)

    def test_service_account_connects_several_times(self):
        a = self.stack.service_client(client_id="svc-" + uuid.uuid4().hex[:6])
        b = self.stack.service_client(client_id="svc-" + uuid.uuid4().hex[:6])
        self.assertFalse(a.is_disconnected or b.is_disconnected)

    def test_service_account_cannot_be_locked_out(self):
        for _ in range(5):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client(imtest.SERVICE_USER, "guess")
        self.stack.service_client().disconnect()


class Lockout(imtest.StackTest):
    STACK_ARGS = {"daemon": False, "lockout": 2}

    def test_three_bad_then_right_refused_until_it_expires(self):
        for _ in range(3):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client("alice", "bad")
        locked_at = time.monotonic()
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("alice")
        self.assertIn("the name is locked", self.stack.broker_log())
        # Other names are not affected.
        self.stack.client("bob").disconnect()
        imtest.wait_for(lambda: time.monotonic() - locked_at > 2.1, timeout=5)
        self.stack.client("alice").disconnect()

    def test_success_resets_the_count(self):
        for _ in range(2):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client("alice", "bad")
        self.stack.client("alice").disconnect()
        for _ in range(2):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client("alice", "bad")
        self.stack.client("alice").disconnect()


class ClientIds(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_client_id_of_another_user_refused(self):
        cid = "phone-" + uuid.uuid4().hex[:6]
        bob = self.stack.client("bob", client_id=cid)
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("alice", client_id=cid)
        self.assertIn("belongs to user 'bob'", self.stack.broker_log())
        self.assertFalse(bob.is_disconnected)
        # bob himself may take over his own client id.
        self.stack.client("bob", client_id=cid)
        imtest.wait_for(lambda: bob.is_disconnected, what="the old connection to drop")

    def test_persistent_session_of_another_user_refused(self):
        cid = "laptop-" + uuid.uuid4().hex[:6]
        self.stack.client("bob", client_id=cid, clean=False, protocol=4).disconnect()
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("alice", client_id=cid, protocol=4)
        self.stack.client("bob", client_id=cid, clean=False, protocol=4).disconnect()


class Reload(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_removed_users_are_disconnected(self):
        svc = self.stack.service_client()
        svc.subscribe("im/logout/+")
        carol = self.stack.client("carol")
        alice = self.stack.client("alice")
        self.stack.write_users(imtest.DEFAULT_USERS.replace("carol singer\n", ""))
        self.stack.reload_broker()
        imtest.wait_for(lambda: carol.is_disconnected, what="carol to be kicked")
        event = svc.expect("im/logout/carol").json()
        self.assertEqual(event["reason"], "kicked")
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("carol")
        self.assertFalse(alice.is_disconnected)

    def test_change_noticed_without_sighup(self):
        self.stack.write_users(imtest.DEFAULT_USERS + "frank frank-pw\n")
        imtest.wait_for(lambda: "users file reloaded" in self.stack.broker_log(), timeout=6,
                        what="the plugin to notice users.txt changed")
        self.stack.client("frank", "frank-pw").disconnect()


class StartUp(unittest.TestCase):
    """Bad plugin options stop the broker at start-up with a specific message."""

    def refuses(self, prepare, message):
        stack = imtest.Stack(daemon=False)
        try:
            prepare(stack)
            with self.assertRaises(AssertionError):
                stack.start_broker()
            self.assertGreater(stack.broker.wait(5), 0)
            self.assertIn(message, stack.broker_log())
        finally:
            stack.stop()
            stack.cleanup()

    def edit_conf(self, stack, old, new):
        with open(stack.conf) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(stack.conf, "w") as f:
            f.write(text.replace(old, new))

    def test_missing_service_password_file(self):
        self.refuses(lambda s: os.unlink(s.pwfile), "cannot read the service password file")

    def test_invalid_lockout_seconds(self):
        self.refuses(lambda s: self.edit_conf(s, "plugin_opt_lockout_seconds 60",
                                              "plugin_opt_lockout_seconds soon"),
                     "plugin_opt_lockout_seconds 'soon' is not a number")

    def test_missing_users_file_option(self):
        self.refuses(lambda s: self.edit_conf(s, "plugin_opt_users_file", "#plugin_opt_users_file"),
                     "plugin_opt_users_file is required")


if __name__ == "__main__":
    import unittest
    unittest.main()
