"""Several devices of one user and the service's answers (issue 16, topics.md "Several
devices", "Command answers"): every client of alice reads im/svc/alice, so a command sent with
MQTT 5 Correlation Data gets it back on its reply and on the file transfer messages it causes,
while the welcome, statuses and notices carry none and are for every device. An MQTT 3.1.1
client still gets its answers (without any); correlation data over the limit is refused. The
imchat client shows only its own answers and still every unsolicited message."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import filetransfer  # noqa: E402
import imtest  # noqa: E402

SVC = "im/svc/alice"


def answers(client, **match):
    """(json, correlation) of each im/svc/alice message received whose fields match."""
    out = []
    for m in list(client.received):
        if m.topic != SVC:
            continue
        j = m.json()
        if all(j.get(k) == v for k, v in match.items()):
            out.append((j, m.correlation))
    return out


def wait_answer(client, **match):
    """The next im/svc/alice message whose fields match, as a Message."""
    def ok(m):
        j = m.json()
        return all(j.get(k) == v for k, v in match.items())
    return client.expect(SVC, predicate=ok)


class Devices(imtest.StackTest):
    def setUp(self):
        super().setUp()
        self.phone = self.stack.chat_client("alice")
        self.laptop = self.stack.chat_client("alice")
        self.bob = self.stack.chat_client("bob")

    def test_each_answer_carries_its_commands_correlation_data(self):
        self.phone.command("who", correlation=b"phone-1")
        self.laptop.command("history bob 5", correlation=b"laptop\x00\xff")  # any bytes
        for device in (self.phone, self.laptop):
            wait_answer(device, type="reply", cmd="who")
            wait_answer(device, type="reply", cmd="history")
            # The broker gives both answers to both devices; each tells its own by the data.
            self.assertEqual(answers(device, type="reply", cmd="who")[0][1], b"phone-1")
            self.assertEqual(answers(device, type="reply", cmd="history")[0][1],
                             b"laptop\x00\xff")
        # A refused command answers the one that asked too.
        self.phone.command("history zed", correlation=b"phone-2")
        m = wait_answer(self.laptop, type="reply", cmd="history", ok=False)
        self.assertEqual(m.correlation, b"phone-2")
        self.assertEqual(m.json()["error"], "unknown user 'zed'")

    def test_unsolicited_messages_reach_every_device_without_correlation_data(self):
        # The welcome of the laptop's login reached the phone too; it names no device.
        # (The phone's own welcome was taken by setUp; the laptop's may still be on its way.)
        wait_answer(self.phone, type="welcome")
        welcomes = answers(self.phone, type="welcome")
        self.assertGreaterEqual(len(welcomes), 2, welcomes)
        self.assertEqual({c for _, c in welcomes}, {None})
        # Statuses of a message sent from one device: for both.
        self.phone.publish("im/user/bob", "hi bob", user_properties={"ref": "p1"})
        self.phone.publish("im/user/carol", "hi carol", user_properties={"ref": "p2"})
        for device in (self.phone, self.laptop):
            for status in ("delivered", "queued"):
                m = wait_answer(device, type="status", status=status)
                self.assertIsNone(m.correlation, m)
        # Room notices caused by bob's commands (which carried his own correlation data).
        self.bob.command("create dev invite-only", correlation=b"bob-1")
        self.bob.command("invite dev alice", correlation=b"bob-2")
        self.assertTrue(self.bob.expect_svc("reply", predicate=lambda j: j["cmd"] == "invite")["ok"])
        self.bob.command("kick dev alice", correlation=b"bob-3")
        for device in (self.phone, self.laptop):
            for event in ("invited", "kicked"):
                m = wait_answer(device, type="notice", event=event)
                self.assertIsNone(m.correlation, m)
        self.assertEqual(answers(self.phone, type="reply"), [])  # bob's replies are his

    def test_mqtt311_client_gets_its_answers_as_before(self):
        old = self.stack.client("alice", protocol=4)
        old.subscribe(SVC)
        old.command("blocked")
        j = old.expect_svc("reply", predicate=lambda j: j["cmd"] == "blocked")
        self.assertEqual((j["ok"], j["users"]), (True, []))
        # The MQTT 5 devices get that answer too, with no correlation data: nobody's to skip.
        m = wait_answer(self.phone, type="reply", cmd="blocked")
        self.assertIsNone(m.correlation)
        # And the old client sees the MQTT 5 devices' answers (it cannot tell whose).
        self.laptop.command("who", correlation=b"laptop-1")
        old.expect_svc("reply", predicate=lambda j: j["cmd"] == "who")

    def test_correlation_data_over_the_limit_is_refused_and_the_command_not_run(self):
        self.phone.command("block bob", correlation=b"x" * 129)
        m = wait_answer(self.laptop, type="reply", cmd="block")
        self.assertIsNone(m.correlation, "the refused data came back")
        self.assertEqual(m.json()["error"], "the command's correlation data is 129 bytes; at "
                         "most 128 are allowed; the command was not run")
        self.phone.command("blocked", correlation=b"y" * 128)  # the limit itself is fine
        m = wait_answer(self.phone, type="reply", cmd="blocked")
        self.assertEqual(m.correlation, b"y" * 128)
        self.assertEqual(m.json()["users"], [], "bob was blocked although refused")

    def test_file_transfer_messages_carry_the_correlation_of_the_command_that_caused_them(self):
        data = os.urandom(filetransfer.CHUNK + 1000)  # two chunks: maybe a progress, then done
        digest = filetransfer.sha(data)
        self.phone.command(f"upload bob {len(data)} {digest} application/octet-stream a.bin",
                           correlation=b"up-1")
        r = wait_answer(self.phone, type="reply", cmd="upload")
        self.assertEqual(r.correlation, b"up-1")
        done = filetransfer.send(self.phone, r.json(), data)
        self.assertEqual(done["status"], "done", done)
        # The broker hands each answer to the devices one after the other: the laptop may
        # not have the last one yet when the phone does.
        wait_answer(self.laptop, type="upload", status="done")
        upload = answers(self.laptop, type="upload")
        # A progress unless both chunks were read in one batch, then done.
        self.assertIn([j["status"] for j, _ in upload], (["progress", "done"], ["done"]))
        self.assertEqual({c for _, c in upload}, {b"up-1"})
        # The laptop fetches it: the reply and the final `fetch` message are the laptop's.
        file_id = done["file"]
        self.laptop.subscribe(f"im/down/alice/{file_id}/+")
        self.laptop.command(f"fetch {file_id}", correlation=b"down-1")
        got = b""
        while len(got) < len(data):
            m = self.laptop.expect(f"im/down/alice/{file_id}/+")
            got += m.payload
            self.laptop.command(f"fetch-ack {file_id} {len(got)}", correlation=b"down-1")
        self.assertEqual(got, data)
        m = wait_answer(self.phone, type="fetch", file=file_id, status="done")
        self.assertEqual(m.correlation, b"down-1")
        reply = answers(self.phone, type="reply", cmd="fetch")
        self.assertEqual([c for _, c in reply], [b"down-1"])


class DevicesCli(imtest.StackTest):
    """The imchat client beside another MQTT 5 device of the same user."""

    def test_cli_shows_its_own_answers_and_every_unsolicited_message_only(self):
        cli = self.stack.chat("alice")
        cli.ready()
        laptop = self.stack.chat_client("alice")
        bob = self.stack.chat_client("bob")
        # The laptop's commands: answered to the laptop, not shown by the CLI.
        laptop.command("blocked", correlation=b"laptop-1")
        laptop.command("history zed", correlation=b"laptop-2")
        wait_answer(laptop, type="reply", cmd="history")
        cli.expect_no_line(r"you block nobody|unknown user 'zed'", timeout=2.0)
        # Its own: shown; the laptop gets it with the CLI's correlation data, not its own.
        cli.send("/blocked")
        cli.expect_line(r"-- you block nobody$")
        m = wait_answer(laptop, type="reply", cmd="blocked")
        while m.correlation == b"laptop-1":
            m = wait_answer(laptop, type="reply", cmd="blocked")
        self.assertTrue(m.correlation and m.correlation.startswith(b"imchat-"), m)
        # Unsolicited messages reach it: bob adds and removes alice.
        bob.command("create dev invite-only")
        bob.command("invite dev alice")
        cli.expect_line(r"-- bob added you to #dev\b")
        bob.command("kick dev alice")
        cli.expect_line(r"-- bob removed you from #dev$")
        # An MQTT 3.1.1 tool's answers have no correlation data: the CLI shows them as before.
        old = self.stack.client("alice", protocol=4)
        old.subscribe(SVC)
        old.command("who")
        old.expect_svc("reply", predicate=lambda j: j["cmd"] == "who")
        cli.expect_line(r"-- online: bob$")
        # Still nothing of the laptop's.
        cli.expect_no_line(r"you block nobody|unknown user 'zed'", timeout=0.5)


if __name__ == "__main__":
    import unittest
    unittest.main()
