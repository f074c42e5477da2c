"""The imchat client in room conversations (topics.md "Rooms"), driven as a process in stdin
mode against the room contract played by a fake server: a plain mosquitto (no imchat plugin)
and a paho client standing in for the plugin and the service. The fake answers the commands
on im/cmd/<me> with the contract's replies, stamps a member's im/room/<room> line and hands it
back on im/room/<room>/<me> with its status, and publishes room info, notices and other
members' lines. So this checks what the client publishes and what it shows, whatever state
the real plugin and daemon are in; the end-to-end room tests run them all."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import imtest

TIME = r"(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d "


class FakeServer:
    """A plain mosquitto on a free port (anonymous, any user name) and the fake service."""

    def __init__(self):
        imtest.require_program("mosquitto", "mosquitto")
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="imchat-rooms-client-"))
        self.port = imtest.free_port()
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
            if os.geteuid() == 0:
                f.write("user root\n")
        self.log = open(os.path.join(self.dir, "mosquitto.log"), "ab")
        self.broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=self.log,
                                       stderr=self.log)

        def up():
            if self.broker.poll() is not None:
                raise AssertionError("mosquitto exited")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False
        imtest.wait_for(up, what="mosquitto to listen")
        self.svc = imtest.Client(self.port, None, None)
        self.svc.connect()
        for f in ("im/cmd/+", "im/room/+", "im/all", "im/user/+"):
            self.svc.subscribe(f)
        self.chats = []
        self.seq = 0

    def chat(self, user):
        # UTC: replayed lines show their original date and time, checked exactly.
        c = imtest.ChatProcess(imtest.chat_command(self.port, user),
                               imtest.chat_env(user, env={"TZ": "UTC"}))
        self.chats.append(c)
        return c

    def stop(self):
        for c in self.chats:
            c.stop()
        self.svc.disconnect()
        self.broker.terminate()
        self.broker.wait(10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- the service's side of the contract
    def command(self, user, expected):
        """Waits for `user`'s next command and checks it is `expected`."""
        m = self.svc.expect(f"im/cmd/{user}")
        assert m.text == expected, f"command {m.text!r}, expected {expected!r}"
        return m

    def reply(self, user, cmd, ok=True, **fields):
        body = {"type": "reply", "cmd": cmd, "ok": ok, "text": fields.pop("text", cmd)}
        body.update(fields)
        self.svc.publish(f"im/svc/{user}", json.dumps(body))

    def notice(self, user, **fields):
        self.svc.publish(f"im/svc/{user}", json.dumps(dict(type="notice", **fields)))

    def room_info(self, room, retain=False, event=None, topic="", members=("alice", "bob")):
        info = {"room": room, "topic": topic, "owner": members[0], "invite_only": False,
                "member_count": len(members), "members": list(members), "ts": 1}
        if event:
            info["event"] = event
        self.svc.publish(f"im/roominfo/{room}", json.dumps(info), retain=retain)

    def room_line(self, room, sender, text, queued=False, ts=None):
        self.seq += 1
        props = {"id": f"fake-{self.seq}", "ts": str(ts or int(time.time() * 1000))}
        if queued:
            props["queued"] = "1"
        self.svc.publish(f"im/room/{room}/{sender}", text, user_properties=props)

    def relay_room_line(self, user, room, expected, live=1, later=1):
        """Takes `user`'s line to im/room/<room>, hands it to the members as the broker does
        and confirms it as the service does; returns its ref."""
        m = self.svc.expect(f"im/room/{room}")
        assert m.text == expected, f"room line {m.text!r}, expected {expected!r}"
        ref = m.props.get("ref", "")
        self.room_line(room, user, m.text)
        self.svc.publish(f"im/svc/{user}", json.dumps(
            {"type": "status", "status": "sent", "room": room, "id": f"fake-{self.seq}",
             "ref": ref, "live": live, "later": later,
             "text": f"sent to #{room}: {live} now, {later} at their next login"}))
        return ref


