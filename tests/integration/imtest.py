"""Integration-test harness: a real mosquitto with the imchat plugin and the real
auth-service daemon on a free port, in a temporary directory, plus MQTT clients
(python3-paho-mqtt, mosquitto_pub/sub) to talk to them.

Usage in a test:

    class T(imtest.StackTest):          # one fresh stack per test method
        def test_x(self):
            alice = self.stack.client("alice")
            alice.subscribe("im/user/alice/+")
            ...

The project's own client runs as a process: `self.stack.chat("alice")` (stdin mode, one
line per event) or `self.stack.chat_tty("alice")` (on a pseudo-terminal, interactive).

Environment (set by CTest): IMCHAT_SOURCE_DIR, IMCHAT_BUILD_DIR.
"""

import fcntl
import json
import os
import queue
import re
import select
import shutil
import signal
import socket
import subprocess
import struct
import tempfile
import termios
import threading
import time
import unittest
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

SOURCE_DIR = os.environ.get(
    "IMCHAT_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_DIR = os.environ.get("IMCHAT_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
PLUGIN = os.path.join(BUILD_DIR, "auth-service", "imchat_auth.so")
DAEMON = os.path.join(BUILD_DIR, "auth-service", "imchat-service")
CLIENT = os.path.join(BUILD_DIR, "client", "imchat")
GATEWAY = os.path.join(BUILD_DIR, "gateway", "imchat-gateway")
SERVICE_USER = "imchat-service"

# Demo users for tests: name -> password. erin uses a mosquitto_passwd $7$ hash.
PASSWORDS = {
    "alice": "wonderland",
    "bob": "builder",
    "carol": "singer",
    "dave": "diver",
    "alice2": "second",
    "erin": "erin-secret",
}
DEFAULT_USERS = """# test users
alice wonderland
bob builder
carol singer
dave diver
alice2 second
erin:$7$101$eKzP0V51fcxK0qb5$L360s4i2Zumvqu1HsAST/Hh7HqFxvYJ7AkCLQ9yp0kONkVZcrMMnh0Ws5SPpR7gt7H7OYhQo4TmxO8DgXF7O6A==
"""

TIMEOUT = 5.0

# Filters that do match $SYS topics, for checks that users cannot read them. A filter that
# starts with a wildcard (`#`, `+/...`) never matches a topic starting with `$` (MQTT 4.7.2),
# so subscribing `#` proves nothing about $SYS.
SYS_FILTERS = ("$SYS/#", "$SYS/broker/uptime", "$SYS/broker/version", "$SYS/+/uptime",
               "$SYS/broker/+", "$SYS/+/#")


def broker_env():
    """mosquitto's environment. IMCHAT_BROKER_PRELOAD (set by scripts/test-asan) is preloaded
    into mosquitto only: a sanitized plugin needs the ASan runtime loaded first."""
    env = dict(os.environ)
    preload = env.pop("IMCHAT_BROKER_PRELOAD", "")
    if preload:
        env["LD_PRELOAD"] = preload
        # mosquitto's own allocations are not freed on some exit paths; leaks are checked
        # in our sanitized executables instead.
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=TIMEOUT, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def mqtt_varint(n):
    """MQTT's variable byte integer (remaining length, property length)."""
    out = b""
    while True:
        b = n % 128
        n //= 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def mqtt_string(s):
    """An MQTT UTF-8 string or binary data: 2-byte length, then the bytes."""
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def mqtt_packet(header, body):
    return bytes([header]) + mqtt_varint(len(body)) + body


def archive_records(payload):
    """Decodes an im/archive batch (auth-service/core/archive_stream.h) into dicts with
    kind ('b', 'd', 'r', 'c'), flags, id, ts, from, to (the recipient of 'd', the room of 'r'),
    ref and body (bytes)."""
    assert payload.startswith(b"IMA1\n"), payload[:20]
    rest = payload[5:]
    records = []
    while rest:
        header, rest = rest.split(b"\n", 1)
        kind, rid, ts, sender, to, ref_len, body_len = header.decode().split(" ")
        ref_len, body_len = int(ref_len), int(body_len)
        ref, body = rest[:ref_len], rest[ref_len:ref_len + body_len]
        assert rest[ref_len + body_len:ref_len + body_len + 1] == b"\n"
        rest = rest[ref_len + body_len + 1:]
        records.append({"kind": kind[0], "flags": kind[1:].strip("-"), "id": rid, "ts": int(ts),
                        "from": sender, "to": to if kind[0] in "dr" else "",
                        "ref": ref.decode(), "body": body})
    return records


class ConnectRefused(Exception):
    def __init__(self, rc):
        super().__init__(f"connection refused: {rc}")
        self.rc = rc


class Message:
    def __init__(self, msg):
        self.topic = msg.topic
        self.payload = msg.payload
        self.retain = bool(msg.retain)
        self.qos = msg.qos
        self.props = {}
        props = getattr(msg, "properties", None)
        if props is not None and hasattr(props, "UserProperty"):
            self.props = dict(props.UserProperty)
        # MQTT 5 Correlation Data (bytes), None when absent.
        self.correlation = getattr(props, "CorrelationData", None) if props is not None else None

    @property
    def text(self):
        return self.payload.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.payload)

    def __repr__(self):
        return f"Message({self.topic!r}, {self.payload[:80]!r}, retain={self.retain}, props={self.props})"


