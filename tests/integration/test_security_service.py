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

    def test_user_session_not_taken_after_broker_restart(self):
        # The plugin keeps the owner of every persistent session in the broker's data
        # directory; alice can neither resume nor discard bob's session after a restart.
        cid = "bob-phone-" + uuid.uuid4().hex[:6]
        bob = self.stack.client("bob", client_id=cid, clean=False, protocol=4)
        bob.subscribe("im/all/+", qos=1)
        bob.disconnect()
        self.stack.stop_broker()
        self.stack.start_broker()
        self.assert_refused_to_alice(cid)
        # bob's session was restored: what was queued for it while he was away arrives.
        secret = "for-bob-" + uuid.uuid4().hex[:8]
        self.stack.client("carol").publish("im/all", secret)
        bob = self.stack.client("bob", client_id=cid, clean=False, protocol=4)
        bob.expect("im/all/carol", predicate=lambda m: m.payload == secret.encode(), timeout=10)
        bob.disconnect()

    def test_user_session_not_taken_after_broker_crash(self):
        cid = "bob-laptop-" + uuid.uuid4().hex[:6]
        bob = self.stack.client("bob", client_id=cid, clean=False, protocol=5,
                                session_expiry=3600)
        bob.disconnect()
        # The owner reaches the disk within about a second of the change, before the kill.
        owners = os.path.join(self.stack.data, "imchat-sessions.json")
        imtest.wait_for(lambda: os.path.exists(owners) and cid in open(owners).read(),
                        what="the session owners file naming " + cid)
        self.stack.stop_broker(signal.SIGKILL)
        self.stack.start_broker()
        self.assert_refused_to_alice(cid)
        # bob himself may still use (or clean) his client id.
        self.stack.client("bob", client_id=cid, clean=True, protocol=5).disconnect()

    def test_clean_session_frees_the_client_id(self):
        cid = "shared-" + uuid.uuid4().hex[:6]
        self.stack.client("bob", client_id=cid, clean=False, protocol=4).disconnect()
        self.stack.client("bob", client_id=cid, clean=True, protocol=4).disconnect()
        self.stack.stop_broker()
        self.stack.start_broker()
        self.stack.client("alice", client_id=cid, clean=False, protocol=4).disconnect()
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("bob", client_id=cid, clean=False, protocol=4)

    def test_too_many_persistent_sessions_refused_not_forgotten(self):
        # Past 32 persistent client ids per user a new one is refused; forgetting the owner
        # of an older one instead would let anyone resume it (the broker still keeps it).
        ids = [f"bob-p{i}-{uuid.uuid4().hex[:4]}" for i in range(32)]
        for cid in ids:
            self.stack.client("bob", client_id=cid, clean=False, protocol=4).disconnect()
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("bob", client_id="bob-one-too-many", clean=False, protocol=4)
        self.assertIn("persistent sessions", self.stack.broker_log())
        # Every old id is still bob's: alice cannot take the oldest over.
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("alice", client_id=ids[0], clean=False, protocol=4)
        # bob can still use his own ids, and a clean session on one makes room.
        self.stack.client("bob", client_id=ids[1], clean=False, protocol=4).disconnect()
        self.stack.client("bob", client_id=ids[2], clean=True, protocol=4).disconnect()
        self.stack.client("bob", client_id="bob-one-too-many", clean=False, protocol=4).disconnect()
        # Clean sessions (the random ids of tools) are never limited.
        self.stack.client("bob", clean=True, protocol=4).disconnect()

    def test_invalid_session_owners_file_stops_the_broker(self):
        self.stack.stop_daemon()
        self.stack.stop_broker()
        owners = os.path.join(self.stack.data, "imchat-sessions.json")
        with open(owners, "w") as f:
            f.write('{"version": 1, "sessions": [{"client_id": "x", "us')
        with self.assertRaises(AssertionError):
            self.stack.start_broker()
        self.assertIn("invalid session owners file", self.stack.broker_log())
        os.unlink(owners)
        self.stack.start_broker()
        self.stack.start_daemon()

    def assert_refused_to_alice(self, cid):
        for protocol in (4, 5):
            for clean in (False, True):
                with self.assertRaises(imtest.ConnectRefused,
                                       msg=f"MQTT {protocol}, clean={clean}"):
                    self.stack.client("alice", client_id=cid, clean=clean, protocol=protocol,
                                      session_expiry=3600 if protocol == 5 else None)

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
