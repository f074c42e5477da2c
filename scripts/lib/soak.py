"""Soak test: many users chatting for a while against a real broker + plugin + daemon.

Started by scripts/soak (which builds first). One process drives every client through one
epoll loop (paho clients without their own threads), publishing QoS 1 at fixed rates:
broadcasts from random users (read by --listeners users subscribed to im/all/+) and private
messages between random pairs (every user reads its inbox). Each payload carries a sequence
number and its send time, so the run reports lost and duplicated deliveries (both must be 0)
and end-to-end latency percentiles; it samples RSS and open files of the broker and the
daemon over time (they must stay flat).
"""

import argparse
import os
import random
import selectors
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
import imtest  # noqa: E402
import paho.mqtt.client as mqtt  # noqa: E402


def proc_stats(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return rss, fds
    except (OSError, StopIteration):
        return None, None


class Soak:
    def __init__(self, args):
        self.args = args
        self.names = [f"u{i:04d}" for i in range(args.users)]
        self.listeners = set(self.names[: args.listeners])
        self.sel = selectors.DefaultSelector()
        self.clients = {}
        self.connected = set()
        self.expected = {}  # key -> number of deliveries expected
        self.received = {}  # key -> deliveries seen
        self.latencies = []
        self.sent_at = {}
        self.seq = 0
        self.samples = []
        self.dirty = set()  # clients that may have bytes left to write

    # --- stack
    def start_stack(self):
        users = "".join(f"{n} pw-{n}\n" for n in self.names)
        self.stack = imtest.Stack(users=users, daemon=not self.args.no_daemon)
        self.stack.start()
        print(f"soak: broker pid {self.stack.broker.pid} on port {self.stack.port}"
              + (f", daemon pid {self.stack.service.pid}" if self.stack.service else ""),
              flush=True)

    # --- clients
    def on_message(self, client, userdata, msg):
        now = time.perf_counter_ns()
        key = msg.payload.split(b" ", 1)[0]
        self.received[key] = self.received.get(key, 0) + 1
        sent = self.sent_at.get(key)
        if sent is not None and self.received[key] == 1:
            self.latencies.append((now - sent) / 1e6)

    def connect_all(self):
        t0 = time.monotonic()
        for name in self.names:
            c = mqtt.Client(client_id=f"soak-{name}", protocol=mqtt.MQTTv311, clean_session=True)
            c.username_pw_set(name, f"pw-{name}")
            c.max_inflight_messages_set(1000)
            c.max_queued_messages_set(0)
            c.on_message = self.on_message
            c.on_connect = lambda cl, ud, fl, rc, n=name: self.on_connect(n, rc)
            c.connect("127.0.0.1", self.stack.port, keepalive=60)
            self.clients[name] = c
            self.sel.register(c.socket(), selectors.EVENT_READ, name)
            self.dirty.add(name)
            self.pump(0)
        imtest.wait_for(lambda: self.pump(0.05) or len(self.connected) == len(self.names),
                        timeout=120, what="every soak client to connect")
        # Let the subscriptions settle (the SUBACKs come back through the loop).
        end = time.monotonic() + 2
        while time.monotonic() < end:
            self.pump(0.05)
        print(f"soak: {len(self.names)} clients connected in {time.monotonic() - t0:.1f}s",
              flush=True)

    def on_connect(self, name, rc):
        if rc != 0:
            raise SystemExit(f"soak: {name} refused: {rc}")
        c = self.clients[name]
        c.subscribe(f"im/user/{name}/+", 1)
        if name in self.listeners:
            c.subscribe("im/all/+", 1)
        self.connected.add(name)

    def pump(self, timeout):
        for key, _ in self.sel.select(timeout):
            c = self.clients[key.data]
            if c.loop_read() != mqtt.MQTT_ERR_SUCCESS:
                self.sel.unregister(key.fileobj)
                raise SystemExit(f"soak: {key.data} lost its connection")
            self.dirty.add(key.data)
        for name in list(self.dirty):
            c = self.clients[name]
            if c.want_write():
                c.loop_write()
            if not c.want_write():
                self.dirty.discard(name)
        return False

    def misc(self):
        for c in self.clients.values():
            c.loop_misc()

    # --- load
    def publish(self, sender, topic, expected):
        self.seq += 1
        key = f"s{self.seq}".encode()
        self.expected[key] = expected
        self.sent_at[key] = time.perf_counter_ns()
        self.clients[sender].publish(topic, key + b" soak payload", qos=1)
        self.dirty.add(sender)

    def run_load(self):
        rnd = random.Random(42)
        seconds = self.args.minutes * 60
        b_rate, p_rate = self.args.broadcast_rate, self.args.private_rate
        t0 = time.monotonic()
        sent_b = sent_p = 0
        next_sample = t0
        next_misc = t0
        while True:
            now = time.monotonic()
            elapsed = now - t0
            if elapsed >= seconds:
                break
            while sent_b < b_rate * elapsed:
                sender = rnd.choice(self.names)
                self.publish(sender, "im/all", len(self.listeners))
                sent_b += 1
            while sent_p < p_rate * elapsed:
                a, b = rnd.sample(self.names, 2)
                self.publish(a, f"im/user/{b}", 1)
                sent_p += 1
            self.pump(0.002)
            if now >= next_misc:
                self.misc()
                next_misc = now + 1
            if now >= next_sample:
                self.sample(elapsed)
                next_sample = now + self.args.sample_seconds
        # Drain.
        end = time.monotonic() + self.args.drain_seconds
        while time.monotonic() < end and self.missing() > 0:
            self.pump(0.05)
        self.sample(time.monotonic() - t0)
        self.sent = (sent_b, sent_p)
        self.duration = seconds

    def missing(self):
        return sum(max(0, n - self.received.get(k, 0)) for k, n in self.expected.items())

    def sample(self, elapsed):
        row = [elapsed]
        for p in (self.stack.broker, self.stack.service):
            row.extend(proc_stats(p.pid) if p is not None else (None, None))
        self.samples.append(row)
        rss_b, fds_b, rss_d, fds_d = ("-" if v is None else v for v in row[1:])
        print(f"soak: t={elapsed:6.1f}s broker rss={rss_b}kB fds={fds_b}  daemon rss={rss_d}kB "
              f"fds={fds_d}  delivered={sum(self.received.values())} pending={self.missing()}",
              flush=True)

    # --- report
    def report(self):
        lost = self.missing()
        dups = sum(max(0, self.received.get(k, 0) - n) for k, n in self.expected.items())
        unknown = sum(v for k, v in self.received.items() if k not in self.expected)
        lat = sorted(self.latencies)

        def pct(p):
            return lat[min(len(lat) - 1, int(len(lat) * p / 100))] if lat else float("nan")

        sent_b, sent_p = self.sent
        print("\nsoak: ---- report ----")
        print(f"users {len(self.names)}, broadcast listeners {len(self.listeners)}, "
              f"{self.duration:.0f}s at {self.args.broadcast_rate} broadcasts/s + "
              f"{self.args.private_rate} private/s")
        print(f"sent: {sent_b} broadcasts, {sent_p} private; expected deliveries "
              f"{sum(self.expected.values())}, delivered {sum(self.received.values())}")
        print(f"lost: {lost}   duplicated: {dups}   unexpected: {unknown}")
        print(f"latency ms: p50 {pct(50):.1f}  p90 {pct(90):.1f}  p99 {pct(99):.1f}  "
              f"p99.9 {pct(99.9):.1f}  max {lat[-1] if lat else float('nan'):.1f}")
        ok = lost == 0 and dups == 0 and unknown == 0
        # Flat resources: compare the first sample after warm-up with the last one.
        warm = [s for s in self.samples if s[0] >= min(30.0, self.duration / 3)] or self.samples
        first, last = warm[0], self.samples[-1]
        for label, i in (("broker rss kB", 1), ("broker fds", 2), ("daemon rss kB", 3),
                         ("daemon fds", 4)):
            if first[i] is None or last[i] is None:
                continue
            growth = (last[i] - first[i]) / max(first[i], 1)
            flag = "" if growth <= self.args.max_growth else "  <-- GREW"
            if flag:
                ok = False
            print(f"{label}: {first[i]} -> {last[i]} ({growth:+.0%}){flag}")
        print("soak: PASS" if ok else "soak: FAIL")
        return ok

    def stop(self):
        for c in self.clients.values():
            try:
                c.disconnect()
                c.loop_write()
            except Exception:
                pass
        self.stack.stop()
        if self.args.keep:
            print(f"soak: logs kept in {self.stack.dir}")
        else:
            self.stack.cleanup()


def main():
    ap = argparse.ArgumentParser(description="imchat soak test")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--broadcast-rate", type=float, default=200)
    ap.add_argument("--private-rate", type=float, default=500)
    ap.add_argument("--listeners", type=int, default=10,
                    help="users subscribed to im/all/+ (each broadcast fans out to them)")
    ap.add_argument("--sample-seconds", type=float, default=10)
    ap.add_argument("--drain-seconds", type=float, default=30)
    ap.add_argument("--max-growth", type=float, default=0.25,
                    help="allowed RSS/fd growth after warm-up (fraction)")
    ap.add_argument("--no-daemon", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the stack's directory and logs")
    args = ap.parse_args()
    if args.users < 2 or args.listeners > args.users:
        ap.error("need at least 2 users and no more listeners than users")
    soak = Soak(args)
    soak.start_stack()
    try:
        soak.connect_all()
        soak.run_load()
        ok = soak.report()
    finally:
        soak.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