class Client:
    """A paho client that records what it receives. protocol: 5 or 4 (MQTT 3.1.1).
    ws_path: connect over WebSocket to that path (the gateway's "/mqtt") instead of TCP."""

    def __init__(self, port, user, password, protocol=5, client_id=None, clean=True,
                 keepalive=30, will=None, session_expiry=None, ws_path=None):
        self.user = user
        self.client_id = client_id if client_id is not None else f"t-{user}-{uuid.uuid4().hex[:8]}"
        self.protocol = protocol
        version = mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311
        kwargs = {"client_id": self.client_id, "protocol": version}
        if protocol != 5:
            kwargs["clean_session"] = clean
        if ws_path is not None:
            kwargs["transport"] = "websockets"
        self.mqtt = mqtt.Client(**kwargs)
        if ws_path is not None:
            self.mqtt.ws_set_options(path=ws_path)
        if user is not None:
            self.mqtt.username_pw_set(user, password)
        if will:
            self.mqtt.will_set(*will)
        self.messages = queue.Queue()
        self.received = []
        self._connected = threading.Event()
        self._disconnected = threading.Event()
        self._rc = None
        self._subacks = {}
        self._pubacks = {}
        self._lock = threading.Lock()
        self.mqtt.on_connect = self._on_connect
        self.mqtt.on_disconnect = self._on_disconnect
        self.mqtt.on_message = self._on_message
        self.mqtt.on_subscribe = self._on_subscribe
        self.mqtt.on_publish = self._on_publish
        self._port = port
        self._keepalive = keepalive
        self._clean = clean
        self._session_expiry = session_expiry  # MQTT 5: seconds the session outlives the connection

    # --- callbacks (paho's network thread)
    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self._rc = rc
        self._connected.set()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self._disconnected.set()
        if not self._connected.is_set():
            self._rc = rc
            self._connected.set()

    def _on_message(self, client, userdata, msg):
        m = Message(msg)
        with self._lock:
            self.received.append(m)
        self.messages.put(m)

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        codes = [getattr(g, "value", g) for g in granted]
        self._subacks[mid] = codes

    def _on_publish(self, client, userdata, mid):
        self._pubacks[mid] = True

    # --- API
    def connect(self):
        kwargs = {}
        if self.protocol == 5:
            kwargs["clean_start"] = self._clean
            if self._session_expiry:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = self._session_expiry
                kwargs["properties"] = props
        self.mqtt.connect("127.0.0.1", self._port, keepalive=self._keepalive, **kwargs)
        self.mqtt.loop_start()
        if not self._connected.wait(TIMEOUT):
            self.mqtt.loop_stop()
            raise AssertionError(f"{self.user}: no CONNACK within {TIMEOUT}s")
        rc = self._rc
        value = getattr(rc, "value", rc)
        if value != 0:
            self.mqtt.loop_stop()
            raise ConnectRefused(value)
        return self

    def subscribe(self, topic, qos=1, no_local=False):
        """Subscribes and returns the granted code (a QoS 0-2, or >= 0x80 when refused)."""
        if self.protocol == 5:
            from paho.mqtt.subscribeoptions import SubscribeOptions
            rc, mid = self.mqtt.subscribe(topic, options=SubscribeOptions(qos=qos, noLocal=no_local))
        else:
            rc, mid = self.mqtt.subscribe(topic, qos)
        assert rc == mqtt.MQTT_ERR_SUCCESS, f"subscribe failed locally: {rc}"
        wait_for(lambda: mid in self._subacks, what=f"SUBACK for {topic}")
        return self._subacks[mid][0]

    def publish(self, topic, payload, qos=1, retain=False, user_properties=None, wait=True,
                correlation=None):
        """correlation: MQTT 5 Correlation Data (bytes) to send along."""
        props = None
        if self.protocol == 5 and (user_properties or correlation is not None):
            props = Properties(PacketTypes.PUBLISH)
            if user_properties:
                props.UserProperty = list(user_properties.items())
            if correlation is not None:
                props.CorrelationData = correlation
        info = self.mqtt.publish(topic, payload, qos=qos, retain=retain, properties=props)
        if wait and qos > 0:
            wait_for(lambda: info.mid in self._pubacks, what=f"PUBACK for {topic}")
        return info

    def command(self, line, correlation=None):
        self.publish(f"im/cmd/{self.user}", line, correlation=correlation)

    def expect(self, topic=None, timeout=TIMEOUT, predicate=None):
        """Returns the next received message matching topic (a filter) and predicate,
        skipping others (they stay in `received`)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{self.user}: no message on {topic!r} within {timeout}s; got {self.received[-10:]}")
            try:
                m = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if topic is not None and not mqtt.topic_matches_sub(topic, m.topic):
                continue
            if predicate is not None and not predicate(m):
                continue
            return m

    def expect_svc(self, type_=None, timeout=TIMEOUT, predicate=None):
        """Next JSON message on im/svc/<me> (optionally of a given type)."""
        def ok(m):
            try:
                j = m.json()
            except ValueError:
                return False
            if type_ is not None and j.get("type") != type_:
                return False
            return predicate(j) if predicate else True
        return self.expect(f"im/svc/{self.user}", timeout, ok).json()

    def expect_none(self, topic=None, timeout=1.0):
        """Asserts that no message matching topic arrives within timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                m = self.messages.get(timeout=left)
            except queue.Empty:
                return
            if topic is None or mqtt.topic_matches_sub(topic, m.topic):
                raise AssertionError(f"{self.user}: unexpected message {m}")

    def drain(self):
        while True:
            try:
                self.messages.get_nowait()
            except queue.Empty:
                return

    def disconnect(self):
        self.mqtt.disconnect()
        self._disconnected.wait(TIMEOUT)
        self.mqtt.loop_stop()

    def kill(self):
        """Drops the TCP connection without DISCONNECT (like kill -9)."""
        self.mqtt.loop_stop()
        try:
            self.mqtt.socket().shutdown(socket.SHUT_RDWR)
            self.mqtt.socket().close()
        except Exception:
            pass

    @property
    def is_disconnected(self):
        return self._disconnected.is_set()


