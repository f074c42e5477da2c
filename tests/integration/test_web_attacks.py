"""XSS in the web client (label web): hostile strings in message text, display names (/nick),
room topics and MQTT 5 user properties must appear as text and run nothing: no alert, no flag
set by a payload, no injected element or event-handler attribute anywhere in the DOM; links only
for http(s), with rel="noopener noreferrer"; a bidi override cannot leak out of its text."""

import unittest

import webtest

# Each payload sets window.__xss (and opens an alert) if it ever runs, and marks any element it
# manages to create with data-xss.
PAYLOADS = [
    '<img src=x data-xss=1 onerror="window.__xss=1;alert(1)">',
    '<script data-xss=2>window.__xss=2;alert(2)</script>',
    'javascript:window.__xss=3;alert(3)',
    '<a data-xss=4 href="javascript:window.__xss=4;alert(4)">click me</a>',
    '<svg data-xss=5 onload="window.__xss=5"><iframe data-xss=6 src="javascript:window.__xss=6">',
    '"><img src=x data-xss=7 onerror=window.__xss=7>',
    '\u202Eevil.exe\u202C after the override',
    'bell\u0007 nul-less control \u001b[31m escape',
]
NICK = '<img src=x data-xss=8 onerror=window.__xss=8>'  # 46 characters: a valid display name
TOPIC = '<script data-xss=9>window.__xss=9</script><a href="javascript:window.__xss=9">x</a>'

DANGEROUS = "img,script,iframe,svg,object,embed,style,link,form,input,video,audio,base,meta"

# Everything the page would show if a payload had become markup or script.
JS_DOM_FINDINGS = """
const found = [];
if (window.__xss !== undefined) found.push('window.__xss = ' + window.__xss);
document.querySelectorAll('[data-xss]').forEach(e => found.push('injected ' + e.outerHTML));
document.querySelectorAll('*').forEach(e => {
  for (const a of e.attributes)
    if (/^on/i.test(a.name)) found.push('event handler attribute ' + a.name + ' on ' + e.tagName);
});
document.querySelectorAll('a').forEach(a => {
  const href = a.getAttribute('href');
  if (href === null) return;
  if (!/^https?:\\/\\//i.test(href) && !href.startsWith('#'))
    found.push('link to ' + href);
  if (/^https?:/i.test(href)) {
    const rel = (a.getAttribute('rel') || '').split(/\\s+/);
    if (!rel.includes('noopener') || !rel.includes('noreferrer'))
      found.push('http link without rel noopener noreferrer: ' + a.outerHTML);
  }
});
for (const sel of ['#messages .text', '#messages .sender', '#messages .display-name',
                   '#room-topic', '#conversations .conv-name', '#address-book .contact-name'])
  document.querySelectorAll(sel).forEach(e => {
    const bad = e.querySelectorAll(arguments[0]);
    if (bad.length) found.push(sel + ' holds ' + bad[0].outerHTML);
  });
return found;
"""


