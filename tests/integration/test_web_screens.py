"""Screenshots of the web client at desktop (1280x800) and phone (360x740) width, written as
test artifacts (<build>/test-artifacts/web/web-*.png), and what they must show: the page loads
without a console error (the favicon too), and at 360 px nothing is wider than the screen."""

import os
import unittest

import webtest


class WebScreens(webtest.WebTest):
    def scene(self, alice, bob):
        """A conversation worth a picture: a room, messages both ways, a DM."""
        bob.send("/create design")
        bob.send("/topic design the web client's look")
        alice.send("/join #design")
        alice.open_conv("#design")
        bob.open_conv("#design")
        bob.send("Here is the room for the web client's design.")
        alice.send("Looks good on a phone too. See https://example.org/spec")
        bob.send("Ship it!")
        alice.wait_msg("Ship it!", sender="bob")
        bob.open_conv("@alice")
        bob.send("lunch later?")
        alice.wait(lambda: (alice.conv("@bob") or {}).get("unread") == "1", "@bob unread 1")

    def test_page_loads_without_console_errors(self):
        b = self.browser("load")
        b.wait_visible("#login-form")
        b.login("alice")
        b.open_conv("all")
        errors = self.console_errors(b, allow_favicon=False)
        self.assertEqual(errors, [], "console errors while loading and logging in")

    def test_screenshots_desktop_and_phone(self):
        for size in ("desktop", "phone"):
            login = self.browser(f"login-{size}", size)
            login.wait_visible("#login-form")
            path = login.screenshot(f"web-login-{size}")
            self.assertGreater(os.path.getsize(path), 1000)
            login.quit()
            self.browsers.remove(login)
        alice = self.logged_in("alice")
        bob = self.logged_in("bob", size="phone")
        self.scene(alice, bob)
        problems = []
        for b, size in ((alice, "desktop"), (bob, "phone")):
            path = b.screenshot(f"web-chat-{size}")
            self.assertGreater(os.path.getsize(path), 1000)
            width = webtest.SIZES[size][0]
            self.assertEqual(b.js("return innerWidth;"), width)
            over = b.js("return document.documentElement.scrollWidth;")
            if over > width:
                problems.append(f"{size}: the page is {over} px wide at {width}")
        bob.open_conv("#design")
        bob.screenshot("web-room-phone")
        alice.open_conv("@bob")
        alice.screenshot("web-dm-desktop")
        # One separator per day: the history edge must not repeat today's.
        alice.open_conv("#design")
        seps = alice.js("return Array.from(document.querySelectorAll('#messages div.day-sep'))"
                        ".map(e => e.textContent.trim());")
        if len(seps) != len(set(seps)):
            problems.append(f"repeated day separators in #design: {seps}")
        self.assertEqual(problems, [])


if __name__ == "__main__":
    unittest.main()