def chat_command(port, user, args=()):
    """The client's command line: our broker's address, then `args` (a later --port wins), then
    the user (None: no user argument)."""
    cmd = [CLIENT, "--host", "127.0.0.1", "--port", str(port)] + list(args)
    if user is not None:
        cmd.append(user)
    return cmd


def chat_env(user, password=None, env=None):
    """The client's environment: IMCHAT_PASSWORD is the user's test password unless `password`
    says otherwise (False: not set at all); NO_COLOR is not inherited. In `env`, None unsets."""
    e = dict(os.environ)
    e.pop("IMCHAT_PASSWORD", None)
    e.pop("NO_COLOR", None)
    if password is None:
        password = PASSWORDS.get(user, "")
    if password is not False:
        e["IMCHAT_PASSWORD"] = password
    for key, value in (env or {}).items():
        if value is None:
            e.pop(key, None)
        else:
            e[key] = value
    return e


# A missing program or build product fails the test that needs it, never skips it: a suite
# that skips is green although it checked nothing. `scripts/setup --with-tests` installs
# every program below; `scripts/build` (or `scripts/test`) builds the products.
SETUP_HINT = "scripts/setup --with-tests installs every test dependency"


def require_program(name, package):
    """Fails the calling test unless `name` is on PATH (`package`: the Debian package)."""
    if shutil.which(name) is None:
        raise AssertionError(f"{name} is not installed: install the Debian package {package} "
                             f"({SETUP_HINT})")


