"""The gateway's --log FILE (what scripts/run uses for data/gateway.log, beside the
service's server.log): timestamped lines, reopened on SIGHUP after a rotation, and an
unwritable file refused at start with the file named."""

import os
import re
import signal
import subprocess
import unittest

from imtest import wait_for
from test_gateway import GATEWAY, GatewayTest, open_websocket

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "


class GatewayLogTest(GatewayTest):
    def gateway_args(self):
        self.log_file = os.path.join(self.stack.dir, "data", "gateway.log")
        return ("--log", self.log_file)

    def read(self, path):
        with open(path) as f:
            return f.read()

    def test_log_file_has_timestamps_and_reopens_on_sighup(self):
        s, status, _ = open_websocket(self.gw.port)
        self.assertEqual(status, 101)
        s.close()
        wait_for(lambda: "ws close 127.0.0.1:" in self.read(self.log_file), what="the close line")
        text = self.read(self.log_file)
        self.assertRegex(text, STAMP + r"listening on http://127\.0\.0\.1:\d+/")
        self.assertRegex(text, STAMP + r"ws open 127\.0\.0\.1:\d+")
        # stderr gets the same lines, as before.
        self.assertIn("imchat-gateway: ws open 127.0.0.1:", self.gw.text())
        os.rename(self.log_file, self.log_file + ".1")
        self.gw.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: os.path.exists(self.log_file), what="a new gateway.log after SIGHUP")
        wait_for(lambda: "log reopened (SIGHUP)" in self.read(self.log_file), what="the reopen line")
        s, status, _ = open_websocket(self.gw.port)
        s.close()
        wait_for(lambda: "ws close" in self.read(self.log_file), what="a close in the new file")
        self.assertEqual(self.read(self.log_file + ".1").count("ws open"), 1)
        self.assertIsNone(self.gw.proc.poll())

    def test_unwritable_log_file_is_refused(self):
        bad = os.path.join(self.stack.dir, "no-such-dir", "gateway.log")
        r = subprocess.run([GATEWAY, "--web-root", self.root, "--listen", "127.0.0.1:0",
                            "--log", bad], capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"cannot write --log '{bad}'", r.stderr)
        self.assertTrue(re.search("No such file or directory", r.stderr), r.stderr)


if __name__ == "__main__":
    unittest.main()
