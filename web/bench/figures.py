#!/usr/bin/env python3
"""Figures of the web client in headless Chromium (README Performance): JavaScript sent on
first load (gzipped), time until the login form shows, time from login to the first
conversation on screen, and a conversation of 10,000 messages (received live, then scrolled
through from the newest to the oldest, and paged from the server with `history ... before`
when the service has the cursor), with the largest number of message nodes in the DOM.

Run from the repository after building (cmake --build build):
    /usr/bin/python3 web/bench/figures.py [--messages 10000] [--rounds 5]
It starts its own broker, daemon and gateway on free ports (tests/integration/imtest.py)."""

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("IMCHAT_SOURCE_DIR", ROOT)
os.environ.setdefault("IMCHAT_BUILD_DIR", os.path.join(ROOT, "build"))

import imtest  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

DIST = os.path.join(imtest.BUILD_DIR, "web", "dist")
GATEWAY = os.path.join(imtest.BUILD_DIR, "gateway", "imchat-gateway")


def gz(name):
    with open(os.path.join(DIST, name), "rb") as f:
        return len(gzip.compress(f.read(), 9))


def browser(profiles):
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,800"):
        opts.add_argument(a)
    p = tempfile.mkdtemp(prefix="imchat-fig-")
    profiles.append(p)
    opts.add_argument(f"--user-data-dir={p}")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def until(pred, timeout=120, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if pred():
                return
        except Exception:
            pass
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def mark(b, name):
    return b.execute_script(
        f"const e = performance.getEntriesByName('{name}'); return e.length ? e[0].startTime : null")


def login(b, url, user):
    b.get(url)
    until(lambda: mark(b, "imchat-login-form") is not None, what="the login form")
    form_ms = mark(b, "imchat-login-form")
    b.find_element(By.ID, "login-name").send_keys(user)
    b.find_element(By.ID, "login-password").send_keys(imtest.PASSWORDS[user])
    b.find_element(By.ID, "login-submit").click()
    until(lambda: mark(b, "imchat-first-conversation") is not None, what="the first conversation")
    return form_ms, mark(b, "imchat-first-conversation") - mark(b, "imchat-login-submit")


# Scrolls #messages to the top until nothing older comes; returns steps, ms of the slowest
# synchronous re-render, total ms, the most message nodes seen, and the messages reached.
SCROLL_UP = """
const done = arguments[arguments.length - 1];
const el = document.getElementById('messages');
let steps = 0, worst = 0, sum = 0, maxNodes = 0, idle = 0;
const t0 = performance.now();
function step() {
  const before = el.querySelector('div.msg[data-id]');
  const firstId = before ? before.dataset.id : null;
  const s = performance.now();
  el.scrollTop = 0;
  el.dispatchEvent(new Event('scroll'));
  const took = performance.now() - s;
  worst = Math.max(worst, took);
  sum += took;
  maxNodes = Math.max(maxNodes, el.querySelectorAll('div.msg').length);
  steps++;
  setTimeout(() => {
    const now = el.querySelector('div.msg[data-id]');
    idle = now && now.dataset.id === firstId ? idle + 1 : 0;
    const edge = el.querySelector('.history-edge');
    if ((edge && edge.textContent.startsWith('Beginning')) || idle > 40) {
      done({steps, worst, mean: sum / steps, total: performance.now() - t0, maxNodes,
            first: now ? now.querySelector('.text').textContent : null});
    } else step();
  }, 25);
}
step();
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    imtest.require_built(os.path.join(DIST, "app.js"), "imchat_web")
    stack = imtest.Stack().start()
    profiles, browsers = [], []
    gw_port = imtest.free_port()
    gw_log = open(os.path.join(stack.dir, "gateway.log"), "ab")
    gw = subprocess.Popen([GATEWAY, "--listen", f"127.0.0.1:{gw_port}", "--broker",
                           f"127.0.0.1:{stack.port}", "--web-root", DIST], stdout=gw_log, stderr=gw_log)
    url = f"http://127.0.0.1:{gw_port}/"
    time.sleep(0.5)
    try:
        first_load = gz("app.js") + gz("app.css") + gz("index.html") + gz("icon.svg")
        print(f"first load: app.js {gz('app.js') / 1024:.1f} KB gzipped; html+css+js+icon "
              f"{first_load / 1024:.1f} KB; timer-worker.js {gz('timer-worker.js')} B after login")
        forms, firsts = [], []
        for _ in range(args.rounds):
            b = browser(profiles)
            browsers.append(b)
            f, c = login(b, url, "carol")
            forms.append(f)
            firsts.append(c)
            b.quit()
            browsers.remove(b)
        print(f"login form shown: median {statistics.median(forms):.0f} ms after navigation "
              f"(min {min(forms):.0f}, max {max(forms):.0f}; {args.rounds} loads)")
        print(f"login -> first conversation on screen: median {statistics.median(firsts):.0f} ms "
              f"(min {min(firsts):.0f}, max {max(firsts):.0f})")

        # 10,000 messages arriving live while alice has everyone open.
        alice = browser(profiles)
        browsers.append(alice)
        login(alice, url, "alice")
        bob = stack.client("bob")
        n = args.messages
        t0 = time.time()
        for i in range(n):
            bob.publish("im/all", f"m{i:05d} the quick brown fox jumps over the lazy dog",
                        wait=(i % 200 == 199))
        last = f"m{n - 1:05d} "
        until(lambda: alice.execute_script(
            "const t = document.querySelectorAll('#messages div.msg .text');"
            "return t.length ? t[t.length - 1].textContent : ''").startswith(last),
              timeout=600, what="the last live message")
        live_s = time.time() - t0
        nodes = alice.execute_script("return document.querySelectorAll('#messages div.msg').length")
        print(f"{n} live messages sent and shown in {live_s:.1f} s; message nodes in the DOM "
              f"afterwards: {nodes}")
        alice.set_script_timeout(600)
        r = alice.execute_async_script(SCROLL_UP)
        print(f"scrolling up through them in memory: {r['steps']} steps, {r['total'] / 1000:.1f} s, "
              f"re-render mean {r['mean']:.1f} ms, slowest {r['worst']:.1f} ms, most message nodes "
              f"{r['maxNodes']}, reached '{(r['first'] or '')[:6]}'")

        # A fresh login: the conversation from the server's history, paged.
        fresh = browser(profiles)
        browsers.append(fresh)
        _, c = login(fresh, url, "dave")
        print(f"dave: everyone with {n} messages in history on screen {c:.0f} ms after login")
        fresh.set_script_timeout(900)
        r = fresh.execute_async_script(SCROLL_UP)
        print(f"paging back through the history: {r['steps']} steps, {r['total'] / 1000:.1f} s, "
              f"re-render mean {r['mean']:.1f} ms, slowest {r['worst']:.1f} ms, most message nodes "
              f"{r['maxNodes']}, oldest reached '{(r['first'] or '')[:6]}'"
              + ("" if (r['first'] or '').startswith('m00000') else
                 " (the service has no history cursor yet: only the newest page)"))
    finally:
        for b in browsers:
            b.quit()
        imtest.terminate(gw)
        gw_log.close()
        stack.stop()
        stack.cleanup()
        for p in profiles:
            shutil.rmtree(p, ignore_errors=True)


if __name__ == "__main__":
    main()