def require_file(path, package):
    """Fails the calling test unless `path` exists (a library a test preloads, say)."""
    if not os.path.exists(path):
        raise AssertionError(f"{path} is missing: install the Debian package {package} "
                             f"({SETUP_HINT})")


def require_built(path, target):
    """Fails the calling test unless the build product `path` exists."""
    if not os.path.exists(path):
        raise AssertionError(f"{path} is not built: build the target {target} (scripts/build, "
                             f"or scripts/test, which builds and runs everything)")


def require_client():
    require_built(CLIENT, "imchat")


def terminate(proc, timeout=10):
    """SIGTERM (a clean quit), then SIGKILL after `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_kb(pid):
    """The resident set size of process `pid` in kB (VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


def mount_tmpfs(test, path, size):
    """Mounts a tmpfs of `size` (mount's syntax: "2m") on `path` for a disk-full test.
    Only root may mount: otherwise, or where mount is refused (a container without
    CAP_SYS_ADMIN), `test` is skipped, which is not a failure. Undo with umount_tmpfs."""
    if os.geteuid() != 0:
        test.skipTest(f"mounting a small tmpfs on {os.path.basename(path)}/ needs root "
                      f"(run this suite as root to include the test)")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        test.skipTest(f"root, but mount refused a tmpfs (a container without "
                      f"CAP_SYS_ADMIN?): {r.stderr.strip()}")


def umount_tmpfs(path):
    subprocess.run(["umount", "-l", path], capture_output=True)


class Gateway:
    """imchat-gateway on a free port serving `web_root` in front of `stack`'s broker, with
    extra command-line `args`; its log is in the stack's directory."""

    def __init__(self, stack, web_root, args=()):
        require_built(GATEWAY, "imchat-gateway")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = os.path.join(stack.dir, f"gateway-{self.port}.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [GATEWAY, "--listen", f"127.0.0.1:{self.port}", "--broker", f"127.0.0.1:{stack.port}",
             "--web-root", web_root] + list(args), stdout=self.log, stderr=self.log)
        wait_for(lambda: "listening on" in self.text() or self.proc.poll() is not None,
                 what="the gateway to listen")
        if self.proc.poll() is not None:
            raise AssertionError(f"the gateway exited: {self.text()}")

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        terminate(self.proc)
        self.log.close()


class _ClientProcess:
    """What ChatProcess and ChatTty share: ending the client process (self.proc)."""

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(10)

    def _terminate(self):
        terminate(self.proc)


