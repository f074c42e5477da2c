"""The topic ACL and sender stamping of the imchat plugin: forged senders, other people's
inboxes, name prefixes, $SYS/$CONTROL, retained chat, broker-assigned id/ts, refused direct
messages and blocks sent by the service."""

import json
import os
import socket
import subprocess
import time
import uuid

import imtest

REFUSED = 0x80


def marker():
    return "m-" + uuid.uuid4().hex[:10]


class Stamping(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_forged_senders_not_delivered(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/all/+")
        carol = self.stack.client("carol")
        carol.subscribe("im/user/carol/+")
        alice = self.stack.client("alice")
        forged = marker()
        alice.publish("im/all/bob", forged)
        alice.publish("im/user/carol/bob", forged)
        alice.publish("im/all", "real")
        alice.publish("im/user/carol", "real")
        self.assertEqual(bob.expect("im/all/+").topic, "im/all/alice")
        # alice's real message, sent after the forged one, is the first carol gets.
        m = carol.expect("im/user/carol/+")
        self.assertEqual((m.topic, m.text), ("im/user/carol/alice", "real"))
        carol.expect_none(timeout=0.5)
        self.assertNotIn(forged.encode(), b"".join(m.payload for m in bob.received + carol.received))

    def test_stamping_mqtt5_and_311(self):
        bob5 = self.stack.client("bob", protocol=5)
        bob5.subscribe("im/user/bob/+")
        bob5.subscribe("im/all/+")
        for protocol in (5, 4):
            alice = self.stack.client("alice", protocol=protocol)
            alice.publish("im/user/bob", f"dm{protocol}",
                          user_properties={"id": "forged", "ts": "1", "queued": "1", "ref": "r7"})
            m = bob5.expect("im/user/bob/+", predicate=lambda m: m.payload == f"dm{protocol}".encode())
            self.assertEqual(m.topic, "im/user/bob/alice")
            self.assertNotEqual(m.props.get("id"), "forged")
            self.assertRegex(m.props.get("id", ""), r"^[0-9a-z]+-\d+$")
            self.assertLess(abs(int(m.props["ts"]) - time.time() * 1000), 60000)
            self.assertNotIn("queued", m.props)
            self.assertNotIn("offline", m.props)
            if protocol == 5:
                self.assertEqual(m.props.get("ref"), "r7")
            alice.publish("im/all", f"all{protocol}")
            m = bob5.expect("im/all/+", predicate=lambda m: m.payload == f"all{protocol}".encode())
            self.assertEqual(m.topic, "im/all/alice")
            self.assertIn("id", m.props)
            alice.disconnect()

    def test_stamping_with_mosquitto_pub_and_offline_flag(self):
        svc = self.stack.service_client()
        svc.subscribe("im/user/+/+")
        rc, out = self.stack.mosquitto_pub("alice", "im/user/carol", "hello carol")
        self.assertEqual(rc, 0, out)
        m = svc.expect("im/user/+/+")
        self.assertEqual((m.topic, m.text), ("im/user/carol/alice", "hello carol"))
        self.assertEqual(m.props.get("offline"), "1")  # carol has no connected client
        rc, out = self.stack.mosquitto_pub("alice", "im/all", "hi", version="mqttv311")
        self.assertEqual(rc, 0, out)

    def test_unknown_recipient_refused_with_0x87(self):
        alice = self.stack.client("alice")
        alice.subscribe("im/svc/alice")
        rc, out = self.stack.mosquitto_pub("alice", "im/user/nobody", "x",
                                           extra=["-D", "publish", "user-property", "ref", "q1"])
        self.assertIn("RC:135", out)
        status = alice.expect_svc("status")
        self.assertEqual((status["status"], status["reason"], status["to"], status.get("ref")),
                         ("refused", "unknown-user", "nobody", "q1"))

    def test_service_replay_needs_a_connected_recipient(self):
        svc = self.stack.service_client()
        props = {"id": "x-1", "ts": "1", "queued": "1"}
        rc, out = self.stack.mosquitto_pub(
            imtest.SERVICE_USER, "im/user/bob/alice", "queued", password=self.stack.service_password,
            extra=["-D", "publish", "user-property", "queued", "1"])
        self.assertIn("RC:135", out)
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        svc.publish("im/user/bob/alice", "replayed", user_properties=props)
        m = bob.expect("im/user/bob/alice")
        self.assertEqual((m.text, m.props.get("queued"), m.props.get("id")), ("replayed", "1", "x-1"))


class Reading(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_other_inboxes_refused_or_filtered(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        spy = self.stack.client("alice")
        for f in ("im/user/bob/+", "im/user/bob/carol", "$share/g/im/user/bob/+",
                  "$share/g/im/user/+/+", "im/login/#", "im/sessions", "$SYS/#", "$CONTROL/#"):
            self.assertGreaterEqual(spy.subscribe(f), REFUSED, f)
        for f in ("+/+/+/+", "#", "im/#"):
            self.assertLess(spy.subscribe(f), REFUSED, f)
        secret = marker()
        carol = self.stack.client("carol")
        carol.publish("im/user/bob", secret)
        bob.expect("im/user/bob/carol")
        # The granted wildcards do deliver what the spy may read: carol's next message, to
        # the spy herself, arrives (after the secret, had that been delivered).
        carol.publish("im/user/alice", "for the spy")
        self.assertEqual(spy.expect("im/user/alice/carol").text, "for the spy")
        spy.expect_none(topic="im/user/bob/#", timeout=0.7)
        self.assertNotIn(secret.encode(), b"".join(m.payload for m in spy.received))

    def test_alice2_cannot_read_alice(self):
        alice2 = self.stack.client("alice2")
        self.assertGreaterEqual(alice2.subscribe("im/user/alice/+"), REFUSED)
        self.assertLess(alice2.subscribe("im/user/+/+"), REFUSED)
        carol = self.stack.client("carol")
        carol.publish("im/user/alice", "for alice only")
        # Through the same wildcard alice2 does get her own, sent after alice's.
        carol.publish("im/user/alice2", "for alice2")
        m = alice2.expect()
        self.assertEqual((m.topic, m.text), ("im/user/alice2/carol", "for alice2"))
        alice2.expect_none(timeout=0.7)

    SYS_FILTERS = imtest.SYS_FILTERS

    def test_sys_filters_match_on_a_plain_broker(self):
        """Positive control for test_sys_and_control_refused: on a mosquitto without the plugin,
        each of SYS_FILTERS gets $SYS messages (they are retained) at once."""
        port = imtest.free_port()
        conf = os.path.join(self.stack.dir, "plain.conf")
        with open(conf, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\n"
                    + ("user root\n" if os.geteuid() == 0 else ""))
        log = open(os.path.join(self.stack.dir, "plain.log"), "wb")
        plain = subprocess.Popen(["mosquitto", "-c", conf], stdout=log, stderr=log)
        try:
            def up():
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    return True
                except OSError:
                    return False
            imtest.wait_for(up, what="the plain mosquitto to listen")
            for f in self.SYS_FILTERS:
                c = imtest.Client(port, None, None).connect()
                try:
                    self.assertLess(c.subscribe(f), REFUSED, f)
                    self.assertTrue(c.expect(f).topic.startswith("$SYS/"), f)
                finally:
                    c.disconnect()
        finally:
            plain.terminate()
            plain.wait(10)
            log.close()

    def test_sys_and_control_refused(self):
        alice = self.stack.client("alice")
        for f in self.SYS_FILTERS:
            self.assertGreaterEqual(alice.subscribe(f), REFUSED, f)
        # The service account does not read $ topics either.
        svc = self.stack.service_client()
        for f in self.SYS_FILTERS:
            self.assertGreaterEqual(svc.subscribe(f), REFUSED, f)
        # alice's connection still works: an ordinary subscription is granted and delivers,
        # so the window below in which no $SYS message arrives is a real one.
        self.assertLess(alice.subscribe("#"), REFUSED)
        self.stack.client("carol").publish("im/all", "ordinary")
        self.assertEqual(alice.expect("im/all/+").topic, "im/all/carol")
        alice.expect_none(topic="$SYS/#", timeout=1.0)
        self.assertEqual([m.topic for m in alice.received if m.topic.startswith("$")], [])
        rc, out = self.stack.mosquitto_pub("alice", "$CONTROL/imchat/v1", '{"op":"kick","user":"bob"}')
        self.assertIn("RC:135", out)
        self.assertIn("denied publish of '$CONTROL/imchat/v1' by 'alice'", self.stack.broker_log())

    def test_retained_chat_refused(self):
        for topic in ("im/all", "im/all/alice", "im/user/bob"):
            rc, out = self.stack.mosquitto_pub("alice", topic, "sticky", extra=["-r"])
            self.assertIn("RC:135", out, topic)
        late = self.stack.client("bob")
        late.subscribe("im/all/+")
        late.subscribe("im/user/bob/+")
        # A retained message would come right after the SUBACK, before this live one.
        self.stack.client("carol").publish("im/all", "live")
        m = late.expect()
        self.assertEqual((m.topic, m.text, m.retain), ("im/all/carol", "live", False))
        late.expect_none(timeout=0.5)


class Blocks(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def control(self, svc, request):
        svc.publish("$CONTROL/imchat/v1", json.dumps(request))

    def test_blocks_from_the_service(self):
        svc = self.stack.service_client()
        # bob blocks alice.
        self.control(svc, {"op": "blocks", "pairs": [["bob", "alice"]]})
        bob = self.stack.client("bob")
        bob.subscribe("im/all/+")
        bob.subscribe("im/user/bob/+")
        alice = self.stack.client("alice")
        alice.subscribe("im/svc/alice")
        rc, out = self.stack.mosquitto_pub("alice", "im/user/bob", "let me in")
        self.assertIn("RC:135", out)
        self.assertEqual(alice.expect_svc("status")["reason"], "blocked")
        alice.publish("im/all", "broadcast")
        self.stack.client("carol").publish("im/all", "from carol")
        self.assertEqual(bob.expect("im/all/+").topic, "im/all/carol")
        self.control(svc, {"op": "unblock", "user": "bob", "target": "alice"})
        alice.publish("im/user/bob", "now ok")
        self.assertEqual(bob.expect("im/user/bob/+").text, "now ok")
        self.control(svc, {"op": "block", "user": "bob", "target": "alice"})
        alice.publish("im/all", "again")
        self.stack.client("dave").publish("im/all", "from dave")
        self.assertEqual(bob.expect("im/all/+").topic, "im/all/dave")
        bob.expect_none(topic="im/all/alice", timeout=0.5)


if __name__ == "__main__":
    import unittest
    unittest.main()
