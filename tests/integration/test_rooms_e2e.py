"""Rooms end to end with the real imchat client (stdin mode) against the real broker, plugin
and daemon: what test_rooms_client.py checks against a fake service, checked here against the
replies, room info, notices and statuses the daemon and the plugin really send. Two users run
imchat; third parties read and write with paho (MQTT 5) and mosquitto_sub (MQTT 3.1.1)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

# A line's time; replayed ([away]) and history lines also show the date.
TIME = r"(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d "


def paho_member(stack, user, protocol=5):
    """A third-party client reading rooms, room info and its service replies (no inbox: the
    service counts what it missed as unread)."""
    c = stack.client(user, protocol=protocol)
    for f in (f"im/svc/{user}", "im/room/+/+", "im/roominfo/+"):
        c.subscribe(f)
    return c


def reply(client, line):
    client.command(line)
    return client.expect_svc("reply", predicate=lambda j: j["cmd"] == line.split()[0])


def room_sub(stack, user, room, count):
    """mosquitto_sub -V mqttv311 -d reading every sender of `room` until `count` messages;
    returns the Popen once the broker has answered its SUBSCRIBE. (Its output is buffered
    in a pipe: read it after it ends.)"""
    # mosquitto_sub's client ids start with "auto-" (ours with "imchat-", paho's with "t-").
    def answered():
        return stack.broker_log().count("Sending SUBACK to auto-")
    before = answered()
    p = stack.mosquitto_sub(user, [f"im/room/{room}/+"], count=count, timeout=20,
                            version="mqttv311", extra=["-d"])
    imtest.wait_for(lambda: answered() > before, what=f"the broker to answer {user}'s SUBSCRIBE")
    return p


class RoomsEndToEnd(imtest.StackTest):
    def chat(self, user):
        # UTC: dates of replayed lines do not depend on the machine.
        return self.stack.chat(user, env={"TZ": "UTC"})

    def test_room_conversation_between_two_clients(self):
        stack = self.stack
        alice = self.chat("alice")
        alice.ready()
        alice.expect_no_line(r"rooms are not available", timeout=0.2)
        bob = self.chat("bob")
        bob.ready()
        bob.expect_no_line(r"rooms are not available", timeout=0.2)
        dave = paho_member(stack, "dave")

        # Bad room names are refused by the client: no command reaches the service.
        alice.send("/join d/v")
        alice.expect_line(r"-- error: 'd/v' is not a valid room name: the name contains '/'")
        alice.send("/create " + "x" * 33)
        alice.expect_line(r"-- error: 'x{33}' is not a valid room name: the name is longer")
        alice.send("/query #bad+name")
        alice.expect_line(r"-- error: '#bad\+name' is not a valid room name")
        alice.send("/join #nosuch")
        alice.expect_line(r"-- error: no such room #nosuch; create it with 'create nosuch'$")

        # alice creates #dev: it becomes her conversation.
        alice.send("/create dev")
        alice.expect_line(r"^" + TIME + r"-- created #dev; you own it$")
        alice.expect_line(r"-- what you type now goes to #dev; /query alone goes back")
        # bob joins: the reply's member count and topic, alice's notice.
        bob.send("/join #dev")
        bob.expect_line(r"^" + TIME + r"-- joined #dev \(2 members\)$")
        bob.expect_line(r"-- what you type now goes to #dev")
        alice.expect_line(r"^" + TIME + r"-- bob joined #dev$")
        self.assertEqual(reply(dave, "join dev")["member_count"], 3)
        alice.expect_line(r"-- dave joined #dev$")
        bob.expect_line(r"-- dave joined #dev$")

        # Plain lines go to the room; both see both lines bare (the room is current).
        alice.send("hello dev")
        alice.expect_line(r"^" + TIME + r"<alice> hello dev$")
        bob.expect_line(r"^" + TIME + r"<alice> hello dev$")
        bob.send("hi alice")
        bob.expect_line(r"^" + TIME + r"<bob> hi alice$")
        alice.expect_line(r"^" + TIME + r"<bob> hi alice$")
        m = dave.expect("im/room/dev/bob")
        self.assertEqual(m.text, "hi alice")
        self.assertTrue(m.props.get("id") and m.props.get("ts"))
        # dave holds no inbox: the sender's status says he gets it at his next login.
        bob.expect_line(r"-- sent to #dev: 1 now, 1 at their next login: hi alice$")
        dave.command("rooms")
        mine = dave.expect_svc("reply", predicate=lambda j: j["cmd"] == "rooms")
        self.assertEqual(mine["rooms"], [{"room": "dev", "topic": "", "member_count": 3,
                                          "unread": 2}])

        # Another conversation's lines carry their context.
        stack.client("carol").publish("im/all", "to everyone")
        alice.expect_line(r"^" + TIME + r"\[all\] <carol> to everyone$")
        bob.send("/query")
        bob.expect_line(r"-- back to everyone")
        alice.send("while bob is elsewhere")
        bob.expect_line(r"^" + TIME + r"\[#dev\] <alice> while bob is elsewhere$")
        bob.send("bob to all")
        alice.expect_line(r"^" + TIME + r"\[all\] <bob> bob to all$")

        # /rooms: the service's data plus what arrived while elsewhere; /members with roles
        # and who is online (dave is connected, so online).
        bob.send("/rooms")
        bob.expect_line(r"-- your rooms \(1\):$")
        bob.expect_line(r"--   #dev \(3 members, 1 new while you were elsewhere\)$")
        alice.send("/members")
        alice.expect_line(r"-- members of #dev \(3, 3 online\): alice \(owner, online\), "
                          r"bob \(online\), dave \(online\)$")
        alice.send("/rooms all")
        alice.expect_line(r"-- open rooms \(1 in all\):$")
        alice.expect_line(r"--   #dev \(3 members\)$")

        # /topic: the setter's reply, a notice to the others.
        bob.send("/topic dev Ship it on Friday")
        bob.expect_line(r"-- topic of #dev set to: Ship it on Friday$")
        alice.expect_line(r"-- topic of #dev \(set by bob\): Ship it on Friday$")
        bob.send("/topic #dev")
        bob.expect_line(r"-- topic of #dev: Ship it on Friday$")

        # An invite-only room: joining is refused, only its owner invites, the invited user's
        # client shows the invite and can talk there.
        carol = self.chat("carol")
        carol.ready()
        alice.send("/create secret invite-only")
        alice.expect_line(r"-- created invite-only room #secret; you own it$")
        alice.expect_line(r"-- what you type now goes to #secret")
        bob.send("/join secret")
        bob.expect_line(r"-- error: #secret is invite-only; ask its owner alice to invite you$")
        bob.send("/invite secret carol")
        bob.expect_line(r"-- error: you are not a member of #secret$")
        alice.send("/invite #secret carol")
        alice.expect_line(r"-- added carol to #secret$")
        carol.expect_line(r"-- alice added you to #secret; /query #secret talks there$")
        carol.send("/query #secret")
        carol.expect_line(r"-- what you type now goes to #secret")
        carol.send("psst")
        alice.expect_line(r"^" + TIME + r"<carol> psst$")
        carol.send("/members")
        carol.expect_line(r"-- members of #secret \(2, 2 online\): alice \(owner, online\), "
                          r"carol \(online\)$")

        # A non-member's line to #dev: a clear error, nothing reaches the members.
        carol.send("/query #dev")
        carol.expect_line(r"-- what you type now goes to #dev")
        carol.send("let me in")
        carol.expect_line(r"-- error: not delivered to #dev: you are not a member of #dev: "
                          r"let me in$")
        carol.send("/history #dev")
        carol.expect_line(r"-- error: you are not a member of #dev; join it with 'join dev'$")
        alice.expect_no_line(r"let me in", timeout=0.3)

        # bob goes offline; what #dev says meanwhile reaches him at login, in order, [away].
        bob.send("/quit")
        self.assertEqual(bob.wait(), 0)
        alice.send("/query #dev")
        alice.expect_line(r"-- what you type now goes to #dev")
        for i in range(1, 4):
            alice.send(f"missed {i}")
            alice.expect_line(rf"^{TIME}<alice> missed {i}$")
            alice.expect_line(rf"-- sent to #dev: 0 now, 2 at their next login: missed {i}$")
        bob = self.chat("bob")
        bob.ready()
        away = [bob.expect_line(rf"^{TIME}\[away\] \[#dev\] <alice> missed {i}$").string
                for i in range(1, 4)]
        self.assertEqual(away, [l for l in bob.lines if "[away]" in l])
        bob.send("/history #dev 3")
        bob.expect_line(r"-- history of #dev \(3 messages\):$")
        for i in range(1, 4):
            bob.expect_line(rf"-- \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d <alice> missed {i}$")
        # Replayed and then seen: /rooms shows them as new here, none unread at the service.
        bob.send("/rooms")
        bob.expect_line(r"--   #dev \(3 members, 3 new while you were elsewhere\): Ship it")

        # alice kicks bob: bob's client says so and leaves the room; his plain lines go to
        # everyone again and he gets nothing more of #dev.
        bob.send("/query #dev")
        bob.expect_line(r"-- what you type now goes to #dev")
        alice.send("/kick dev bob")
        alice.expect_line(r"-- removed bob from #dev$")
        bob.expect_line(r"-- alice removed you from #dev$")
        bob.expect_line(r"-- you are no longer in #dev: what you type goes to everyone$")
        dave.expect("im/roominfo/dev", predicate=lambda m: m.json()["event"]["type"] == "kick")
        bob.send("after the kick")
        alice.expect_line(r"^" + TIME + r"\[all\] <bob> after the kick$")
        alice.send("bob cannot read this")
        self.assertEqual(dave.expect("im/room/dev/alice").text, "bob cannot read this")
        bob.expect_no_line(r"bob cannot read this|removed", timeout=1.0)
        bob.send("/members dev")
        bob.expect_line(r"-- error: you are not a member of #dev; join it with 'join dev'$")
        alice.send("/members")
        alice.expect_line(r"-- members of #dev \(2, 2 online\): alice \(owner, online\), "
                          r"dave \(online\)$")

        # Leaving: the owner's room passes to its longest member, who is told; the last
        # member closes it; leaving the current room goes back to everyone.
        alice.send("/leave secret")
        alice.expect_line(r"-- left #secret; carol owns it now$")
        carol.expect_line(r"-- alice left #secret; you own #secret now$")
        carol.send("/leave #secret")
        carol.expect_line(r"-- left #secret; you were its last member, so it is closed$")
        alice.send("/leave")
        alice.expect_line(r"-- left #dev; dave owns it now$")
        alice.expect_line(r"-- you are no longer in #dev: what you type goes to everyone$")
        left = dave.expect("im/roominfo/dev",
                           predicate=lambda m: m.json()["event"]["type"] == "leave").json()
        self.assertEqual((left["owner"], left["members"]), ("dave", ["dave"]))

        for c in (alice, bob, carol):
            c.close_stdin()
            self.assertEqual(c.wait(), 0)
            c.expect_no_line(r"not confirmed|refused the sub|rooms are not available",
                             timeout=0.1)

    def test_mqtt311_third_parties(self):
        stack = self.stack
        alice = self.chat("alice")
        alice.ready()
        alice.send("/create dev")
        alice.expect_line(r"-- created #dev; you own it$")
        dave = stack.client("dave", protocol=4)
        dave.subscribe("im/svc/dave")
        self.assertTrue(reply(dave, "join dev")["ok"])
        alice.expect_line(r"-- dave joined #dev$")

        # A member reads the room with mosquitto_sub -V mqttv311; a non-member's subscription
        # is refused (SUBACK 0x80 = 128 in MQTT 3.1.1).
        member = room_sub(stack, "dave", "dev", 2)
        outsider = room_sub(stack, "carol", "dev", 1)
        out, err = outsider.communicate(timeout=30)
        self.assertIn("Subscribed (mid: 1): 128", out)
        self.assertIn("All subscription requests were denied", err)
        alice.send("from imchat")
        alice.expect_line(r"^" + TIME + r"<alice> from imchat$")

        # A 3.1.1 member's line reaches imchat tagged with its sender.
        dave.publish("im/room/dev", "from dave 311")
        alice.expect_line(r"^" + TIME + r"<dave> from dave 311$")
        out, err = member.communicate(timeout=30)
        self.assertEqual(member.returncode, 0, err)
        self.assertIn("Subscribed (mid: 1): 0", out)
        self.assertEqual([l for l in out.splitlines() if l.startswith("im/room/")],
                         ["im/room/dev/alice from imchat", "im/room/dev/dave from dave 311"])

        # A 3.1.1 non-member's publish is dropped, with a refused status on its service topic.
        carol = stack.client("carol", protocol=4)
        carol.subscribe("im/svc/carol")
        carol.publish("im/room/dev", "not a member")
        status = carol.expect_svc("status")
        self.assertEqual((status["status"], status["room"], status["reason"]),
                         ("refused", "dev", "you are not a member of #dev"))
        alice.expect_no_line(r"not a member", timeout=0.5)
        alice.close_stdin()
        self.assertEqual(alice.wait(), 0)


class RoomsOnATerminal(imtest.StackTest):
    def test_prompt_names_the_room_and_tab_completes_it(self):
        bob = paho_member(self.stack, "bob")
        alice = self.stack.chat_tty("alice")
        alice.expect(r"-- type a message to send it to everyone", timeout=10)
        alice.expect(r"(?m)^alice> $")
        alice.send("/create dev")
        alice.expect(r"-- created #dev; you own it")
        alice.expect(r"(?m)^alice -> #dev> $")
        self.assertTrue(reply(bob, "join dev")["ok"])
        alice.expect(r"-- bob joined #dev")
        alice.expect(r"(?m)^alice -> #dev> $")
        alice.send("in the room")
        self.assertEqual(bob.expect("im/room/dev/alice").text, "in the room")
        alice.expect(r"<alice> in the room")
        alice.send("/query")
        alice.expect(r"-- back to everyone")
        alice.expect(r"(?m)^alice> $")
        # Rooms complete with their '#'.
        alice.write("/query #d\t")
        alice.expect(r"(?m)^alice> /query #dev $")
        alice.write("\r")
        alice.expect(r"(?m)^alice -> #dev> $")


class FreshStack(imtest.StackTest):
    """imchat connecting at once after the daemon is ready, and even before it runs: the
    room subscriptions are granted (the plugin grants the wide room filters before the
    service's first membership snapshot), and room lines arrive."""

    STACK_ARGS = {"daemon": False}

    def test_room_subscriptions_right_at_startup(self):
        stack = self.stack
        early = stack.chat("bob", env={"TZ": "UTC"})  # before the daemon: no welcome yet
        stack.start_daemon()
        alice = stack.chat("alice", env={"TZ": "UTC"})
        alice.ready()
        early.ready()
        for c in (alice, early):
            c.expect_no_line(r"rooms are not available|refused", timeout=0.3)
        alice.send("/create dev")
        alice.expect_line(r"-- created #dev; you own it$")
        early.send("/join dev")
        early.expect_line(r"-- joined #dev \(2 members\)$")
        alice.send("first words")
        early.expect_line(r"^" + TIME + r"<alice> first words$")
        early.send("answer")
        alice.expect_line(r"^" + TIME + r"<bob> answer$")


if __name__ == "__main__":
    import unittest
    unittest.main()
