"""The container stack with a real engine, used the way the README tells a user to:
podman builds the image from the Dockerfile and `podman-compose up -d` starts docker-compose.yml
with nothing before it (the service secret is generated inside the stack). Checked:
- the one-shot "secret" service wrote a random password (uid 10001, mode 0600) that no log shows;
- the three healthchecks turn healthy, and the service is not restarting (IMCHAT_IDLE_TIMEOUT's
  default reaches the daemon as a number under podman-compose too);
- a login through the published port works, a wrong password is refused;
- the gateway's published port serves the page (200, with the CSP header), and a client logged
  in over WebSocket on /mqtt there exchanges direct messages with a TCP client;
- that page is the web client (web/, bundled in the image's web stage): its login form, its
  script, style sheet and icons load with the CSP header; the bundle in the image is the one the
  native build makes (same files, same bytes), with no node or node_modules in the image; a
  headless Chromium logs in through the published port and sends a direct message that a TCP
  client receives (chromium, chromium-driver and python3-selenium are test packages);
- a direct message to an offline user survives `down` and `up` (the data volume), and the
  secret is kept;
- no process in any container runs as root; the root filesystem is read-only.

The machine is prepared by scripts/podman-setup (podman, runc, podman-compose; the project's
docker/podman/containers.conf; debian:bookworm pulled, or made with debootstrap when no registry
is reachable, which it says). If podman cannot run containers here, the test fails.
Cold (debootstrap + a full image build) it takes about 15 minutes here; warm, about one.
"""

import hashlib
import json
import os
import urllib.request
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

SRC = imtest.SOURCE_DIR
COMPOSE_FILE = os.path.join(SRC, "docker-compose.yml")
START = time.monotonic()
# The long-running services (besides the one-shot "secret").
SERVERS = ("broker", "service", "gateway")


def progress(text):
    print(f"[container {time.monotonic() - START:6.1f}s] {text}", file=sys.stderr, flush=True)


def podman_env(**extra):
    env = dict(os.environ, CONTAINERS_CONF=os.path.join(SRC, "docker", "podman", "containers.conf"),
               IMCHAT_BUILD=imtest.BUILD_DIR)
    env.update(extra)
    return env


def run(cmd, timeout=120, check=True, env=None, **kwargs):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       env=env or podman_env(), cwd=SRC, **kwargs)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def stream(cmd, timeout, keep=re.compile(r"^(STEP \d+/\d+|COMMIT|imchat:|Error|error)"),
           env=None):
    """Runs a long command, printing the lines that show progress; returns all output."""
    progress("$ " + " ".join(cmd))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env or podman_env(), cwd=SRC)
    lines = []
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        lines.append(line)
        if keep.search(line):
            progress("  " + line.rstrip()[:150])
        if time.monotonic() > deadline:
            proc.kill()
            break
    rc = proc.wait()
    proc.stdout.close()
    out = "".join(lines)
    if rc != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({rc}); last output:\n{out[-4000:]}")
    return out