class WebAttacks(webtest.WebTest):
    def assert_harmless(self, *browsers):
        for b in browsers:
            self.assert_no_alert(b)
            self.assertEqual(b.js(JS_DOM_FINDINGS, DANGEROUS), [], f"{b.label}: payload ran or "
                             "became markup")

    def test_payloads_in_message_text_appear_as_text(self):
        alice = self.logged_in("alice")
        bob = self.logged_in("bob")
        for p in PAYLOADS:
            alice.send(p)
        for p in PAYLOADS:
            self.wait_text(bob, p)
        self.assert_harmless(alice, bob)
        # The bidi override is shown but kept inside its own text: isolated, or made visible.
        rtl = PAYLOADS[6]
        iso = bob.js("""
          for (const m of document.querySelectorAll('#messages div.msg')) {
            const t = m.querySelector('.text');
            if (!t || !t.textContent.includes('evil.exe')) continue;
            if (!t.textContent.includes('\\u202E')) return 'made visible';
            for (let e = t; e && e !== m.parentElement; e = e.parentElement) {
              const u = getComputedStyle(e).unicodeBidi;
              if (e.tagName === 'BDI' || /isolate|plaintext/.test(u)) return 'isolated';
            }
            return 'leaks';
          }
          return 'missing';""")
        self.assertIn(iso, ("isolated", "made visible"), f"U+202E in {rtl!r}: {iso}")

    def wait_text(self, browser, payload):
        """The payload from alice shown as text: exactly, or, when it holds unprintable
        characters (C0, bidi), with those made visible or dropped (its printable words still
        shown)."""
        controls = any(not c.isprintable() for c in payload)
        words = "".join(c if c.isprintable() else " " for c in payload).split()
        def shown():
            for m in browser.messages() or []:
                t = m["text"] or ""
                if m["sender"] != "alice":
                    continue
                if t == payload or (controls and all(w in t for w in words)):
                    return m
            return None
        return browser.wait(shown, f"the payload {payload!r} as text")

    def test_display_name_payload_appears_as_text(self):
        alice = self.logged_in("alice")
        bob = self.logged_in("bob")
        bob.send(f"/nick {NICK}")
        bob.send("message under a hostile display name")
        m = alice.wait_msg("message under a hostile display name", sender="bob")
        alice.wait(lambda: any(x["display"] == NICK for x in alice.messages()
                               if x["text"] == "message under a hostile display name"),
                   f"the display name {NICK!r} shown as text", timeout=10)
        self.assertTrue(m)
        self.assert_harmless(alice, bob)

    def test_room_topic_payload_appears_as_text(self):
        alice = self.logged_in("alice")
        bob = self.logged_in("bob")
        alice.send("/create den")
        bob.send("/join #den")
        bob.open_conv("#den")
        bob.send(f"/topic den {TOPIC}")
        alice.open_conv("#den")
        for b in (alice, bob):
            b.wait(lambda: b.text_of("#room-topic") == TOPIC, "#room-topic to show the payload")
        self.assert_harmless(alice, bob)

    def test_user_properties_from_paho_run_nothing(self):
        alice = self.logged_in("alice")
        bob = self.stack.chat_client("bob")
        # ref passes through the broker; id, ts and queued are the broker's (a client's values
        # are replaced); the rest are made-up names a page might show.
        props = {"ref": PAYLOADS[0], "id": PAYLOADS[1], "ts": PAYLOADS[3],
                 "queued": "<img src=x data-xss=10 onerror=window.__xss=10>",
                 "display": NICK, PAYLOADS[5]: PAYLOADS[4]}
        bob.publish("im/all", "props attack, all", user_properties=props)
        m = alice.wait_msg("props attack, all", sender="bob")
        self.assertNotIn("<", m["id"] or "", f"a client-set id reached the page: {m}")
        self.assertNotEqual(m["replayed"], "true", "a client-set queued=1 marked it replayed")
        bob.publish("im/user/alice", "props attack, dm", user_properties=props)
        alice.open_conv("@bob")
        alice.wait_msg("props attack, dm", sender="bob")
        self.assert_harmless(alice)

    def test_http_links_are_links_and_nothing_else_is(self):
        alice = self.logged_in("alice")
        bob = self.logged_in("bob")
        alice.send("see https://example.org/a?b=1 and javascript:alert(1) and "
                   "data:text/html,<script>alert(1)</script>")
        bob.wait_msg_containing("see https://example.org/a?b=1", sender="alice")
        links = bob.js("""
          return Array.from(document.querySelectorAll('#messages div.msg .text a')).map(a =>
            [a.getAttribute('href'), a.getAttribute('rel'), a.getAttribute('target')]);""")
        self.assertEqual(len(links), 1, f"exactly the https URL becomes a link: {links}")
        href, rel, target = links[0]
        self.assertEqual(href, "https://example.org/a?b=1")
        self.assertEqual(set((rel or "").split()) >= {"noopener", "noreferrer"}, True, rel)
        self.assertEqual(target, "_blank")
        self.assert_harmless(alice, bob)


if __name__ == "__main__":
    unittest.main()
