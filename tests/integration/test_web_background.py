"""A background tab stays connected (issue 16): alice's page is put behind a second tab of
its browser (document.visibilityState 'hidden', where Chromium throttles the page's timers,
after 5 minutes to once a minute) for IMCHAT_WEB_BACKGROUND_SECONDS (default 600: the
issue's 10 minutes; the app's MQTT keepalive is 30 s, so many keepalives fall in that time).
Then: the page never reconnected (the gateway logged one WebSocket and no close, the service
never published alice offline), the page was hidden the whole time, and a DM bob sends at
the end is delivered live (status `delivered`, not `queued`), counts in the background
page's title badge, and is shown once back in front.

Its own ctest (integration.web_background, label web) because it takes that long."""

import json
import os
import time
import unittest

import webtest

SECONDS = float(os.environ.get("IMCHAT_WEB_BACKGROUND_SECONDS", "600"))

# Test-side instrumentation of the page (no test code in the app): visibility changes with
# their times, and a 1 s page timer whose ticks show how hard the browser throttled it. The
# title gets a marker while hidden so the test can see, from the other tab, that it is.
JS_INSTRUMENT = """
const bg = window.__bg = {vis: [[document.visibilityState, Date.now()]], ticks: []};
setInterval(() => bg.ticks.push(Date.now()), 1000);
document.addEventListener('visibilitychange', () => {
  bg.vis.push([document.visibilityState, Date.now()]);
  if (document.hidden) { bg.title = document.title; document.title = bg.title + ' [hidden]'; }
  else if (document.title.endsWith(' [hidden]')) document.title = bg.title;
});
"""


class WebBackground(webtest.WebTest):
    def ws_lines(self):
        return [line for line in self.gateway.text().splitlines()
                if " ws open " in f" {line}" or " ws close " in f" {line}"]

    def test_background_tab_stays_connected(self):
        watcher = self.stack.client("carol")  # alice's presence as everybody sees it
        watcher.subscribe("im/presence/alice")
        alice = self.logged_in("alice", conv="all")
        bob = self.stack.chat_client("bob")
        # Both ways before backgrounding: the session works.
        bob.publish("im/user/alice", "before the background")
        alice.open_conv("@bob")
        alice.wait_msg("before the background", sender="bob")
        self.assertEqual([line.split(" ws ")[1].split()[0] for line in self.ws_lines()], ["open"],
                         f"expected one WebSocket so far: {self.ws_lines()}")

        alice.js(JS_INSTRUMENT)
        front = alice.driver.current_window_handle
        alice.driver.switch_to.new_window("tab")
        started = time.monotonic()

        def page_title():
            targets = alice.driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
            return [t["title"] for t in targets
                    if t["type"] == "page" and t["url"].startswith(alice.url)]
        webtest.wait_for(lambda: any(t.endswith(" [hidden]") for t in page_title()), timeout=10,
                         what=f"alice's page to be hidden behind the new tab ({page_title()})")

        # The whole time: no reconnect, no offline presence.
        def offline_presence():
            out = []
            for m in watcher.received:
                try:
                    if not json.loads(m.text).get("online", True):
                        out.append(m.text)
                except ValueError:
                    pass
            return out
        while time.monotonic() - started < SECONDS:
            self.assertEqual(len(self.ws_lines()), 1,
                             f"the WebSocket reconnected or closed after "
                             f"{time.monotonic() - started:.0f} s in the background: "
                             f"{self.ws_lines()}")
            self.assertEqual(offline_presence(), [], "alice went offline in the background")
            time.sleep(min(5.0, max(0.0, SECONDS - (time.monotonic() - started))))

        # At the end, still in the background: a DM to her is delivered live.
        bob.publish("im/user/alice", "after the background", user_properties={"ref": "bg"})
        status = bob.expect_svc("status", timeout=20, predicate=lambda j: j.get("ref") == "bg")
        self.assertEqual(status["status"], "delivered",
                         f"alice's background page no longer had her inbox: {status}")
        # The tab strip shows the unread badge of the background page.
        webtest.wait_for(lambda: any(t.startswith("(1) ") for t in page_title()), timeout=10,
                         what=f"the background page's title to show (1) ({page_title()})")
        hidden_for = time.monotonic() - started

        alice.driver.close()
        alice.driver.switch_to.window(front)
        got = alice.wait_msg("after the background", sender="bob")
        self.assertNotEqual(got["replayed"], "true", got)
        self.assertEqual(alice.texts().count("after the background"), 1)
        self.assertEqual(alice.conn_state(), "online")
        bg = alice.js("return window.__bg;")
        vis = bg["vis"]
        self.assertEqual([v[0] for v in vis], ["visible", "hidden", "visible"],
                         f"the page was not hidden once, the whole time: {vis}")
        self.assertGreaterEqual((vis[2][1] - vis[1][1]) / 1000, SECONDS,
                                f"hidden for less than {SECONDS} s: {vis}")
        self.assertEqual(len(self.ws_lines()), 1, self.ws_lines())
        self.assertEqual(offline_presence(), [])
        ticks = [t for t in bg["ticks"] if vis[1][1] <= t <= vis[2][1]]
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        print(f"hidden {hidden_for:.0f} s with one WebSocket; the page's 1 s timer ran "
              f"{len(ticks)} times there, longest gap {max(gaps, default=0) / 1000:.1f} s")


if __name__ == "__main__":
    unittest.main()