class RoomsClient(unittest.TestCase):
    def setUp(self):
        imtest.require_client()
        self.server = FakeServer()
        self.addCleanup(self.server.stop)

    def test_room_conversation_commands_context_and_notices(self):
        srv = self.server
        # A retained room info from before: state only, no line.
        srv.room_info("ops", retain=True, topic="Ops talk", members=("carol", "alice"))
        alice = srv.chat("alice")
        alice.ready()

        # Bad names never leave the client.
        alice.send("/join d/v")
        alice.expect_line(r"-- error: 'd/v' is not a valid room name: the name contains '/'")
        alice.send("/create " + "x" * 33)
        alice.expect_line(r"-- error: 'x{33}' is not a valid room name: the name is longer")
        alice.send("/leave")
        alice.expect_line(r"-- error: /leave needs a room: you are not talking in one")
        srv.svc.expect_none("im/cmd/+", timeout=0.5)

        # /join: the service's command; the reply makes #dev the conversation.
        alice.send("/join #dev")
        srv.command("alice", "join dev")
        srv.reply("alice", "join", room="dev", topic="Dev talk", member_count=2)
        alice.expect_line(r"^" + TIME + r"-- joined #dev \(2 members\); topic: Dev talk$")
        alice.expect_line(r"-- what you type now goes to #dev; /query alone goes back to everyone$")

        # A plain line goes to the room; my own line comes back bare, the status names who
        # gets it later.
        alice.send("hello dev")
        ref = srv.relay_room_line("alice", "dev", "hello dev")
        self.assertTrue(ref)
        alice.expect_line(r"^" + TIME + r"<alice> hello dev$")
        alice.expect_line(r"-- sent to #dev: 1 now, 1 at their next login: hello dev$")
        srv.svc.expect_none("im/all", timeout=0.3)

        # Lines of the current room are bare; other rooms and broadcasts carry their context.
        srv.room_line("dev", "bob", "hi alice")
        alice.expect_line(r"^" + TIME + r"<bob> hi alice$")
        srv.room_line("ops", "carol", "in ops")
        alice.expect_line(r"^" + TIME + r"\[#ops\] <carol> in ops$")
        srv.svc.publish("im/all/bob", "to everyone", user_properties={"id": "b1"})
        alice.expect_line(r"^" + TIME + r"\[all\] <bob> to everyone$")
        srv.room_line("ops", "carol", "missed", queued=True, ts=1795348683000)
        alice.expect_line(r"^2026-11-22 11:58:03 \[away\] \[#ops\] <carol> missed$")

        # Live room info is a notice; what alice does herself is in her replies.
        srv.room_info("dev", event={"type": "join", "user": "carol"},
                      members=("alice", "bob", "carol"))
        alice.expect_line(r"-- carol joined #dev$")
        srv.room_info("dev", event={"type": "topic", "user": "bob", "by": "bob"}, topic="Ship it")
        alice.expect_line(r"-- topic of #dev \(set by bob\): Ship it$")

        # /rooms: unread counts from the reply, lines seen while elsewhere counted here.
        alice.send("/rooms")
        srv.command("alice", "rooms")
        srv.reply("alice", "rooms", rooms=[
            {"room": "dev", "topic": "Ship it", "member_count": 3, "unread": 0},
            {"room": "ops", "topic": "Ops talk", "member_count": 2, "unread": 4}])
        alice.expect_line(r"-- your rooms \(2\):$")
        alice.expect_line(r"--   #dev \(3 members, current\): Ship it$")
        alice.expect_line(
            r"--   #ops \(2 members, 4 unread, 2 new while you were elsewhere\): Ops talk$")

        # Commands without a room use the current one.
        alice.send("/members")
        srv.command("alice", "members dev")
        srv.reply("alice", "members", room="dev", members=[
            {"user": "alice", "role": "owner", "online": True},
            {"user": "bob", "role": "member", "online": False}])
        alice.expect_line(r"-- members of #dev \(2, 1 online\): alice \(owner, online\), bob$")
        alice.send("/topic dev Release on Friday")
        srv.command("alice", "topic dev Release on Friday")
        srv.reply("alice", "topic", room="dev", topic="Release on Friday")
        alice.expect_line(r"-- topic of #dev set to: Release on Friday$")
        alice.send("/history #dev 5")
        srv.command("alice", "history #dev 5")
        srv.reply("alice", "history", messages=[
            {"id": "1", "from": "bob", "to": "dev", "ts": 1795348683000, "text": "hi alice"}])
        alice.expect_line(r"-- history of #dev \(1 messages\):$")
        alice.expect_line(r"-- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d <bob> hi alice$")
        alice.send("/invite dev carol")
        srv.command("alice", "invite dev carol")
        srv.reply("alice", "invite", ok=False, error="carol blocks you; not invited")
        alice.expect_line(r"-- error: carol blocks you; not invited$")

        # A message to a room alice is not in: the refusal is an error line naming it.
        alice.send("/query #ops")
        alice.expect_line(r"-- what you type now goes to #ops")
        alice.send("ops line")
        m = srv.svc.expect("im/room/ops")
        srv.svc.publish("im/svc/alice", json.dumps(
            {"type": "status", "status": "refused", "room": "ops", "ref": m.props.get("ref", ""),
             "reason": "you are not a member of #ops", "text": "x"}))
        alice.expect_line(r"-- error: not delivered to #ops: you are not a member of #ops: ops line$")

        # Removed from the current room: back to everyone at once.
        alice.send("/query #dev")
        alice.expect_line(r"-- what you type now goes to #dev")
        srv.notice("alice", event="kicked", room="dev", by="bob", text="bob removed you from #dev")
        alice.expect_line(r"-- bob removed you from #dev$")
        alice.expect_line(r"-- you are no longer in #dev: what you type goes to everyone$")
        alice.send("after the kick")
        self.assertEqual(srv.svc.expect("im/all").text, "after the kick")
        srv.notice("alice", event="invited", room="qa", by="carol", text="carol added you to #qa")
        alice.expect_line(r"-- carol added you to #qa; /query #qa talks there$")
        srv.notice("alice", event="skipped", room="qa", count=3,
                   text="3 older messages in #qa were skipped; /history #qa has them")
        alice.expect_line(r"-- 3 older messages in #qa were skipped; /history #qa has them$")

        # /create and /leave (/part) of the current room.
        alice.send("/create ops2 invite-only")
        srv.command("alice", "create ops2 invite-only")
        srv.reply("alice", "create", room="ops2", invite_only=True)
        alice.expect_line(r"-- created invite-only room #ops2; you own it$")
        alice.expect_line(r"-- what you type now goes to #ops2")
        alice.send("/part")
        srv.command("alice", "leave ops2")
        srv.reply("alice", "leave", room="ops2")
        alice.expect_line(r"-- left #ops2$")
        alice.expect_line(r"-- you are no longer in #ops2: what you type goes to everyone$")

        # At the end of stdin every reply and status was seen: a clean exit, nothing
        # reported unconfirmed, and the retained #ops info never showed a line.
        alice.close_stdin()
        self.assertEqual(alice.wait(), 0)
        alice.expect_no_line(r"not confirmed|error: .*(not sent|refused the sub)", timeout=0.1)
        self.assertFalse([l for l in alice.lines if "Ops talk" in l and "#ops (" not in l])

    def test_a_script_waits_for_room_replies_and_statuses(self):
        srv = self.server
        alice = srv.chat("alice")
        alice.ready()
        alice.send("/query #dev")
        alice.send("one")
        alice.send("/rooms all")
        alice.close_stdin()
        srv.relay_room_line("alice", "dev", "one", later=0)
        srv.command("alice", "rooms all 1")
        time.sleep(0.5)  # the client is still waiting: the reply has not come
        self.assertIsNone(alice.proc.poll())
        srv.reply("alice", "rooms", page=1, pages=1, total=1,
                  rooms=[{"room": "dev", "topic": "", "member_count": 3}])
        alice.expect_line(r"-- open rooms \(1 in all\):$")
        alice.expect_line(r"--   #dev \(3 members\)$")
        self.assertEqual(alice.wait(), 0)
        # Everyone got it live: no status line.
        self.assertFalse([l for l in alice.lines if "sent to #dev" in l])


if __name__ == "__main__":
    unittest.main()
