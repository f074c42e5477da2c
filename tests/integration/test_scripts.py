"""scripts/run and scripts/chat as a user starts them: the broker and the service come up on
the chosen port with the repo's demo users, chat works through them, SIGTERM stops both, and a
busy port is a clear error. Uses the test build (IMCHAT_BUILD), so nothing is rebuilt."""

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import unittest

import imtest


def scripts_env():
    return dict(os.environ, IMCHAT_BUILD=imtest.BUILD_DIR)


class RunScript(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="imchat-run-")
        self.port = imtest.free_port()
        self.web_port = imtest.free_port()
        self.log = open(os.path.join(self.data, "run.log"), "w+")
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        subprocess.run(["pkill", "-f", self.data], check=False)
        self.log.close()

    def output(self):
        with open(self.log.name) as f:
            return f.read()

    def start(self):
        self.proc = subprocess.Popen(
            [os.path.join(imtest.SOURCE_DIR, "scripts", "run"), "--port", str(self.port),
             "--web-port", str(self.web_port), "--data", self.data], stdout=self.log, stderr=subprocess.STDOUT, env=scripts_env(),
            start_new_session=True)
        imtest.wait_for(lambda: "imchat-service: ready" in self.output() or self.proc.poll() is not None,
                        timeout=120, what="scripts/run to start broker and service")
        self.assertIsNone(self.proc.poll(), self.output()[-3000:])

    def test_run_chat_and_stop(self):
        self.start()
        imtest.require_program("mosquitto_sub", "mosquitto-clients")
        sub = subprocess.Popen(
            ["mosquitto_sub", "-p", str(self.port), "-u", "bob", "-P", "builder", "-t",
             "im/user/bob/+", "-v", "-C", "1", "-W", "20"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        chat = subprocess.run(
            [os.path.join(imtest.SOURCE_DIR, "scripts", "chat"), "--port", str(self.port), "alice"],
            input="/msg bob hi from the runner\n", capture_output=True, text=True, timeout=120,
            env=dict(scripts_env(), IMCHAT_PASSWORD="wonderland"))
        self.assertEqual(chat.returncode, 0, chat.stderr[-2000:])
        self.assertIn("-> *bob* hi from the runner", chat.stdout)
        out, _ = sub.communicate(timeout=30)
        self.assertEqual(out.strip(), "im/user/bob/alice hi from the runner")
        self.assertTrue(os.path.exists(os.path.join(self.data, "server.log")))
        # The web gateway, when built, serves the page and says where.
        gateway_built = os.path.exists(os.path.join(imtest.BUILD_DIR, "gateway", "imchat-gateway"))
        if gateway_built:
            url = f"http://127.0.0.1:{self.web_port}/"
            imtest.wait_for(lambda: url in self.output(), what="the web URL")
            with urllib.request.urlopen(url, timeout=10) as page:
                self.assertEqual(page.status, 200)
                self.assertIn("imchat", page.read().decode())

        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(30), 0, self.output()[-2000:])
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        if gateway_built:
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", self.web_port), timeout=1).close()
        self.assertEqual(subprocess.run(["pgrep", "-f", self.data]).returncode, 1,
                         "broker or service still running after SIGTERM")

    def test_busy_port_is_a_clear_error(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", self.port))
            s.listen()
            p = subprocess.run(
                [os.path.join(imtest.SOURCE_DIR, "scripts", "run"), "--port", str(self.port),
                 "--data", self.data], capture_output=True, text=True, env=scripts_env(), timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(f"port {self.port}", p.stderr)
        self.assertIn("already in use", p.stderr)

    def test_chat_help(self):
        p = subprocess.run([os.path.join(imtest.SOURCE_DIR, "scripts", "chat"), "--help"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertIn("Usage: scripts/chat", p.stdout)


if __name__ == "__main__":
    unittest.main()
