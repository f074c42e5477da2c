"""Running the service: server.log says where each connection comes from, and is reopened on
SIGHUP (logrotate renames the file, then sends SIGHUP)."""

import os
import signal

import imtest


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


class PeerAddress(imtest.StackTest):
    def test_connect_disconnect_and_refusal_name_address_and_port(self):
        alice = self.stack.client("alice")
        port = alice.mqtt.socket().getsockname()[1]
        alice.disconnect()
        with self.assertRaises(imtest.ConnectRefused):
            self.stack.client("bob", password="wrong")
        imtest.wait_for(lambda: "login refused: bob" in self.stack.server_log(),
                        what="bob's refusal in server.log")
        log = self.stack.server_log()
        self.assertRegex(log, rf"connect: alice \(client [^)]*\) from 127\.0\.0\.1:{port}\n")
        self.assertRegex(log, rf"disconnect: alice \(conn [^)]*\) from 127\.0\.0\.1:{port}\n")
        self.assertRegex(log, r"login refused: bob \(client [^)]*\) from 127\.0\.0\.1:[0-9]+: "
                              r"bad password")


class LogReopen(imtest.StackTest):
    def test_sighup_continues_in_a_new_file_after_a_rename(self):
        path = os.path.join(self.stack.data, "server.log")
        alice = self.stack.client("alice")
        imtest.wait_for(lambda: "connect: alice" in self.stack.server_log(),
                        what="alice's connect in server.log")
        os.rename(path, path + ".1")  # what logrotate does first
        self.stack.service.send_signal(signal.SIGHUP)
        imtest.wait_for(lambda: os.path.exists(path), what="a new server.log")
        alice.disconnect()
        imtest.wait_for(lambda: "disconnect: alice" in self.stack.server_log(),
                        what="alice's disconnect in the new server.log")
        old = read(path + ".1")
        self.assertIn("connect: alice", old)
        self.assertNotIn("disconnect: alice", old)
        new = self.stack.server_log()
        self.assertIn("server.log reopened (SIGHUP)", new)
        self.assertNotIn("connect: alice (", new.split("disconnect: alice")[0])

    def test_a_failed_reopen_keeps_the_old_file_and_says_why(self):
        path = os.path.join(self.stack.data, "server.log")
        os.rename(path, path + ".1")
        os.mkdir(path)  # cannot be opened as a file, not even by root
        self.stack.service.send_signal(signal.SIGHUP)
        imtest.wait_for(lambda: "cannot reopen" in read(path + ".1"),
                        what="the reopen error in the old file")
        self.assertRegex(read(path + ".1"), r"error: cannot reopen .*server\.log "
                                            r"\(Is a directory\); still writing to the old file")
        self.stack.client("bob").disconnect()
        imtest.wait_for(lambda: "disconnect: bob" in read(path + ".1"),
                        what="later lines still in the old file")
        os.rmdir(path)
        self.stack.service.send_signal(signal.SIGHUP)
        imtest.wait_for(lambda: "server.log reopened" in self.stack.server_log(),
                        what="the second SIGHUP to open a new file")
