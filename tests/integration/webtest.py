"""Browser-test harness for the web client (web/, issue 16): a real headless Chromium driven by
Selenium against imchat-gateway serving the built app, in front of imtest's Stack (a real
mosquitto with the plugin and the daemon on free ports).

Usage in a test:

    class T(webtest.WebTest):
        def test_x(self):
            alice = self.browser("alice")          # desktop 1280x800; size="phone": 360x740
            alice.login("alice")
            alice.open_conv("all")
            alice.send("hello")
            alice.wait_msg("hello")

The page is found only through the DOM contract the app and these tests share (ids, classes
and data attributes: see the web client's README / WEB_CONTRACT): no test-only code in the app.
Waits are explicit (a condition polled until a deadline), never fixed sleeps.

Artifacts (screenshots, the browser console, the page's HTML) go to
<build>/test-artifacts/web/: on a failure for every open browser, and for named screenshots
(Browser.screenshot). Every test also checks that no browser logged a console error
(WebTest.allow_console names what a test expects, such as a WebSocket refused while the
broker is down).

A missing Chromium, chromedriver or python3-selenium fails the test with what to install: a
browser suite that skips is green although it checked nothing.
"""

import json
import os
import re
import shutil
import tempfile
import time

import imtest
from imtest import PASSWORDS, wait_for

GATEWAY = imtest.GATEWAY
ARTIFACTS = os.path.join(imtest.BUILD_DIR, "test-artifacts", "web")
SIZES = {"desktop": (1280, 800), "phone": (360, 740)}
WAIT = 20.0  # seconds: a browser on a loaded 2-core machine is slow, a missing element is not

# Chromium asks for /favicon.ico by itself; a missing one is a console error that would fail
# every test. The page-load test (test_web_screens) checks it on its own.
FAVICON_404 = re.compile(r"/favicon\.ico - Failed to load resource")

BROWSER_HINT = ("install the Debian packages chromium chromium-driver python3-selenium "
                f"({imtest.SETUP_HINT})")


def web_root():
    """The built web app: the directory holding index.html in the build tree (IMCHAT_WEB_DIST
    overrides). Fails with what to build when there is none."""
    candidates = [os.environ.get("IMCHAT_WEB_DIST", ""),
                  os.path.join(imtest.BUILD_DIR, "web", "dist"),
                  os.path.join(imtest.BUILD_DIR, "web")]
    for d in candidates:
        if d and os.path.isfile(os.path.join(d, "index.html")):
            return d
    raise AssertionError("the web app is not built (no index.html in "
                         f"{' or '.join(c for c in candidates if c)}): build the project with "
                         "scripts/build, which runs npm ci and the bundler for web/")


def require_browser():
    """Fails (never skips) unless Chromium, chromedriver and Selenium are installed; returns
    (chromium path, chromedriver path)."""
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    missing = [what for what, ok in (("chromium", chromium), ("chromedriver", driver)) if not ok]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the Python module selenium")
    if missing:
        raise AssertionError(f"{', '.join(missing)} missing: {BROWSER_HINT}")
    return chromium, driver


def now_ms():
    return int(time.time() * 1000)


