"""Containers and the broker config, checked without a Docker engine:
- docker-compose.yml is valid (Debian's docker-compose renders it) and has the shape the
  README promises: broker + service from one image, port 1883, users.txt read-only, a named
  data volume, the service password as a secret, healthchecks, a non-root user;
- the Dockerfile installs and builds with the same scripts the native setup runs
  (scripts/setup, scripts/build), so the package list exists once;
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
        secret = os.path.join(self.tmp, "service_password")
        with open(secret, "w") as f:
            f.write("test-secret\n")
        env = dict(os.environ, IMCHAT_SERVICE_PASSWORD_FILE=secret)
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
            self.assertIn("source: imchat_service_password", block)
            self.assertRegex(block, r"user: '?10001")
        self.assertIn("published: 1883", self.service_block("broker"))
        self.assertIn("depends_on:", self.service_block("service"))
        self.assertNotIn("ports:", self.service_block("service"))

    def test_secret_is_not_baked_into_the_image(self):
        self.assertIn("IMCHAT_SERVICE_PASSWORD_FILE", read("docker-compose.yml"))
        self.assertNotIn("service_password", read("Dockerfile"))
        self.assertIn("docker/service_password", read(".dockerignore"))


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
                         ["debian:bookworm", "debian:bookworm"])
        users = re.findall(r"(?m)^USER (\S+)", self.text)
        self.assertTrue(users and users[-1] not in ("root", "0"), users)

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
                     "healthcheck-service"):
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
