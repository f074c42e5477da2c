"""Notifications in the browser (issue 16): with the permission granted (CDP
Browser.grantPermissions, as a user allowing it), a DM and a mention in a room show a desktop
Notification and count in the title badge; a room message without a mention only counts; the
page's own messages (sent there, or from alice's other device as a carbon) do neither.

The page's Notification constructor is wrapped from the test (execute_script) so each one
the app makes is recorded and still shown; permission is the browser's real one."""

import unittest

import webtest

JS_SPY = """
const Real = window.Notification;
window.__notes = [];
function Spy(title, options) {
  window.__notes.push({title, body: options && options.body, tag: options && options.tag});
  return new Real(title, options);
}
Object.defineProperty(Spy, 'permission', {get: () => Real.permission});
Spy.requestPermission = (...a) => Real.requestPermission(...a);
window.Notification = Spy;
return Real.permission;
"""


class WebNotify(webtest.WebTest):
    def notes(self, page):
        return page.js("return window.__notes;")

    def test_dm_and_mention_notify_and_count_own_messages_do_not(self):
        alice = self.logged_in("alice", conv="all")
        origin = alice.url.rstrip("/")
        alice.driver.execute_cdp_cmd("Browser.grantPermissions",
                                     {"origin": origin, "permissions": ["notifications"]})
        self.assertEqual(alice.js(JS_SPY), "granted", "the notification permission")
        self.assertFalse(alice.title().startswith("("), alice.title())
        bob = self.stack.chat_client("bob")
        carol = self.stack.chat_client("carol")

        # A DM while everyone is open: a notification naming bob, and the badge.
        bob.publish("im/user/alice", "bob here, a direct word")
        alice.wait(lambda: len(self.notes(alice)) == 1, "a notification for bob's DM")
        note = self.notes(alice)[0]
        self.assertEqual(note["title"], "bob (direct)", note)
        self.assertEqual(note["body"], "bob here, a direct word", note)
        alice.wait(lambda: alice.title().startswith("(1) "), "the title badge (1)")

        # A room of carol's with alice in it: a plain message counts, a mention notifies.
        carol.command("create dev")
        carol.expect_svc("reply", predicate=lambda j: j.get("cmd") == "create" and j.get("ok"))
        carol.command("invite dev alice")
        carol.expect_svc("reply", predicate=lambda j: j.get("cmd") == "invite" and j.get("ok"))
        alice.wait(lambda: alice.conv("#dev"), "#dev in alice's sidebar")
        carol.publish("im/room/dev", "just chatting in dev")
        alice.wait(lambda: alice.title().startswith("(2) "), "the title badge (2)")
        carol.publish("im/room/dev", "what do you think, @alice?")
        alice.wait(lambda: len(self.notes(alice)) == 2, "a notification for carol's mention")
        note = self.notes(alice)[1]
        self.assertEqual(note["title"], "carol in dev", note)
        self.assertEqual(note["body"], "what do you think, @alice?", note)
        alice.wait(lambda: alice.title().startswith("(3) "), "the title badge (3)")
        self.assertEqual((alice.conv("#dev") or {}).get("unread"), "2", alice.describe())

        # Her own: a line naming herself in everyone, and a DM from her other device (its
        # carbon arrives in @bob, which is not open): no notification, no count.
        alice.send("alice here, talking about alice")
        alice.wait_msg("alice here, talking about alice", sender="alice")
        cli = self.stack.chat("alice")
        cli.ready()
        cli.send("/msg bob alice again, from the cli")
        bob.expect("im/user/bob/alice", predicate=lambda m: m.text == "alice again, from the cli")
        alice.open_conv("@bob")
        alice.wait_msg("alice again, from the cli", sender="alice")
        self.assertEqual(len(self.notes(alice)), 2, self.notes(alice))
        # Opening @bob read its one message: 2 left (the room's).
        alice.wait(lambda: alice.title().startswith("(2) "), "the title badge (2) after reading")
        self.assertTrue(alice.stays(lambda: len(self.notes(alice)) == 2, 1.0),
                        f"her own messages notified: {self.notes(alice)}")
        alice.open_conv("#dev")
        alice.wait(lambda: not alice.title().startswith("("), "no badge with everything read")


if __name__ == "__main__":
    unittest.main()
