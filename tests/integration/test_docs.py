"""topics.md documents everything the code handles: every topic kind the core parses
(auth-service/core/topics.h), every command in the daemon's table (daemon/commands.cpp),
every $CONTROL op the plugin accepts, every message type the service sends on im/svc/<me>.
These tests read the code, so adding a topic, command, op or message type without
documenting it fails here."""

import os
import re
import unittest

import imtest

SRC = imtest.SOURCE_DIR


def read(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return f.read()


def placeholders(text):
    return re.sub(r"<[a-z ]+>", "<x>", text)


def topic_patterns():
    """The topic shapes named in the TopicKind comments, e.g. 'im/user/<to>/<sender>'."""
    enum = re.search(r"enum class TopicKind \{(.*?)\};",
                     read("auth-service", "core", "topic_table.h"), re.S).group(1)
    return re.findall(r"//\s*((?:im/|\$)[^\s]*)", enum)


def commands():
    """(name, usage) of each entry of the daemon's command table."""
    table = read("auth-service", "daemon", "commands.cpp")
    return re.findall(r'\{\s*"([a-z]+)",\s*"([^"]+)",', table)


def control_ops():
    return sorted(set(re.findall(r'op == "([a-z_]+)"', read("auth-service", "plugin",
                                                             "control.cpp"))))


def svc_message_types():
    daemon = os.path.join(SRC, "auth-service", "daemon")
    types = set()
    for name in os.listdir(daemon):
        if name.endswith(".cpp"):
            types |= set(re.findall(r'"type",\s*"([a-z_]+)"', read("auth-service", "daemon", name)))
    return sorted(types)


class TopicsMdCoversTheCode(unittest.TestCase):
    def setUp(self):
        # Placeholders compare by position, not by their name (<me>, <name>, <to> ...);
        # a '|' escaped for a markdown table is the same '|'.
        self.doc = placeholders(read("topics.md").replace("\\|", "|"))

    def test_extractors_find_something(self):
        # Guards the tests below against a refactor that makes the regexes match nothing.
        self.assertGreaterEqual(len(topic_patterns()), 12, topic_patterns())
        self.assertGreaterEqual(len(commands()), 8, commands())
        self.assertGreaterEqual(len(control_ops()), 5, control_ops())
        self.assertGreaterEqual(len(svc_message_types()), 4, svc_message_types())

    def test_every_topic_kind_is_documented(self):
        for pattern in topic_patterns():
            # '$CONTROL/...' in the header stands for the whole tree.
            needle = pattern.rstrip(".").rstrip("/") if pattern.startswith("$") else pattern
            with self.subTest(topic=pattern):
                self.assertTrue(f"`{placeholders(needle)}" in self.doc,
                                f"topic {pattern} is not in topics.md")

    def test_every_command_is_documented_with_its_usage(self):
        for name, usage in commands():
            with self.subTest(command=name):
                self.assertTrue(f"`{placeholders(usage)}`" in self.doc,
                                f"command usage '{usage}' is not in topics.md")

    def test_every_control_op_is_documented(self):
        for op in control_ops():
            with self.subTest(op=op):
                self.assertTrue(f'"op":"{op}"' in self.doc, f"$CONTROL op {op} is not in topics.md")

    def test_every_svc_message_type_is_documented(self):
        for t in svc_message_types():
            with self.subTest(type=t):
                self.assertTrue(f'"type":"{t}"' in self.doc, f"im/svc type {t} is not in topics.md")


def limits():
    """name -> value of each constant in auth-service/core/limits.h (the one list of limits)."""
    header = read("auth-service", "core", "limits.h")
    found = {}
    for name, expr in re.findall(r"inline constexpr [\w:]+ (k\w+) = ([^;]+);", header):
        expr = re.sub(r"(\d+)LL\b", r"\1", expr)
        if not re.fullmatch(r"[\d\s*+()]+", expr):
            raise ValueError(f"limits.h: {name} = {expr} is not a plain arithmetic expression")
        found[name] = eval(expr)  # digits and * + ( ) only, checked above
    return found


class DocsStateTheLimitsOfLimitsH(unittest.TestCase):
    """Each number topics.md and mosquitto.conf state is the one in core/limits.h."""

    def setUp(self):
        self.limits = limits()
        self.doc = read("topics.md")

    def test_limits_h_has_every_limit(self):
        for name in ("kMaxNameChars", "kMaxDisplayChars", "kMaxPayloadBytes", "kMaxCommandBytes",
                     "kDefaultHistory", "kMaxHistory", "kMaxSinceSeconds",
                     "kMaxCorrelationBytes"):
            self.assertIn(name, self.limits)

    def test_broker_message_size_limit_is_the_payload_limit(self):
        conf = read("mosquitto.conf")
        value = re.search(r"^message_size_limit (\d+)$", conf, re.M)
        self.assertIsNotNone(value, "mosquitto.conf sets no message_size_limit")
        self.assertEqual(int(value.group(1)), self.limits["kMaxPayloadBytes"])

    def test_topics_md_states_the_limits(self):
        lim = self.limits
        self.assertEqual(lim["kMaxPayloadBytes"] % 1024, 0)
        stated = [
            f"Payloads are limited to {lim['kMaxPayloadBytes'] // 1024} KiB",
            f"at most {lim['kMaxPayloadBytes'] // 1024} KiB; command lines at most "
            f"{lim['kMaxCommandBytes']} bytes",
            f"n defaults to {lim['kDefaultHistory']}, at most {lim['kMaxHistory']}",
            f"`history`: at most {lim['kMaxHistory']} messages per request",
            f"display names (`nick`) 1-{lim['kMaxDisplayChars']} printable characters",
            f"1-{lim['kMaxNameChars']} characters of",
            f"`since`: at most {lim['kMaxSinceSeconds']} seconds "
            f"({lim['kMaxSinceSeconds'] // 86400} days)",
            f"Correlation Data at most {lim['kMaxCorrelationBytes']} bytes",
            f"1-{lim['kMaxCorrelationBytes']} bytes",
        ]
        for text in stated:
            with self.subTest(text=text):
                self.assertIn(text, self.doc)


if __name__ == "__main__":
    unittest.main()
