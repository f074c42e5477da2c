"""Events the plugin publishes for the auth-service: im/login (login, inbox), im/logout with
its reason, the im/sessions snapshot, held offline messages and $CONTROL kicks."""

import json
import uuid

import imtest


class Events(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def setUp(self):
        super().setUp()
        self.svc = self.stack.service_client()
        self.svc.subscribe("im/login/+")
        self.svc.subscribe("im/logout/+")

    def control(self, request):
        self.svc.publish("$CONTROL/imchat/v1", json.dumps(request))

    def test_login_inbox_and_clean_logout(self):
        alice = self.stack.client("alice", protocol=4)
        login = self.svc.expect("im/login/alice").json()
        self.assertEqual((login["event"], login["user"], login["client_id"], login["clean"],
                          login["protocol"]), ("login", "alice", alice.client_id, True, 4))
        alice.subscribe("im/user/+/+")
        inbox = self.svc.expect("im/login/alice").json()
        self.assertEqual((inbox["event"], inbox["conn"]), ("inbox", login["conn"]))
        alice.subscribe("im/user/alice/+")  # once per connection
        alice.disconnect()
        logout = self.svc.expect("im/logout/alice").json()
        self.assertEqual((logout["reason"], logout["conn"]), ("quit", login["conn"]))
        inboxes = [m for m in self.svc.received if m.json().get("event") == "inbox"]
        self.assertEqual(len(inboxes), 1)

    def test_events_name_the_peer_address_and_port(self):
        alice = self.stack.client("alice")
        port = alice.mqtt.socket().getsockname()[1]
        login = self.svc.expect("im/login/alice").json()
        self.assertEqual(login["peer"], f"127.0.0.1:{port}")
        alice.disconnect()
        self.assertEqual(self.svc.expect("im/logout/alice").json()["peer"], f"127.0.0.1:{port}")
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("alice", password="wrong")
        refused = self.svc.expect("im/login/alice").json()
        self.assertEqual(refused["event"], "refused")
        self.assertRegex(refused["peer"], r"^127\.0\.0\.1:[0-9]+$")
        self.assertNotEqual(refused["peer"], f"127.0.0.1:{port}")

    def test_lost_connection(self):
        bob = self.stack.client("bob")
        conn = self.svc.expect("im/login/bob").json()["conn"]
        bob.kill()
        logout = self.svc.expect("im/logout/bob").json()
        self.assertEqual((logout["reason"], logout["conn"]), ("lost", conn))

    def test_keepalive_expiry_is_lost(self):
        carol = self.stack.client("carol", keepalive=1)
        self.svc.expect("im/login/carol")
        carol.mqtt.loop_stop()  # the socket stays open but no PINGREQ is sent
        logout = self.svc.expect("im/logout/carol", timeout=6).json()
        self.assertEqual(logout["reason"], "lost")

    def test_takeover_gives_one_logout_and_one_login(self):
        cid = "carol-" + uuid.uuid4().hex[:6]
        self.stack.client("carol", client_id=cid)
        first = self.svc.expect("im/login/carol").json()["conn"]
        self.stack.client("carol", client_id=cid)
        second = self.svc.expect("im/login/carol").json()["conn"]
        logout = self.svc.expect("im/logout/carol").json()
        self.assertNotEqual(first, second)
        self.assertEqual(logout["conn"], first)
        self.svc.expect_none(timeout=0.5)

    def test_resumed_session_reports_its_inbox(self):
        cid = "erin-" + uuid.uuid4().hex[:6]
        erin = self.stack.client("erin", client_id=cid, clean=False, protocol=4)
        erin.subscribe("im/user/erin/+")
        self.assertEqual(self.svc.expect("im/login/erin").json()["event"], "login")
        self.assertEqual(self.svc.expect("im/login/erin").json()["event"], "inbox")
        erin.disconnect()
        self.svc.expect("im/logout/erin")
        erin = self.stack.client("erin", client_id=cid, clean=False, protocol=4)
        login = self.svc.expect("im/login/erin").json()
        self.assertEqual((login["event"], login["clean"]), ("login", False))
        inbox = self.svc.expect("im/login/erin").json()
        self.assertEqual((inbox["event"], inbox["conn"]), ("inbox", login["conn"]))
        # The session really has the subscription.
        self.stack.client("bob").publish("im/user/erin", "resumed")
        self.assertEqual(erin.expect("im/user/erin/+").text, "resumed")

    def test_kick_with_reason(self):
        dave = self.stack.client("dave")
        self.control({"op": "kick", "user": "dave", "reason": "idle"})
        imtest.wait_for(lambda: dave.is_disconnected, what="dave to be kicked")
        self.assertEqual(self.svc.expect("im/logout/dave").json()["reason"], "idle")

    def test_hello_snapshot_and_held_offline_messages(self):
        alice = self.stack.client("alice")
        alice.subscribe("im/user/alice/+")
        self.svc.subscribe("im/sessions")
        self.svc.subscribe("im/archive")
        alice.publish("im/user/bob", "while you were out")  # bob is offline
        [live] = imtest.archive_records(self.svc.expect("im/archive").payload)
        msg_id = live["id"]
        self.assertEqual((live["kind"], live["flags"], live["from"], live["to"], live["body"]),
                         ("d", "o", "alice", "bob", b"while you were out"))
        self.control({"op": "hello"})
        snap = self.svc.expect("im/sessions").json()
        self.assertEqual([(s["user"], s["client_id"], s["inbox"]) for s in snap["sessions"]],
                         [("alice", alice.client_id, True)])
        [again] = imtest.archive_records(self.svc.expect("im/archive").payload)
        self.assertEqual((again["body"], again["id"], again["flags"], again["ts"]),
                         (b"while you were out", msg_id, "or", live["ts"]))
        # Once stored, it is no longer resent.
        self.control({"op": "stored", "ids": [msg_id]})
        self.control({"op": "hello"})
        self.svc.expect("im/sessions")
        self.svc.expect_none(topic="im/archive", timeout=0.5)

    def test_archive_stream_carries_messages_and_commands_in_order(self):
        alice = self.stack.client("alice")
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        self.svc.subscribe("im/archive")
        alice.publish("im/user/bob", "one", user_properties={"ref": "r1"})
        alice.publish("im/all", "to the room")
        alice.publish("im/cmd/alice", "history bob")
        records = []
        while len(records) < 3:
            records.extend(imtest.archive_records(self.svc.expect("im/archive").payload))
        self.assertEqual([(r["kind"], r["from"], r["to"], r["body"], r["ref"]) for r in records],
                         [("d", "alice", "bob", b"one", "r1"), ("b", "alice", "", b"to the room", ""),
                          ("c", "alice", "", b"history bob", "")])
        self.assertEqual(records[0]["flags"], "")  # bob held his inbox: live, not offline
        self.assertEqual(bob.expect("im/user/bob/alice").props["id"], records[0]["id"])

    def test_control_from_users_ignored(self):
        rc, out = self.stack.mosquitto_pub("alice", "$CONTROL/imchat/v1",
                                           '{"op":"kick","user":"bob"}')
        self.assertIn("RC:135", out)


if __name__ == "__main__":
    import unittest
    unittest.main()
