"""MQTT.js 5.16.0 (tests/node, pinned by its package-lock.json) under node, over the
gateway's WebSocket, against paho over TCP: login, a wrong password refused, DM and
broadcast both ways, a 5,000-message QoS 1 burst and 200 x 60 KB both ways, complete and
in order. `npm ci` installs MQTT.js into the build tree (never the source tree)."""

import hashlib
import os
import shutil
import subprocess
import threading
import unittest

import imtest
from imtest import wait_for
from test_gateway import GatewayTest

NODE_SRC = os.path.join(imtest.SOURCE_DIR, "tests", "node")
NODE_DIR = os.path.join(imtest.BUILD_DIR, "tests", "node")
BURST, BIG, BIG_BYTES = 5000, 200, 60 * 1024


def burst_payload(tag, i):
    return f"{tag} {i:05d}".encode()


def big_payload(tag, i):
    h = hashlib.sha256(f"{tag} {i}".encode()).hexdigest()
    return (f"{tag} {i:03d} " + h * 1000)[:BIG_BYTES].encode()


def ensure_mqttjs():
    """npm ci into <build>/tests/node when its package-lock.json differs from the source's
    (a stamp file remembers the installed lock). Returns the node_modules directory."""
    imtest.require_program("node", "nodejs")
    imtest.require_program("npm", "npm")
    os.makedirs(NODE_DIR, exist_ok=True)
    with open(os.path.join(NODE_SRC, "package-lock.json"), "rb") as f:
        lock = f.read()
    stamp = os.path.join(NODE_DIR, ".installed-lock-sha256")
    want = hashlib.sha256(lock).hexdigest()
    modules = os.path.join(NODE_DIR, "node_modules")
    if not (os.path.exists(stamp) and open(stamp).read() == want and os.path.isdir(modules)):
        for name in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(NODE_SRC, name), NODE_DIR)
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=NODE_DIR, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise AssertionError(f"npm ci in {NODE_DIR} failed (network? registry?): {r.stderr[-2000:]}")
        with open(stamp, "w") as f:
            f.write(want)
    return modules


class GatewayMqttJsTest(GatewayTest):
    def test_mqttjs_over_websocket_with_a_tcp_client(self):
        modules = ensure_mqttjs()
        with open(os.path.join(modules, "mqtt", "package.json")) as f:
            self.assertIn('"version": "5.16.0"', f.read())
        tcp = self.stack.client("bob")
        tcp.subscribe("im/user/bob/+")
        tcp.subscribe("im/all/alice")
        env = dict(os.environ, NODE_PATH=modules)
        node = subprocess.Popen(
            ["node", os.path.join(NODE_SRC, "gateway_mqttjs.js"),
             f"ws://127.0.0.1:{self.gw.port}/mqtt", "alice", imtest.PASSWORDS["alice"], "bob"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.addCleanup(node.stdout.close)
        self.addCleanup(imtest.terminate, node)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(iter(node.stdout.readline, "")),
                                  daemon=True)
        reader.start()
        said = lambda word: any(l.startswith(word) for l in lines) or node.poll() is not None
        wait_for(lambda: said("READY"), timeout=30, what="MQTT.js to log in")
        self.assertTrue(any(l.startswith("READY refused=13") for l in lines), lines)

        # TCP -> WebSocket: MQTT.js checks order and content and says GOT.
        tcp.publish("im/user/alice", "dm from tcp")
        tcp.publish("im/all", "all from tcp")
        infos = [tcp.publish("im/all", burst_payload("tcp", i), wait=False) for i in range(BURST)]
        infos += [tcp.publish("im/all", big_payload("tcp", i), wait=False) for i in range(BIG)]
        wait_for(lambda: said("GOT") or said("FAIL"), timeout=90, what="MQTT.js to receive all")
        self.assertTrue(all(i.is_published() for i in infos))

        # WebSocket -> TCP: the same, checked here.
        expected = [("im/user/bob/alice", b"dm from mqttjs"), ("im/all/alice", b"all from mqttjs")]
        expected += [("im/all/alice", burst_payload("js", i)) for i in range(BURST)]
        expected += [("im/all/alice", big_payload("js", i)) for i in range(BIG)]
        failed = lambda: any(l.startswith("FAIL") for l in lines)
        wait_for(lambda: len(tcp.received) >= len(expected) or failed(), timeout=90,
                 what="the TCP client to receive MQTT.js's messages")
        self.assertEqual(node.wait(30), 0, "".join(lines))
        reader.join(5)
        print("\n  MQTT.js: " + " | ".join(l.strip() for l in lines))
        got = [(m.topic, m.payload) for m in tcp.received]
        self.assertEqual(len(got), len(expected))
        self.assertTrue(got == expected, "messages from MQTT.js lost, changed or out of order")
        self.assertIn("ws open 127.0.0.1:", self.gw.text())


if __name__ == "__main__":
    unittest.main()
