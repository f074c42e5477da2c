"""The gateway's HTTP-phase limits against slowloris-style clients: a deadline for the
whole request header (--header-timeout), a maximum header size (8 KiB, then 431), and a
cap on connections not yet upgraded (--max-http-connections). Raw sockets send partial
headers; the gateway closes them and keeps serving others."""

import socket
import time
import unittest

from imtest import wait_for
from test_gateway import INDEX, GatewayTest, get, open_websocket


def closed_by_peer(s, timeout):
    """Reads until the peer closes; returns (seconds it took, bytes read), or (None, bytes)
    when it is still open after timeout."""
    s.settimeout(0.2)
    start = time.monotonic()
    data = b""
    while time.monotonic() - start < timeout:
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - start, data
        if not chunk:
            return time.monotonic() - start, data
        data += chunk
    return None, data


def served(port):
    try:
        return get(port, "/")[0] == 200
    except (OSError, IndexError):
        return False


def partial(port, text=b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(text)
    return s


class GatewayHeaderTimeoutTest(GatewayTest):
    GATEWAY_ARGS = ("--header-timeout", "2")

    def test_trickled_header_is_cut_at_the_deadline_and_others_are_served(self):
        s = partial(self.gw.port)
        start = time.monotonic()
        # One byte every 0.25 s: each read makes progress, only a whole-header deadline
        # stops it.
        closed = None
        while time.monotonic() - start < 8:
            try:
                s.sendall(b"a")
            except OSError:
                closed = time.monotonic() - start
                break
            status, headers, body = get(self.gw.port, "/")
            self.assertEqual((status, body.decode()), (200, INDEX))
            t, data = closed_by_peer(s, 0.25)
            if t is not None:
                closed = time.monotonic() - start
                self.assertEqual(data, b"")
                break
        s.close()
        print(f"\n  trickled header closed after {closed:.2f} s (--header-timeout 2)")
        self.assertIsNotNone(closed, "a trickled header was never cut off")
        self.assertGreaterEqual(closed, 1.5)
        self.assertLess(closed, 4.5)
        wait_for(lambda: "no complete request header within 2 s" in self.gw.text(),
                 what="the header-timeout line in the log")

    def test_silent_connection_and_half_upgrade_are_closed(self):
        silent = socket.create_connection(("127.0.0.1", self.gw.port), timeout=5)
        half = partial(self.gw.port, b"GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
        for s in (silent, half):
            t, data = closed_by_peer(s, 6)
            s.close()
            self.assertIsNotNone(t)
            self.assertEqual(data, b"")
        # An upgraded WebSocket is not in its HTTP phase: the header deadline does not cut it.
        ws, status, _ = open_websocket(self.gw.port)
        self.assertEqual(status, 101)
        t, _ = closed_by_peer(ws, 3)
        self.assertIsNone(t, "an upgraded WebSocket was closed by the header deadline")
        ws.close()

    def test_oversized_header_gets_431_and_the_gateway_still_serves(self):
        big = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (9 * 1024) + b"\r\n\r\n"
        with socket.create_connection(("127.0.0.1", self.gw.port), timeout=5) as s:
            s.sendall(big)
            t, data = closed_by_peer(s, 5)
        self.assertIsNotNone(t)
        self.assertTrue(data.startswith(b"HTTP/1.1 431"), data[:60])
        self.assertIn("request header larger than 8192 bytes", self.gw.text())
        # Just under the limit is fine.
        status, _, body = get(self.gw.port, "/", extra="X-Fits: " + "a" * 7000 + "\r\n")
        self.assertEqual((status, body.decode()), (200, INDEX))


class GatewayHttpCapTest(GatewayTest):
    GATEWAY_ARGS = ("--max-http-connections", "5", "--header-timeout", "30")

    def test_connections_beyond_the_cap_are_closed_and_served_again_after(self):
        slow = [partial(self.gw.port) for _ in range(5)]
        extra = socket.create_connection(("127.0.0.1", self.gw.port), timeout=5)
        extra.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        t, data = closed_by_peer(extra, 5)
        extra.close()
        self.assertIsNotNone(t, "a connection beyond --max-http-connections was kept")
        self.assertEqual(data, b"")
        self.assertIn("5 connections in their HTTP phase (--max-http-connections)", self.gw.text())
        # The held ones are still open (their deadline is 30 s), and finishing one's header
        # serves it.
        slow[0].sendall(b"x\r\nConnection: close\r\n\r\n")
        t, data = closed_by_peer(slow[0], 5)
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:40])
        for s in slow:
            s.close()
        wait_for(lambda: served(self.gw.port), timeout=10,
                 what="the gateway to serve again once the slow connections closed")
        # Upgraded WebSockets leave the HTTP phase: more than 5 of them are fine.
        sockets = []
        for _ in range(7):
            ws, status, _ = open_websocket(self.gw.port)
            sockets.append(ws)
            self.assertEqual(status, 101)
        self.assertEqual(get(self.gw.port, "/")[0], 200)
        for ws in sockets:
            ws.close()


if __name__ == "__main__":
    unittest.main()
