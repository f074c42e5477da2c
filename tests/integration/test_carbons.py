"""Carbons (topics.md "Several devices"): the sender of a direct message may read it on
im/user/+/<me> and im/user/<to>/<me>, so a user's devices see each other's sent messages.
Attacks: nobody else gets anything of it, through any filter, with MQTT 3.1.1 and 5; a
refused message (blocked) has no carbon; the offline queue's replay is not a carbon. And the
imchat client: two processes of one user, each sees what the other sent, once."""

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

REFUSED = 0x80
TIME = r"(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d "
# What carol tries in order to read alice's direct messages to others. The wide ones may be
# granted (im/user/+/alice matches carol's own inbox message from alice, im/user/carol/alice,
# as it did before carbons) but must deliver nothing of alice's to anybody else.
ATTACK_FILTERS = ("im/user/+/alice", "im/user/bob/alice", "im/user/#", "im/#", "#", "+/+/+/+",
                  "im/user/+/+", "+/user/+/alice", "$share/g/im/user/+/alice")
MUST_REFUSE = ("im/user/bob/alice", "im/user/dave/alice", "im/user/bob/+",
               "$share/g/im/user/+/alice", "$share/g/im/user/bob/alice")


def marker():
    return f"carbon-{uuid.uuid4().hex[:12]}"


class Carbons(imtest.StackTest):
    def test_sender_reads_own_direct_messages_on_every_device(self):
        for protocol in (5, 4):
            with self.subTest(protocol=protocol):
                phone = self.stack.client("alice", protocol=protocol)
                self.assertLess(phone.subscribe("im/user/+/alice"), REFUSED)
                exact = self.stack.client("alice", protocol=protocol)
                self.assertLess(exact.subscribe("im/user/bob/alice"), REFUSED)
                bob = self.stack.client("bob")
                bob.subscribe("im/user/bob/+")
                laptop = self.stack.client("alice", protocol=protocol)
                text = marker()
                laptop.publish("im/user/bob", text, user_properties={"ref": "r1"})
                got = bob.expect("im/user/bob/alice", predicate=lambda m: m.text == text)
                for device in (phone, exact):
                    carbon = device.expect("im/user/bob/alice", predicate=lambda m: m.text == text)
                    if protocol == 5:
                        # The same message: its id (to dedupe by) and the sender's ref.
                        self.assertEqual(carbon.props.get("id"), got.props["id"])
                        self.assertEqual(carbon.props.get("ref"), "r1")
                # A message to carol reaches the wildcard device only.
                laptop.publish("im/user/carol", text + "c")
                phone.expect("im/user/carol/alice", predicate=lambda m: m.text == text + "c")
                exact.expect_none(timeout=0.5)
                for c in (phone, exact, bob, laptop):
                    c.disconnect()

    def test_sending_client_gets_its_own_message_back_unless_no_local(self):
        alice = self.stack.client("alice")
        alice.subscribe("im/user/+/alice")
        quiet = self.stack.client("alice")
        quiet.subscribe("im/user/+/alice", no_local=True)
        other = self.stack.client("alice")
        alice.publish("im/user/bob", "echo")
        m = alice.expect("im/user/bob/alice", predicate=lambda m: m.text == "echo")
        self.assertTrue(m.props.get("id"))
        quiet.expect("im/user/bob/alice", predicate=lambda m: m.text == "echo")
        quiet.publish("im/user/bob", "not back to me")
        alice.expect("im/user/bob/alice", predicate=lambda m: m.text == "not back to me")
        quiet.expect_none("im/user/+/alice", timeout=1.0)
        other.disconnect()

    def test_nobody_else_reads_a_carbon(self):
        for protocol in (5, 4):
            with self.subTest(protocol=protocol):
                carol = self.stack.client("carol", protocol=protocol)
                for f in MUST_REFUSE:
                    if protocol == 4 and f.startswith("$share"):
                        continue
                    self.assertGreaterEqual(carol.subscribe(f), REFUSED, f)
                for f in ATTACK_FILTERS:
                    if protocol == 4 and f.startswith("$share"):
                        continue
                    carol.subscribe(f)
                # alice2 (a name with alice as prefix) gains nothing either.
                alice2 = self.stack.client("alice2", protocol=protocol)
                for f in ("im/user/bob/alice", "$share/g/im/user/+/alice"):
                    if protocol == 4 and f.startswith("$share"):
                        continue
                    self.assertGreaterEqual(alice2.subscribe(f), REFUSED, f)
                alice2.subscribe("im/user/+/alice")
                alice2.subscribe("#")
                # Positive controls: bob and alice's own carbon device get it.
                bob = self.stack.client("bob")
                bob.subscribe("im/user/bob/+")
                mine = self.stack.client("alice")
                mine.subscribe("im/user/+/alice")
                alice = self.stack.client("alice", protocol=protocol)
                secret = marker()
                alice.publish("im/user/bob", secret)
                alice.publish("im/user/dave", secret)  # dave is offline: queued
                bob.expect("im/user/bob/alice", predicate=lambda m: m.text == secret)
                mine.expect("im/user/bob/alice", predicate=lambda m: m.text == secret)
                mine.expect("im/user/dave/alice", predicate=lambda m: m.text == secret)
                # Positive control for the spies' filters: carol does get what alice sends her.
                alice.publish("im/user/carol", "for carol")
                carol.expect("im/user/carol/alice", predicate=lambda m: m.text == "for carol")
                for spy in (carol, alice2):
                    spy.expect_none("im/user/bob/alice", timeout=0.5)
                    got = [m for m in spy.received if secret.encode() in m.payload]
                    self.assertEqual(got, [], f"{spy.user} read alice's direct message")
                for c in (carol, alice2, bob, mine, alice):
                    c.disconnect()

    def test_blocked_message_has_no_carbon_and_replay_is_not_a_carbon(self):
        bob = self.stack.client("bob")
        bob.subscribe("im/svc/bob")
        bob.command("block alice")
        bob.expect_svc("reply", predicate=lambda j: j.get("cmd") == "block" and j["ok"])
        bob.disconnect()
        mine = self.stack.client("alice")
        mine.subscribe("im/user/+/alice")
        alice = self.stack.client("alice")
        alice.subscribe("im/svc/alice")
        alice.publish("im/user/bob", "refused one")
        status = alice.expect_svc("status", predicate=lambda j: j.get("status") == "refused")
        self.assertEqual(status["reason"], "blocked")
        mine.expect_none("im/user/+/alice", timeout=1.0)
        # A message queued for offline carol: the carbon comes live, once; carol's replay
        # at her login is hers only (carbons are live, history has the rest).
        alice.publish("im/user/carol", "for later")
        mine.expect("im/user/carol/alice", predicate=lambda m: m.text == "for later")
        alice.expect_svc("status", predicate=lambda j: j.get("status") == "queued")
        carol = self.stack.client("carol")
        carol.subscribe("im/user/carol/+")
        replay = carol.expect("im/user/carol/alice", predicate=lambda m: m.text == "for later")
        self.assertEqual(replay.props.get("queued"), "1")
        alice.expect_svc("status", predicate=lambda j: j.get("status") == "delivered")
        mine.expect_none("im/user/+/alice", timeout=1.0)


