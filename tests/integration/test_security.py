"""Attack suite: what a hostile but authenticated (or unauthenticated) third-party MQTT
client tries, and what the broker plugin must refuse. Plugin-only stacks (no daemon), so a
message seen by an observer can only have come from the attacker.

Each attack is paired with a positive control (the same observer receives the legitimate
version), so a test fails if the observer could not have seen the forged message anyway.
The plugin's basic auth/ACL tests live in the plugin's own files; this suite covers
impersonation, eavesdropping, name-prefix confusion, retained/will tricks, session takeover,
control/$SYS topics and property spoofing.
"""

import json
import os
import socket
import struct
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

REFUSED = 0x80  # SUBACK codes >= 0x80 are refusals (0x80 in 3.1.1, 0x87 in MQTT 5)


def drop(client):
    """Drops the TCP connection without DISCONNECT (the will fires), without waiting for
    paho's network thread to notice (Client.kill waits up to a second for it)."""
    client.mqtt._thread_terminate = True  # paho 1.6: ends loop_forever instead of retrying
    try:
        client.mqtt.socket().shutdown(socket.SHUT_RDWR)
    except (OSError, AttributeError):
        pass
    client.mqtt.loop_stop()


def marker():
    return "forged-" + uuid.uuid4().hex[:12]


def payloads(client):
    return [m.payload for m in client.received]


