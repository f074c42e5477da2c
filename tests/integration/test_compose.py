"""Containers and the broker config, checked without a Docker engine (test_container.py runs
them with podman):
- docker-compose.yml is valid (Debian's docker-compose renders it) and has the shape the
  README promises: broker + service from one image, port 1883, users.txt read-only, a named
  data volume, the service password in a volume that a one-shot "secret" service fills,
  healthchecks, a non-root user; a gateway service from the same image (web port 8080,
  IMCHAT_WEB_PORT, after a healthy broker, no data or secrets); no ${VAR:-} with an empty
  default (podman-compose 1.0.3 leaves it as literal text);
- docker/init-secret generates the secret once, keeps it, takes the user's own file, and
  never prints it;
- the Dockerfile installs and builds with the same scripts the native setup runs
  (scripts/setup, scripts/build), so the package list exists once; its web stage runs npm ci
  from the lock file before the sources come in, then web/build.mjs (as CMake does), and the
  runtime stage takes only the bundle;
- the paths inside the image are the ones mosquitto.conf names;
- the runtime config that scripts/broker-conf derives from mosquitto.conf starts mosquitto
  with our plugin and accepts a login."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import imtest

SRC = imtest.SOURCE_DIR


def read(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return f.read()


class Compose(unittest.TestCase):
    def setUp(self):
        imtest.require_program("docker-compose", "docker-compose")
        self.tmp = tempfile.mkdtemp(prefix="imchat-compose-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("IMCHAT_")}
        p = subprocess.run(["docker-compose", "-f", os.path.join(SRC, "docker-compose.yml"),
                            "config"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.config = p.stdout

    def service_block(self, name):
        m = re.search(rf"(?ms)^  {name}:\n(.*?)(?=^  \S|^\S)", self.config)
        self.assertIsNotNone(m, f"service {name} missing:\n{self.config}")
        return m.group(1)

    def test_two_services_from_one_build(self):
        for name in ("broker", "service"):
            block = self.service_block(name)
            self.assertIn("context: ", block)
            self.assertIn("image: imchat:", block)
            self.assertIn("healthcheck:", block)
            self.assertIn("/etc/imchat/users.txt:ro", block)
            self.assertIn("imchat-data:/var/lib/imchat", block)
            # The service password: the secret volume, read-only, where mosquitto.conf and
            # the entrypoint look (/run/secrets/imchat_service_password).
            self.assertIn("imchat-secret:/run/secrets:ro", block)
            self.assertIn("secret:\n        condition: service_completed_successfully", block)
            self.assertRegex(block, r"user: '?10001")
            self.assertIn("read_only: true", block)
        self.assertIn("published: 1883", self.service_block("broker"))
        self.assertIn("depends_on:", self.service_block("service"))
        self.assertNotIn("ports:", self.service_block("service"))
        # `docker compose up` with nothing before it: the one-shot service writes the secret.
        secret = self.service_block("secret")
        self.assertIn("/usr/lib/imchat/init-secret", secret)
        self.assertIn("imchat-secret:/run/secrets:rw", secret)
        self.assertIn("/etc/imchat/own_service_password:ro", secret)
        self.assertIn("docker/no_service_password:", secret)
        self.assertRegex(secret, r"user: '?10001")
        self.assertIn("read_only: true", secret)
        self.assertRegex(secret, r"restart: ['\"]?no['\"]?\n")
        self.assertNotIn("ports:", secret)

    def test_gateway_service(self):
        block = self.service_block("gateway")
        self.assertIn("image: imchat:", block)
        self.assertIn("context: ", block)
        self.assertRegex(block, r"user: '?10001")
        self.assertIn("read_only: true", block)
        self.assertIn("published: 8080", block)
        self.assertIn("target: 8080", block)
        self.assertIn("broker:\n        condition: service_healthy", block)
        self.assertIn("/usr/lib/imchat/healthcheck-gateway", block)
        # The image's pages, the broker by its service name, listening on every interface of
        # the container (the published port arrives from outside it).
        for arg in ("/usr/bin/imchat-gateway", "/usr/share/imchat/www", "0.0.0.0:8080",
                    "broker:1883"):
            self.assertIn(arg, block)
        # It needs neither the users, the data nor the service password.
        for mount in ("users.txt", "imchat-data", "imchat-secret"):
            self.assertNotIn(mount, block)
        self.assertIn("${IMCHAT_WEB_PORT:-8080}", read("docker-compose.yml"))
        # The pages are the web client's bundle from the image's web stage.
        self.assertIn("COPY --from=web /src/build-web/dist/ /usr/share/imchat/www/", read("Dockerfile"))

    def test_every_option_the_gateway_service_passes_is_in_its_usage(self):
        gateway = os.path.join(imtest.BUILD_DIR, "gateway", "imchat-gateway")
        imtest.require_built(gateway, "imchat-gateway")
        p = subprocess.run([gateway, "--help"], capture_output=True, text=True, timeout=10)
        options = set(re.findall(r"(--[a-z-]+)", self.service_block("gateway")))
        self.assertGreaterEqual(len(options), 3, options)
        for option in sorted(options):
            with self.subTest(option=option):
                self.assertIn(option, p.stdout + p.stderr)

    def test_every_default_is_non_empty(self):
        # podman-compose 1.0.3 does not expand ${VAR:-} (empty default): the text would reach
        # the container literally. Both implementations agree on non-empty defaults.
        text = re.sub(r"(?m)^\s*#.*$", "", read("docker-compose.yml"))
        self.assertIn("${IMCHAT_PORT:-1883}", text)
        self.assertEqual(re.findall(r"\$\{\w+:?-\}", text), [])
        self.assertNotIn("${", self.config)
        self.assertIn("IMCHAT_IDLE_TIMEOUT: '0'", self.service_block("service"))

    def test_own_password_file_goes_to_the_secret_service(self):
        own = os.path.join(self.tmp, "my_password")
        with open(own, "w") as f:
            f.write("mine\n")
        env = dict(os.environ, IMCHAT_SERVICE_PASSWORD_FILE=own)
        p = subprocess.run(["docker-compose", "-f", os.path.join(SRC, "docker-compose.yml"),
                            "config"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"{own}:/etc/imchat/own_service_password:ro", p.stdout)

    def test_secret_is_not_baked_into_the_image(self):
        self.assertIn("IMCHAT_SERVICE_PASSWORD_FILE", read("docker-compose.yml"))
        self.assertNotIn("service_password", read("Dockerfile"))
        self.assertIn("docker/service_password", read(".dockerignore"))
        # The default "own" file is empty: it means "generate one".
        self.assertEqual(os.path.getsize(os.path.join(SRC, "docker", "no_service_password")), 0)


class InitSecret(unittest.TestCase):
    """docker/init-secret, run on the host with its two paths moved to a temp directory."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="imchat-secret-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.dir = os.path.join(self.tmp, "secrets")
        os.mkdir(self.dir)
        self.own = os.path.join(self.tmp, "own")
        open(self.own, "w").close()
        self.file = os.path.join(self.dir, "imchat_service_password")

    def run_init(self):
        env = dict(os.environ, IMCHAT_SECRET_DIR=self.dir, IMCHAT_OWN_SECRET_FILE=self.own)
        return subprocess.run([os.path.join(SRC, "docker", "init-secret")], capture_output=True,
                              text=True, env=env, timeout=30)

    def secret(self):
        with open(self.file) as f:
            return f.read()

    def test_generated_once_then_kept_and_never_printed(self):
        p = self.run_init()
        self.assertEqual(p.returncode, 0, p.stderr)
        first = self.secret()
        self.assertRegex(first, r"^[0-9a-f]{48}\n$")
        self.assertEqual(os.stat(self.file).st_mode & 0o777, 0o600)
        self.assertIn("generated", p.stdout)
        self.assertNotIn(first.strip(), p.stdout + p.stderr)
        p = self.run_init()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("keeping", p.stdout)
        self.assertEqual(self.secret(), first)
        self.assertEqual(os.listdir(self.dir), ["imchat_service_password"])  # no temp files left

    def test_own_file_wins_and_is_copied_again_when_it_changes(self):
        self.assertEqual(self.run_init().returncode, 0)
        for mine in ("my-own-secret\n", "rotated-secret\n"):
            with open(self.own, "w") as f:
                f.write(mine)
            p = self.run_init()
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(self.secret(), mine)
            self.assertEqual(os.stat(self.file).st_mode & 0o777, 0o600)
            self.assertNotIn(mine.strip(), p.stdout + p.stderr)
        # Unchanged: nothing to do, nothing said about it.
        p = self.run_init()
        self.assertEqual((p.returncode, p.stdout), (0, ""))

    def test_own_file_with_an_empty_first_line_is_refused(self):
        with open(self.own, "w") as f:
            f.write("\nsecond-line\n")
        p = self.run_init()
        self.assertEqual(p.returncode, 1)
        self.assertIn("first line", p.stderr)
        self.assertFalse(os.path.exists(self.file))


