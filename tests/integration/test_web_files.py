"""Files in the web client (issue 17, label web): a real headless Chromium sends a PNG through
the attach button's file input to a DM; the receiving browser shows the sender's thumbnail
inline, opens the full image (its bytes checked against the SHA-256 by saving them), and saves
other files through a download button; a file name carrying HTML stays text; a file the
browser sent is fetched by paho with the same hash; the service's refusals (not a member of
the room, over the size limit) show in the page and nothing is sent."""

import base64
import os
import struct
import tempfile
import unittest
import zlib

import filetransfer
import imtest
import webtest


def png(width, height, seed=1):
    """A PNG with a gradient and some noise (so the thumbnail has work to do)."""
    rows = bytearray()
    x = seed
    for y in range(height):
        rows.append(0)
        for i in range(width):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            n = (x >> 16) & 0x1F
            rows += bytes(((i * 255 // width) ^ n, (y * 255 // height), (128 + n) & 0xFF))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b""))


class WebFiles(webtest.WebTest):
    # A small size limit, so the over-size refusal needs only a 2 MiB file.
    STACK_ARGS = {"daemon_args": ["--file-max-mib", "1"]}

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="imchat-web-files-", dir=self.stack.dir)

    def write(self, name, data):
        d = tempfile.mkdtemp(dir=self.tmp)
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def downloads_to(self, browser):
        """Lets the browser save downloads into a fresh directory; returns it."""
        d = tempfile.mkdtemp(prefix="downloads-", dir=self.tmp)
        browser.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                       {"behavior": "allow", "downloadPath": d})
        return d

    def saved(self, browser, directory, name):
        """The bytes of `name` once the browser has finished saving it into directory."""
        path = os.path.join(directory, name)

        def done():
            names = os.listdir(directory)
            if name in names and not any(n.endswith(".crdownload") for n in names):
                with open(path, "rb") as f:
                    return f.read() or None
            return None
        return browser.wait(done, f"{name} saved into the download directory (have "
                            f"{os.listdir(directory)})")

    def attach(self, browser, path):
        """Picks the file with the attach button's file input, as a user's file dialog would."""
        browser.wait_visible("#attach")
        browser.find("#file-input")[0].send_keys(path)

    def file_ids(self, browser):
        return browser.js("return Array.from(document.querySelectorAll('#messages .msg .file'))"
                          ".map(e => e.dataset.file);")

    def transfer_error(self, browser):
        return browser.js("const e = document.querySelector('#transfers .transfer[data-state=error]"
                          " .transfer-state'); return e ? e.textContent : null;")

    def test_image_and_file_in_a_dm(self):
        alice = self.logged_in("alice")
        bob = self.logged_in("bob", size="phone")
        paho_bob = filetransfer.file_client(self.stack, "bob")
        paho_bob.subscribe("im/user/bob/+")
        alice.open_conv("@bob")
        bob.open_conv("@alice")
        saves = self.downloads_to(bob)

        # An image: the sender's thumbnail shows inline at the receiver.
        image = png(640, 400)
        self.attach(alice, self.write("cat.png", image))
        m = paho_bob.expect("im/user/bob/alice", timeout=30)
        props = m.props
        self.assertEqual((props["name"], props["mime"], props["size"], props["sha256"]),
                         ("cat.png", "image/png", str(len(image)), filetransfer.sha(image)), props)
        self.assertIn(f"[file {props['file']}]", m.text)
        self.assertIn(props["thumb_mime"], ("image/webp", "image/jpeg"))
        thumb = base64.b64decode(props["thumb"], validate=True)
        self.assertLessEqual(len(thumb), 4096)
        thumb_img = bob.wait(lambda: bob.js("""
            const i = document.querySelector('#messages .msg .file-thumb img');
            return i && i.complete && i.naturalWidth > 0 ? [i.src.slice(0, 5), i.naturalWidth,
              i.naturalHeight] : null;"""), "the inline thumbnail at bob")
        self.assertIn(thumb_img[0], ("data:", "blob:"))
        self.assertLessEqual(max(thumb_img[1], thumb_img[2]), 160)
        alice.wait(lambda: self.file_ids(alice) == [props["file"]], "alice's own file message")
        alice.wait(lambda: alice.js("const i = document.querySelector('#messages .file-thumb img');"
                                    "return i && i.naturalWidth > 0;"), "alice's own thumbnail")

        # A click fetches the whole image, checks it and shows it; its bytes are the file's.
        bob.click(bob.find("#messages .file-thumb")[0])
        bob.wait(lambda: bob.js("const i = document.querySelector('#viewer img.viewer-img');"
                                "return i && i.complete && i.naturalWidth === 640;"),
                 "the full image (640 px wide) in the viewer")
        bob.screenshot("web-files-viewer-phone")
        bob.click(bob.find("#viewer a.file-save")[0])
        self.assertEqual(filetransfer.sha(self.saved(bob, saves, "cat.png")), filetransfer.sha(image))
        bob.click(bob.find("#viewer .viewer-close")[0])
        bob.wait(lambda: not bob.find("#viewer"), "the viewer to close")

        # Another file: a download button with its name and size; the saved bytes match.
        data = os.urandom(300_000)
        self.attach(alice, self.write("notes v1.bin", data))
        get = bob.wait(lambda: [e for e in bob.find("#messages .file-get")
                                if "notes v1.bin" in e.text], "the download button of notes v1.bin")[0]
        self.assertIn("300.0 kB", get.text)
        bob.click(get)
        self.assertEqual(self.saved(bob, saves, "notes v1.bin"), data)
        bob.wait(lambda: "verified" in (bob.text_of("#messages .msg:last-child .file-status") or ""),
                 "the download marked verified")

        # The same file, sent by the browser, fetched by a third-party client.
        file_id = paho_bob.expect("im/user/bob/alice", timeout=30,
                                  predicate=lambda m: m.props.get("name") == "notes v1.bin").props["file"]
        r, got = filetransfer.fetch(paho_bob, file_id)
        self.assertTrue(r["ok"], r)
        self.assertEqual(filetransfer.sha(got), filetransfer.sha(data))

        # A name that is HTML stays text: no element made from it, no alert.
        evil = "<img src=x onerror=alert(1)>.png"
        self.attach(alice, self.write(evil, png(60, 40, seed=7)))
        bob.wait_msg_containing(evil, sender="alice")
        bob.wait(lambda: len(bob.find("#messages .file-thumb img")) == 2, "the second thumbnail")
        bob.click(bob.find("#messages .file-thumb")[1])
        bob.wait(lambda: bob.find("#viewer img.viewer-img"), "the viewer of the evil-named image")
        self.assertIn(evil, bob.text_of("#viewer .viewer-name"))
        self.assertEqual(bob.js("return document.querySelectorAll('img[src=\"x\"]').length;"), 0)
        self.assertEqual(alice.js("return document.querySelectorAll('img[src=\"x\"]').length;"), 0)
        self.assert_no_alert(bob)
        self.assert_no_alert(alice)
        bob.click(bob.find("#viewer .viewer-close")[0])
        alice.screenshot("web-files-dm-desktop")
        bob.screenshot("web-files-dm-phone")

        # After a reload the file messages come from history, without user properties: the
        # ids in their text still give each a button (no thumbnail then), and it works.
        bob.driver.refresh()
        bob.login("bob")
        bob.open_conv("@alice")
        bob.wait(lambda: len(bob.find("#messages .file-get")) == 3,
                 "three file buttons from history")
        self.assertEqual(bob.find("#messages .file-thumb"), [])
        cat = [e for e in bob.find("#messages .file-get") if "cat.png" in e.text][0]
        bob.click(cat)
        bob.wait(lambda: bob.js("const i = document.querySelector('#viewer img.viewer-img');"
                                "return i && i.complete && i.naturalWidth === 640;"),
                 "cat.png from history in the viewer")

    def test_refusals_show_and_send_nothing(self):
        alice = self.logged_in("alice")
        bob = self.logged_in("bob")
        paho_bob = filetransfer.file_client(self.stack, "bob")
        paho_bob.subscribe("im/user/bob/+")
        paho_bob.subscribe("im/room/+/+")

        # A room bob is not a member of: the service refuses the upload, the page says why.
        alice.send("/create plaza")
        alice.open_conv("#plaza")
        # A member's upload to the room: the file message shows in the room.
        self.attach(alice, self.write("agenda.txt", b"1. files\n"))
        alice.wait(lambda: len(self.file_ids(alice)) == 1, "the file message in #plaza")
        self.assertIn("sent a file: agenda.txt (9 B)", alice.texts(kind="chat")[-1])
        bob.send("/open #plaza")
        bob.wait(lambda: bob.js("return document.querySelector('#messages').dataset.conv;") == "#plaza",
                 "#plaza open at bob")
        self.attach(bob, self.write("plan.txt", b"a plan\n"))
        text = bob.wait(lambda: self.transfer_error(bob), "the refusal in bob's upload row")
        self.assertIn("not a member of #plaza", text)
        bob.wait_msg_containing("not a member of #plaza", kind="service")

        # Over the size limit (1 MiB here): refused at `upload`, before any byte; no message.
        alice.open_conv("@bob")
        big = os.urandom(2 * 1024 * 1024)
        self.attach(alice, self.write("big.iso", big))
        text = alice.wait(lambda: self.transfer_error(alice), "the over-size refusal at alice")
        self.assertIn("big.iso is 2.1 MB; the largest file allowed is 1.0 MB", text)
        alice.wait_msg_containing("the largest file allowed", kind="service")
        self.assertEqual(self.file_ids(alice), [])
        paho_bob.expect_none("im/user/bob/+", timeout=1.5)
        paho_bob.expect_none("im/room/+/+", timeout=0.1)
        alice.screenshot("web-files-refused-desktop")

        # Dropping a file on the conversation and pasting an image into the message box send
        # them too (the events a browser makes, with a DataTransfer holding the files).
        image = png(50, 30, seed=3)
        alice.js("""
            const [text, png] = [arguments[0], new Uint8Array(arguments[1])];
            const drop = new DataTransfer();
            drop.items.add(new File([text], 'dropped.txt', {type: 'text/plain'}));
            const zone = document.querySelector('#messages');
            for (const type of ['dragenter', 'dragover', 'drop'])
              zone.dispatchEvent(new DragEvent(type, {dataTransfer: drop, bubbles: true,
                                                      cancelable: true}));
            const paste = new DataTransfer();
            paste.items.add(new File([png], 'image.png', {type: 'image/png'}));
            document.querySelector('#composer-input').dispatchEvent(
              new ClipboardEvent('paste', {clipboardData: paste, bubbles: true, cancelable: true}));
        """, "dropped text\n", list(image))
        got = {}
        for _ in range(2):
            m = paho_bob.expect("im/user/bob/alice", timeout=30)
            got[m.props["name"]] = (m.props["mime"], m.props["sha256"])
        self.assertEqual(got, {"dropped.txt": ("text/plain", filetransfer.sha(b"dropped text\n")),
                               "image.png": ("image/png", filetransfer.sha(image))})
        self.assertEqual(alice.find("#composer-input")[0].get_attribute("value"), "")



class WebFilesResume(WebFiles):
    """The service's default limits: a file large enough to be cut off mid-upload."""
    STACK_ARGS = {}

    test_image_and_file_in_a_dm = None
    test_refusals_show_and_send_nothing = None

    def setUp(self):
        super().setUp()
        # While the broker is down the page's WebSocket attempts fail: expected here.
        self.allow_console(r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/mqtt' failed")
        # ... and a packet MQTT.js writes in the moment between the socket closing and its
        # close event (a chunk's PUBACK, a keepalive) is refused by the browser.
        self.allow_console(r"WebSocket is already in CLOSING or CLOSED state")

    def cut_connection(self, browser, measure):
        """Stops the broker mid-transfer and starts it again once the page has noticed;
        returns measure() read right after the stop, when the daemon and the page are back."""
        ready = self.stack._ready_count()
        self.stack.stop_broker()
        cut = measure()
        browser.wait(lambda: browser.conn_state() != "online", "the page to notice the drop")
        self.stack.start_broker()
        imtest.wait_for(lambda: self.stack._ready_count() > ready, timeout=20,
                        what="the daemon to reconnect")
        browser.wait_online(timeout=40)
        return cut

    def progress(self, browser):
        return browser.js("const p = document.querySelector('#transfers .transfer progress');"
                          "return p ? p.value : null;")

    def test_upload_resumes_after_the_connection_drops(self):
        alice = self.logged_in("alice", conv="@bob")
        data = os.urandom(64 * 1024 * 1024)
        self.attach(alice, self.write("big.bin", data))
        alice.wait(lambda: 2 <= (self.progress(alice) or 0) <= 70,
                   "the upload to be under way (2-70 %)", timeout=60)
        # The upload row goes once the file is sent: record where it said it resumed.
        alice.js("""
            window.resumedAt = 0;
            new MutationObserver(() => {
              for (const r of document.querySelectorAll('#transfers .transfer'))
                window.resumedAt = Math.max(window.resumedAt, Number(r.dataset.start) || 0);
            }).observe(document.querySelector('#transfers'),
                       {subtree: true, childList: true, attributes: true});""")
        alice.screenshot("web-files-upload-progress-desktop")
        cut = self.cut_connection(alice, lambda: self.progress(alice))
        # The service answers the repeated `upload` with what it holds; the page goes on there.
        start = alice.wait(lambda: alice.js("return window.resumedAt;") or None,
                           "the upload row to say where it resumed", timeout=40)
        self.assertGreater(start, 0)
        self.assertLess(start, len(data))
        file_id = alice.wait(lambda: (self.file_ids(alice) or [None])[0], "the file message",
                             timeout=120)
        paho_bob = filetransfer.file_client(self.stack, "bob")
        r, got = filetransfer.fetch(paho_bob, file_id, timeout=60)
        self.assertTrue(r["ok"], r)
        self.assertEqual(filetransfer.sha(got), filetransfer.sha(data),
                         f"resumed at {start} bytes (cut at {cut} %)")

    def test_download_resumes_after_the_connection_drops(self):
        # alice (paho) sends bob a 64 MiB file the way a client does: upload, then the message.
        paho_alice = filetransfer.file_client(self.stack, "alice")
        data = os.urandom(64 * 1024 * 1024)
        done = filetransfer.upload(paho_alice, "bob", data, "big.bin")
        paho_alice.publish("im/user/bob", done["text"], user_properties={
            "file": done["file"], "name": "big.bin", "mime": "application/octet-stream",
            "size": str(len(data)), "sha256": filetransfer.sha(data)})
        bob = self.logged_in("bob", conv="@alice")
        saves = self.downloads_to(bob)
        get = bob.wait(lambda: [e for e in bob.find("#messages .file-get") if "big.bin" in e.text],
                       "the download button of big.bin")[0]
        # Every percentage the message's status shows, in order.
        bob.js("""
            window.shown = [];
            new MutationObserver(() => {
              const s = document.querySelector('#messages .file-status');
              const m = s && /\((\d+)%\)/.exec(s.textContent);
              if (m) window.shown.push(Number(m[1]));
            }).observe(document.querySelector('#messages'),
                       {subtree: true, childList: true, characterData: true});""")
        bob.click(get)
        pct = lambda: (bob.js("return window.shown;") or [0])[-1]
        bob.wait(lambda: 2 <= pct() <= 70, "the download to be under way (2-70 %)", timeout=60)
        cut = self.cut_connection(bob, pct)
        saved = self.saved(bob, saves, "big.bin")
        self.assertEqual(filetransfer.sha(saved), filetransfer.sha(data), f"cut at {cut} %")
        # It went on from the bytes it had: the percentage never fell back.
        shown = bob.js("return window.shown;")
        self.assertEqual(shown, sorted(shown), f"cut at {cut} %")
        self.assertIn("verified", bob.text_of("#messages .file-status"))


if __name__ == "__main__":
    unittest.main()
