"""Running the service: server.log is reopened on SIGHUP (logrotate renames the file, then sends
SIGHUP), and says where each connection comes from."""

import os
import signal

import imtest


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


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