class Dockerfile(unittest.TestCase):
    def setUp(self):
        self.text = read("Dockerfile")
        self.runs = re.findall(r"(?m)^RUN (.*(?:\\\n.*)*)", self.text)

    def test_builds_with_the_native_scripts(self):
        runs = "\n".join(self.runs)
        self.assertRegex(runs, r"(^|\s)scripts/setup(\s|$|&)")
        self.assertRegex(runs, r"scripts/setup --runtime-only")
        self.assertRegex(runs, r"(^|\s)scripts/build(\s|$)")
        # No package list of its own: apt-get only through scripts/setup.
        self.assertNotIn("apt-get install", self.text)
        # The native entry points run the same steps: scripts/setup, and the imchat_build
        # function that scripts/build is a thin wrapper of.
        for native in ("run", "test"):
            with self.subTest(script=native):
                self.assertIn("scripts/setup", read("scripts", native))
                self.assertIn("imchat_build", read("scripts", native))
        self.assertIn("imchat_build", read("scripts", "build"))

    def test_runtime_is_debian_and_not_root(self):
        self.assertEqual(re.findall(r"(?m)^FROM (\S+)", self.text),
                         ["debian:bookworm", "debian:bookworm", "debian:bookworm"])
        self.assertEqual(re.findall(r"(?m)^FROM \S+ AS (\S+)", self.text)[-1], "runtime")
        users = re.findall(r"(?m)^USER (\S+)", self.text)
        self.assertTrue(users and users[-1] not in ("root", "0"), users)

    def test_web_stage_is_cacheable_and_builds_like_cmake(self):
        # npm ci from the lock file before the sources arrive: editing web/src re-runs only the
        # bundler; the bundler is web/build.mjs into <dir>/dist, as web/CMakeLists.txt runs it.
        stage = re.search(r"(?ms)^FROM \S+ AS web\n(.*?)(?=^FROM )", self.text)
        self.assertIsNotNone(stage, "no web stage")
        web = re.sub(r"(?m)^#.*\n", "", stage.group(1))  # the steps, not their comments
        steps = [web.index(s) for s in (
            "scripts/setup --web-only", "COPY web/package.json web/package-lock.json build-web/",
            "npm ci", "COPY web/src/", "node web/build.mjs /src/build-web")]
        self.assertEqual(steps, sorted(steps), web)
        self.assertIn("build.mjs ${CMAKE_CURRENT_BINARY_DIR}", read("web", "CMakeLists.txt"))
        self.assertIn(" ci ", read("web", "CMakeLists.txt"))
        self.assertIn("**/node_modules/", read(".dockerignore"))
        # The runtime stage takes only the bundle: no node, no npm.
        runtime = re.sub(r"(?m)^#.*\n", "", self.text[self.text.index("AS runtime"):])
        self.assertNotRegex(runtime, r"node_modules|npm|--web-only|\bnode\b")

    def test_image_paths_match_mosquitto_conf(self):
        conf = read("mosquitto.conf")
        for path in re.findall(r"(?m)^(?:plugin|plugin_opt_users_file|"
                               r"plugin_opt_service_password_file|persistence_location) (\S+)",
                               conf):
            with self.subTest(path=path):
                self.assertIn(path.rstrip("/"), self.text + read("docker-compose.yml")
                              + read("docker", "entrypoint-broker")
                              + read("docker", "entrypoint-service"))

    def test_entrypoints_exist_and_are_executable(self):
        for name in ("entrypoint-broker", "entrypoint-service", "healthcheck-broker",
                     "healthcheck-service", "healthcheck-gateway", "init-secret", "wait-secret"):
            path = os.path.join(SRC, "docker", name)
            with self.subTest(script=name):
                self.assertTrue(os.access(path, os.X_OK), path)
                p = subprocess.run(["bash", "-n", path], capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, p.stderr)


