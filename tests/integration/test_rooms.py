"""Rooms end to end (real broker with the plugin, real daemon, paho clients, MQTT 5 and
3.1.1): the room commands with their replies and roominfo, members seeing joins, leaves,
kicks and topic changes, an offline member getting the missed messages at login in order and
once (also after a SIGKILL of the daemon mid-replay), the replay cap with its notice, and
attacks: history by a non-member, a kicked member's persistent session."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402


def member(stack, user, protocol=5, **kwargs):
    """A client subscribed as a room-aware chat client: service replies, rooms and roominfo,
    then the inbox last (its inbox event starts the replays)."""
    c = stack.client(user, protocol=protocol, **kwargs)
    c.subscribe(f"im/svc/{user}")
    c.subscribe("im/room/+/+")
    c.subscribe("im/roominfo/+")
    c.subscribe(f"im/user/{user}/+")
    c.expect_svc("welcome")
    return c


def reply(client, line):
    client.command(line)
    return client.expect_svc("reply", predicate=lambda j: j["cmd"] == line.split()[0])


def seen(client, topic, predicate=lambda j: True):
    """The JSON of the first message received on `topic` (also one already consumed by
    another expect) for which predicate holds, waiting for it."""
    def find():
        for m in list(client.received):
            if m.topic == topic and m.payload and predicate(m.json()):
                return m.json()
        return None
    imtest.wait_for(lambda: find() is not None, what=f"{client.user}: {topic}")
    return find()


def sent_statuses(client):
    return [m.json() for m in list(client.received) if m.topic == f"im/svc/{client.user}"
            and m.json().get("status") == "sent"]


def event(type_):
    return lambda j: j.get("event", {}).get("type") == type_


def room_texts(client, room):
    return [m.text for m in list(client.received) if m.topic.startswith(f"im/room/{room}/")]


class Rooms(imtest.StackTest):
    def _commands_and_roominfo(self, protocol):
        alice = member(self.stack, "alice", protocol)
        bob = member(self.stack, "bob", protocol)
        r = reply(alice, "create #dev")
        self.assertTrue(r["ok"], r)
        info = seen(alice, "im/roominfo/dev")
        self.assertEqual((info["owner"], info["members"], info["event"]["type"]),
                         ("alice", ["alice"], "create"))
        self.assertFalse(reply(bob, "history #dev")["ok"])
        r = reply(bob, "join dev")
        self.assertTrue(r["ok"], r)
        # bob reads the retained state; alice sees the join live.
        self.assertEqual(seen(bob, "im/roominfo/dev")["member_count"], 2)
        ev = seen(alice, "im/roominfo/dev", event("join"))
        self.assertEqual(ev["event"]["user"], "bob")
        self.assertTrue(reply(bob, "topic dev ship it")["ok"])
        ev = seen(alice, "im/roominfo/dev", event("topic"))
        self.assertEqual(ev["topic"], "ship it")
        # A message: rewritten to the sender's topic, `sent` counts the live member.
        alice.publish("im/room/dev", "hello room", user_properties={"ref": "r1"})
        m = bob.expect("im/room/dev/+")
        self.assertEqual((m.topic, m.text), ("im/room/dev/alice", "hello room"))
        st = seen(alice, "im/svc/alice", lambda j: j.get("status") == "sent")
        self.assertEqual((st["room"], st["live"], st["later"]), ("dev", 1, 0))
        if protocol == 5:
            self.assertEqual(st["ref"], "r1")
        hist = reply(bob, "history #dev")
        self.assertEqual([x["text"] for x in hist["messages"]], ["hello room"])
        self.assertEqual(reply(alice, "members dev")["members"],
                         [{"user": "alice", "role": "owner", "online": True},
                          {"user": "bob", "role": "member", "online": True}])
        self.assertEqual(reply(alice, "invite dev zed")["error"], "unknown user 'zed'")
        self.assertTrue(reply(alice, "invite dev carol")["ok"])
        self.assertEqual(reply(bob, "kick dev carol")["error"],
                         "you are not the owner of #dev; only alice can kick")
        self.assertTrue(reply(alice, "kick dev carol")["ok"])
        ev = seen(bob, "im/roominfo/dev", event("kick"))
        self.assertEqual(ev["event"], {"type": "kick", "user": "carol", "by": "alice"})
        # The owner leaves: bob owns it; bob leaves last: the room closes, roominfo cleared.
        self.assertEqual(reply(alice, "leave dev")["owner"], "bob")
        ev = seen(bob, "im/roominfo/dev", event("leave"))
        self.assertEqual(ev["owner"], "bob")
        self.assertTrue(reply(bob, "leave dev")["closed"])
        self.assertEqual(reply(bob, "join dev")["error"],
                         "no such room #dev; create it with 'create dev'")
        fresh = self.stack.client("bob", protocol=protocol)
        fresh.subscribe("im/roominfo/+")
        fresh.expect_none("im/roominfo/dev", timeout=0.5)

    def test_commands_and_roominfo_mqtt5(self):
        self._commands_and_roominfo(5)

    def test_commands_and_roominfo_mqtt311(self):
        self._commands_and_roominfo(4)

    def test_offline_member_gets_missed_messages_in_order_once(self):
        alice = member(self.stack, "alice")
        self.assertTrue(reply(alice, "create dev")["ok"])
        carol = member(self.stack, "carol", protocol=4)
        self.assertTrue(reply(carol, "join dev")["ok"])
        carol.disconnect()
        sent = [f"missed {i:02d}" for i in range(30)]
        for text in sent:
            alice.publish("im/room/dev", text)
        imtest.wait_for(lambda: len(sent_statuses(alice)) == 30, what="30 sent statuses")
        last = sent_statuses(alice)[-1]
        self.assertEqual((last["live"], last["later"]), (0, 1))
        self.assertEqual(reply(alice, "rooms")["rooms"][0]["unread"], 0)
        carol = member(self.stack, "carol", protocol=4)
        imtest.wait_for(lambda: len(room_texts(carol, "dev")) >= len(sent),
                        what=f"the replay; got {room_texts(carol, 'dev')}")
        self.assertEqual(room_texts(carol, "dev"), sent)
        self.assertTrue(all(m.topic == "im/room/dev/alice" for m in carol.received
                            if m.topic.startswith("im/room/")))
        time.sleep(1.0)
        self.assertEqual(room_texts(carol, "dev"), sent)  # once
        carol.disconnect()
        again = member(self.stack, "carol")
        again.expect_none("im/room/+/+", timeout=1.0)
        self.assertEqual(reply(again, "rooms")["rooms"][0]["unread"], 0)

    def test_kicked_member_with_persistent_session_gets_nothing_queued(self):
        alice = member(self.stack, "alice")
        self.assertTrue(reply(alice, "create dev")["ok"])
        bob = member(self.stack, "bob", client_id="bob-persist", clean=False, session_expiry=600)
        self.assertTrue(reply(bob, "join dev")["ok"])
        bob.disconnect()
        for i in range(3):
            alice.publish("im/room/dev", f"queued {i}")
        self.assertTrue(reply(alice, "kick dev bob")["ok"])
        alice.publish("im/room/dev", "after the kick")
        bob = self.stack.client("bob", client_id="bob-persist", clean=False, session_expiry=600)
        notice = seen(bob, "im/svc/bob", lambda j: j.get("event") == "kicked")
        self.assertEqual(notice["text"], "alice removed you from #dev")
        bob.expect_none("im/room/+/+", timeout=1.5)
        self.assertEqual(reply(bob, "history #dev")["error"],
                         "you are not a member of #dev; join it with 'join dev'")


class RoomReplayCap(imtest.StackTest):
    STACK_ARGS = {"daemon_args": ["--room-replay-cap", "5"]}

    def test_cap_and_skipped_notice(self):
        alice = member(self.stack, "alice")
        self.assertTrue(reply(alice, "create dev")["ok"])
        carol = member(self.stack, "carol")
        self.assertTrue(reply(carol, "join dev")["ok"])
        carol.disconnect()
        for i in range(12):
            alice.publish("im/room/dev", f"m{i}")
        imtest.wait_for(lambda: len(sent_statuses(alice)) == 12, what="12 sent statuses")
        carol = self.stack.client("carol")
        carol.subscribe("im/svc/carol")
        carol.subscribe("im/room/+/+")
        carol.subscribe("im/user/carol/+")
        notice = seen(carol, "im/svc/carol", lambda j: j.get("event") == "skipped")
        self.assertEqual(notice["count"], 7)
        self.assertEqual(notice["text"], "7 older messages in #dev were skipped; /history #dev has them")
        got = [carol.expect("im/room/dev/+").text for _ in range(5)]
        self.assertEqual(got, [f"m{i}" for i in range(7, 12)])
        carol.expect_none("im/room/+/+", timeout=1.0)
        # The notice came before the first replayed message.
        order = [m for m in carol.received if m.topic != "im/svc/carol" or
                 m.json().get("event") == "skipped"]
        self.assertEqual(order[0].topic, "im/svc/carol")


class RoomReplayKill(imtest.StackTest):
    STACK_ARGS = {"daemon_args": ["--room-replay-cap", "100000"]}

    def test_sigkill_mid_replay_resends_at_most_the_window_and_loses_nothing(self):
        total = 3000
        alice = member(self.stack, "alice")
        self.assertTrue(reply(alice, "create dev")["ok"])
        carol = member(self.stack, "carol")
        self.assertTrue(reply(carol, "join dev")["ok"])
        carol.disconnect()
        for i in range(total):
            alice.publish("im/room/dev", f"k{i:05d}", wait=(i % 200 == 199))
        imtest.wait_for(lambda: reply(alice, "history #dev 1")["messages"][0]["text"]
                        == f"k{total - 1:05d}", timeout=30, what="all stored")
        carol = self.stack.client("carol")
        carol.subscribe("im/svc/carol")
        carol.subscribe("im/room/+/+")
        carol.subscribe("im/user/carol/+")
        imtest.wait_for(lambda: len(room_texts(carol, "dev")) >= 100, interval=0.001,
                        what="the replay under way")
        self.stack.stop_daemon(signal.SIGKILL)
        cut = len(room_texts(carol, "dev"))
        self.assertLess(cut, total, "the replay had ended before the kill: nothing was tested")
        self.stack.start_daemon()
        imtest.wait_for(lambda: len(set(room_texts(carol, "dev"))) == total, timeout=30,
                        what="every message after the restart")
        time.sleep(0.5)
        texts = room_texts(carol, "dev")
        expected = [f"k{i:05d}" for i in range(total)]
        # In order with the duplicates removed; resent at most the replay window (200).
        seen, ordered = set(), []
        for t in texts:
            if t not in seen:
                seen.add(t)
                ordered.append(t)
        self.assertEqual(ordered, expected)
        self.assertLessEqual(len(texts) - total, 200, f"cut at {cut}")


if __name__ == "__main__":
    import unittest
    unittest.main()