def holds(predicate, seconds):
    """True if predicate() holds at every poll for `seconds` (proving that something does
    not happen needs a window); False as soon as it does not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not predicate():
            return False
        time.sleep(0.1)
    return bool(predicate())


def safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:120]


# JavaScript run in the page. The messages as the contract exposes them.
JS_MESSAGES = """
const box = document.querySelector('#messages');
if (!box) return null;
return Array.from(box.querySelectorAll('div.msg')).map(m => {
  const q = s => m.querySelector(s);
  const t = q('time.time');
  return {id: m.dataset.id || null, sender: m.dataset.sender || null,
          kind: m.dataset.kind || null, replayed: m.dataset.replayed || null,
          state: m.dataset.state || null,
          text: q('.text') ? q('.text').textContent : null,
          senderText: q('.sender') ? q('.sender').textContent : null,
          display: q('.display-name') ? q('.display-name').textContent : null,
          datetime: t ? t.getAttribute('datetime') : null};
});
"""

JS_CONVS = """
return Array.from(document.querySelectorAll('#conversations li.conv')).map(li => {
  const u = li.querySelector('.unread');
  // Its own styles only: on a phone the whole sidebar may be folded away.
  const st = u ? getComputedStyle(u) : null;
  const shown = u && !u.hidden && st.display !== 'none' && st.visibility !== 'hidden';
  return {conv: li.dataset.conv, member: li.dataset.member || null,
          current: li.getAttribute('aria-current'),
          name: li.querySelector('.conv-name') ? li.querySelector('.conv-name').textContent : null,
          unread: u && shown ? u.textContent.trim() : ''};
});
"""


class Browser:
    """One headless Chromium with its own profile, at desktop or phone size, on the app."""

    def __init__(self, test, label, size="desktop"):
        _, driver_path = require_browser()
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.test = test
        self.label = label
        self.size = size
        self.profile = tempfile.mkdtemp(prefix=f"imchat-web-{safe_name(label)}-",
                                        dir=test.stack.dir)
        width, height = SIZES[size]
        options = webdriver.ChromeOptions()
        for arg in ("--headless=new", f"--user-data-dir={self.profile}", "--no-sandbox",
                    "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                    "--disable-extensions", "--disable-background-networking",
                    "--disable-features=Translate,MediaRouter,OptimizationHints",
                    "--password-store=basic", f"--window-size={width},{height}"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver_log = os.path.join(test.stack.dir, f"chromedriver-{safe_name(label)}.log")
        service = Service(executable_path=driver_path, log_path=self.driver_log)
        self.driver = webdriver.Chrome(service=service, options=options)
        # The window includes the browser's own bars: size it so the page's viewport (what a
        # desktop or phone user sees) is width x height.
        inner = self.driver.execute_script("return [innerWidth, innerHeight];")
        outer = self.driver.get_window_size()
        self.driver.set_window_size(outer["width"] + width - inner[0],
                                    outer["height"] + height - inner[1])
        self.console = []  # every browser log entry read so far (get_log drains)
        self.url = f"http://127.0.0.1:{test.gateway.port}/"
        self.driver.get(self.url)

    # --- low level
    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, predicate, what, timeout=WAIT):
        """Polls predicate() (exceptions from a page in flux count as not yet) until truthy."""
        def attempt():
            try:
                return predicate()
            except Exception as e:  # stale elements while the app re-renders
                if type(e).__name__ in ("StaleElementReferenceException",
                                        "NoSuchElementException", "JavascriptException",
                                        "ElementClickInterceptedException",
                                        "ElementNotInteractableException"):
                    return None
                raise
        try:
            return wait_for(attempt, timeout=timeout, interval=0.05, what=f"{self.label}: {what}")
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.describe()}") from None

    def stays(self, predicate, seconds):
        return holds(predicate, seconds)

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css):
        els = self.find(css)
        return els[0] if els and els[0].is_displayed() else None

    def wait_visible(self, css, timeout=WAIT):
        return self.wait(lambda: self.visible(css), f"{css} to be visible", timeout)

    def click(self, element):
        """Clicks element as a user would. When it is hidden (a narrow screen folds the
        sidebar away), first presses the visible button whose aria-controls names one of its
        ancestors and that is not expanded (the accessible disclosure pattern)."""
        if not element.is_displayed():
            opener = self.js("""
              for (let e = arguments[0]; e; e = e.parentElement) {
                if (!e.id) continue;
                for (const b of document.querySelectorAll('[aria-controls]')) {
                  if (b.getAttribute('aria-controls').split(/\\s+/).includes(e.id) &&
                      b.getAttribute('aria-expanded') !== 'true' && b.offsetParent !== null)
                    return b;
                }
              }
              return null;""", element)
            if opener is None:
                return False
            opener.click()
            if not element.is_displayed():
                return False
        element.click()
        return True

    def text_of(self, css):
        return self.js("const e = document.querySelector(arguments[0]);"
                       "return e ? e.textContent : null;", css)

    def describe(self):
        """A short picture of the page for failure messages."""
        try:
            state = self.js("""
              const s = document.querySelector('#conn-state');
              const e = document.querySelector('#login-error');
              const m = document.querySelector('#messages');
              return {title: document.title, conn: s ? s.dataset.state : null,
                      loginError: e ? e.textContent : null,
                      open: m ? m.dataset.conv : null};""")
            msgs = self.messages() or []
            return (f"  page of {self.label}: {json.dumps(state)}\n  conversations: "
                    f"{json.dumps(self.conversations())}\n  last messages: "
                    f"{json.dumps(msgs[-8:], ensure_ascii=False)}")
        except Exception as e:
            return f"  (page of {self.label} unreadable: {e})"

    # --- the contract
    def login(self, name, password=None, expect_ok=True):
        """Fills the login form and submits; waits until #app shows and the connection is
        online (expect_ok), or returns #login-error's text once it shows (expect_ok=False)."""
        if password is None:
            password = PASSWORDS[name]
        self.wait_visible("#login-form")
        for css, value in (("#login-name", name), ("#login-password", password)):
            field = self.wait_visible(css)
            field.clear()
            field.send_keys(value)
        # The button is enabled once the app's script runs (and again after a refusal).
        self.wait(lambda: self.visible("#login-submit") and
                  self.visible("#login-submit").is_enabled() and self.visible("#login-submit"),
                  "#login-submit to be enabled").click()
        if not expect_ok:
            return self.wait(lambda: (self.visible("#login-error") and
                                      self.text_of("#login-error").strip()),
                             "#login-error to show a refusal")
        self.wait_visible("#app")
        self.wait(lambda: not self.visible("#login-form"), "#login-form to hide after login")
        self.wait_online()
        self.wait(lambda: (self.text_of("#me") or "").strip() == name, f"#me to show {name}")
        return None

    def conn_state(self):
        return self.js("const s = document.querySelector('#conn-state');"
                       "return s ? s.dataset.state : null;")

    def wait_online(self, timeout=WAIT):
        self.wait(lambda: self.conn_state() == "online", "#conn-state to be online", timeout)

    def conversations(self):
        return self.js(JS_CONVS)

    def conv(self, conv_id):
        """The sidebar entry of conv_id as a dict (see JS_CONVS), or None."""
        for c in self.conversations() or []:
            if c["conv"] == conv_id:
                return c
        return None

    def open_conv(self, conv_id, timeout=WAIT):
        """Opens a conversation (`all`, `@user`, `#room`) by clicking its sidebar entry, or for a
        DM not yet in the sidebar the address-book contact; waits until #messages shows it."""
        sel = f'#conversations li.conv[data-conv="{conv_id}"]'

        def click():
            if self.find(sel):
                return self.click(self.find(sel)[0])
            if conv_id.startswith("@"):
                contact = self.find(f'#address-book li.contact[data-user="{conv_id[1:]}"]')
                if contact:
                    return self.click(contact[0])
            return False
        self.wait(click, f"a sidebar entry for {conv_id} to click", timeout)
        self.wait(lambda: self.js("const m = document.querySelector('#messages');"
                                  "return m && m.dataset.conv;") == conv_id,
                  f"#messages to show {conv_id}", timeout)
        self.wait(lambda: (self.conv(conv_id) or {}).get("current") == "true",
                  f"{conv_id} to be aria-current", timeout)

    def send(self, text):
        """Types text into the composer and presses Enter (which sends)."""
        from selenium.webdriver.common.keys import Keys
        box = self.wait_visible("#composer-input")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)
        self.wait(lambda: box.get_attribute("value") == "", "the composer to empty after Enter")

    def messages(self):
        return self.js(JS_MESSAGES)

    def wait_msg(self, text, timeout=WAIT, **attrs):
        """Waits until the open conversation shows a div.msg whose .text is `text` (and whose
        fields match attrs, e.g. sender="bob", kind="chat"); returns it as a dict."""
        def found():
            for m in self.messages() or []:
                if m["text"] == text and all(m.get(k) == v for k, v in attrs.items()):
                    return m
            return None
        return self.wait(found, f"a message {text!r} {attrs or ''}", timeout)

    def wait_msg_containing(self, fragment, timeout=WAIT, **attrs):
        def found():
            for m in self.messages() or []:
                if fragment in (m["text"] or "") and all(m.get(k) == v for k, v in attrs.items()):
                    return m
            return None
        return self.wait(found, f"a message containing {fragment!r} {attrs or ''}", timeout)

    def texts(self, **attrs):
        return [m["text"] for m in self.messages() or []
                if all(m.get(k) == v for k, v in attrs.items())]

    def title(self):
        return self.driver.title

    # --- artifacts
    def read_console(self):
        try:
            self.console.extend(self.driver.get_log("browser"))
        except Exception:
            pass
        return self.console

    def screenshot(self, name):
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = os.path.join(ARTIFACTS, safe_name(name) + ".png")
        self.driver.save_screenshot(path)
        # The console so far goes beside it: a picture of a broken page should say why.
        with open(os.path.join(ARTIFACTS, safe_name(name) + ".console.log"), "w") as f:
            for entry in self.read_console():
                f.write(f"{entry.get('level')} {entry.get('message')}\n")
        return path

    def dump(self, prefix):
        """Screenshot, console log and HTML of this browser under prefix (failure artifacts)."""
        os.makedirs(ARTIFACTS, exist_ok=True)
        base = os.path.join(ARTIFACTS, safe_name(f"{prefix}-{self.label}"))
        try:
            self.driver.save_screenshot(base + ".png")
            with open(base + ".html", "w") as f:
                f.write(self.driver.page_source)
        except Exception as e:
            print(f"no screenshot of {self.label}: {e}")
        with open(base + ".console.log", "w") as f:
            for entry in self.read_console():
                f.write(f"{entry.get('level')} {entry.get('message')}\n")
        return base

    def quit(self):
        try:
            self.driver.quit()
        except Exception:
            pass