class ChatProcess(_ClientProcess):
    """The imchat client with stdin and stdout pipes (its non-interactive mode: one line per
    event). A reader thread collects stdout lines; expect_line() consumes the first line not yet
    consumed that matches, leaving the others for later expectations."""

    def __init__(self, cmd, env, start_new_session=False):
        require_client()
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env,
                                     start_new_session=start_new_session)
        self.raw = []        # stdout lines as bytes, without the newline
        self.lines = []      # the same, decoded (invalid UTF-8 as \x.. escapes)
        self._pending = []   # lines not consumed by expect_line yet
        self._stderr = bytearray()
        self._eof = False
        self._cond = threading.Condition()
        self._threads = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self._threads:
            t.start()

    def _read_stdout(self):
        for raw in self.proc.stdout:
            raw = raw.rstrip(b"\n")
            line = raw.decode("utf-8", "backslashreplace")
            with self._cond:
                self.raw.append(raw)
                self.lines.append(line)
                self._pending.append(line)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _read_stderr(self):
        while True:
            chunk = self.proc.stderr.read1(4096)
            if not chunk:
                return
            with self._cond:
                self._stderr += chunk

    @property
    def stderr(self):
        with self._cond:
            return self._stderr.decode("utf-8", "backslashreplace")

    def output(self, last=30):
        with self._cond:
            lines = self.lines[-last:]
        return "\n".join(lines) + ("\n[stderr]\n" + self.stderr if self.stderr else "")

    def send(self, line):
        data = line if isinstance(line, bytes) else line.encode("utf-8")
        self.proc.stdin.write(data + b"\n")
        self.proc.stdin.flush()

    def close_stdin(self):
        if not self.proc.stdin.closed:
            self.proc.stdin.close()

    def expect_line(self, regex, timeout=TIMEOUT):
        """Consumes and returns (as a re.Match; .string is the line) the first unconsumed
        stdout line in which `regex` is found; fails after timeout or at end of output."""
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, line in enumerate(self._pending):
                    m = pattern.search(line)
                    if m:
                        del self._pending[i]
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    why = "output ended" if self._eof else f"timed out after {timeout}s"
                    raise AssertionError(
                        f"imchat: no line matching {regex!r} ({why}); unconsumed: "
                        f"{self._pending[-20:]}\n--- output ---\n{self.output()}")
                self._cond.wait(left)

    def expect_no_line(self, regex, timeout=1.0):
        """Fails if an unconsumed line matching `regex` is there or arrives within timeout."""
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._pending:
                    if pattern.search(line):
                        raise AssertionError(f"imchat: unexpected line {line!r}\n{self.output()}")
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    return
                self._cond.wait(left)

    def ready(self, timeout=10):
        """Waits for the hint line that follows the connection, the welcome and any replay."""
        return self.expect_line(r"-- type a message to send it to everyone", timeout)

    def wait(self, timeout=15):
        """Waits for the process to end; returns its exit status."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"imchat did not exit within {timeout}s\n{self.output()}")
        for t in self._threads:
            t.join(5)
        return rc

    def stop(self):
        self._terminate()
        self.close_stdin()
        for t in self._threads:
            t.join(5)
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()


_ESCAPE = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]"         # CSI: colours, cursor moves, erase
                     rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
                     rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMc]")
_TERMINAL_TOKEN = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                             r"|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMc]|(.)", re.S)


def strip_terminal(data):
    """Terminal output as the plain lines a terminal would end up showing: carriage returns,
    backspaces, erase-line and column moves applied to each line; colours and other escape
    sequences dropped."""
    lines, cur, col = [], [], 0
    for m in _TERMINAL_TOKEN.finditer(data.decode("utf-8", "replace")):
        ch = m.group(3)
        if ch is None:
            final, params = m.group(2), m.group(1) or ""
            n = int(params) if params.isdigit() else None
            if final == "K":
                if n == 2:
                    cur = []
                elif n in (None, 0):
                    del cur[col:]
                elif n == 1:
                    cur[:col] = [" "] * min(col, len(cur))
            elif final == "G":
                col = max(0, (n or 1) - 1)
            elif final == "C":
                col += n or 1
            elif final == "D":
                col = max(0, col - (n or 1))
        elif ch == "\n":
            lines.append("".join(cur))
            cur, col = [], 0
        elif ch == "\r":
            col = 0
        elif ch == "\b":
            col = max(0, col - 1)
        elif ch == "\x07":
            pass
        else:
            if col > len(cur):
                cur += [" "] * (col - len(cur))
            if col < len(cur):
                cur[col] = ch
            else:
                cur.append(ch)
            col += 1
    return "\n".join(lines + ["".join(cur)])


class ChatTty(_ClientProcess):
    """The imchat client on a pseudo-terminal that is its controlling terminal (interactive
    mode: password prompt on /dev/tty, line editing, colours). `raw` is everything it wrote;
    expect() matches on that with escape sequences stripped, after the previous match."""

    def __init__(self, cmd, env, rows=40, cols=200):
        require_client()
        self.cmd = cmd
        env = dict(env)
        env.setdefault("TERM", "xterm")
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def take_terminal():  # in the child, after setsid(): the pty becomes /dev/tty
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, preexec_fn=take_terminal)
        os.close(slave)
        self.master = master
        self.raw = bytearray()
        self._pos = 0  # in the stripped text: where the next expect() starts
        self._eof = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if not ready:
                    if self.proc.poll() is not None:
                        break  # gone, and nothing left to read
                    continue
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the child side is closed
                break
            if not chunk:
                break
            with self._cond:
                self.raw += chunk
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def text(self):
        """Everything written so far as plain text (a trailing incomplete escape left out)."""
        with self._cond:
            data = bytes(self.raw)
        esc = data.rfind(b"\x1b")
        if esc >= 0 and len(data) - esc < 32 and not _ESCAPE.match(data, esc):
            data = data[:esc]
        return strip_terminal(data)

    def write(self, data):
        os.write(self.master, data if isinstance(data, bytes) else data.encode("utf-8"))

    def send(self, line):
        """Types a line and Enter."""
        self.write((line if isinstance(line, bytes) else line.encode("utf-8")) + b"\r")

    def expect(self, regex, timeout=TIMEOUT):
        """Returns the first match of `regex` in the plain text (strip_terminal) after the
        previous match."""
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                text = self.text()
                m = pattern.search(text, self._pos)
                if m:
                    # The last line is still being drawn (a prompt and what is typed can be
                    # redrawn, or printed over): the next expect() looks at it again.
                    self._pos = min(m.end(), text.rfind("\n") + 1)
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    why = "output ended" if self._eof else f"timed out after {timeout}s"
                    raise AssertionError(f"imchat (tty): no {regex!r} ({why}); text after the "
                                         f"last match: {text[self._pos:][-1500:]!r}")
                self._cond.wait(min(left, 0.2))

    def wait(self, timeout=15):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"imchat (tty) did not exit within {timeout}s; output: "
                                 f"{self.text()[-1500:]!r}")
        self._thread.join(5)
        return rc

    def stop(self):
        self._terminate()
        self._thread.join(5)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


class Stack:
    """mosquitto + plugin (+ daemon) on a free port in a temp dir."""

    def __init__(self, users=DEFAULT_USERS, daemon=True, lockout=60, idle_timeout=0,
                 daemon_args=()):
        self.dir = tempfile.mkdtemp(prefix="imchat-test-")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data)
        self.users_path = os.path.join(self.dir, "users.txt")
        with open(self.users_path, "w") as f:
            f.write(users)
        self.service_password = uuid.uuid4().hex
        self.pwfile = os.path.join(self.dir, "service.secret")
        with open(self.pwfile, "w") as f:
            f.write(self.service_password + "\n")
        os.chmod(self.pwfile, 0o600)
        self.port = free_port()
        self.lockout = lockout
        self.idle_timeout = idle_timeout
        self.daemon_args = list(daemon_args)
        self.want_daemon = daemon
        self.broker = None
        self.service = None
        self.clients = []
        self.chats = []  # imchat client processes (ChatProcess, ChatTty)
        self._logs = []
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        conf = subprocess.run(
            [os.path.join(SOURCE_DIR, "scripts", "broker-conf"), "--port", str(self.port),
             "--plugin", PLUGIN, "--users", self.users_path, "--data", self.data,
             "--service-password-file", self.pwfile, "--lockout", str(lockout)],
            check=True, capture_output=True, text=True).stdout
        conf += "\nlog_type debug\n"
        if os.geteuid() == 0:
            # As root mosquitto would switch to the `mosquitto` user, which cannot read this
            # private temp dir (users.txt, the service secret): keep the invoking user.
            conf += "user root\n"
        with open(self.conf, "w") as f:
            f.write(conf)

    # --- processes
    def start(self):
        self.start_broker()
        if self.want_daemon:
            self.start_daemon()
        return self

    def start_broker(self):
        require_program("mosquitto", "mosquitto")
        require_built(PLUGIN, "imchat_auth")
        log = open(os.path.join(self.dir, "mosquitto.log"), "ab")
        self._logs.append(log)
        self.broker = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=log, stderr=log,
                                       env=broker_env())
        def up():
            if self.broker.poll() is not None:
                raise AssertionError(f"mosquitto exited: {self.broker_log()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False
        wait_for(up, what="mosquitto to listen")

    def daemon_command(self):
        return [DAEMON, "--host", "127.0.0.1", "--port", str(self.port), "--users", self.users_path,
                "--data", self.data, "--service-user", SERVICE_USER, "--service-password-file",
                self.pwfile, "--idle-timeout", str(self.idle_timeout)] + self.daemon_args

    def start_daemon(self, wait_ready=True):
        require_built(DAEMON, "imchat-service")
        log = open(os.path.join(self.dir, "service.stderr"), "ab")
        self._logs.append(log)
        start = self._ready_count()
        self.service = subprocess.Popen(self.daemon_command(), stdout=log, stderr=log)
        if wait_ready:
            wait_for(lambda: self._ready_count() > start or self._daemon_died(), timeout=10,
                     what="the daemon to be ready")
            if self.service.poll() is not None:
                raise AssertionError(f"daemon exited {self.service.returncode}: {self.service_log()[-2000:]}")

    def _daemon_died(self):
        return self.service is not None and self.service.poll() is not None

    def _ready_count(self):
        return self.service_log().count("imchat-service: ready")

    def stop_daemon(self, sig=signal.SIGTERM):
        if self.service and self.service.poll() is None:
            self.service.send_signal(sig)
            try:
                self.service.wait(10)
            except subprocess.TimeoutExpired:
                self.service.kill()
                self.service.wait()

    def stop_broker(self, sig=signal.SIGTERM):
        if self.broker and self.broker.poll() is None:
            self.broker.send_signal(sig)
            try:
                self.broker.wait(10)
            except subprocess.TimeoutExpired:
                self.broker.kill()
                self.broker.wait()

    def reload_broker(self):
        self.broker.send_signal(signal.SIGHUP)

    def stop(self):
        for chat in self.chats:
            try:
                chat.stop()
            except Exception:
                pass
        # DISCONNECT first, then join the network threads: a thread that sees its own
        # disconnect exits at once, whereas loop_stop() on a live one waits out its select.
        for c in self.clients:
            try:
                c.mqtt.disconnect()
            except Exception:
                pass
        for c in self.clients:
            try:
                c.mqtt.loop_stop()
            except Exception:
                pass
        self.stop_daemon()
        self.stop_broker()
        for log in self._logs:
            log.close()

    def cleanup(self):
        if os.environ.get("IMCHAT_KEEP_TEST_DIR"):
            print(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- logs
    def _read(self, name):
        try:
            with open(os.path.join(self.dir, name), "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def broker_log(self):
        return self._read("mosquitto.log")

    def service_log(self):
        return self._read("service.stderr")

    def server_log(self):
        return self._read(os.path.join("data", "server.log"))

    def write_users(self, text):
        tmp = self.users_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.users_path)

    # --- clients
    def client(self, user, password=None, connect=True, **kwargs):
        if password is None:
            password = PASSWORDS.get(user, "")
        c = Client(self.port, user, password, **kwargs)
        self.clients.append(c)
        if connect:
            c.connect()
        return c

    def service_client(self, **kwargs):
        """A client with the service's credentials (sees the internal topics)."""
        return self.client(SERVICE_USER, self.service_password, **kwargs)

    def chat_client(self, user, **kwargs):
        """A client subscribed the way a chat client is: inbox, broadcasts, service replies,
        presence. Waits until the service has welcomed it when the daemon runs."""
        c = self.client(user, **kwargs)
        c.subscribe(f"im/svc/{user}")
        c.subscribe("im/all/+")
        c.subscribe("im/presence/+")
        c.subscribe(f"im/user/{user}/+")
        if self.service is not None:
            c.expect_svc("welcome")
        return c

    def chat(self, user, password=None, args=(), env=None, start_new_session=False):
        """Starts the imchat client for `user` with stdin and stdout as pipes (non-interactive
        mode), password from IMCHAT_PASSWORD (see chat_env). Stopped by stop()."""
        c = ChatProcess(chat_command(self.port, user, args), chat_env(user, password, env),
                        start_new_session=start_new_session)
        self.chats.append(c)
        return c

    def chat_tty(self, user, password=None, args=(), env=None):
        """Starts the imchat client on a pseudo-terminal (interactive mode). password False:
        no IMCHAT_PASSWORD, so it prompts on the terminal."""
        c = ChatTty(chat_command(self.port, user, args), chat_env(user, password, env))
        self.chats.append(c)
        return c

    def mosquitto_pub(self, user, topic, message, qos=1, version="mqttv5", extra=(), password=None):
        """Runs mosquitto_pub -d; returns (exit status, output)."""
        require_program("mosquitto_pub", "mosquitto-clients")
        if password is None:
            password = PASSWORDS.get(user, "")
        cmd = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.port), "-u", user, "-P", password,
               "-t", topic, "-m", message, "-q", str(qos), "-V", version, "-d"] + list(extra)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return p.returncode, p.stdout + p.stderr

    def mosquitto_sub(self, user, topics, count=None, timeout=5, version="mqttv5", extra=(),
                      password=None):
        """Starts mosquitto_sub -v in the background; returns the Popen (text mode)."""
        require_program("mosquitto_sub", "mosquitto-clients")
        if password is None:
            password = PASSWORDS.get(user, "")
        cmd = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.port), "-u", user, "-P", password,
               "-v", "-V", version, "-W", str(timeout)]
        for t in topics:
            cmd += ["-t", t]
        if count:
            cmd += ["-C", str(count)]
        cmd += list(extra)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", ": runtime error: ")


