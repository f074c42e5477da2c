"""Attacks on the service's own session: while the daemon is down (restarting, crashed), its
persistent session waits in the broker holding copies of every private message, login
event and command. No user may take that client id over, with a clean or a resumed
session, or lock the service out of it."""

import os
import signal
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

SERVICE_CLIENT_ID = "imchat-service"  # the daemon's default --client-id


class ServiceSession(imtest.StackTest):
    def test_users_cannot_take_the_service_client_id(self):
        self.go_offline("bob")
        self.stack.stop_daemon(signal.SIGKILL)
        alice = self.stack.client("alice")
        secret = "for-bob-" + uuid.uuid4().hex[:8]
        alice.publish("im/user/bob", secret)  # queued in the service's session
        for protocol in (4, 5):
            for clean in (False, True):
                try:
                    thief = self.stack.client("alice", client_id=SERVICE_CLIENT_ID,
                                              protocol=protocol, clean=clean,
                                              session_expiry=3600 if protocol == 5 else None)
                except imtest.ConnectRefused:
                    continue
                thief.expect_none(timeout=1.0)
                got = [m for m in thief.received if secret.encode() in m.payload]
                thief.disconnect()
                self.fail(f"alice took the service's client id (MQTT {protocol}, clean={clean});"
                          f" received {got}")
        # The service comes back to its session and delivers what was waiting.
        self.stack.start_daemon()
        bob = self.stack.chat_client("bob")
        bob.expect("im/user/bob/alice", predicate=lambda m: m.payload == secret.encode(),
                   timeout=10)

    def test_service_client_id_reserved_after_broker_restart(self):
        # After a restart the broker restores the service's session from its persistence
        # file before the daemon is back; the plugin has not seen the service yet.
        self.go_offline("bob")
        self.stack.stop_daemon()
        self.stack.stop_broker()
        self.stack.start_broker()
        for protocol, clean in ((4, False), (5, True)):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client("alice", client_id=SERVICE_CLIENT_ID, protocol=protocol,
                                  clean=clean)
        self.stack.start_daemon()
        self.stack.chat_client("bob")

    @unittest.skipUnless(os.environ.get("IMCHAT_KNOWN_BUGS"), "known bug, reported: the plugin "
                         "forgets session owners at a broker restart")
    def test_user_session_not_taken_after_broker_restart(self):
        cid = "bob-phone-" + uuid.uuid4().hex[:6]
        bob = self.stack.client("bob", client_id=cid, clean=False, protocol=4)
        bob.subscribe("im/user/bob/+")
        bob.disconnect()
        self.stack.stop_broker()
        self.stack.start_broker()
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("alice", client_id=cid, clean=False, protocol=4)

    def test_bad_service_passwords_cannot_lock_the_service_out(self):
        for _ in range(5):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client(imtest.SERVICE_USER, "guess")
        self.stack.stop_daemon(signal.SIGKILL)
        self.stack.start_daemon()  # waits until it is connected and ready
        self.stack.chat_client("bob")

    def go_offline(self, user):
        c = self.stack.chat_client(user)
        c.disconnect()


if __name__ == "__main__":
    unittest.main()
