"""The WebSocket gateway (gateway/, imchat-gateway) in front of a real broker, plugin and
daemon: paho over WebSockets (MQTT 3.1.1 and 5) against paho over TCP, the static pages and
their headers, path traversal, the Origin check, the frame size limit, the connection limit,
the idle timeout, and the broker going away and coming back."""

import base64
import os
import socket
import struct
import subprocess
import time
import unittest

import imtest
from imtest import PASSWORDS, wait_for

GATEWAY = imtest.GATEWAY
SECRET = "TOP-SECRET-OUTSIDE-THE-WEB-ROOT"
INDEX = "<!doctype html><title>imchat test</title><p>gateway test page</p>\n"


def http_request(port, raw, timeout=5.0):
    """Sends raw request bytes, returns (status, headers dict lower-cased, body bytes).
    Reads until the server closes (requests say Connection: close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def get(port, target, method="GET", extra=""):
    raw = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Connection: close\r\n\r\n"
    return http_request(port, raw.encode("latin-1"))


def upgrade_request(port, origin=None, protocol="mqtt", host=None):
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET /mqtt HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    if origin:
        lines.append(f"Origin: {origin}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def open_websocket(port, origin=None, protocol="mqtt", host=None):
    """A raw WebSocket: returns (socket, status, response head). The socket stays open."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(upgrade_request(port, origin, protocol, host))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    text = head.decode("latin-1")
    status = int(text.split()[1]) if text else 0
    return s, status, text