class WebTest(imtest.StackTest):
    """A fresh stack, the gateway serving the built app, and browsers opened by browser()."""

    def setUp(self):
        require_browser()
        root = web_root()
        super().setUp()
        self.browsers = []
        self.allowed_console = []  # regexes of console errors this test expects
        self.started = time.monotonic()
        self.gateway = imtest.Gateway(self.stack, root)

    def browser(self, label, size="desktop"):
        b = Browser(self, label, size)
        self.browsers.append(b)
        return b

    def allow_console(self, regex):
        """A SEVERE console entry matching regex is expected in this test (say why)."""
        self.allowed_console.append(re.compile(regex))

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        if not getattr(outcome, "success", True):
            return True
        result = getattr(outcome, "result", None)
        errors = getattr(outcome, "errors", None) or []
        if any(exc for _, exc in errors):
            return True
        if result is not None:
            return any(t is self for t, _ in list(result.failures) + list(result.errors))
        return False

    def console_errors(self, browser, allow_favicon=True):
        allowed = self.allowed_console + ([FAVICON_404] if allow_favicon else [])
        return [e["message"] for e in browser.read_console()
                if e.get("level") == "SEVERE"
                and not any(p.search(e.get("message", "")) for p in allowed)]

    def tearDown(self):
        failed = self._failed()
        errors = []
        for b in self.browsers:
            if failed:
                base = b.dump(self.id())
                print(f"artifacts of {b.label}: {base}.png/.html/.console.log")
            else:
                errors += [f"{b.label}: {m}" for m in self.console_errors(b)]
                if errors:
                    b.dump(self.id())
        for b in self.browsers:
            b.quit()
        if failed:
            print("---- gateway log (tail) ----\n" + self.gateway.text()[-3000:])
        self.gateway.stop()
        super().tearDown()
        if errors:
            self.fail("the browser console has errors:\n" + "\n".join(errors))

    # --- helpers shared by the suites
    def logged_in(self, name, size="desktop", conv="all"):
        """A browser logged in as name with conv open."""
        b = self.browser(name, size)
        b.login(name)
        if conv:
            b.open_conv(conv)
        return b

    def assert_no_alert(self, browser):
        """No JavaScript dialog is open (an XSS payload calling alert() would open one)."""
        from selenium.common.exceptions import NoAlertPresentException
        try:
            alert = browser.driver.switch_to.alert
            text = alert.text
        except NoAlertPresentException:
            return
        alert.dismiss()
        self.fail(f"{browser.label}: an alert opened: {text!r}")