class Container(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        progress("preparing podman (scripts/podman-setup)")
        stream([os.path.join(SRC, "scripts", "podman-setup")], timeout=900)
        cls.project = f"imchattest{uuid.uuid4().hex[:8]}"
        cls.port = imtest.free_port()
        cls.web_port = imtest.free_port()
        while cls.web_port == cls.port:
            cls.web_port = imtest.free_port()
        cls.compose_env = podman_env(IMCHAT_PORT=str(cls.port), IMCHAT_WEB_PORT=str(cls.web_port))
        cls.secret_logs = []  # the "secret" service's output at each `up`
        cls.addClassCleanup(cls.remove_everything)
        # The image docker-compose.yml names, built from the Dockerfile as `up` would, but
        # always (podman-compose builds only a missing image) and failing on a build error.
        progress("building imchat:latest from the Dockerfile (the first build installs "
                 "packages and compiles the project; later ones reuse podman's layer cache)")
        # The web stage's npm ci trusts what this machine's node trusts (a TLS-inspecting
        # proxy's CA in NODE_EXTRA_CA_CERTS), handed over as a build secret.
        ca = os.environ.get("NODE_EXTRA_CA_CERTS", "")
        secret = ["--secret", f"id=npm-ca,src={ca}"] if os.path.isfile(ca) else []
        stream(["podman", "build", "--layers", *secret, "-t", "imchat:latest", "-f", "Dockerfile",
                "."], timeout=1500)
        cls.up()

    @classmethod
    def compose(cls, *args):
        return ["podman-compose", "-p", cls.project, "-f", COMPOSE_FILE] + list(args)

    @classmethod
    def up(cls):
        progress(f"podman-compose up -d (project {cls.project}, ports {cls.port}, {cls.web_port})")
        run(cls.compose("up", "-d"), env=cls.compose_env, timeout=300)
        cls.wait_healthy()
        cls.secret_logs.append(run(["podman", "logs", cls.container("secret")]).stdout)

    @classmethod
    def down(cls, *args):
        progress("podman-compose down " + " ".join(args))
        return run(cls.compose("down", *args), env=cls.compose_env, timeout=300, check=False)

    @classmethod
    def remove_everything(cls):
        """`down -v`, then whatever it left (also after a failure half-way through `up`):
        the project's containers, their anonymous volumes, its volumes and networks."""
        label = f"label=io.podman.compose.project={cls.project}"

        def listed(*cmd):
            return run(list(cmd), check=False).stdout.split()

        ids = listed("podman", "ps", "-aq", "--filter", label)
        infos = json.loads(run(["podman", "inspect"] + ids, check=False).stdout or "[]") if ids else []
        anonymous = [m["Name"] for info in infos for m in info.get("Mounts", [])
                     if m.get("Type") == "volume" and not m["Name"].startswith(cls.project)]
        p = cls.down("-v")
        for kind, names in (("container", listed("podman", "ps", "-aq", "--filter", label)),
                            ("volume", anonymous + listed("podman", "volume", "ls", "-q", "--filter", label)),
                            ("network", listed("podman", "network", "ls", "-q", "--filter", label))):
            if names:
                run(["podman", kind, "rm", "-f"] + names, check=False)
        left = listed("podman", "ps", "-aq", "--filter", label) + \
            listed("podman", "volume", "ls", "-q", "--filter", label)
        if left:
            print(f"container test: could not remove {left}: {p.stderr}", file=sys.stderr)

    @classmethod
    def container(cls, service):
        return f"{cls.project}_{service}_1"

    @classmethod
    def inspect(cls, service):
        return json.loads(run(["podman", "inspect", cls.container(service)]).stdout)[0]

    @classmethod
    def wait_healthy(cls, timeout=180):
        """Waits until the three healthchecks report healthy. Podman schedules healthchecks with
        systemd timers; without systemd nothing runs them, so they are run here at the compose
        file's interval (`podman healthcheck run` runs the container's own check and records
        its result, as the timer would)."""
        progress("waiting for the healthchecks to turn healthy")
        deadline = time.monotonic() + timeout
        status = {}
        while time.monotonic() < deadline:
            for service in SERVERS:
                run(["podman", "healthcheck", "run", cls.container(service)], check=False)
                state = cls.inspect(service)["State"]
                status[service] = (state.get("Health") or state.get("Healthcheck") or {}).get("Status")
            if all(s == "healthy" for s in status.values()):
                progress("broker, service and gateway are healthy")
                return
            time.sleep(2)
        logs = {s: run(["podman", "logs", cls.container(s)], check=False) for s in ("secret",) + SERVERS}
        raise AssertionError(f"not healthy within {timeout}s: {status}\n" + "\n".join(
            f"--- {s}:\n{p.stdout[-2000:]}{p.stderr[-2000:]}" for s, p in logs.items()))

    def secret(self):
        volume = json.loads(run(["podman", "volume", "inspect",
                                 f"{self.project}_imchat-secret"]).stdout)[0]
        path = os.path.join(volume["Mountpoint"], "imchat_service_password")
        st = os.stat(path)
        with open(path, encoding="utf-8") as f:
            return f.read(), st

    # --- the checks

    def test_secret_generated_in_the_stack_and_never_printed(self):
        self.wait_healthy()
        text, st = self.secret()
        self.assertRegex(text, r"^[0-9a-f]{48}\n$")
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (10001, 0o600))
        state = self.inspect("secret")["State"]
        self.assertEqual((state["Status"], state["ExitCode"]), ("exited", 0))
        for service in ("secret",) + SERVERS:
            p = run(["podman", "logs", self.container(service)])
            self.assertNotIn(text.strip(), p.stdout + p.stderr, service)
        self.assertIn("generated a new service password", self.secret_logs[0])

    def test_only_the_named_volumes(self):
        # Each container's volumes are the compose file's named ones: no anonymous volume
        # (the image declares VOLUME /var/lib/imchat) is left behind by `down`.
        expected = {"secret": {"imchat-secret"}, "broker": {"imchat-data", "imchat-secret"},
                    "service": {"imchat-data", "imchat-secret"}, "gateway": set()}
        for service, names in expected.items():
            with self.subTest(service=service):
                mounts = self.inspect(service)["Mounts"]
                volumes = {m["Name"] for m in mounts if m["Type"] == "volume"}
                self.assertEqual(volumes, {f"{self.project}_{n}" for n in names}, mounts)

    def test_service_runs_with_the_default_idle_timeout(self):
        self.wait_healthy()
        info = self.inspect("service")
        self.assertIn("IMCHAT_IDLE_TIMEOUT=0", info["Config"]["Env"])
        self.assertEqual(info["RestartCount"], 0, "the service restarted")

    def test_login_through_the_published_port(self):
        self.wait_healthy()
        bob = imtest.Client(self.port, "bob", "builder").connect()
        self.addCleanup(bob.disconnect)
        alice = imtest.Client(self.port, "alice", "wonderland").connect()
        self.addCleanup(alice.disconnect)
        alice.subscribe("im/svc/alice")
        # The service answers through the published port and has seen bob's login.
        deadline = time.monotonic() + 15
        while True:
            alice.command("who")
            reply = alice.expect_svc("reply", predicate=lambda j: j.get("cmd") == "who")
            if "bob" in [u["user"] for u in reply.get("users", [])]:
                break
            self.assertLess(time.monotonic(), deadline, f"bob never online: {reply}")
            time.sleep(0.5)
        with self.assertRaises(imtest.ConnectRefused):
            imtest.Client(self.port, "carol", "not-her-password").connect()

    def test_nothing_runs_as_root(self):
        self.wait_healthy()
        for service in SERVERS:
            with self.subTest(service=service):
                self.assertEqual(self.inspect(service)["Config"]["User"], "10001:10001")
                rows = run(["podman", "top", self.container(service), "user", "huser", "args"])
                lines = rows.stdout.strip().splitlines()[1:]
                self.assertTrue(lines, rows.stdout)
                for line in lines:
                    user, huser = line.split()[:2]
                    self.assertNotIn("root", (user, huser), line)
                    self.assertNotIn("0", (user, huser), line)
        self.assertEqual(self.inspect("secret")["Config"]["User"], "10001:10001")

    def test_root_filesystem_is_read_only(self):
        self.wait_healthy()
        for service in SERVERS:
            with self.subTest(service=service):
                self.assertTrue(self.inspect(service)["HostConfig"]["ReadonlyRootfs"])
                p = run(["podman", "exec", self.container(service), "touch", "/imchat-write-test"],
                        check=False)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("Read-only file system", p.stderr + p.stdout)
                if service == "gateway":
                    continue  # it keeps no data (a tmpfs covers /var/lib/imchat)
                # The data volume stays writable.
                run(["podman", "exec", self.container(service), "touch",
                     f"/var/lib/imchat/.write-test-{service}"])
        self.assertTrue(self.inspect("secret")["HostConfig"]["ReadonlyRootfs"])

    def test_offline_message_survives_down_and_up(self):
        self.wait_healthy()
        secret_before, _ = self.secret()
        text = f"kept across down and up {uuid.uuid4().hex[:6]}"
        alice = imtest.Client(self.port, "alice", "wonderland").connect()
        alice.subscribe("im/svc/alice")
        alice.publish("im/user/dave", text.encode())
        # The daemon has stored it for dave (offline: he never logged in).
        alice.expect_svc("status", timeout=15, predicate=lambda j: j.get("status") == "queued")
        alice.disconnect()
        p = self.down()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(run(["podman", "ps", "-aq", "--filter",
                              f"label=io.podman.compose.project={self.project}"]).stdout.strip(), "")
        self.up()
        self.assertEqual(self.secret()[0], secret_before, "the secret changed across down/up")
        self.assertIn("keeping the service password", self.secret_logs[-1])
        dave = imtest.Client(self.port, "dave", "diver").connect()
        self.addCleanup(dave.disconnect)
        dave.subscribe("im/user/dave/+")
        m = dave.expect("im/user/dave/alice", timeout=15)
        self.assertEqual(m.payload.decode(), text)
        self.assertEqual(m.props.get("queued"), "1")

    def test_page_and_websocket_login_through_the_gateway(self):
        self.wait_healthy()
        with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/", timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertTrue(r.headers.get("Content-Type", "").startswith("text/html"), r.headers)
            csp = r.headers.get("Content-Security-Policy", "")
            self.assertIn("default-src 'self'", csp)
            self.assertIn("script-src 'self'", csp)
            self.assertIn("<html", r.read().decode("utf-8", "replace").lower())
        # A browser's way in: MQTT over WebSocket on /mqtt; bob stays on TCP (the broker's
        # published port). The broker and plugin still decide: a wrong password is refused.
        alice = imtest.Client(self.web_port, "alice", "wonderland", ws_path="/mqtt").connect()
        self.addCleanup(alice.disconnect)
        bob = imtest.Client(self.port, "bob", "builder").connect()
        self.addCleanup(bob.disconnect)
        self.assertEqual(alice.subscribe("im/user/alice/+"), 1)
        self.assertEqual(bob.subscribe("im/user/bob/+"), 1)
        text = f"over the gateway {uuid.uuid4().hex[:6]}"
        alice.publish("im/user/bob", text.encode())
        self.assertEqual(bob.expect("im/user/bob/alice", timeout=15).payload.decode(), text)
        bob.publish("im/user/alice", (text + " and back").encode())
        self.assertEqual(alice.expect("im/user/alice/bob", timeout=15).payload.decode(),
                         text + " and back")
        with self.assertRaises(imtest.ConnectRefused):
            imtest.Client(self.web_port, "carol", "not-her-password", ws_path="/mqtt").connect()
        logs = run(["podman", "logs", self.container("gateway")])
        self.assertIn("ws open", logs.stdout + logs.stderr)


    def fetch(self, path):
        """GET path on the gateway's published port: (status, headers, body bytes)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}{path}", timeout=10) as r:
            return r.status, r.headers, r.read()

    def test_the_page_is_the_web_client(self):
        self.wait_healthy()
        status, headers, body = self.fetch("/")
        page = body.decode("utf-8", "replace")
        self.assertEqual(status, 200)
        self.assertIn('id="login-form"', page, "the gateway serves a page that is not the web client")
        self.assertIn('id="composer-input"', page)
        # Everything the page loads by itself comes from the image, with the CSP header.
        refs = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', page)
        self.assertIn("app.js", refs)
        self.assertIn("app.css", refs)
        types = {".js": "javascript", ".css": "text/css", ".svg": "image/svg+xml"}
        for ref in sorted(set(refs)) + ["timer-worker.js"]:
            with self.subTest(ref=ref):
                self.assertNotRegex(ref, r"^(https?:)?//", "the page loads something from elsewhere")
                status, headers, body = self.fetch("/" + ref)
                self.assertEqual(status, 200)
                self.assertGreater(len(body), 0)
                self.assertIn(types[os.path.splitext(ref)[1]], headers.get("Content-Type", ""))
                self.assertIn("script-src 'self'", headers.get("Content-Security-Policy", ""))

    def test_the_image_has_the_native_bundle_and_no_node(self):
        self.wait_healthy()
        dist = os.path.join(imtest.BUILD_DIR, "web", "dist")
        imtest.require_built(os.path.join(dist, "app.js"), "imchat_web (needs npm)")
        native = {}
        for name in sorted(os.listdir(dist)):
            with open(os.path.join(dist, name), "rb") as f:
                native[name] = hashlib.sha256(f.read()).hexdigest()
        gateway = self.container("gateway")
        listing = run(["podman", "exec", gateway, "ls", "-A", "/usr/share/imchat/www"]).stdout
        self.assertEqual(sorted(listing.split()), sorted(native))
        sums = run(["podman", "exec", "-w", "/usr/share/imchat/www", gateway, "sha256sum"]
                   + sorted(native)).stdout
        image = {name: digest for digest, name in (line.split() for line in sums.splitlines())}
        self.assertEqual(image, native, "the image's web bundle differs from the native build's")
        # The runtime stage has no node: the web stage's toolchain stays in the build.
        for service in SERVERS:
            p = run(["podman", "exec", self.container(service), "sh", "-c",
                     "command -v node nodejs npm; ls -d /usr/lib/node_modules /usr/share/nodejs"],
                    check=False)
            self.assertEqual(p.stdout.strip(), "", f"{service} has node: {p.stdout}")

    def test_browser_logs_in_through_the_published_port(self):
        """A real headless Chromium on http://127.0.0.1:<web port>/: alice signs in on the login
        form and sends /msg bob ... from the composer; bob, on TCP through the broker's
        published port, receives it, and alice's copy turns "delivered"."""
        self.wait_healthy()
        imtest.require_program("chromium", "chromium")
        imtest.require_program("chromedriver", "chromium-driver")
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
            from selenium.webdriver.common.by import By
        except ImportError:
            raise AssertionError("python3-selenium is not installed: install the Debian packages "
                                 "python3-selenium chromium chromium-driver (" + imtest.SETUP_HINT + ")")
        bob = imtest.Client(self.port, "bob", "builder").connect()
        self.addCleanup(bob.disconnect)
        self.assertEqual(bob.subscribe("im/user/bob/+"), 1)

        profile = tempfile.mkdtemp(prefix="imchat-container-chromium-")
        self.addCleanup(shutil.rmtree, profile, True)
        opts = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,800", "--lang=en-US", f"--user-data-dir={profile}"):
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        b = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.addCleanup(b.quit)

        def find(css):
            return b.find_element(By.CSS_SELECTOR, css)

        def wait(what, predicate, timeout=20):
            deadline = time.monotonic() + timeout
            last = None
            while time.monotonic() < deadline:
                try:
                    if predicate():
                        return
                except Exception as e:  # not there yet, or re-rendered
                    last = e
                time.sleep(0.1)
            raise AssertionError(f"timed out waiting for {what} (last error: {last}); page:\n"
                                 + b.page_source[:3000])

        b.get(f"http://127.0.0.1:{self.web_port}/")
        # The app enables the button once its script runs.
        wait("the login form", lambda: find("#login-form").is_displayed()
             and find("#login-submit").is_enabled())
        find("#login-name").send_keys("alice")
        find("#login-password").send_keys("wonderland")
        find("#login-submit").click()
        wait("alice's chat", lambda: find("#app").is_displayed()
             and not find("#login-form").is_displayed())
        self.assertEqual(find("#me").text, "alice")
        wait("online", lambda: find("#conn-state").get_attribute("data-state") == "online")

        text = f"from a browser through the container {uuid.uuid4().hex[:6]}"
        box = find("#composer-input")
        box.send_keys(f"/msg bob {text}")
        box.send_keys("\n")
        self.assertEqual(bob.expect("im/user/bob/alice", timeout=20).payload.decode(), text)

        def state():
            for m in b.find_elements(By.CSS_SELECTOR, "#messages div.msg"):
                if m.find_element(By.CSS_SELECTOR, ".text").text == text:
                    return m.get_attribute("data-state")
            return None
        wait("alice's DM delivered", lambda: state() == "delivered")
        violations = [e["message"] for e in b.get_log("browser")
                      if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]
        self.assertEqual(violations, [])


if __name__ == "__main__":
    unittest.main()