class EntrypointMatchesDaemon(unittest.TestCase):
    def test_every_option_the_entrypoint_passes_is_in_the_daemons_usage(self):
        imtest.require_built(imtest.DAEMON, "imchat-service")
        p = subprocess.run([imtest.DAEMON, "--help"], capture_output=True, text=True, timeout=10)
        usage = p.stdout + p.stderr
        options = set(re.findall(r"(--[a-z-]+)", read("docker", "entrypoint-service")))
        self.assertGreaterEqual(len(options), 6, options)
        for option in sorted(options):
            with self.subTest(option=option):
                self.assertIn(option, usage)

    def test_image_copies_what_the_build_produces(self):
        build_dir = imtest.BUILD_DIR
        for built in re.findall(r"COPY --from=build /src/build-image/(\S+)", read("Dockerfile")):
            with self.subTest(path=built):
                self.assertTrue(os.path.exists(os.path.join(build_dir, built)), built)


class BrokerConf(unittest.TestCase):
    def test_runtime_config_starts_mosquitto_with_the_plugin(self):
        stack = imtest.Stack(daemon=False).start()
        self.addCleanup(stack.stop)
        alice = stack.client("alice")
        self.assertFalse(alice.is_disconnected)
        with self.assertRaises(imtest.ConnectRefused):
            stack.client("alice", password="wrong")
        conf = open(stack.conf).read()
        for line in ("allow_anonymous false", "set_tcp_nodelay true", "message_size_limit",
                     "persistence true", "autosave_interval", "max_queued_messages"):
            self.assertIn(line, conf)


if __name__ == "__main__":
    unittest.main()
