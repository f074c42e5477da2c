"""Smoke test of the web client (web/, built into build/web/dist) in real headless Chromium
browsers, served by imchat-gateway in front of a real broker, plugin and daemon: two users log
in, chat on everyone and in a direct message (delivery state, unread count, title badge), a
wrong password gets the refusal text, the page runs under the gateway's CSP without a
violation, and the first-load JavaScript stays within its budget. Screenshots (desktop and
360 px wide) go to build/test-artifacts/web/ for people to look at."""

import gzip
import os
import shutil
import tempfile
import time
import unittest

import imtest
from imtest import PASSWORDS

GATEWAY = imtest.GATEWAY
DIST = os.path.join(imtest.BUILD_DIR, "web", "dist")
ARTIFACTS = os.path.join(imtest.BUILD_DIR, "test-artifacts", "web")
JS_BUDGET_GZIP = 150 * 1024
WAIT = 15.0


def selenium_modules():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        return webdriver, Service, By
    except ImportError:
        raise AssertionError("python3-selenium is not installed: install the Debian packages "
                             "python3-selenium chromium chromium-driver (" + imtest.SETUP_HINT + ")")


class WebSmokeTest(imtest.StackTest):
    def setUp(self):
        imtest.require_built(GATEWAY, "imchat-gateway")
        imtest.require_built(os.path.join(DIST, "app.js"), "imchat_web (needs npm)")
        imtest.require_program("chromium", "chromium")
        imtest.require_program("chromedriver", "chromium-driver")
        self.webdriver, self.Service, self.By = selenium_modules()
        super().setUp()
        self.gw = imtest.Gateway(self.stack, DIST)
        self.browsers = []
        self.profiles = []

    def tearDown(self):
        for b in self.browsers:
            try:
                b.quit()
            except Exception:
                pass
        for p in self.profiles:
            shutil.rmtree(p, ignore_errors=True)
        self.gw.stop()
        super().tearDown()

    # --- helpers
    def browser(self, width=1280, height=800):
        opts = self.webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    f"--window-size={width},{height}", "--lang=en-US"):
            opts.add_argument(arg)
        profile = tempfile.mkdtemp(prefix="imchat-chromium-")
        self.profiles.append(profile)
        opts.add_argument(f"--user-data-dir={profile}")
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        b = self.webdriver.Chrome(service=self.Service("/usr/bin/chromedriver"), options=opts)
        self.browsers.append(b)
        return b

    def find(self, b, css):
        return b.find_element(self.By.CSS_SELECTOR, css)

    def finds(self, b, css):
        return b.find_elements(self.By.CSS_SELECTOR, css)

    def wait(self, what, predicate, timeout=WAIT):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                if predicate():
                    return
            except Exception as e:  # stale element, not there yet
                last = e
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what} (last error: {last})")

    def login(self, b, user, password=None):
        b.get(self.gw.url)
        self.wait("the login form", lambda: self.find(b, "#login-form").is_displayed())
        self.find(b, "#login-name").clear()
        self.find(b, "#login-name").send_keys(user)
        self.find(b, "#login-password").send_keys(password or PASSWORDS[user])
        self.find(b, "#login-submit").click()

    def logged_in(self, b, user):
        self.wait(f"{user}'s chat", lambda: self.find(b, "#app").is_displayed()
                  and not self.find(b, "#login-form").is_displayed())
        self.assertEqual(self.find(b, "#me").text, user)
        self.wait("online", lambda: self.find(b, "#conn-state").get_attribute("data-state") == "online")

    def send(self, b, text):
        box = self.find(b, "#composer-input")
        box.send_keys(text)
        box.send_keys("\n")

    def message(self, b, text):
        """The div.msg whose .text is `text`, or None."""
        for m in self.finds(b, "#messages div.msg"):
            if self.find(m, ".text").text == text:
                return m
        return None

    def conv(self, b, key):
        for li in self.finds(b, "#conversations li.conv"):
            if li.get_attribute("data-conv") == key:
                return li
        return None

    def csp_violations(self, b):
        return [e["message"] for e in b.get_log("browser")
                if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]

    def screenshot(self, b, name):
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = os.path.join(ARTIFACTS, name)
        b.save_screenshot(path)
        self.assertGreater(os.path.getsize(path), 1000, path)

    # --- tests
    def test_first_load_javascript_is_within_budget(self):
        total = 0
        for name in ("app.js", "timer-worker.js"):
            with open(os.path.join(DIST, name), "rb") as f:
                total += len(gzip.compress(f.read(), 9))
        self.assertLessEqual(total, JS_BUDGET_GZIP, f"first-load JS is {total} bytes gzipped")
        for name in os.listdir(DIST):
            with open(os.path.join(DIST, name), "rb") as f:
                data = f.read()
            self.assertNotIn(b"//cdn", data.lower(), f"{name} loads something from a CDN")

    def test_wrong_password_shows_the_refusal(self):
        b = self.browser()
        self.login(b, "alice", "not-her-password")
        self.wait("the refusal", lambda: "wrong name or password" in self.find(b, "#login-error").text)
        self.assertTrue(self.find(b, "#login-form").is_displayed())
        self.assertFalse(self.find(b, "#app").is_displayed())
        self.assertEqual(self.find(b, "#login-password").get_attribute("value"), "")
        stored = b.execute_script(
            "return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie")
        self.assertNotIn("not-her-password", stored)
        # The right password then works, with one chat (nothing left of the refused one).
        self.find(b, "#login-password").send_keys(PASSWORDS["alice"])
        self.find(b, "#login-submit").click()
        self.logged_in(b, "alice")
        self.wait("the address book", lambda: len(self.finds(b, "#address-book li.contact")) == len(PASSWORDS))
        self.assertEqual([li.get_attribute("data-conv") for li in self.finds(b, "#conversations li.conv")], ["all"])
        self.assertEqual(self.find(b, "#login-error").text, "")

    def test_two_browsers_chat_on_everyone_and_in_a_dm(self):
        alice, bob = self.browser(), self.browser()
        self.login(alice, "alice")
        self.logged_in(alice, "alice")
        self.login(bob, "bob")
        self.logged_in(bob, "bob")
        # Both see each other in the address book, online.
        for b, other in ((alice, "bob"), (bob, "alice")):
            self.wait(f"{other} online in the address book", lambda b=b, o=other: any(
                li.get_attribute("data-user") == o and li.get_attribute("data-online") == "true"
                for li in self.finds(b, "#address-book li.contact")))
        self.assertEqual(self.find(alice, "#messages").get_attribute("data-conv"), "all")

        # Everyone: alice writes, bob reads it with sender and time.
        self.send(alice, "hello everyone from the browser")
        self.wait("bob to get alice's broadcast",
                  lambda: self.message(bob, "hello everyone from the browser") is not None)
        m = self.message(bob, "hello everyone from the browser")
        self.assertEqual(m.get_attribute("data-sender"), "alice")
        self.assertEqual(m.get_attribute("data-kind"), "chat")
        self.assertTrue(m.get_attribute("data-id"))
        self.assertTrue(self.find(m, "time.time").get_attribute("datetime").startswith("20"))
        # alice's own copy got its id from the echo, shown once.
        self.wait("alice's echo", lambda: self.message(alice, "hello everyone from the browser")
                  .get_attribute("data-id"))
        self.assertEqual(sum(1 for x in self.finds(alice, "#messages div.msg .text")
                             if x.text == "hello everyone from the browser"), 1)

        # A DM typed like the CLI: bob has it unread in @alice, alice sees it delivered.
        self.send(alice, "/msg bob <b>psst</b> https://example.org/x")
        self.wait("alice's DM delivered", lambda: self.message(alice, "<b>psst</b> https://example.org/x")
                  .get_attribute("data-state") == "delivered")
        self.assertEqual(self.find(alice, "#messages").get_attribute("data-conv"), "@bob")
        self.wait("bob's unread count", lambda: self.find(self.conv(bob, "@alice"), ".unread").text == "1")
        self.wait("bob's title badge", lambda: bob.title.startswith("(1) "))
        self.conv(bob, "@alice").click()
        self.wait("the DM in bob's pane", lambda: self.message(bob, "<b>psst</b> https://example.org/x") is not None)
        dm = self.message(bob, "<b>psst</b> https://example.org/x")
        self.assertEqual(self.finds(dm, ".text b"), [], "sender text became HTML")
        links = self.finds(dm, ".text a")
        self.assertEqual(len(links), 1)
        self.assertEqual(links[0].get_attribute("rel"), "noopener noreferrer")
        self.assertEqual(links[0].get_attribute("href"), "https://example.org/x")
        self.assertEqual(self.conv(bob, "@alice").get_attribute("aria-current"), "true")
        self.assertEqual(len(self.finds(bob, "#messages .day-sep")), 1, "one day, one separator")
        self.wait("bob's badge cleared", lambda: not bob.title.startswith("("))

        # bob answers in the DM; an unknown command gets a service error naming it.
        self.send(bob, "hi alice")
        self.wait("alice gets bob's answer", lambda: self.find(self.conv(alice, "@bob"), ".conv-name")
                  and self.message(alice, "hi alice") is not None)
        self.send(bob, "/frob")
        self.wait("the error for /frob", lambda: any(
            "frob" in m.text for m in self.finds(bob, "#messages div.msg[data-kind='service']")))
        self.assertEqual(len(self.finds(bob, "#messages .day-sep")), 1, "one day, one separator")

        self.assertEqual(self.csp_violations(alice) + self.csp_violations(bob), [])
        # The keepalive runs on the worker timer (not throttled in a background tab).
        workers = alice.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => n.endsWith('/timer-worker.js')).length")
        self.assertEqual(workers, 1, "timer-worker.js was not loaded")

        # A room made from the composer: topic, a member joining, a message each way.
        self.send(alice, "/create dev")
        self.wait("#dev open", lambda: self.find(alice, "#messages").get_attribute("data-conv") == "#dev")
        self.send(alice, "/topic dev shipping the web client")
        self.wait("the topic", lambda: self.find(alice, "#room-topic").text == "shipping the web client")
        self.send(bob, "/join dev")
        self.wait("bob in #dev", lambda: self.find(bob, "#messages").get_attribute("data-conv") == "#dev")
        self.send(bob, "the build is green")
        self.wait("alice gets bob's room line", lambda: self.message(alice, "the build is green") is not None)
        self.send(alice, "great, merging")
        self.wait("bob gets alice's room line", lambda: self.message(bob, "great, merging") is not None)

        # Screenshots for people: desktop and a 360 px phone.
        self.send(bob, "/msg alice screenshot time")
        self.wait("alice's unread DM", lambda: self.find(self.conv(alice, "@bob"), ".unread").text == "1")
        self.screenshot(alice, "desktop-room.png")
        self.conv(alice, "all").click()
        self.wait("everyone open", lambda: self.find(alice, "#messages").get_attribute("data-conv") == "all")
        self.screenshot(alice, "desktop-everyone.png")
        bob.set_window_size(360, 740)
        time.sleep(0.3)
        self.screenshot(bob, "phone-360-dm.png")
        width = bob.execute_script("return document.documentElement.scrollWidth")
        self.assertLessEqual(width, 360, "the page scrolls sideways at 360 px")


if __name__ == "__main__":
    unittest.main()
