"""Rooms in the web client (label web): create, join, invite, kick (the kicked member's view
updates and gets nothing more), unread counts in the sidebar and the title badge for messages
that arrive while another conversation is open."""

import re
import unittest

import webtest


class WebRooms(webtest.WebTest):
    def not_member(self, browser, room):
        c = browser.conv(room)
        return c is None or c["member"] == "false"

    def test_create_join_invite_and_kick(self):
        alice = self.logged_in("alice")
        bob = self.logged_in("bob")
        carol = self.logged_in("carol", size="phone")

        # An open room: carol joins it by command, alice sees the notice.
        alice.send("/create plaza")
        alice.open_conv("#plaza")
        carol.send("/join #plaza")
        carol.open_conv("#plaza")
        alice.wait(lambda: any(m["kind"] == "notice" and "carol" in (m["text"] or "")
                               for m in alice.messages()), "a notice that carol joined #plaza")
        carol.send("carol in the plaza")
        alice.wait_msg("carol in the plaza", sender="carol", kind="chat")

        # An invite-only room: bob cannot join until alice invites him.
        alice.send("/create club invite-only")
        alice.open_conv("#club")
        bob.send("/join #club")
        bob.wait(lambda: any(m["kind"] == "service" and "invite-only" in (m["text"] or "")
                             for m in bob.messages()), "the refusal to join invite-only #club")
        self.assertTrue(self.not_member(bob, "#club"), bob.conv("#club"))
        alice.send("/invite club bob")
        bob.wait(lambda: (bob.conv("#club") or {}).get("member") not in (None, "false"),
                 "#club in bob's sidebar after the invite")
        bob.open_conv("#club")
        alice.send("welcome bob")
        bob.wait_msg("welcome bob", sender="alice", kind="chat")
        bob.send("thanks alice")
        alice.wait_msg("thanks alice", sender="bob", kind="chat")

        # The kick: bob's entry says he is no longer a member, and nothing more reaches him.
        bob.open_conv("all")
        alice.send("/kick club bob")
        bob.wait(lambda: self.not_member(bob, "#club"),
                 "bob's #club entry to get data-member=false or go away")
        alice.send("after the kick")
        alice.wait_msg("after the kick", sender="alice")
        self.assertTrue(bob.stays(lambda: self.not_member(bob, "#club") and
                                  not (bob.conv("#club") or {}).get("unread"), seconds=2),
                        f"bob's #club changed after the kick: {bob.conv('#club')}")
        if bob.conv("#club"):
            bob.open_conv("#club")
            self.assertNotIn("after the kick", bob.texts())
            self.assertIn("welcome bob", bob.texts(), "the history before the kick stays")
        # carol's plaza is untouched.
        carol.wait_msg("carol in the plaza", sender="carol")

    def test_unread_counts_and_title_badge_for_a_room_message_while_another_is_open(self):
        alice = self.logged_in("alice")
        bob = self.logged_in("bob")
        bob.send("/create news")
        bob.open_conv("#news")
        alice.send("/join #news")
        alice.wait(lambda: alice.conv("#news"), "#news in alice's sidebar")
        alice.open_conv("all")
        self.assertFalse(alice.title().startswith("("), alice.title())
        for i in range(3):
            bob.send(f"news {i}")
        alice.wait(lambda: (alice.conv("#news") or {}).get("unread") == "3",
                   "#news .unread to be 3")
        alice.wait(lambda: alice.title().startswith("(3) "), "the title to start with (3) ")
        # A message in the open conversation is read: no count.
        bob.open_conv("all")
        bob.send("everyone sees this")
        alice.wait_msg("everyone sees this", sender="bob")
        self.assertEqual((alice.conv("all") or {}).get("unread"), "", alice.conv("all"))
        self.assertTrue(alice.title().startswith("(3) "), alice.title())
        # A DM adds to the total.
        bob.open_conv("@alice")
        bob.send("dm for the badge")
        alice.wait(lambda: (alice.conv("@bob") or {}).get("unread") == "1", "@bob .unread 1")
        alice.wait(lambda: alice.title().startswith("(4) "), "the title to start with (4) ")
        # Opening a conversation reads it.
        alice.open_conv("#news")
        for i in range(3):
            alice.wait_msg(f"news {i}", sender="bob")
        alice.wait(lambda: (alice.conv("#news") or {}).get("unread") == "", "#news read")
        alice.wait(lambda: alice.title().startswith("(1) "), "the title to drop to (1) ")
        alice.open_conv("@bob")
        alice.wait(lambda: not re.match(r"\(\d+\) ", alice.title()), "the title badge to go")


if __name__ == "__main__":
    unittest.main()
