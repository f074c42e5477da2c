"""Rooms in the broker plugin, with a fake service and no daemon (topics.md "Rooms"): the
membership the service pushes on $CONTROL decides who publishes to and reads
im/room/<room>/... and im/roominfo/<room>; until the first snapshot nobody does (fail
closed, also after a broker restart); a member's publish is rewritten, stamped and archived;
a `for` replay reaches one member; a removed member gets nothing more, not even what a
persistent session had queued."""

import json
import time
import uuid

import imtest

REFUSED = 0x80  # SUBACK codes >= 0x80 are refusals (0x80 in 3.1.1, 0x87 in MQTT 5)
NOT_READY = ("rooms are not available yet (the service has not sent their members); "
             "try again shortly")


class RoomsPlugin(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def setUp(self):
        super().setUp()
        self.svc = self.stack.service_client()
        self.svc.subscribe("im/archive")

    # --- the fake service
    def control(self, request):
        self.svc.publish("$CONTROL/imchat/v1", json.dumps(request))

    def snapshot(self, rooms):
        """A full snapshot, as the service sends after each hello: {room: [members]}."""
        self.control({"op": "rooms_begin"})
        for room, members in rooms.items():
            self.control({"op": "room_set", "room": room, "members": members})
        self.control({"op": "rooms_end"})

    def archived(self, predicate, timeout=imtest.TIMEOUT):
        """The first archive record matching predicate."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, "no matching archive record")
            m = self.svc.expect("im/archive", timeout=left)
            for r in imtest.archive_records(m.payload):
                if predicate(r):
                    return r

    def member(self, user, protocol=5, topic="im/room/dev/+", **kwargs):
        c = self.stack.client(user, protocol=protocol, **kwargs)
        c.subscribe(f"im/svc/{user}")
        self.assertLess(c.subscribe(topic), REFUSED, f"{user}: {topic}")
        return c

    def pub(self, user, topic, text, version="mqttv5", ref=None):
        extra = ["-D", "publish", "user-property", "ref", ref] if ref and version == "mqttv5" else []
        return self.stack.mosquitto_pub(user, topic, text, version=version, extra=extra)

    def assert_refused(self, user, topic, text, reason, room="dev", ref="q1"):
        """`user`'s MQTT 5 publish is refused with 0x87 and a status naming the reason."""
        rc, out = self.pub(user, topic, text, ref=ref)
        self.assertIn("RC:135", out)
        status = self.client_svc[user].expect_svc(
            "status", predicate=lambda j: j.get("status") == "refused" and j.get("ref") == ref)
        self.assertEqual((status["room"], status["reason"]), (room, reason))
        self.assertIn(reason, status["text"])

    # --- tests
    def test_fail_closed_until_the_first_snapshot(self):
        alice = self.stack.client("alice")
        alice.subscribe("im/svc/alice")
        self.client_svc = {"alice": alice}
        self.assertGreaterEqual(alice.subscribe("im/room/dev/+"), REFUSED)
        self.assertGreaterEqual(alice.subscribe("im/roominfo/dev"), REFUSED)
        self.assertLess(alice.subscribe("im/room/+/+"), REFUSED)  # filtered per delivery
        self.assertLess(alice.subscribe("im/roominfo/+"), REFUSED)
        self.assert_refused("alice", "im/room/dev", "too early", NOT_READY)
        # A snapshot begun but not ended does not open anything.
        self.control({"op": "rooms_begin"})
        self.control({"op": "room_set", "room": "dev", "members": ["alice", "bob"]})
        self.assert_refused("alice", "im/room/dev", "still early", NOT_READY, ref="q2")
        self.svc.publish("im/room/dev/bob", "from the service", user_properties={"id": "s-1"})
        self.svc.publish("im/roominfo/dev", json.dumps({"room": "dev"}), retain=True)
        alice.expect_none("im/room/#", timeout=0.5)
        alice.expect_none("im/roominfo/#", timeout=0.2)
        self.control({"op": "rooms_end"})
        # Positive control: the same member, the same topics, now readable.
        self.assertLess(alice.subscribe("im/room/dev/+"), REFUSED)
        self.assertTrue(alice.subscribe("im/roominfo/dev") < REFUSED)
        self.assertEqual(alice.expect("im/roominfo/dev").json(), {"room": "dev"})
        rc, out = self.pub("alice", "im/room/dev", "now open")
        self.assertEqual(rc, 0, out)
        self.assertEqual(alice.expect("im/room/dev/alice").text, "now open")

    def test_member_publish_is_rewritten_stamped_and_archived(self):
        self.snapshot({"dev": ["alice", "bob"], "ops": ["carol"]})
        for protocol in (4, 5):
            with self.subTest(protocol=protocol):
                bob = self.member("bob", protocol=protocol)
                alice = self.stack.client("alice", protocol=protocol)
                forged = {"ref": f"r{protocol}", "id": "forged", "ts": "1", "for": "carol",
                          "queued": "1", "offline": "1", "resend": "1", "tag": "kept"}
                before = int(time.time() * 1000)
                alice.publish("im/room/dev", f"hello {protocol}", user_properties=forged)
                m = bob.expect("im/room/dev/+")
                self.assertEqual((m.topic, m.text), ("im/room/dev/alice", f"hello {protocol}"))
                if protocol == 5:
                    self.assertNotEqual(m.props["id"], "forged")
                    self.assertGreaterEqual(int(m.props["ts"]), before)
                    self.assertEqual((m.props["ref"], m.props["tag"]), ("r5", "kept"))
                    for key in ("for", "queued", "offline", "resend"):
                        self.assertNotIn(key, m.props)
                r = self.archived(lambda r: r["body"] == f"hello {protocol}".encode())
                self.assertEqual((r["kind"], r["from"], r["to"], r["flags"]),
                                 ("r", "alice", "dev", ""))
                self.assertGreaterEqual(r["ts"], before)
                if protocol == 5:
                    self.assertEqual((r["id"], r["ref"]), (m.props["id"], "r5"))
                # Publishing to one's own sender topic is stamped and archived the same way.
                alice.publish("im/room/dev/alice", f"direct {protocol}",
                              user_properties={"id": "forged", "for": "carol"})
                m = bob.expect("im/room/dev/+")
                self.assertEqual((m.topic, m.text), ("im/room/dev/alice", f"direct {protocol}"))
                if protocol == 5:
                    self.assertNotEqual(m.props["id"], "forged")
                    self.assertNotIn("for", m.props)
                r = self.archived(lambda r: r["body"] == f"direct {protocol}".encode())
                self.assertEqual((r["kind"], r["to"]), ("r", "dev"))
                alice.disconnect()
                bob.disconnect()

    def test_non_member_and_unknown_room_refused_with_status(self):
        self.snapshot({"dev": ["alice", "bob"]})
        bob = self.member("bob")
        dave = self.stack.client("dave")
        dave.subscribe("im/svc/dave")
        self.client_svc = {"dave": dave, "alice": self.stack.client("alice")}
        self.client_svc["alice"].subscribe("im/svc/alice")
        self.assert_refused("dave", "im/room/dev", "let me in", "you are not a member of #dev")
        self.assert_refused("alice", "im/room/nope", "anyone?", "no such room #nope", room="nope")
        # MQTT 3.1.1 has no PUBACK reason code: the status says it, nothing is delivered.
        rc, out = self.pub("dave", "im/room/dev", "v4 attempt", version="mqttv311")
        self.assertEqual(dave.expect_svc("status")["reason"], "you are not a member of #dev")
        self.pub("alice", "im/room/dev", "control message")
        self.assertEqual(bob.expect("im/room/dev/+").text, "control message")
        r = self.archived(lambda r: r["kind"] == "r")
        self.assertEqual(r["body"], b"control message")  # the refused ones were never archived
        self.assertNotIn(b"let me in", [m.payload for m in bob.received])
        self.assertNotIn(b"v4 attempt", [m.payload for m in bob.received])
        self.assertIn("imchat: refused room message from dave to #dev", self.stack.broker_log())

    def test_non_member_cannot_subscribe_or_read(self):
        self.snapshot({"dev": ["alice", "bob"], "ops": ["dave"]})
        self.svc.publish("im/roominfo/dev", json.dumps({"room": "dev", "members": ["alice"]}),
                         retain=True)
        bob = self.member("bob")
        spies = []
        for protocol in (4, 5):
            dave = self.stack.client("dave", protocol=protocol)
            for f in ("im/room/dev/+", "im/room/dev/alice", "im/room/dev/#", "im/roominfo/dev",
                      "$share/g/im/room/dev/+", "$share/g/im/room/+/+", "$share/g/im/roominfo/+",
                      "im/room/ops/+/x"):
                self.assertGreaterEqual(dave.subscribe(f), REFUSED, f"{protocol} {f}")
            for f in ("im/room/+/+", "im/room/#", "im/roominfo/+", "#", "im/#", "+/+/+/+"):
                self.assertLess(dave.subscribe(f), REFUSED, f"{protocol} {f}")
            spies.append(dave)
        self.pub("alice", "im/room/dev", "members only")
        self.svc.publish("im/room/dev/bob", "service copy")
        self.svc.publish("im/roominfo/dev", json.dumps({"room": "dev", "event": {}}), retain=True)
        self.assertEqual(bob.expect("im/room/dev/+").text, "members only")
        self.assertEqual(bob.expect("im/room/dev/+").text, "service copy")
        for dave in spies:
            dave.expect_none("im/room/#", timeout=0.5)
            dave.expect_none("im/roominfo/#", timeout=0.1)
        # dave's own room still reaches him through the same wide filters.
        self.pub("dave", "im/room/ops", "ops only")
        for dave in spies:
            m = dave.expect("im/room/#")
            self.assertEqual((m.topic, m.text), ("im/room/ops/dave", "ops only"))

    def test_forged_sender_refused(self):
        self.snapshot({"dev": ["alice", "bob", "carol"]})
        bob = self.member("bob")
        carol = self.member("carol")
        rc, out = self.pub("alice", "im/room/dev/bob", "I am bob")
        self.assertIn("RC:135", out)
        rc, out = self.pub("dave", "im/room/dev/dave", "not a member")
        self.assertIn("RC:135", out)
        self.pub("alice", "im/room/dev", "real alice")
        for c in (bob, carol):
            m = c.expect("im/room/dev/+")
            self.assertEqual((m.topic, m.text), ("im/room/dev/alice", "real alice"))
            self.assertNotIn(b"I am bob", [m.payload for m in c.received])

    def test_bad_room_names(self):
        self.snapshot({"dev": ["alice"]})
        long_name = "r" * 33
        # (The broker drops a connection whose control request fails; paho reconnects.)
        for room in ("a/b", "a+b", "#dev", "a\x01b", long_name, ""):
            self.control({"op": "room_add", "room": room, "members": ["alice"]})
        self.control({"op": "room_add", "room": "dev", "members": ["bob", "bad/name"]})
        self.control({"op": "room_remove", "room": "dev"})
        self.control({"op": "room_set", "room": "dev", "members": ["bob"]})
        log = self.stack.broker_log()
        for why in ("the name contains '/'", "the name contains '+'", "the name contains '#'",
                    "the name contains '\\x01'", "the name is longer than 32 characters",
                    "the name is empty"):
            self.assertIn(f'control request refused: room_add: "room": {why}', log)
        self.assertIn('control request refused: room_add: "members"[1]: ', log)
        self.assertIn('control request refused: room_remove: "members" must be an array', log)
        self.assertIn("control request refused: room_set without a rooms_begin before it", log)
        alice = self.stack.client("alice")
        bob = self.stack.client("bob")
        self.assertLess(bob.subscribe("im/room/+/+"), REFUSED)
        for f in (f"im/room/{long_name}/+", f"im/roominfo/{long_name}", "im/room/dev/x y"):
            self.assertGreaterEqual(alice.subscribe(f), REFUSED, f)
        for topic in (f"im/room/{long_name}", "im/room/dev/alice/x", "im/room/dev x"):
            rc, out = self.pub("alice", topic, "bad room")
            self.assertIn("RC:135", out, topic)
        # Control bytes: the broker itself drops the connection (MQTT forbids them in
        # topics), or the ACL refuses; either way nothing is granted or delivered.
        for f in ("im/room/a\x01b/+", "im/roominfo/a\x01b", "im/room/dev\x00/+"):
            spy = self.stack.client("alice")
            rc, mid = spy.mqtt.subscribe(f, 1)
            imtest.wait_for(lambda: mid in spy._subacks or spy.is_disconnected, what=repr(f))
            if mid in spy._subacks:
                self.assertGreaterEqual(spy._subacks[mid][0], REFUSED, repr(f))
            spy.mqtt.publish(f.replace("/+", ""), "control bytes", qos=1)
        bob.expect_none("im/room/#", timeout=0.5)
        # Nothing changed: alice is still the only member of dev, bob never was.
        self.assertGreaterEqual(bob.subscribe("im/room/dev/+"), REFUSED)
        self.assertLess(alice.subscribe("im/room/dev/+"), REFUSED)
        self.pub("alice", "im/room/dev", "still works")
        self.assertEqual(alice.expect("im/room/dev/+").text, "still works")
        bob.expect_none("im/room/#", timeout=0.3)

    def test_member_blocking_the_sender_gets_nothing_from_them(self):
        self.snapshot({"dev": ["alice", "bob", "carol"]})
        self.control({"op": "block", "user": "carol", "target": "alice"})
        bob = self.member("bob")
        carol = self.member("carol", topic="im/room/+/+")
        self.pub("alice", "im/room/dev", "from alice")
        self.pub("bob", "im/room/dev", "from bob")
        self.assertEqual(bob.expect("im/room/dev/+").text, "from alice")
        m = carol.expect("im/room/+/+")
        self.assertEqual((m.topic, m.text), ("im/room/dev/bob", "from bob"))
        self.assertNotIn(b"from alice", [m.payload for m in carol.received])
        # A shared subscription cannot be granted to a member in a block.
        self.assertGreaterEqual(carol.subscribe("$share/g/im/room/dev/+"), REFUSED)

    def test_for_replay_reaches_only_that_member(self):
        self.snapshot({"dev": ["alice", "bob", "carol"]})
        bob = self.member("bob")
        carol = self.member("carol", protocol=4)
        props = {"id": "old-1", "ts": "1000", "queued": "1", "for": "bob"}
        self.svc.publish("im/room/dev/alice", "missed by bob", user_properties=props)
        m = bob.expect("im/room/dev/+")
        self.assertEqual((m.topic, m.text), ("im/room/dev/alice", "missed by bob"))
        self.assertEqual((m.props["id"], m.props["queued"], m.props["for"]), ("old-1", "1", "bob"))
        # The very next message, without `for`, reaches every member (the note is gone).
        self.svc.publish("im/room/dev/alice", "for everyone")
        self.assertEqual(carol.expect("im/room/dev/+").text, "for everyone")
        self.assertEqual(bob.expect("im/room/dev/+").text, "for everyone")
        self.assertNotIn(b"missed by bob", [m.payload for m in carol.received])
        # Refused: for a member with no connection (kept for their login), or sent with QoS 2.
        pw = self.stack.service_password
        for qos, member, why in ((1, "dave", "no connected client"),
                                 (2, "bob", "a replay for one member must be sent with QoS 0 or 1")):
            rc, out = self.stack.mosquitto_pub(
                imtest.SERVICE_USER, "im/room/dev/alice", "x", qos=qos, password=pw,
                extra=["-D", "publish", "user-property", "for", member])
            # QoS 1: PUBACK 0x87; QoS 2: PUBREC 0x87, which mosquitto_pub reports so.
            self.assertIn("RC:135" if qos == 1 else "Publish 1 failed: Not authorized", out)
            self.assertIn(f"for '{member}' refused: {why}", self.stack.broker_log())
        bob.expect_none("im/room/#", timeout=0.3)
        carol.expect_none("im/room/#", timeout=0.1)

    def persistent(self, user, protocol):
        cid = f"{user}-{protocol}-{uuid.uuid4().hex[:6]}"
        kwargs = {"client_id": cid, "clean": False, "protocol": protocol}
        if protocol == 5:
            kwargs["session_expiry"] = 300
        c = self.stack.client(user, **kwargs)
        self.assertLess(c.subscribe("im/room/dev/+"), REFUSED)
        c.disconnect()
        return kwargs

    def test_removed_member_gets_nothing_more_not_even_queued(self):
        self.snapshot({"dev": ["alice", "bob", "carol", "dave", "erin"]})
        self.svc.publish("im/roominfo/dev", json.dumps({"room": "dev"}), retain=True)
        bob = self.member("bob")
        bob.subscribe("im/roominfo/+")
        self.assertEqual(bob.expect("im/roominfo/+").json(), {"room": "dev"})
        # carol (3.1.1) and erin (5) are removed while offline with messages queued;
        # dave stays a member and is the positive control.
        sessions = {"carol": self.persistent("carol", 4), "erin": self.persistent("erin", 5),
                    "dave": self.persistent("dave", 5)}
        for i in range(3):
            self.pub("alice", "im/room/dev", f"queued {i}")
        for i in range(3):
            self.assertEqual(bob.expect("im/room/dev/+").text, f"queued {i}")
        self.control({"op": "room_remove", "room": "dev", "members": ["bob", "carol", "erin"]})
        self.pub("alice", "im/room/dev", "after the removal")
        self.svc.publish("im/roominfo/dev", json.dumps({"room": "dev", "event": "kick"}),
                         retain=True)
        bob.expect_none("im/room/#", timeout=0.5)
        bob.expect_none("im/roominfo/#", timeout=0.1)
        self.assertGreaterEqual(bob.subscribe("im/roominfo/dev"), REFUSED)
        bob.subscribe("im/roominfo/+")  # retained copy: not delivered either
        bob.expect_none("im/roominfo/#", timeout=0.3)
        texts = {}
        for user, kwargs in sessions.items():
            c = self.stack.client(user, **kwargs)
            if user == "dave":
                for i in range(3):
                    self.assertEqual(c.expect("im/room/dev/+").text, f"queued {i}")
                self.assertEqual(c.expect("im/room/dev/+").text, "after the removal")
            else:
                c.expect_none("im/room/#", timeout=1.0)
            texts[user] = [m.text for m in c.received]
        self.assertEqual(texts["carol"], [])
        self.assertEqual(texts["erin"], [])
        # Removing the last members closes the room.
        self.control({"op": "room_remove", "room": "dev", "members": ["alice", "dave"]})
        self.client_svc = {"alice": self.stack.client("alice")}
        self.client_svc["alice"].subscribe("im/svc/alice")
        self.assert_refused("alice", "im/room/dev", "anyone?", "no such room #dev")

    def test_room_close(self):
        self.snapshot({"dev": ["alice", "bob"]})
        bob = self.member("bob", topic="im/room/+/+")
        alice = self.member("alice")
        self.client_svc = {"alice": alice}
        self.pub("alice", "im/room/dev", "before close")
        self.assertEqual(bob.expect("im/room/+/+").text, "before close")
        self.control({"op": "room_close", "room": "dev"})
        self.assert_refused("alice", "im/room/dev", "after close", "no such room #dev")
        self.svc.publish("im/room/dev/alice", "service after close")
        bob.expect_none("im/room/#", timeout=0.5)
        self.assertGreaterEqual(bob.subscribe("im/room/dev/+"), REFUSED)
        self.assertIn("imchat: room_close #dev: 0 members now", self.stack.broker_log())

    def test_broker_restart_refuses_rooms_until_a_new_snapshot(self):
        self.snapshot({"dev": ["alice", "bob"]})
        rc, out = self.pub("alice", "im/room/dev", "before restart")
        self.assertEqual(rc, 0, out)
        self.stack.stop_broker()
        self.stack.start_broker()
        self.svc = self.stack.service_client()
        bob = self.stack.client("bob")
        self.assertGreaterEqual(bob.subscribe("im/room/dev/+"), REFUSED)
        self.assertLess(bob.subscribe("im/room/+/+"), REFUSED)
        alice = self.stack.client("alice")
        alice.subscribe("im/svc/alice")
        self.client_svc = {"alice": alice}
        self.assert_refused("alice", "im/room/dev", "after restart", NOT_READY)
        self.svc.publish("im/room/dev/alice", "service before snapshot")
        bob.expect_none("im/room/#", timeout=0.5)
        self.snapshot({"dev": ["alice", "bob"]})
        self.pub("alice", "im/room/dev", "after snapshot")
        self.assertEqual(bob.expect("im/room/+/+").text, "after snapshot")
        self.assertIn("imchat: room members loaded: 1 rooms", self.stack.broker_log())


if __name__ == "__main__":
    import unittest
    unittest.main()
