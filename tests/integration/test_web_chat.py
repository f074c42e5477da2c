"""The web client in headless Chromium (label web): two browsers chat on everyone, in a room
and by DM; a browser with the imchat CLI and with mosquitto_pub/sub; an offline DM shown after
login with its original time; the lockout; reconnecting after a broker restart with what was
typed offline sent once and in order; a user removed from users.txt."""

import datetime
import re
import unittest

import imtest
import webtest
from imtest import wait_for

LOGIN_REFUSED = re.compile(r"wrong name or password.*locked", re.I | re.S)


def iso_to_ms(text):
    """ISO-8601 (`...Z` or with an offset) to ms since the epoch."""
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise AssertionError(f"time.time datetime {text!r} has no time zone")
    return int(t.timestamp() * 1000)


class WebChat(webtest.WebTest):
    def test_two_browsers_chat_on_everyone_in_a_room_and_by_dm(self):
        alice = self.logged_in("alice")
        bob = self.logged_in("bob", size="phone")
        alice.send("hello everyone from alice")
        got = bob.wait_msg("hello everyone from alice", sender="alice", kind="chat")
        self.assertTrue(got["id"], got)
        alice.wait_msg("hello everyone from alice", sender="alice")
        bob.send("hi alice, bob on a phone")
        alice.wait_msg("hi alice, bob on a phone", sender="bob", kind="chat")

        # A room: alice creates it, bob joins, both talk.
        alice.send("/create lounge")
        alice.open_conv("#lounge")
        bob.send("/join #lounge")
        bob.open_conv("#lounge")
        alice.send("welcome to the lounge")
        bob.wait_msg("welcome to the lounge", sender="alice", kind="chat")
        bob.send("nice room")
        alice.wait_msg("nice room", sender="bob", kind="chat")
        # Room talk stays in the room.
        bob.open_conv("all")
        self.assertNotIn("welcome to the lounge", bob.texts())

        # A DM each way, with the sender's delivery state.
        alice.open_conv("@bob")
        alice.send("psst bob, just you")
        bob.open_conv("@alice")
        bob.wait_msg("psst bob, just you", sender="alice", kind="chat")
        alice.wait_msg("psst bob, just you", state="delivered")
        bob.send("ok alice")
        alice.wait_msg("ok alice", sender="bob")
        bob.wait_msg("ok alice", state="delivered")
        alice.open_conv("all")
        self.assertNotIn("psst bob, just you", alice.texts())

    def test_browser_with_the_imchat_cli(self):
        cli = self.stack.chat("bob")
        cli.ready()
        alice = self.logged_in("alice")
        alice.send("hello cli")
        cli.expect_line(r"<alice> hello cli$")
        cli.send("hello browser")
        alice.wait_msg("hello browser", sender="bob", kind="chat")
        alice.open_conv("@bob")
        alice.send("private to the cli")
        cli.expect_line(r"\*alice\* private to the cli$")
        alice.wait_msg("private to the cli", state="delivered")
        cli.send("/msg alice private to the browser")
        alice.wait_msg("private to the browser", sender="bob", kind="chat")
        cli.expect_line(r"-- delivered to alice: private to the browser$")

    def test_browser_with_mosquitto_pub_and_sub(self):
        alice = self.logged_in("alice")
        # -W: a browser can take long to start on a loaded machine; -C 2 ends it normally.
        sub = self.stack.mosquitto_sub("bob", ["im/all/+", "im/user/bob/+"], count=2, timeout=120)
        self.addCleanup(imtest.terminate, sub)
        # mosquitto_sub has no "subscribed" signal: wait until alice's address book shows bob
        # online (the service saw his login and his inbox subscription).
        alice.wait(lambda: alice.js(
            "const c = document.querySelector('#address-book li.contact[data-user=\"bob\"]');"
            "return c && c.dataset.online === 'true';"), "bob (mosquitto_sub) to show online")
        alice.send("to everyone incl. mosquitto_sub")
        alice.open_conv("@bob")
        alice.send("to bob's mosquitto_sub")
        out, err = sub.communicate(timeout=30)
        self.assertEqual(out.splitlines(), ["im/all/alice to everyone incl. mosquitto_sub",
                                            "im/user/bob/alice to bob's mosquitto_sub"], err)
        rc, log = self.stack.mosquitto_pub("bob", "im/user/alice", "from mosquitto_pub")
        self.assertEqual(rc, 0, log)
        alice.wait_msg("from mosquitto_pub", sender="bob", kind="chat")
        rc, log = self.stack.mosquitto_pub("carol", "im/all", "carol via mosquitto_pub",
                                           version="mqttv311")
        self.assertEqual(rc, 0, log)
        alice.open_conv("all")
        alice.wait_msg("carol via mosquitto_pub", sender="carol", kind="chat")

    def test_offline_dm_shown_after_login_with_its_original_time_and_marked_replayed(self):
        bob = self.stack.chat_client("bob")
        bob.publish("im/user/alice", "sent while alice was away")
        status = bob.expect_svc("status", predicate=lambda j: j.get("status") == "queued")
        # The original send time (the broker's ts) is what the browser must show.
        bob.command("history alice 5")
        reply = bob.expect_svc("reply", predicate=lambda j: j.get("cmd") == "history")
        ts = [m["ts"] for m in reply["messages"] if m["text"] == "sent while alice was away"][0]
        # Time passes between sending and alice's login, so showing the arrival time fails.
        wait_for(lambda: webtest.now_ms() - ts > 2500, timeout=5, what="2.5 s to pass")
        self.assertTrue(status["id"])
        alice = self.logged_in("alice", conv="@bob")
        got = alice.wait_msg("sent while alice was away", sender="bob", kind="chat")
        self.assertEqual(got["replayed"], "true", got)
        self.assertEqual(got["id"], status["id"], got)
        self.assertTrue(got["datetime"], f"no time.time datetime: {got}")
        shown = iso_to_ms(got["datetime"])
        self.assertLess(abs(shown - ts), 1000, f"shown {got['datetime']}, sent at {ts} ms")

    def test_lockout_after_three_bad_passwords_refuses_the_right_one_too(self):
        b = self.browser("mallory")
        for attempt in range(3):
            text = b.login("alice", password=f"wrong-{attempt}", expect_ok=False)
            self.assertRegex(text, LOGIN_REFUSED)
            self.assertFalse(b.visible("#app"), "#app shown after a refused login")
            # The next try must show its own refusal: clear the old one (login() waits for
            # the form to be usable again).
            b.js("const e = document.querySelector('#login-error'); if (e) e.textContent = '';")
        text = b.login("alice", expect_ok=False)
        self.assertRegex(text, LOGIN_REFUSED)
        self.assertFalse(b.visible("#app"), "#app shown for a locked name")
        self.assertIn("bad password; the name is now locked", self.stack.server_log())
        # bob is not affected.
        b2 = self.browser("bob")
        b2.login("bob")

    def test_reconnect_after_broker_restart_sends_what_was_typed_offline_once_in_order(self):
        # While the broker is down the browser's WebSocket attempts fail: expected here.
        self.allow_console(r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/mqtt' failed")
        alice = self.logged_in("alice", conv="@bob")
        ready = self.stack._ready_count()
        self.stack.stop_broker()
        alice.wait(lambda: alice.conn_state() in ("connecting", "offline"),
                   "#conn-state to leave online when the broker stops")
        typed = [f"typed offline {i}" for i in range(1, 4)]
        for t in typed:
            alice.send(t)
        for t in typed:
            m = alice.wait_msg(t)
            self.assertIn(m["state"], ("sending", "queued"), m)
        self.stack.start_broker()
        wait_for(lambda: self.stack._ready_count() > ready, timeout=20,
                 what="the daemon to reconnect")
        # bob stays offline until alice's page is back and has sent: the held messages are
        # then queued for him and replayed in order at his login.
        alice.wait_online(timeout=40)
        for t in typed:
            alice.wait_msg(t, state="queued", timeout=20)
        bob = self.stack.chat_client("bob")
        for t in typed:
            alice.wait_msg(t, state="delivered", timeout=20)
        got = lambda: [m.text for m in bob.received if m.topic == "im/user/bob/alice"]
        wait_for(lambda: len(got()) >= 3, timeout=10, what="bob to get the three messages")
        # A duplicate would come right behind: give it two seconds.
        webtest.holds(lambda: len(got()) == 3, seconds=2)
        got = got()
        self.assertEqual(got, typed, "held messages lost, duplicated or out of order")
        self.assertEqual(alice.texts(kind="chat"), typed, "the browser shows a held message twice")

    def test_user_removed_from_users_txt_is_logged_out_and_refused(self):
        carol = self.logged_in("carol")
        alice = self.logged_in("alice")
        users = imtest.DEFAULT_USERS.replace("carol singer\n", "")
        self.assertNotEqual(users, imtest.DEFAULT_USERS)
        self.stack.write_users(users)
        self.stack.reload_broker()
        # Kicked: the page leaves online and does not get back in (the login is refused).
        carol.wait(lambda: carol.conn_state() != "online" or carol.visible("#login-form"),
                   "carol's page to notice she was removed", timeout=15)
        alice.send("after carol was removed")
        alice.wait_msg("after carol was removed", sender="alice")
        self.assertTrue(carol.stays(lambda: carol.conn_state() != "online" or
                                    carol.visible("#login-form"), seconds=3),
                        "carol's page got back online after her removal")
        self.assertNotIn("after carol was removed", carol.texts() if carol.visible("#app") else [])
        fresh = self.browser("carol-again")
        text = fresh.login("carol", expect_ok=False)
        self.assertRegex(text, LOGIN_REFUSED)


if __name__ == "__main__":
    unittest.main()