def sanitizer_reports(stack):
    """The broker's and the daemon's log lines from the first sanitizer report on, or ""."""
    found = []
    for name, log in (("mosquitto", stack.broker_log()), ("service", stack.service_log())):
        starts = [i for i in (log.find(m) for m in SANITIZER_MARKERS) if i >= 0]
        if starts:
            begin = log.rfind("\n", 0, min(starts)) + 1
            found.append(f"---- {name} ----\n" + log[begin:begin + 4000])
    return "\n".join(found)


class StackTest(unittest.TestCase):
    """Starts a fresh stack for each test. Override STACK_ARGS for options."""

    STACK_ARGS = {}

    def setUp(self):
        require_built(PLUGIN, "imchat_auth")
        self.stack = Stack(**self.STACK_ARGS).start()

    def tearDown(self):
        self.stack.stop()
        outcome = getattr(self, "_outcome", None)
        failed = False
        if outcome is not None:
            errors = getattr(outcome, "errors", None) or []
            failed = any(exc for _, exc in errors)
            result = getattr(outcome, "result", None)
            if result is not None and (result.failures or result.errors):
                failed = True
        if failed:
            print("---- mosquitto log (tail) ----\n" + self.stack.broker_log()[-4000:])
            print("---- service log (tail) ----\n" + self.stack.service_log()[-4000:])
        # Under scripts/test-asan a report can come as late as the exit (LeakSanitizer in the
        # daemon, an error in the plugin's cleanup): after stop() the logs are complete.
        reports = sanitizer_reports(self.stack)
        self.stack.cleanup()
        if reports:
            self.fail("sanitizer report:\n" + reports)
