"""Several devices in the browser (issue 16, topics.md "Several devices"): a DM alice sends
from the imchat CLI shows in her open browser as hers, once; a DM she sends from one browser
shows in her second browser once and is not doubled in the sending one (its carbon comes
back there too and is matched by `ref`/`id`); nobody else sees any of it."""

import unittest

import webtest


def once(browser, text):
    """The messages of browser's open conversation whose text is `text`."""
    return [m for m in browser.messages() or [] if m["text"] == text]


class WebDevices(webtest.WebTest):
    def setUp(self):
        super().setUp()
        # carol listens as widely as she may: she must get none of alice's DMs to bob.
        self.carol = self.stack.client("carol")
        for f in ("#", "im/user/+/+", "im/user/+/alice"):
            self.carol.subscribe(f)
        self.bob = self.stack.chat_client("bob")

    def assert_bob_got_once(self, text):
        self.bob.expect("im/user/bob/alice", predicate=lambda m: m.text == text)
        webtest.holds(lambda: True, 1.0)  # a duplicate would follow right behind
        got = [m for m in self.bob.received if m.text == text]
        self.assertEqual(len(got), 1, f"bob got {text!r} {len(got)} times")

    def assert_carol_saw_nothing(self, texts):
        leaked = [(m.topic, m.text) for m in self.carol.received if m.text in texts]
        self.assertEqual(leaked, [], "carol read alice's direct messages")

    def assert_shown_once(self, browser, text):
        def shown():
            got = once(browser, text)
            return got if len(got) == 1 and got[0]["id"] else None
        # The sending page shows it at once and learns its id from the echo or the status.
        got = browser.wait(shown, f"{text!r} shown exactly once, with its id")[0]
        # The echo, a carbon or a history merge would add a second copy right after.
        self.assertTrue(browser.stays(lambda: len(once(browser, text)) == 1, 2.0),
                        f"{browser.label}: {text!r} shown more than once: {once(browser, text)}")
        self.assertEqual(got["sender"], "alice", got)
        self.assertEqual(got["kind"], "chat", got)
        self.assertTrue(got["id"], f"{browser.label}: {text!r} has no server id: {got}")
        self.assertNotEqual(got["replayed"], "true", got)
        return got

    def test_dm_from_the_cli_shows_in_the_open_browser_as_hers_once(self):
        page = self.logged_in("alice", conv="@bob")
        cli = self.stack.chat("alice")
        cli.ready()
        text = "sent from alice's cli"
        cli.send(f"/msg bob {text}")
        cli.expect_line(r"-- delivered to bob: sent from alice's cli$")
        got = self.assert_shown_once(page, text)
        self.assertIn(got["state"], ("sent", "delivered"), got)
        self.assert_bob_got_once(text)
        self.assertEqual(page.conv("@bob")["unread"], "", "her own message counted as unread")
        # It landed in @bob only.
        page.open_conv("all")
        self.assertEqual(once(page, text), [])
        self.assert_carol_saw_nothing({text})

    def test_dm_from_one_browser_shows_in_the_other_once_and_not_twice_in_the_sender(self):
        laptop = self.logged_in("alice", conv="@bob")
        phone = self.logged_in("alice", size="phone", conv="@bob")
        cli = self.stack.chat("alice")
        cli.ready()
        text = "from alice's laptop browser"
        laptop.send(text)
        sent = self.assert_shown_once(laptop, text)
        laptop.wait_msg(text, state="delivered")
        other = self.assert_shown_once(phone, text)
        self.assertEqual(other["id"], sent["id"], "the two browsers show different messages")
        cli.expect_line(r"\[other device\] -> \*bob\* from alice's laptop browser$")
        self.assert_bob_got_once(text)

        # And back: the phone's message in the laptop, once each; then one from the CLI in
        # both browsers.
        reply = "and from alice's phone"
        phone.send(reply)
        self.assert_shown_once(phone, reply)
        self.assert_shown_once(laptop, reply)
        cli_text = "and from alice's cli"
        cli.send(f"/msg bob {cli_text}")
        self.assert_shown_once(laptop, cli_text)
        self.assert_shown_once(phone, cli_text)
        self.assertEqual(laptop.texts(kind="chat"), [text, reply, cli_text])
        self.assertEqual(phone.texts(kind="chat"), [text, reply, cli_text])
        self.assert_bob_got_once(reply)
        self.assert_bob_got_once(cli_text)
        self.assert_carol_saw_nothing({text, reply, cli_text})

        # A browser of carol sees nothing of it either, live or in her history with bob.
        carol = self.logged_in("carol", conv="@bob")
        carol.open_conv("@alice")
        self.assertTrue(carol.stays(lambda: not set(carol.texts()) & {text, reply, cli_text},
                                    1.0), carol.describe())

    def test_each_device_shows_only_the_answers_to_its_own_commands(self):
        page = self.logged_in("alice")
        cli = self.stack.chat("alice")
        cli.ready()
        # The CLI's refused command: its error line there, nothing in the browser.
        cli.send("/history zed")
        cli.expect_line(r"unknown user 'zed'")
        self.assertTrue(page.stays(lambda: not [t for t in page.texts() if "zed" in t], 2.0),
                        page.describe())
        # The browser's: shown there, not by the CLI.
        page.send("/history zelda")
        page.wait_msg_containing("unknown user 'zelda'")
        cli.expect_no_line(r"zelda", timeout=2.0)
        # Unsolicited: bob adds alice to a room; both devices hear of it.
        self.bob.subscribe("im/svc/bob")
        self.bob.command("create dev")
        self.bob.command("invite dev alice")
        cli.expect_line(r"-- bob added you to #dev\b")
        page.wait(lambda: (page.conv("#dev") or {}).get("conv") == "#dev", "#dev in the sidebar")

    def test_join_of_a_room_i_am_in_opens_it(self):
        page = self.logged_in("alice")
        self.bob.subscribe("im/svc/bob")
        self.bob.command("create dev")
        self.bob.command("invite dev alice")
        page.wait(lambda: page.conv("#dev"), "#dev in the sidebar")
        for line in ("/join dev", "/join #dev"):
            page.open_conv("all")
            page.send(line)
            page.wait(lambda: page.js("return document.querySelector('#messages').dataset.conv;")
                      == "#dev", f"{line} to open #dev")
            self.assertTrue(page.stays(lambda: not [t for t in page.texts()
                                                    if "already a member" in t], 1.0),
                            page.describe())


if __name__ == "__main__":
    unittest.main()
