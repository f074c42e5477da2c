"""The gateway at scale and under a client that stops reading:
- 1,000 WebSocket clients connect and log in at once, each receives one broadcast, all
  disconnect; the gateway's log (opens and closes) and its descriptors come back even.
- A WebSocket client subscribes and stops reading while a TCP client publishes ~50 MB to
  it: the gateway's RSS stays within a bound (it stalls the broker connection instead of
  buffering), and other WebSocket clients keep chatting meanwhile.
Times and RSS are printed. The asyncio client (wsmqtt.py) keeps the test process small."""

import asyncio
import os
import resource
import threading
import time
import unittest

import imtest
from imtest import DEFAULT_USERS, wait_for
from test_gateway import GatewayTest
from wsmqtt import WsMqtt

CLIENTS = 1000
RSS_BOUND_KB = 24 * 1024


def raise_fd_limit(need):
    """Raises the soft descriptor limit (inherited by the broker, daemon and gateway this
    test starts) or skips when the hard limit is too low."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        raise unittest.SkipTest(f"needs {need} file descriptors, the hard limit is {hard}")
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))



def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class GatewayThousandClientsTest(GatewayTest):
    STACK_ARGS = {"users": DEFAULT_USERS + "".join(f"s{i:04d} pw-{i:04d}\n" for i in range(CLIENTS))}

    @classmethod
    def setUpClass(cls):
        raise_fd_limit(4 * CLIENTS + 1024)

    def test_1000_websocket_clients_at_once(self):
        pid = self.gw.proc.pid
        fds_before = fd_count(pid)
        rss_before = imtest.rss_kb(pid)
        alice = self.stack.client("alice")
        times = {}

        async def one(i, ready, go):
            c = WsMqtt(self.gw.port)
            await c.open()
            await c.login(f"scale-{i:04d}", f"s{i:04d}", f"pw-{i:04d}")
            await c.subscribe("im/all/alice")
            ready.append(c)
            await go.wait()
            topic, payload = await asyncio.wait_for(c.publish_received(), 60)
            return c, topic, payload

        async def run():
            ready, go = [], asyncio.Event()
            start = time.monotonic()
            tasks = [asyncio.create_task(one(i, ready, go)) for i in range(CLIENTS)]
            while len(ready) < CLIENTS:
                failed = [t for t in tasks if t.done() and t.exception()]
                if failed:
                    raise failed[0].exception()
                if time.monotonic() - start > 90:
                    raise AssertionError(f"only {len(ready)} of {CLIENTS} logged in within 90 s")
                await asyncio.sleep(0.05)
            times["login"] = time.monotonic() - start
            times["rss_kb"] = imtest.rss_kb(pid)
            times["fds"] = fd_count(pid)
            go.set()
            t0 = time.monotonic()
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: alice.publish("im/all", "hello, thousand"))
            results = await asyncio.gather(*tasks)
            times["broadcast"] = time.monotonic() - t0
            for c, topic, payload in results:
                self.assertEqual((topic, payload), ("im/all/alice", b"hello, thousand"))
            t0 = time.monotonic()
            await asyncio.gather(*(c.close() for c, _, _ in results))
            times["close"] = time.monotonic() - t0
            return len(results)

        received = asyncio.run(run())
        self.assertEqual(received, CLIENTS)
        wait_for(lambda: self.gw.text().count("ws close ") >= CLIENTS, timeout=60,
                 what=f"{CLIENTS} ws close lines")
        text = self.gw.text()
        self.assertEqual(text.count("ws open "), CLIENTS)
        self.assertEqual(text.count("ws close "), CLIENTS)
        # Each client sends DISCONNECT and then a close frame: whichever end closes first
        # (the broker after DISCONNECT, or the client) ends it; nothing else may.
        self.assertEqual(text.count("(client closed;") + text.count("(broker closed the connection;"),
                         CLIENTS, "a close for another reason")
        self.assertNotIn("refused", text)
        self.assertNotIn("accept failed", text)
        # Every client's two descriptors (WebSocket and broker) are released.
        wait_for(lambda: fd_count(pid) <= fds_before, timeout=30,
                 what=f"the gateway's descriptors back to {fds_before}")
        self.assertGreaterEqual(times["fds"], fds_before + 2 * CLIENTS)
        # The broker saw them all come and go: the TCP client still works.
        self.assertEqual(alice.subscribe("im/user/alice/+"), 1)
        print(f"\n  {CLIENTS} WebSocket clients: all logged in and subscribed in "
              f"{times['login']:.2f} s, broadcast to all in {times['broadcast']:.2f} s, "
              f"all closed in {times['close']:.2f} s; gateway RSS {rss_before} kB idle -> "
              f"{times['rss_kb']} kB with {CLIENTS} open "
              f"({(times['rss_kb'] - rss_before) / CLIENTS:.1f} kB per connection), "
              f"{times['fds']} descriptors")


class GatewaySlowReaderTest(GatewayTest):
    def test_a_client_that_stops_reading_does_not_grow_the_gateway(self):
        pid = self.gw.proc.pid
        # Warm up (one WebSocket and a page) so the baseline includes the allocator's arenas.
        warm = self.ws("carol")
        warm.disconnect()
        rss_start = imtest.rss_kb(pid)

        # The slow reader logs in and subscribes; then its event loop no longer runs, so
        # nothing reads its socket again.
        async def login_slow():
            c = WsMqtt(self.gw.port)
            await c.open()
            await c.login("slow-alice", "alice", imtest.PASSWORDS["alice"])
            await c.subscribe("im/all/bob", qos=0)
            return c
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        slow_client = loop.run_until_complete(login_slow())

        dave = self.ws("dave")
        erin = self.ws("erin")
        dave.subscribe("im/user/dave/+")
        erin.subscribe("im/user/erin/+")
        bob = self.stack.client("bob")
        payload = os.urandom(32 * 1024).hex().encode()[:60 * 1024]
        count = 850  # ~50 MB
        peak = [rss_start]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], imtest.rss_kb(pid))
                time.sleep(0.05)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        chats = 0
        t0 = time.monotonic()
        infos = []
        for i in range(count):
            infos.append(bob.publish("im/all", payload, qos=1, wait=False))
            if i % 85 == 0:
                # The others keep chatting while the flood is stuck behind the slow reader.
                c0 = time.monotonic()
                dave.publish("im/user/erin", f"chat {i}")
                self.assertEqual(erin.expect("im/user/erin/dave", timeout=10).text, f"chat {i}")
                erin.publish("im/user/dave", f"reply {i}")
                self.assertEqual(dave.expect("im/user/dave/erin", timeout=10).text, f"reply {i}")
                chats += 1
                self.assertLess(time.monotonic() - c0, 5, "chat stalled behind the slow reader")
        wait_for(lambda: all(i.is_published() for i in infos), timeout=120,
                 what="the broker to take all ~50 MB")
        flood_s = time.monotonic() - t0
        time.sleep(1)  # let the gateway push what it can into the stalled socket
        stop.set()
        sampler.join()
        rss_end = imtest.rss_kb(pid)
        sent_mb = count * len(payload) / 1e6
        print(f"\n  slow reader: {sent_mb:.1f} MB published in {flood_s:.1f} s; gateway VmRSS "
              f"{rss_start} kB at start, peak {peak[0]} kB (+{(peak[0] - rss_start) / 1024:.1f} "
              f"MB), {rss_end} kB after; bound +{RSS_BOUND_KB // 1024} MB; {chats} chats "
              f"meanwhile")
        self.assertLessEqual(peak[0] - rss_start, RSS_BOUND_KB)
        self.assertEqual(chats, 10)
        self.assertIsNone(self.gw.proc.poll())
        loop.run_until_complete(slow_client.close())


if __name__ == "__main__":
    unittest.main()
