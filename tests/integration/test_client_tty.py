"""The imchat client on a terminal (a pseudo-terminal that is its controlling terminal), against
the real broker + plugin + daemon: the password prompt without echo and its three tries, the
prompt, a half-typed line surviving incoming messages, tab completion, Ctrl-D and colours."""

import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

HINT = r"-- type a message to send it to everyone"
SGR = re.compile(rb"\x1b\[[0-9;]*m")


def at_prompt(chat, prompt="alice> "):
    """Waits for the input line to be back, empty, after the last line printed. These tests
    type only then, so that what they check does not depend on keys racing the client's setup
    of its line editor; keys typed while lines arrive are the busy-room test's subject."""
    chat.expect(r"(?m)^" + re.escape(prompt) + r"$")


class ClientTty(imtest.StackTest):
    def test_password_prompt_without_echo_then_chat_and_ctrl_d(self):
        watcher = self.stack.chat_client("bob")
        alice = self.stack.chat_tty("alice", password=False)
        alice.expect(r"Password: ")
        alice.send(imtest.PASSWORDS["alice"])
        alice.expect(r"-- connected to 127\.0\.0\.1:\d+ as alice")
        alice.expect(HINT, timeout=10)
        at_prompt(alice)
        alice.send("typed on a terminal")
        m = watcher.expect("im/all/+", predicate=lambda m: m.text == "typed on a terminal")
        self.assertEqual(m.topic, "im/all/alice")
        alice.expect(r"<alice> typed on a terminal")
        at_prompt(alice)
        alice.write(b"\x04")  # Ctrl-D on an empty line: quit
        self.assertEqual(alice.wait(), 0, alice.text()[-1000:])
        watcher.expect("im/presence/alice", predicate=lambda m: b'"online":false' in m.payload
                       and b'"reason":"quit"' in m.payload)
        # The password never reached the screen.
        self.assertNotIn(imtest.PASSWORDS["alice"].encode(), bytes(alice.raw))

    def test_wrong_password_three_times_then_locked(self):
        alice = self.stack.chat_tty("alice", password=False)
        for attempt in (1, 2):
            alice.expect(r"Password: ")
            alice.send(f"wrong-{attempt}")
            alice.expect(rf"imchat: login refused: wrong user name or password "
                         rf"\(try {attempt} of 3\)")
        alice.expect(r"Password: ")
        alice.send("wrong-3")
        alice.expect(r"imchat: login refused 3 times: the name is now locked for a while")
        self.assertEqual(alice.wait(), 1, alice.text()[-1000:])
        self.assertNotIn(b"wrong-", bytes(alice.raw))  # not echoed either
        self.assertEqual(len(re.findall(r"Password: ", alice.text())), 3)

    def test_half_typed_line_survives_incoming_messages(self):
        bob = self.stack.chat_client("bob")
        alice = self.stack.chat_tty("alice")
        alice.expect(HINT, timeout=10)
        at_prompt(alice)
        alice.write("half typ")
        alice.expect(r"(?m)^alice> half typ$")
        bob.publish("im/all", "interrupting")
        bob.publish("im/user/alice", "a private one")
        # Each message is printed above the input line, which is redrawn with the typed text.
        alice.expect(r"(?m)^\d\d:\d\d:\d\d <bob> interrupting$")
        alice.expect(r"(?m)^\d\d:\d\d:\d\d \*bob\* a private one$")
        alice.expect(r"(?m)^alice> half typ$")
        alice.write("ed\r")
        m = bob.expect("im/all/+", predicate=lambda m: m.topic == "im/all/alice")
        self.assertEqual(m.text, "half typed")
        alice.expect(r"(?m)^\d\d:\d\d:\d\d <alice> half typed$")

    def test_editing_keys_typed_in_a_busy_room_are_not_lost(self):
        # Each incoming line is printed while keys may be arriving; none of them may be handled
        # by the terminal driver instead of the line editor (a lost Backspace sends "xok").
        bob = self.stack.chat_client("bob")
        alice = self.stack.chat_tty("alice")
        alice.expect(HINT, timeout=10)
        at_prompt(alice)
        stop = threading.Event()

        def flood():
            k = 0
            while not stop.is_set():
                bob.publish("im/all", f"flood {k}", wait=False)
                k += 1
                time.sleep(0.001)
        t = threading.Thread(target=flood)
        t.start()
        try:
            for _ in range(40):  # a letter typed and erased again, 40 times, as lines arrive
                alice.write(b"x")
                time.sleep(0.01)  # keystroke pacing, not a wait for an event
                alice.write(b"\x7f")
                time.sleep(0.01)
        finally:
            stop.set()
            t.join()
        alice.write(b"ok\r")
        m = bob.expect("im/all/+", timeout=20, predicate=lambda m: m.topic == "im/all/alice")
        self.assertEqual(m.text, "ok")

    def test_tab_completion_and_query_prompt(self):
        bob = self.stack.chat_client("bob")
        alice = self.stack.chat_tty("alice")
        alice.expect(HINT, timeout=10)
        at_prompt(alice)
        # "/wh" would be ambiguous (/who, /whoelse, /whisper ...); an alias completes as well.
        alice.write("/lis\t")
        alice.expect(r"(?m)^alice> /list $")
        alice.write("\r")
        alice.expect(r"-- online: bob")
        at_prompt(alice)
        # User names complete too (bob is known from the welcome).
        alice.write("/msg b\t")
        alice.expect(r"(?m)^alice> /msg bob $")
        alice.write("hi from tab\r")
        self.assertEqual(bob.expect("im/user/bob/+").text, "hi from tab")
        alice.expect(r"-- delivered to bob: hi from tab")
        at_prompt(alice)
        # /query changes the prompt; /query alone changes it back.
        alice.send("/query bob")
        at_prompt(alice, "alice -> bob> ")
        alice.send("in the query")
        m = bob.expect("im/user/bob/+")
        self.assertEqual((m.topic, m.text), ("im/user/bob/alice", "in the query"))
        alice.expect(r"-> \*bob\* in the query")
        alice.expect(r"-- delivered to bob: in the query")
        at_prompt(alice, "alice -> bob> ")
        alice.send("/query")
        alice.expect(r"-- back to everyone")
        at_prompt(alice)

    def test_colours_on_a_terminal_unless_no_color(self):
        alice = self.stack.chat_tty("alice")
        alice.expect(HINT, timeout=10)
        at_prompt(alice)
        self.assertTrue(SGR.search(bytes(alice.raw)), bytes(alice.raw)[:300])
        # The time is dimmed and the notice coloured: codes around the text, not in it.
        self.assertRegex(bytes(alice.raw), rb"\x1b\[2m\d\d:\d\d:\d\d\x1b\[0m \x1b\[36m-- connected")
        alice.write(b"\x04")
        self.assertEqual(alice.wait(), 0)
        for how in ({"env": {"NO_COLOR": "1"}}, {"args": ("--no-color",)}):
            plain = self.stack.chat_tty("bob", **how)
            plain.expect(HINT, timeout=10)
            at_prompt(plain, "bob> ")
            plain.send("colourless")
            plain.expect(r"<bob> colourless")
            at_prompt(plain, "bob> ")
            plain.write(b"\x04")
            self.assertEqual(plain.wait(), 0)
            self.assertIsNone(SGR.search(bytes(plain.raw)), (how, bytes(plain.raw)[:300]))


if __name__ == "__main__":
    import unittest
    unittest.main()