class ForgedSenders(imtest.StackTest):
    """Nobody can publish as someone else, on any topic, with MQTT 5 or 3.1.1."""

    STACK_ARGS = {"daemon": False}

    def _observers(self):
        bob = self.stack.client("bob")
        for t in ("im/all/+", "im/user/bob/+", "im/presence/+", "im/online", "im/svc/bob"):
            self.assertLess(bob.subscribe(t), REFUSED, t)
        svc = self.stack.service_client()
        for t in ("im/login/+", "im/logout/+", "im/sessions", "im/cmd/+", "im/presence/+",
                  "im/online", "im/svc/+"):
            self.assertLess(svc.subscribe(t), REFUSED, t)
        return bob, svc

    def _attack(self, protocol):
        bob, svc = self._observers()
        alice = self.stack.client("alice", protocol=protocol)
        secret = marker()
        forged = ["im/all/bob", "im/all/carol", "im/user/bob/carol", "im/user/carol/bob",
                  "im/user/bob/bob", "im/presence/bob", "im/presence/alice", "im/online",
                  "im/svc/bob", "im/svc/alice", "im/login/bob", "im/login/alice",
                  "im/logout/bob", "im/sessions", "im/cmd/bob", "im/user/bob/alice/x",
                  "im/all/alice/x", "im/user/+/alice", "im/all/#"]
        for topic in forged:
            for qos in (0, 1):
                # paho refuses to send a wildcard topic itself; those go raw below.
                if "+" in topic or "#" in topic:
                    continue
                alice.publish(topic, f"{secret} {topic}", qos=qos)
        # The legitimate versions, as positive controls for the observers.
        alice.publish("im/all", "control-all")
        alice.publish("im/user/bob", "control-dm")
        bob.expect("im/all/alice", predicate=lambda m: m.payload == b"control-all")
        bob.expect("im/user/bob/alice", predicate=lambda m: m.payload == b"control-dm")
        bob.expect_none(timeout=0.5)
        for who in (bob, svc):
            leaked = [m for m in who.received if secret.encode() in m.payload]
            self.assertEqual(leaked, [], f"{who.user} received forged messages")
        # The attacker's connection may be cut (MQTT 3.1.1 has no negative PUBACK), but the
        # broker and everyone else carry on.
        self.assertFalse(bob.is_disconnected)
        self.assertFalse(svc.is_disconnected)

    def test_forged_senders_mqtt5(self):
        self._attack(5)

    def test_forged_senders_mqtt311(self):
        self._attack(4)

    def test_forged_sender_with_mosquitto_pub(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/all/+")
        bob.subscribe("im/user/bob/+")
        secret = marker()
        for version in ("mqttv5", "mqttv311"):
            for topic in ("im/all/bob", "im/user/bob/carol", "im/user/bob/bob"):
                self.stack.mosquitto_pub("alice", topic, secret, version=version)
        rc, out = self.stack.mosquitto_pub("alice", "im/user/bob", "control")
        self.assertEqual(rc, 0, out)
        bob.expect("im/user/bob/alice", predicate=lambda m: m.payload == b"control")
        self.assertNotIn(secret.encode(), b"".join(payloads(bob)))

    def test_user_properties_cannot_be_spoofed(self):
        bob = self.stack.client("bob")
        raw = []
        original = bob.mqtt.on_message

        def record(client, userdata, msg):
            props = getattr(msg, "properties", None)
            raw.append(list(getattr(props, "UserProperty", []) or []))
            original(client, userdata, msg)

        bob.mqtt.on_message = record
        bob.subscribe("im/user/bob/+")
        alice = self.stack.client("alice")
        alice.publish("im/user/bob", "spoof", user_properties={
            "id": "forged-id", "ts": "1", "queued": "1", "offline": "1", "ref": "r1"})
        m = bob.expect("im/user/bob/alice")
        self.assertEqual(m.payload, b"spoof")
        props = raw[-1]
        names = [k for k, _ in props]
        self.assertNotIn(("id", "forged-id"), props)
        self.assertNotIn(("ts", "1"), props)
        self.assertNotIn(("queued", "1"), props)
        self.assertEqual(names.count("id"), 1, props)
        self.assertEqual(names.count("ts"), 1, props)


class Eavesdropping(imtest.StackTest):
    """Nobody reads another user's inbox, service replies or internal events."""

    STACK_ARGS = {"daemon": False}

    def test_inbox_filters_refused_or_filtered(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        spy = self.stack.client("alice")
        must_refuse = ["im/user/bob/+", "im/user/bob/#", "im/user/bob/carol", "im/svc/bob",
                       "im/cmd/bob", "im/cmd/+", "im/login/#", "im/logout/+",
                       "im/sessions", "im/archive", "$share/g/im/archive",
                       "$share/g/im/user/bob/+", "$share/g/im/user/+/+",
                       "$share/g/#", "$share/g/im/svc/+", "$CONTROL/#", "$SYS/#",
                       "$SYS/broker/version"]
        for f in must_refuse:
            self.assertGreaterEqual(spy.subscribe(f), REFUSED, f"{f} was granted to alice")
        # Wider filters may be granted, but must deliver only what alice may read.
        for f in ("#", "+/+/+/+", "im/#", "im/user/+/+", "im/+/bob/+", "+/user/bob/#", "im/svc/+",
                  "+/svc/#", "im/+/+"):
            spy.subscribe(f)
        bob.subscribe("im/svc/bob")
        secret = marker()
        carol = self.stack.client("carol")
        carol.publish("im/user/bob", secret)
        bob.expect("im/user/bob/carol", predicate=lambda m: m.payload == secret.encode())
        self.stack.service_client().publish("im/svc/bob", secret)
        bob.expect("im/svc/bob", predicate=lambda m: m.payload == secret.encode())
        # Chat messages and commands travel to the service on im/archive: not to the spy.
        archive = self.stack.service_client()
        archive.subscribe("im/archive")
        bob.publish("im/cmd/bob", "nick " + secret)
        archive.expect("im/archive", predicate=lambda m: secret.encode() in m.payload)
        spy.expect_none(timeout=1.0, topic="im/user/bob/#")
        spy.expect_none(timeout=0.1, topic="im/svc/bob")
        self.assertNotIn(secret.encode(), b"".join(payloads(spy)))

    def test_grant_for_alice_does_not_cover_alice2(self):
        alice = self.stack.client("alice")
        alice.subscribe("im/user/alice/+")
        alice2 = self.stack.client("alice2")
        alice2.subscribe("im/user/alice2/+")
        # Prefix tricks in both directions.
        self.assertGreaterEqual(alice2.subscribe("im/user/alice/+"), REFUSED)
        self.assertGreaterEqual(alice.subscribe("im/user/alice2/+"), REFUSED)
        self.assertGreaterEqual(alice2.subscribe("im/svc/alice"), REFUSED)
        alice2.subscribe("im/user/+/+")
        alice.subscribe("im/user/+/+")
        alice2.subscribe("im/all/+")
        carol = self.stack.client("carol")
        to_alice, to_alice2 = marker(), marker()
        carol.publish("im/user/alice", to_alice)
        carol.publish("im/user/alice2", to_alice2)
        alice.expect("im/user/alice/carol", predicate=lambda m: m.payload == to_alice.encode())
        alice2.expect("im/user/alice2/carol", predicate=lambda m: m.payload == to_alice2.encode())
        alice.expect_none(topic="im/user/alice2/#", timeout=0.5)
        self.assertNotIn(to_alice2.encode(), b"".join(payloads(alice)))
        self.assertNotIn(to_alice.encode(), b"".join(payloads(alice2)))
        # alice may not speak as alice2 or the reverse.
        alice.publish("im/all/alice2", to_alice)
        alice2.publish("im/all/alice", to_alice2)
        alice.publish("im/all", "ok")
        alice2.expect("im/all/alice", predicate=lambda m: m.payload == b"ok")
        alice.expect_none(topic="im/all/alice2", timeout=0.3)
        forged = [m for m in alice.received + alice2.received if m.topic.startswith("im/all/")
                  and m.payload != b"ok"]
        self.assertEqual(forged, [])

    def test_sys_not_readable(self):
        # `#` alone never matches $SYS topics: the filters that could are refused. That they
        # do match on a plain mosquitto: test_acl's test_sys_filters_match_on_a_plain_broker.
        alice = self.stack.client("alice")
        for f in imtest.SYS_FILTERS:
            self.assertGreaterEqual(alice.subscribe(f), REFUSED, f)
        self.assertLess(alice.subscribe("#"), REFUSED)
        self.stack.client("carol").publish("im/all", "ordinary")
        self.assertEqual(alice.expect("im/all/+").topic, "im/all/carol")  # the connection works
        alice.expect_none(topic="$SYS/#", timeout=1.0)
        self.assertEqual([m.topic for m in alice.received if m.topic.startswith("$")], [])


class RetainedAndWills(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_retained_on_service_and_chat_topics_refused(self):
        alice = self.stack.client("alice")
        secret = marker()
        for topic in ("im/presence/alice", "im/presence/bob", "im/online", "im/all/alice",
                      "im/user/bob/alice", "im/svc/alice", "im/all", "im/user/bob"):
            alice.publish(topic, secret, retain=True)
        late = self.stack.client("bob")
        for f in ("im/presence/+", "im/online", "im/all/+", "im/user/bob/+"):
            late.subscribe(f)
        # Retained messages come right after the SUBACK: a live message sent after it is the
        # first to arrive when none was kept (and shows the subscriptions deliver).
        self.stack.client("carol").publish("im/all", "live")
        first = late.expect()
        self.assertEqual((first.topic, first.text, first.retain), ("im/all/carol", "live", False))
        late.expect_none(timeout=1.0)
        self.assertNotIn(secret.encode(), b"".join(payloads(late)))

    def test_empty_retained_payload_cannot_clear_presence(self):
        svc = self.stack.service_client()
        presence = json.dumps({"user": "bob", "online": True, "since": 1}).encode()
        svc.publish("im/presence/bob", presence, retain=True)
        svc.publish("im/online", b'["bob"]', retain=True)
        for version in (5, 4):
            alice = self.stack.client("alice", protocol=version)
            alice.publish("im/presence/bob", b"", retain=True)
            alice.publish("im/online", b"", retain=True)
            alice.publish("im/presence/bob", b"", retain=True, qos=0)
            alice.disconnect()
        rc, out = self.stack.mosquitto_pub("alice", "im/presence/bob", "", extra=["-r", "-n"])
        carol = self.stack.client("carol")
        carol.subscribe("im/presence/bob")
        carol.subscribe("im/online")
        got = carol.expect("im/presence/bob")
        self.assertTrue(got.retain)
        self.assertEqual(got.payload, presence)
        self.assertEqual(carol.expect("im/online").payload, b'["bob"]')

    def test_wills_on_foreign_topics_never_delivered(self):
        bob = self.stack.client("bob")
        for t in ("im/all/+", "im/user/bob/+", "im/presence/+", "im/online", "im/svc/bob"):
            bob.subscribe(t)
        svc = self.stack.service_client()
        for t in ("im/login/+", "im/logout/+", "im/cmd/+", "im/sessions"):
            svc.subscribe(t)
        secret = marker()
        for topic in ("im/all/bob", "im/user/bob/carol", "im/presence/bob", "im/online",
                      "im/svc/bob", "im/logout/bob", "im/cmd/bob", "im/sessions",
                      "im/presence/alice", "$CONTROL/imchat/v1"):
            for retain in (False, True):
                c = self.stack.client("alice", connect=False, keepalive=5,
                                      will=(topic, f"{secret} {topic}", 1, retain))
                try:
                    c.connect()
                except imtest.ConnectRefused:
                    continue  # refusing the CONNECT is a fine answer
                drop(c)
        # A retained will on the own broadcast topic must not leave a retained chat message.
        c = self.stack.client("alice", connect=False, will=("im/all/alice", secret, 1, True))
        try:
            c.connect()
            drop(c)
        except imtest.ConnectRefused:
            pass
        # The one allowed will (own broadcast) works: proves wills are delivered at all.
        c = self.stack.client("alice", connect=False, will=("im/all/alice", "bye", 1, False))
        c.connect()
        drop(c)
        bob.expect("im/all/alice", predicate=lambda m: m.payload == b"bye", timeout=10)
        bob.expect_none(timeout=0.5)
        late = self.stack.client("carol")
        late.subscribe("im/presence/+")
        late.subscribe("im/online")
        late.subscribe("im/all/+")
        late.expect_none(timeout=0.5)
        for who in (bob, svc, late):
            self.assertNotIn(secret.encode(), b"".join(payloads(who)), who.user)


class SessionTakeover(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_live_client_id_of_another_user_refused(self):
        cid = "shared-" + uuid.uuid4().hex[:6]
        bob = self.stack.client("bob", client_id=cid)
        bob.subscribe("im/user/bob/+")
        for version in (5, 4):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client("alice", client_id=cid, protocol=version)
        # bob was not kicked by the attempts and still receives.
        carol = self.stack.client("carol")
        carol.publish("im/user/bob", "still here")
        bob.expect("im/user/bob/carol", predicate=lambda m: m.payload == b"still here")
        self.assertFalse(bob.is_disconnected)

    def test_persistent_session_of_another_user_refused(self):
        cid = "bob-phone-" + uuid.uuid4().hex[:6]
        # MQTT 3.1.1 clean session off: the session (and its queue) outlives the connection.
        bob = self.stack.client("bob", client_id=cid, clean=False, protocol=4)
        bob.subscribe("im/user/bob/+")
        bob.disconnect()
        carol = self.stack.client("carol")
        secret = marker()
        carol.publish("im/user/bob", secret)
        for version in (5, 4):
            try:
                thief = self.stack.client("alice", client_id=cid, clean=False, protocol=version)
            except imtest.ConnectRefused:
                continue
            thief.expect_none(timeout=1.0)
            self.assertNotIn(secret.encode(), b"".join(payloads(thief)))
            self.fail(f"alice resumed bob's session (protocol {version})")
        # A clean-start takeover would wipe bob's queued messages: also refused.
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("alice", client_id=cid, clean=True)
        bob2 = self.stack.client("bob", client_id=cid, clean=False, protocol=4)
        bob2.expect("im/user/bob/carol", predicate=lambda m: m.payload == secret.encode())


class ControlTopic(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_users_cannot_drive_the_plugin(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        alice = self.stack.client("alice")
        requests = [{"op": "kick", "user": "bob", "reason": "kicked"},
                    {"op": "block", "user": "bob", "target": "carol"},
                    {"op": "blocks", "pairs": [["bob", "carol"]]},
                    {"op": "hello"}]
        for r in requests:
            for topic in ("$CONTROL/imchat/v1", "$CONTROL/dynamic-security/v1"):
                alice.publish(topic, json.dumps(r))
            self.stack.mosquitto_pub("alice", "$CONTROL/imchat/v1", json.dumps(r))
        svc = self.stack.service_client()
        svc.subscribe("im/sessions")
        svc.expect_none(timeout=0.5)  # alice's hello produced no session snapshot
        carol = self.stack.client("carol")
        carol.publish("im/user/bob", "not blocked")
        bob.expect("im/user/bob/carol", predicate=lambda m: m.payload == b"not blocked")
        self.assertFalse(bob.is_disconnected, "alice kicked bob through $CONTROL")


def raw_connect(port, username, password, client_id, protocol=4):
    """Sends a hand-built CONNECT (so names can hold bytes a client library would refuse)
    and returns the CONNACK return/reason code, or None if the broker just closed."""
    s = imtest.mqtt_string
    flags = 0x02 | (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
    var = s(b"MQTT") + bytes([protocol, flags]) + struct.pack("!H", 30)
    if protocol == 5:
        var += b"\x00"
    body = var + s(client_id)
    if username is not None:
        body += s(username)
    if password is not None:
        body += s(password)
    pkt = imtest.mqtt_packet(0x10, body)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(pkt)
        try:
            data = sock.recv(16)
        except (ConnectionResetError, socket.timeout):
            return None
    if len(data) < 4 or data[0] != 0x20:
        return None
    return data[3]


class BadNames(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_names_with_topic_or_control_bytes_refused(self):
        # No CONNECT with such a name gets in, whatever the password (users.txt lines with
        # such names are refused at load: see test_badinput_users).
        names = [b"x+y", b"x/y", b"#", b"+", b"alice/", b"alice/+", b"alice\n", b"ali\x01ce",
                 b"alice\x00", b"\x1b[31malice", b"$SYS", b"", b" alice", b"a" * 33,
                 b"alice\x7f", "al\u00efce".encode()]
        for name in names:
            for protocol in (4, 5):
                rc = raw_connect(self.stack.port, name, b"pw", b"c-" + uuid.uuid4().hex.encode(),
                                 protocol)
                self.assertNotEqual(rc, 0, f"{name!r} got in (protocol {protocol})")
        self.assertIn(raw_connect(self.stack.port, b"alice", b"wonderland", b"c-ok"), (0,))
        # The service account is not reachable with a user's password or none.
        self.assertNotEqual(raw_connect(self.stack.port, b"imchat-service", b"wonderland", b"s"),
                            0)
        self.assertNotEqual(raw_connect(self.stack.port, b"imchat-service", None, b"s"), 0)
        self.assertNotEqual(raw_connect(self.stack.port, None, None, b"anon"), 0)
        self.assertNotEqual(raw_connect(self.stack.port, b"alice", b"", b"e"), 0)

    def test_odd_client_ids_cannot_confuse_events(self):
        svc = self.stack.service_client()
        svc.subscribe("im/login/+")
        ids = ["a/b", "+", "#", "im/user/bob/+", '"}],"user":"bob', "x\u0001y", "\u00e9t\u00e9",
               "$SYS"]
        connected = []
        for cid in ids:
            try:
                c = self.stack.client("alice", client_id=cid)
            except imtest.ConnectRefused:
                continue
            connected.append(cid)
            c.disconnect()
        for _ in connected:
            event = svc.expect("im/login/+").json()  # must be valid JSON
            self.assertEqual(event["user"], "alice")
            self.assertIn(event["client_id"], connected)
        self.assertEqual(
            [m.topic for m in svc.received if m.topic.startswith("im/login/")],
            ["im/login/alice"] * len(connected))


class BruteForce(imtest.StackTest):
    STACK_ARGS = {"daemon": False, "lockout": 3}

    def test_fourth_try_refused_even_with_right_password(self):
        for _ in range(3):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client("alice", "guess")
        for protocol in (5, 4):
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client("alice", protocol=protocol)  # right password, locked
        # The lockout is per name: alice2 (a prefix sibling) and bob are unaffected.
        self.stack.client("alice2").disconnect()
        self.stack.client("bob").disconnect()
        # It ends: the lockout is 3 s here.
        imtest.wait_for(lambda: self._can_login("alice"), timeout=8, interval=0.5,
                        what="the lockout to end")

    def _can_login(self, user):
        try:
            self.stack.client(user).disconnect()
            return True
        except imtest.ConnectRefused:
            return False

    def test_parallel_guesses_check_at_most_three(self):
        import threading
        results = []
        lock = threading.Lock()

        def guess(i):
            rc = raw_connect(self.stack.port, b"bob", f"guess{i}".encode(),
                             f"bf-{i}".encode(), 4)
            with lock:
                results.append(rc)

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        self.assertEqual(len(results), 50)
        self.assertNotIn(0, results)
        # The name is locked now: the right password fails too.
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("bob")
        # The plugin logs why it refused each login: "bad password" only when it verified one,
        # "locked" when it did not even look. At most 3 passwords may have been verified.
        refusals = [line for line in self.stack.broker_log().splitlines()
                    if "refused login of 'bob'" in line]
        checked = [line for line in refusals if ": bad password" in line]
        self.assertEqual(len(refusals), 51, "\n".join(refusals[-5:]))
        self.assertLessEqual(len(checked), 3, "\n".join(checked[:10]))
        self.assertIsNone(self.stack.broker.poll(), "the broker died")


class RemovedUser(imtest.StackTest):
    STACK_ARGS = {"daemon": False}

    def test_removed_user_loses_live_session_at_reload(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/user/bob/+")
        alice = self.stack.client("alice")
        alice.subscribe("im/user/alice/+")
        self.stack.write_users(imtest.DEFAULT_USERS.replace("bob builder\n", ""))
        self.stack.reload_broker()
        imtest.wait_for(lambda: bob.is_disconnected, what="bob to be disconnected at reload")
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("bob")
        # Others are untouched.
        self.assertFalse(alice.is_disconnected)
        carol = self.stack.client("carol")
        carol.publish("im/user/alice", "after reload")
        alice.expect("im/user/alice/carol", predicate=lambda m: m.payload == b"after reload")


class ForgedArchive(imtest.StackTest):
    """The archive stream (plugin -> service) cannot be written by users: no forged
    history, no forged offline messages, whatever the protocol or QoS."""

    def test_users_cannot_feed_the_service(self):
        carol = self.stack.chat_client("carol")
        carol.command("history bob")
        self.assertEqual(carol.expect_svc("reply")["messages"], [])
        carol.disconnect()
        secret = marker()
        body = secret.encode()
        forged = (b"IMA1\n" + b"do x-1 1 bob carol 0 %d\n" % len(body) + body + b"\n" +
                  b"c- - 1 carol - 0 13\nnick hijacked\n")
        for version in ("mqttv5", "mqttv311"):
            for extra in ((), ("-r",)):
                rc, out = self.stack.mosquitto_pub("alice", "im/archive", forged.decode(),
                                                   version=version, extra=extra)
                if version == "mqttv5":
                    self.assertIn("RC:135", out, (version, extra))
        # A legitimate message afterwards goes through, so the service was listening.
        bob = self.stack.chat_client("bob")
        bob.publish("im/user/carol", "real one")
        carol = self.stack.client("carol")
        carol.subscribe("im/svc/carol")
        carol.subscribe("im/user/carol/+")
        welcome = carol.expect_svc("welcome")
        self.assertEqual(welcome["queued"], 1)
        self.assertEqual(carol.expect("im/user/carol/bob").payload, b"real one")
        carol.command("history bob")
        texts = [m["text"] for m in carol.expect_svc("reply")["messages"]]
        self.assertEqual(texts, ["real one"])
        self.assertNotIn(secret, self.stack.server_log())
        self.assertNotIn("command carol: nick", self.stack.server_log())


class HistoryPrivacy(imtest.StackTest):
    """Needs the daemon: history only ever returns my own conversations."""

    def test_cannot_read_other_peoples_history(self):
        alice = self.stack.chat_client("alice")
        bob = self.stack.chat_client("bob")
        carol = self.stack.chat_client("carol")
        secret = marker()
        carol.publish("im/user/bob", secret + " carol->bob")
        bob.publish("im/user/carol", secret + " bob->carol")
        carol.expect("im/user/carol/bob")
        alice.publish("im/user/bob", "alice->bob")
        bob.expect("im/user/bob/alice")
        # The archive is written by the daemon; wait until bob can see his own history.
        imtest.wait_for(lambda: self._history_texts(bob, "carol").count(secret) >= 2 or None,
                        timeout=10, what="bob's history with carol")
        attempts = ["history bob", "history carol", "history bob carol", "history carol bob 500",
                    "history bob/carol", "history im/user/bob/carol", "history +", "history #",
                    "history *", "history %", "history ../carol", "history bob' OR '1'='1",
                    "history carol;", "history all 500", "history alice"]
        for line in attempts:
            alice.drain()
            alice.command(line)
            reply = alice.expect_svc("reply", timeout=5)
            for m in reply.get("messages", []):
                if line != "history all 500":
                    self.assertIn("alice", (m.get("from"), m.get("to")), (line, m))
                self.assertNotIn(secret, m.get("text", ""), line)
            self.assertNotIn(secret, json.dumps(reply), line)
        # Commands sent on someone else's command topic are not executed for them.
        bob.drain()
        alice.publish("im/cmd/bob", "history carol")
        self.stack.mosquitto_pub("alice", "im/cmd/bob", "history carol")
        bob.expect_none(topic="im/svc/bob", timeout=1.0)
        alice.expect_none(topic="im/svc/#", timeout=0.2)
        self.assertNotIn(secret.encode(), b"".join(payloads(alice)))

    def _history_texts(self, client, peer):
        client.command(f"history {peer} 500")
        reply = client.expect_svc("reply", predicate=lambda j: j.get("cmd") == "history")
        return " ".join(m.get("text", "") for m in reply.get("messages", []))


if __name__ == "__main__":
    import unittest
    unittest.main()