class CarbonsInTheClient(imtest.StackTest):
    def test_two_clients_of_one_user_see_each_others_sent_messages_once(self):
        laptop = self.stack.chat("alice")
        laptop.ready()
        phone = self.stack.chat("alice")
        phone.ready()
        bob = self.stack.chat("bob")
        bob.ready()
        laptop.send("/msg bob from the laptop")
        laptop.expect_line(r"^" + TIME + r"-> \*bob\* from the laptop$")
        bob.expect_line(r"\*alice\* from the laptop$")
        phone.expect_line(r"^" + TIME + r"\[other device\] -> \*bob\* from the laptop$")
        laptop.expect_line(r"-- delivered to bob: from the laptop$")
        phone.send("/msg bob and from the phone")
        phone.expect_line(r"^" + TIME + r"-> \*bob\* and from the phone$")
        laptop.expect_line(r"^" + TIME + r"\[other device\] -> \*bob\* and from the phone$")
        phone.expect_line(r"-- delivered to bob: and from the phone$")
        # No doubled lines: each client shows each message once, its own without the tag.
        laptop.expect_no_line(r"from the laptop", timeout=1.0)
        phone.expect_no_line(r"and from the phone", timeout=0.5)
        self.assertEqual(sum("from the laptop" in l for l in laptop.lines), 2,  # sent + status
                         laptop.output())
        self.assertEqual(sum("from the laptop" in l for l in phone.lines), 1, phone.output())
        self.assertEqual(sum("and from the phone" in l for l in laptop.lines), 1, laptop.output())
        self.assertEqual(sum("and from the phone" in l for l in phone.lines), 2, phone.output())
        bob.send("/msg alice hi both")
        laptop.expect_line(r"\*bob\* hi both$")
        phone.expect_line(r"\*bob\* hi both$")
