"""The commands users of the course assignments type from habit, in the real imchat client
against the real broker + plugin + daemon: each alias (/list, /whoelse, /whoelsesince, /toall,
/broadcast, /message, /whisper, /exit, /logout) does what its command does and /help shows it;
the address book (`users [page]`) seen by the client and by a paho client, with more users than
one page; and tab completion offering a user who was never online (the interactive client
fetches the address book after login)."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

TIME = r"(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d "
PAGE = 100  # kUsersPageSize (auth-service/core/limits.h)

# The demo users plus enough others for three pages: 6 + 243 + zelda = 250 users.
# zelda sorts last and never logs in.
MANY = [f"u{i:03d}" for i in range(243)] + ["zelda"]
MANY_USERS = imtest.DEFAULT_USERS + "".join(f"{name} pw-{name}\n" for name in MANY)
ALL_NAMES = sorted(list(imtest.PASSWORDS) + MANY)


class HabitAliases(imtest.StackTest):
    def chat(self, user):
        c = self.stack.chat(user)
        c.ready()
        return c

    def test_each_alias_does_what_its_command_does(self):
        alice = self.chat("alice")
        bob = self.chat("bob")
        alice.expect_line(r"-- bob joined$")
        # Who is online: /list and /whoelse as /who; /whoelsesince as /since.
        for line in ("/who", "/list", "/whoelse"):
            alice.send(line)
            alice.expect_line(r"^" + TIME + r"-- online: bob$")
        alice.send("/whoelsesince 5m")
        alice.expect_line(r"^" + TIME + r"-- online in the last 5m: bob \(online\)$")
        # Private: /message and /whisper as /msg, with the delivery status.
        for verb in ("message", "whisper"):
            alice.send(f"/{verb} bob by {verb}")
            bob.expect_line(r"^" + TIME + rf"\*alice\* by {verb}$")
            alice.expect_line(rf"-- delivered to bob: by {verb}$")
        # To everyone: /all, /toall and /broadcast reach the room also while a /query is set,
        # where a plain line goes to the query's user only.
        alice.send("/query bob")
        alice.expect_line(r"what you type now goes to bob only")
        for verb in ("all", "toall", "broadcast"):
            alice.send(f"/{verb} room by {verb}")
            bob.expect_line(r"^" + TIME + rf"<alice> room by {verb}$")
            alice.expect_line(r"^" + TIME + rf"<alice> room by {verb}$")
        alice.send("plain in the query")
        bob.expect_line(r"^" + TIME + r"\*alice\* plain in the query$")
        bob.expect_no_line(r"<alice> plain in the query", timeout=0.5)
        # /help names the aliases beside the command.
        alice.send("/help")
        for usage in [r"/msg \(/to, /message, /whisper\) <user> <text>  ",
                      r"/all \(/toall, /broadcast\) <text>  ", r"/who \(/list, /whoelse\)  ",
                      r"/since \(/whoelsesince\) <duration>  ", r"/users \[page\]  ",
                      r"/quit \(/exit, /logout\)  "]:
            alice.expect_line(r"^" + TIME + r"-- " + usage)
        alice.send("/help whisper")
        alice.expect_line(r"-- /msg \(/to, /message, /whisper\) <user> <text>  send a private "
                          r"message$")
        # Quitting: /exit and /logout as /quit, a clean logout the others see as "quit".
        alice.send("/exit")
        self.assertEqual(alice.wait(), 0, alice.output())
        bob.expect_line(r"-- alice left \(quit\)$")
        carol = self.chat("carol")
        bob.expect_line(r"-- carol joined$")
        carol.send("/logout")
        self.assertEqual(carol.wait(), 0, carol.output())
        bob.expect_line(r"-- carol left \(quit\)$")


class AddressBook(imtest.StackTest):
    STACK_ARGS = {"users": MANY_USERS}

    def test_users_pages_in_the_client(self):
        bob = self.stack.chat("bob")
        bob.ready()
        bob.send("/nick Bob B.")
        bob.expect_line(r"-- display name set to 'Bob B.'$")
        alice = self.stack.chat("alice")
        alice.ready()
        alice.send("/users")
        # One line per user in name order, with display name and online or never seen.
        for name in ALL_NAMES[:PAGE]:
            state = {"alice": "online", "bob": "online"}.get(name, "never seen")
            shown = "bob (Bob B.)" if name == "bob" else name
            alice.expect_line(r"^" + TIME + "-- " + re.escape(f"{shown}: {state}") + "$")
        alice.expect_line(r"^" + TIME + r"-- page 1 of 3 \(250 users\); /users 2 for more$")
        alice.send("/users 3")
        last = ALL_NAMES[2 * PAGE:]
        self.assertEqual(len(last), 50)
        for name in last:
            alice.expect_line(r"^" + TIME + "-- " + re.escape(f"{name}: never seen") + "$")
        alice.expect_line(r"^" + TIME + r"-- page 3 of 3 \(250 users\)$")
        alice.send("/users 4")
        alice.expect_line(r"-- error: page 4 is past the end: 250 users make 3 pages; "
                          r"try 'users 3'$")
        # bob, who left, is shown with the time he was last seen.
        bob.send("/quit")
        self.assertEqual(bob.wait(), 0, bob.output())
        alice.expect_line(r"-- bob left \(quit\)$")
        alice.send("/users")
        alice.expect_line(r"^" + TIME + r"-- bob \(Bob B\.\): last seen \d\d:\d\d:\d\d$")
        alice.send("/users 0")
        alice.expect_line(r"-- error: /users takes a page number of 1 or more: /users \[page\]$")
        # End of input: the client waited for its answers and leaves cleanly.
        alice.close_stdin()
        self.assertEqual(alice.wait(), 0, alice.output())

    def test_users_paging_over_mqtt(self):
        alice = self.stack.chat_client("alice")
        seen = []
        for page, count in ((1, PAGE), (2, PAGE), (3, 50)):
            alice.command(f"users {page}" if page > 1 else "users")
            r = alice.expect_svc("reply")
            self.assertEqual((r["cmd"], r["ok"]), ("users", True), r)
            self.assertEqual((r["page"], r["pages"], r["total"]), (page, 3, 250))
            self.assertEqual(len(r["users"]), count)
            for u in r["users"]:
                self.assertEqual(set(u), {"user", "display", "online", "last_seen"}, u)
            seen += [u["user"] for u in r["users"]]
            self.assertTrue(r["text"].startswith(f"Users {(page - 1) * PAGE + 1}-"), r["text"])
        self.assertEqual(seen, ALL_NAMES)  # every user once, sorted
        alice.command("users 1")
        first = alice.expect_svc("reply")["users"]
        me = next(u for u in first if u["user"] == "alice")
        self.assertTrue(me["online"])
        self.assertIsInstance(me["last_seen"], int)
        alice.command("users 3")
        zelda = alice.expect_svc("reply")["users"][-1]
        self.assertEqual(zelda, {"user": "zelda", "display": "", "online": False,
                                 "last_seen": None})
        for line, error in (("users 4", "page 4 is past the end: 250 users make 3 pages; "
                                        "try 'users 3'"),
                            ("users 0", "'0' is not a page number (1 or more); "
                                        "usage: users [page]"),
                            ("users x", "'x' is not a page number (1 or more); "
                                        "usage: users [page]")):
            alice.command(line)
            r = alice.expect_svc("reply")
            self.assertEqual((r["cmd"], r["ok"], r["error"]), ("users", False, error))

    def test_tab_completion_offers_a_user_never_online(self):
        alice = self.stack.chat_tty("alice")
        alice.expect(r"-- type a message to send it to everyone", timeout=10)
        alice.expect(r"(?m)^alice> $")
        alice.write("/msg zel")
        alice.expect(r"(?m)^alice> /msg zel$")

        # zelda was never online and sent nothing: only the address book, fetched quietly
        # after login (3 pages), names her. Tab until the fetch has reached her page.
        def completed():
            alice.write("\t")
            try:
                alice.expect(r"(?m)^alice> /msg zelda $", timeout=0.5)
                return True
            except AssertionError:
                return False
        imtest.wait_for(completed, timeout=10, what="zelda offered by tab completion")
        alice.write("hello zelda\r")
        alice.expect(r"-- queued for zelda \(offline\): hello zelda")
        # The quiet fetch printed nothing: no page footer on the screen.
        self.assertNotRegex(alice.text(), r"page \d+ of \d+")