def client_frame(payload, opcode=0x2, length=None):
    """A masked client frame (RFC 6455 5.2); `length` may claim more than is sent."""
    n = len(payload) if length is None else length
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_close_code(s, timeout=10.0):
    """Reads server frames until a close frame; returns its status code (None if the
    connection ends without one)."""
    s.settimeout(timeout)
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        while len(buf) >= 2:
            opcode, n = buf[0] & 0x0F, buf[1] & 0x7F
            off = 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, off = struct.unpack("!H", buf[2:4])[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, off = struct.unpack("!Q", buf[2:10])[0], 10
            if len(buf) < off + n:
                break
            payload, buf = buf[off:off + n], buf[off + n:]
            if opcode == 0x8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return None
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
    return None


class GatewayTest(imtest.StackTest):
    GATEWAY_ARGS = ()

    def setUp(self):
        super().setUp()
        d = self.stack.dir
        self.root = os.path.join(d, "www")
        os.makedirs(os.path.join(self.root, "js"))
        with open(os.path.join(self.root, "index.html"), "w") as f:
            f.write(INDEX)
        with open(os.path.join(self.root, "js", "app.js"), "w") as f:
            f.write("console.log('app');\n")
        with open(os.path.join(self.root, "style.css"), "w") as f:
            f.write("body { color: black; }\n")
        with open(os.path.join(d, "secret.txt"), "w") as f:
            f.write(SECRET)
        os.symlink(os.path.join(d, "secret.txt"), os.path.join(self.root, "leak.txt"))
        os.symlink(d, os.path.join(self.root, "up"))
        self.gateways = []
        self.gw = self.gateway(self.gateway_args())

    def tearDown(self):
        for g in self.gateways:
            g.stop()
        super().tearDown()

    def gateway_args(self):
        """The options of the test's main gateway (self.gw); the stack exists already."""
        return self.GATEWAY_ARGS

    def gateway(self, args=()):
        g = imtest.Gateway(self.stack, self.root, args)
        self.gateways.append(g)
        return g

    def ws(self, user, password=None, protocol=5, connect=True, gw=None):
        if password is None:
            password = PASSWORDS[user]
        c = imtest.Client((gw or self.gw).port, user, password, protocol=protocol,
                          ws_path="/mqtt")
        self.stack.clients.append(c)
        if connect:
            c.connect()
        return c


class GatewayMqttTest(GatewayTest):
    def test_login_over_websocket_and_bad_password_refused(self):
        for protocol in (4, 5):
            c = self.ws("alice", protocol=protocol)
            self.assertEqual(c.subscribe("im/user/alice/+"), 1)
            c.disconnect()
            with self.assertRaises(imtest.ConnectRefused):
                self.ws("bob", password="wrong", protocol=protocol)
        self.assertIn("ws open 127.0.0.1:", self.gw.text())
        self.assertIn("ws close 127.0.0.1:", self.gw.text())

    def test_dm_and_broadcast_both_ways_between_websocket_and_tcp(self):
        for protocol in (4, 5):
            web = self.ws("alice", protocol=protocol)
            tcp = self.stack.client("bob", protocol=protocol)
            for c, me in ((web, "alice"), (tcp, "bob")):
                c.subscribe(f"im/user/{me}/+")
                c.subscribe("im/all/+")
            web.publish("im/user/bob", f"dm from the web {protocol}")
            self.assertEqual(tcp.expect("im/user/bob/alice").text, f"dm from the web {protocol}")
            tcp.publish("im/user/alice", f"dm from tcp {protocol}")
            self.assertEqual(web.expect("im/user/alice/bob").text, f"dm from tcp {protocol}")
            web.publish("im/all", f"all from the web {protocol}")
            self.assertEqual(tcp.expect("im/all/alice").text, f"all from the web {protocol}")
            tcp.publish("im/all", f"all from tcp {protocol}")
            self.assertEqual(web.expect("im/all/bob").text, f"all from tcp {protocol}")
            web.disconnect()
            tcp.disconnect()

    def assert_stream(self, sender, receiver, topic, payloads, timeout):
        expect = [p if isinstance(p, bytes) else p.encode() for p in payloads]
        infos = [sender.publish("im/all", p, wait=False) for p in payloads]
        wait_for(lambda: len([m for m in receiver.received if m.topic == topic]) >= len(expect),
                 timeout=timeout, what=f"{len(expect)} messages on {topic}")
        got = [m.payload for m in receiver.received if m.topic == topic]
        self.assertEqual(len(got), len(expect))
        self.assertTrue(got == expect, "messages lost, duplicated or out of order")
        wait_for(lambda: all(i.is_published() for i in infos), timeout=timeout,
                 what="every PUBACK")

    def test_burst_of_5000_qos1_messages_complete_and_in_order_both_ways(self):
        web = self.ws("alice")
        tcp = self.stack.client("bob")
        web.subscribe("im/all/bob")
        tcp.subscribe("im/all/alice")
        self.assert_stream(tcp, web, "im/all/bob", [f"tcp {i:05d}" for i in range(5000)], 60)
        self.assert_stream(web, tcp, "im/all/alice", [f"web {i:05d}" for i in range(5000)], 60)

    def test_200_messages_of_60_kb_complete_and_in_order_both_ways(self):
        web = self.ws("alice", protocol=4)
        tcp = self.stack.client("bob")
        web.subscribe("im/all/bob")
        tcp.subscribe("im/all/alice")
        big = lambda tag, i: (f"{tag} {i:03d} ".encode() + os.urandom(30 * 1024).hex().encode())[:60 * 1024]
        self.assert_stream(tcp, web, "im/all/bob", [big("tcp", i) for i in range(200)], 60)
        self.assert_stream(web, tcp, "im/all/alice", [big("web", i) for i in range(200)], 60)

    def test_broker_stopped_closes_websockets_and_pages_stay_served(self):
        web = self.ws("alice")
        raw, status, _ = open_websocket(self.gw.port)
        self.assertEqual(status, 101)
        self.stack.stop_daemon()
        self.stack.stop_broker()
        # A clean close from the gateway: 1001 (the broker went away) or 1011.
        self.assertIn(read_close_code(raw), (1001, 1011))
        raw.close()
        wait_for(lambda: web.is_disconnected, timeout=10, what="the WebSocket client to be closed")
        status, _, body = get(self.gw.port, "/")
        self.assertEqual((status, body.decode()), (200, INDEX))
        # With the broker down a new WebSocket is closed with 1011, not left hanging.
        raw, status, _ = open_websocket(self.gw.port)
        self.assertEqual(status, 101)
        self.assertEqual(read_close_code(raw), 1011)
        raw.close()
        with self.assertRaises((imtest.ConnectRefused, AssertionError)):
            self.ws("bob")
        self.stack.start_broker()
        self.stack.start_daemon()
        bob = self.ws("bob")
        self.assertEqual(bob.subscribe("im/user/bob/+"), 1)
        self.assertEqual(self.gw.proc.poll(), None)


class GatewayHttpTest(GatewayTest):
    def assert_security_headers(self, headers):
        csp = headers.get("content-security-policy", "")
        for part in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                     "base-uri 'none'", "frame-ancestors 'none'",
                     f"ws://127.0.0.1:{self.gw.port}", f"wss://127.0.0.1:{self.gw.port}"):
            self.assertIn(part, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(headers.get("x-content-type-options"), "nosniff")
        self.assertEqual(headers.get("referrer-policy"), "no-referrer")
        self.assertEqual(headers.get("x-frame-options"), "DENY")

    def test_static_files_with_types_and_security_headers(self):
        cases = [("/", "text/html", INDEX), ("/index.html", "text/html", INDEX),
                 ("/js/app.js", "text/javascript", "console.log('app');\n"),
                 ("/style.css", "text/css", "body { color: black; }\n")]
        for target, ctype, body in cases:
            status, headers, got = get(self.gw.port, target)
            self.assertEqual(status, 200, target)
            self.assertTrue(headers["content-type"].startswith(ctype), headers)
            self.assertEqual(got.decode(), body)
            self.assert_security_headers(headers)
        status, headers, got = get(self.gw.port, "/", method="HEAD")
        self.assertEqual((status, got), (200, b""))
        self.assertEqual(headers["content-length"], str(len(INDEX)))
        status, headers, _ = get(self.gw.port, "/missing.html")
        self.assertEqual(status, 404)
        self.assert_security_headers(headers)
        status, headers, _ = get(self.gw.port, "/", method="POST", extra="Content-Length: 0\r\n")
        self.assertEqual(status, 405)
        self.assert_security_headers(headers)

    def test_path_traversal_never_leaves_the_web_root(self):
        targets = ["/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt",
                   "/%2E%2E%2Fsecret.txt", "/js%2F..%2F..%2Fsecret.txt", "/..%5Csecret.txt",
                   "//etc/passwd", "/%2Fetc%2Fpasswd", "/" + self.stack.dir + "/secret.txt",
                   "/leak.txt", "/up/secret.txt", "/%00index.html",
                   "/index.html%00.js", "/./index.html", "/%", "/%zz",
                   "http://127.0.0.1/secret.txt", "/../../../../../../etc/passwd"]
        for target in targets:
            status, headers, body = get(self.gw.port, target)
            self.assertIn(status, (400, 404), target)
            self.assertNotIn(SECRET.encode(), body, target)
            self.assertNotIn(b"root:", body, target)
            self.assert_security_headers(headers)

    def test_origin_checked_at_the_upgrade(self):
        port = self.gw.port
        for origin in ("http://evil.example", f"http://evil.example:{port}",
                       "http://127.0.0.1:1", "null", f"http://localhost:{port}"):
            s, status, head = open_websocket(port, origin=origin)
            s.close()
            self.assertEqual(status, 403, origin)
            self.assertIn("Content-Security-Policy", head)
        for origin in (f"http://127.0.0.1:{port}", f"https://127.0.0.1:{port}", None):
            s, status, head = open_websocket(port, origin=origin)
            s.close()
            self.assertEqual(status, 101, origin)
            self.assertIn("Sec-WebSocket-Protocol: mqtt", head)
        # --allow-origin adds one, and only that one.
        gw = self.gateway(["--allow-origin", "https://chat.example.org"])
        s, status, _ = open_websocket(gw.port, origin="https://chat.example.org")
        s.close()
        self.assertEqual(status, 101)
        s, status, _ = open_websocket(gw.port, origin="http://chat.example.org")
        s.close()
        self.assertEqual(status, 403)

    def test_upgrade_without_the_mqtt_subprotocol_is_refused(self):
        for protocol in (None, "chat", "mqttv3.1"):
            s, status, _ = open_websocket(self.gw.port, protocol=protocol)
            s.close()
            self.assertEqual(status, 400, protocol)

    def test_oversized_message_closes_with_1009(self):
        s, status, _ = open_websocket(self.gw.port)
        self.assertEqual(status, 101)
        # Claims 200 KiB: more than the broker's 64 KiB limit plus the MQTT header slack.
        s.sendall(client_frame(b"\x30" * 1024, length=200 * 1024))
        self.assertEqual(read_close_code(s), 1009)
        s.close()
        # A message within the limit passes (a WebSocket paho client with a 60 KB payload is
        # covered by the 200 x 60 KB test); the gateway still serves.
        self.assertEqual(get(self.gw.port, "/")[0], 200)

    def test_connection_limit_refuses_with_503(self):
        gw = self.gateway(["--max-connections", "2"])
        a = self.ws("alice", gw=gw)
        b = self.ws("bob", gw=gw)
        s, status, _ = open_websocket(gw.port)
        s.close()
        self.assertEqual(status, 503)
        self.assertIn("--max-connections", gw.text())
        a.disconnect()
        wait_for(lambda: gw.text().count("ws close") >= 1, what="the first close")
        c = self.ws("carol", gw=gw)
        self.assertEqual(c.subscribe("im/user/carol/+"), 1)
        b.disconnect()

    def test_idle_timeout_closes_a_quiet_websocket(self):
        gw = self.gateway(["--idle-timeout", "1"])
        s, status, _ = open_websocket(gw.port)
        self.assertEqual(status, 101)
        start = time.monotonic()
        self.assertEqual(read_close_code(s, timeout=10), 1001)
        self.assertGreaterEqual(time.monotonic() - start, 0.9)
        s.close()
        # The close line comes when the connection ends (after the close handshake).
        wait_for(lambda: "idle for 1 s" in gw.text(), what="the idle close in the log")

    def test_bad_options_are_refused_with_a_specific_message(self):
        cases = [(["--web-root", "/nonexistent-imchat-root"], "cannot use --web-root"),
                 (["--web-root", self.root, "--listen", "127.0.0.1"], "--listen needs HOST:PORT"),
                 (["--web-root", self.root, "--max-connections", "0"], "--max-connections needs"),
                 (["--web-root", self.root, "--allow-origin", "chat.example.org"],
                  "--allow-origin needs an origin URL"),
                 (["--listen", "127.0.0.1:1"], "--web-root DIR is required")]
        for args, message in cases:
            r = subprocess.run([GATEWAY] + args, capture_output=True, text=True, timeout=10)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(message, r.stderr, args)


if __name__ == "__main__":
    unittest.main()
