"""The imchat client, driven through stdin/stdout (its non-interactive mode) against the real
broker + plugin + daemon: chatting both ways, delivery statuses, the offline replay, every
command, errors, presence lines, escaping of hostile text, a broker restart under it, the idle
timeout and the start-up failures with their exit codes."""

import datetime
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402

TIME = r"(?:(\d{4}-\d\d-\d\d) )?(\d\d:\d\d:\d\d) "


def line_time(line):
    """The time a client line starts with, as a datetime (today's date when none is shown)."""
    m = re.match(TIME, line)
    assert m, f"no time at the start of {line!r}"
    day = m.group(1) or datetime.date.today().isoformat()
    return datetime.datetime.fromisoformat(f"{day} {m.group(2)}")


def unread_by_listener(port):
    """Bytes received but not yet read on the server side of connections to `port` (Linux)."""
    total = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state, queues = fields[1], fields[3], fields[4]
            if int(local.rsplit(":", 1)[1], 16) == port and state == "01":  # ESTABLISHED
                total += int(queues.split(":")[1], 16)
    return total


class ClientChat(imtest.StackTest):
    def chat(self, user, **kwargs):
        c = self.stack.chat(user, **kwargs)
        c.ready()
        return c

    def test_broadcast_and_private_messages_both_ways(self):
        alice = self.chat("alice")
        bob = self.chat("bob")
        alice.expect_line(r"^" + TIME + r"-- bob joined$")
        alice.send("hello all")
        bob.expect_line(r"^" + TIME + r"<alice> hello all$")
        alice.expect_line(r"^" + TIME + r"<alice> hello all$")  # own broadcasts come back
        bob.send("hi everyone, bob here")
        alice.expect_line(r"<bob> hi everyone, bob here$")
        # Private, each way, with the sender's echo and the delivery status.
        alice.send("/msg bob hi bob")
        alice.expect_line(r"^" + TIME + r"-> \*bob\* hi bob$")
        bob.expect_line(r"^" + TIME + r"\*alice\* hi bob$")
        alice.expect_line(r"^" + TIME + r"-- delivered to bob: hi bob$")
        bob.send("/to alice hi alice")  # the alias
        alice.expect_line(r"^" + TIME + r"\*bob\* hi alice$")
        bob.expect_line(r"-- delivered to alice: hi alice$")
        # /query: plain lines go to one user; /query alone goes back to everyone.
        bob.send("/query alice")
        bob.expect_line(r"-- what you type now goes to alice only")
        bob.send("just for you")
        alice.expect_line(r"\*bob\* just for you$")
        bob.expect_line(r"-- delivered to alice: just for you$")
        bob.send("/query")
        bob.expect_line(r"-- back to everyone")
        bob.send("//slash for all")  # "//" sends a line starting with "/"
        alice.expect_line(r"<bob> /slash for all$")
        # A private message is shown once, to its recipient only.
        alice.expect_no_line(r"\*bob\* hi bob|\*alice\*", timeout=0.5)
        bob.close_stdin()
        self.assertEqual(bob.wait(), 0, bob.output())
        alice.expect_line(r"-- bob left \(quit\)$")

    def test_offline_message_queued_then_replayed_with_its_time(self):
        alice = self.chat("alice")
        alice.send("/msg carol hi carol")
        sent = alice.expect_line(r"-> \*carol\* hi carol$").string
        alice.expect_line(r"-- queued for carol \(offline\): hi carol$")
        # Let the clock move on, so that the replayed line's time can only be the original one.
        time.sleep(2.2)
        carol = self.stack.chat("carol")
        welcome = carol.expect_line(
            r"-- Welcome, carol! Online: alice\. 1 message arrived while you were away\.$").string
        away = carol.expect_line(r"^" + TIME + r"\[away\] \*alice\* hi carol$").string
        carol.ready()
        self.assertLess(carol.lines.index(welcome), carol.lines.index(away))
        sent_at, away_at = line_time(sent), line_time(away)
        self.assertLessEqual(abs((away_at - sent_at).total_seconds()), 1, (sent, away))
        self.assertLess(away_at, line_time(welcome), (away, welcome))
        alice.expect_line(r"-- delivered to carol: hi carol$")
        alice.expect_line(r"-- carol joined$")
        # The replay happens once: a second login gets a plain welcome.
        carol.close_stdin()
        self.assertEqual(carol.wait(), 0)
        again = self.chat("carol")
        self.assertIn("-- Welcome, carol! Online: alice.", again.output())
        self.assertNotIn("[away]", again.output())

    def test_refused_private_messages(self):
        alice = self.chat("alice")
        bob = self.chat("bob")
        alice.send("/msg nobody hello?")
        alice.expect_line(r"^" + TIME + r"-- not delivered to nobody: no such user: hello\?$")
        bob.send("/block alice")
        bob.expect_line(r"^" + TIME + r"-- blocked alice$")
        bob.send("/blocked")
        bob.expect_line(r"^" + TIME + r"-- you block: alice$")
        alice.send("/msg bob let me in")
        alice.expect_line(r"-- not delivered to bob: bob has blocked you: let me in$")
        bob.send("/unblock alice")
        bob.expect_line(r"^" + TIME + r"-- unblocked alice$")
        bob.send("/blocked")
        bob.expect_line(r"^" + TIME + r"-- you block nobody$")
        alice.send("/msg bob friends again")
        bob.expect_line(r"\*alice\* friends again$")
        alice.expect_line(r"-- delivered to bob: friends again$")
        bob.expect_no_line(r"let me in", timeout=0.3)

    def test_commands_who_since_history_nick_help(self):
        # carol was online a moment ago: /since lists her with her last-seen time.
        carol = self.stack.chat_client("carol")
        carol.disconnect()
        alice = self.chat("alice")
        bob = self.chat("bob")
        alice.send("/who")
        alice.expect_line(r"^" + TIME + r"-- online: bob$")
        alice.send("/since 5m")
        line = alice.expect_line(r"^" + TIME + r"-- online in the last 5m: ").string
        self.assertRegex(line, r"\bbob \(online\)")
        self.assertRegex(line, r"\bcarol \(last seen \d\d:\d\d:\d\d\)")
        # /nick: the display name shows in the others' room lines and in /who.
        alice.send("/nick Alice L.")
        alice.expect_line(r"-- display name set to 'Alice L\.'$")
        bob.expect_line(r"-- alice is now shown as 'Alice L\.'$")
        alice.send("hello with a nick")
        bob.expect_line(r"^" + TIME + r"<alice \(Alice L\.\)> hello with a nick$")
        bob.send("/who")
        bob.expect_line(r"-- online: alice \(Alice L\.\)$")
        alice.send("/nick")
        alice.expect_line(r"-- display name cleared$")
        bob.expect_line(r"-- alice cleared their display name$")
        # /history with a user: the messages of both directions, oldest first.
        alice.send("/msg bob one")
        alice.expect_line(r"-- delivered to bob: one$")
        bob.send("/msg alice two")
        bob.expect_line(r"-- delivered to alice: two$")

        def history():
            alice.send("/history bob 5")
            return int(alice.expect_line(r"-- history with bob \((\d+) messages\):$").group(1))
        # The archive is written by the daemon as it sees the messages; ask until both are in.
        imtest.wait_for(lambda: history() == 2, what="both messages in the history")
        one = alice.expect_line(r"-- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d alice -> bob: one$")
        two = alice.expect_line(r"-- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d bob -> alice: two$")
        self.assertLess(alice.lines.index(one.string), alice.lines.index(two.string))
        # /help: one line per command; /help <cmd> just that one.
        alice.send("/help")
        # Aliases stand beside the command's name.
        for usage in [r"/msg \(/to, /message, /whisper\) <user> <text>  send a private message$",
                      r"/who \(/list, /whoelse\)  ", r"/since \(/whoelsesince\) <duration>  ",
                      r"/block <user>  ", r"/unblock <user>  ",
                      r"/blocked  ", r"/history <user>\|all\|#<room> \[n\]  ", r"/nick \[<name>\]  ",
                      r"/query \[<user>\|#<room>\]  ", r"/help \[command\]  ",
                      r"/send <user>\|#<room>\|all <path>  send a file",
                      r"/get <file id> \[directory\]  download a file", r"/files  ",
                      r"/quit \(/exit, /logout\)  "]:
            alice.expect_line(r"^" + TIME + r"-- " + usage)
        alice.send("/help who")
        alice.expect_line(r"-- /who \(/list, /whoelse\)  list who is online$")
        alice.expect_no_line(r"-- /(msg|since|quit) ", timeout=0.5)

    def test_input_errors_leave_the_client_running(self):
        alice = self.chat("alice")
        bob = self.chat("bob")
        cases = [
            ("/frob", r"-- error: unknown command '/frob'; type /help for the list$"),
            ("/msg bad/name hi",
             r"-- error: 'bad/name' is not a valid user name \(1-32 of A-Z a-z 0-9 _ \. -\); "
             r"see /help$"),
            ("/msg bob", r"-- error: /msg needs a user and a text: /msg <user> <text>$"),
            ("/since forever", r"-- error: 'forever' is not a duration"),
        ]
        for line, error in cases:
            alice.send(line)
            alice.expect_line(r"^" + TIME + error)
            alice.send("still here")  # the client goes on: this one is sent
            bob.expect_line(r"<alice> still here$")
            alice.expect_line(r"<alice> still here$")
        # One line per error, nothing else left unexplained.
        alice.expect_no_line(r"error", timeout=0.3)
        alice.close_stdin()
        self.assertEqual(alice.wait(), 0, alice.output())

    def test_quit_and_killed_clients_seen_by_others(self):
        alice = self.chat("alice")
        bob = self.chat("bob")
        carol = self.chat("carol")
        alice.expect_line(r"-- bob joined$")
        alice.expect_line(r"-- carol joined$")
        bob.send("/quit")
        self.assertEqual(bob.wait(), 0, bob.output())
        alice.expect_line(r"^" + TIME + r"-- bob left \(quit\)$")
        carol.kill(signal.SIGKILL)
        alice.expect_line(r"^" + TIME + r"-- carol left \(connection lost\)$")

    def test_hostile_text_is_shown_escaped(self):
        bob = self.chat("bob")
        alice = self.stack.client("alice")
        evil = "\x1b[2J\x1b[31mred\x07"
        alice.publish("im/all", evil.encode())
        alice.publish("im/user/bob", evil.encode())
        alice.publish("im/user/bob", "\u202eevil\u202c and \xff".encode("utf-8") + b"\xfe")
        shown = re.escape(r"\x1b[2J\x1b[31mred\x07")
        bob.expect_line(r"^" + TIME + r"<alice> " + shown + r"$")
        bob.expect_line(r"^" + TIME + r"\*alice\* " + shown + r"$")
        bob.expect_line(r"\*alice\* \\u202eevil\\u202c and \xff\\xfe$")
        bob.close_stdin()
        self.assertEqual(bob.wait(), 0)
        for raw in bob.raw:
            self.assertNotIn(b"\x1b", raw)
            self.assertNotIn(b"\x07", raw)
            self.assertNotIn("\u202e".encode(), raw)

    def test_a_message_arriving_twice_with_one_id_is_shown_once(self):
        # The service's replay passes its own id/ts/queued through the broker, so publishing one
        # queued message twice with the same id is the duplicate topics.md allows.
        bob = self.chat("bob")
        svc = self.stack.service_client()
        ts = str(int(time.time() * 1000))
        twice = {"id": "dup-test-1", "ts": ts, "queued": "1"}
        svc.publish("im/user/bob/alice", b"only once please", user_properties=twice)
        svc.publish("im/user/bob/alice", b"only once please", user_properties=twice)
        # Another id with the same text is a different message and is shown.
        svc.publish("im/user/bob/alice", b"only once please",
                    user_properties={"id": "dup-test-2", "ts": ts, "queued": "1"})
        svc.publish("im/user/bob/alice", b"marker",
                    user_properties={"id": "dup-test-3", "ts": ts, "queued": "1"})
        bob.expect_line(r"\*alice\* marker$")
        shown = [line for line in bob.lines if line.endswith("*alice* only once please")]
        self.assertEqual(len(shown), 2, bob.output())
        bob.close_stdin()
        self.assertEqual(bob.wait(), 0, bob.output())

    def test_broker_restart_reconnects_and_sends_what_was_typed_meanwhile(self):
        alice = self.chat("alice")
        # bob keeps his session (and its queue) across the restart: the broker persists it.
        bob = self.stack.client("bob", client_id="bob-persistent", clean=False,
                                session_expiry=300)
        bob.subscribe("im/all/+")
        self.stack.stop_broker()
        alice.expect_line(r"^" + TIME + r"-- connection lost.*; reconnecting\.\.\.$")
        alice.send("typed while the server was down")
        alice.expect_line(r"-- not connected: will send when reconnected")
        self.stack.start_broker()
        alice.expect_line(r"^" + TIME + rf"-- reconnected to 127\.0\.0\.1:{self.stack.port}$",
                          timeout=40)
        m = bob.expect("im/all/+", timeout=40,
                       predicate=lambda m: m.text == "typed while the server was down")
        self.assertEqual(m.topic, "im/all/alice")
        alice.expect_line(r"<alice> typed while the server was down$")
        # The client is fully back: a private message gets its status from the server.
        alice.send("/msg bob after the restart")
        alice.expect_line(r"-- (delivered to|queued for) bob.*after the restart$", timeout=10)


class ClientEdges(imtest.StackTest):
    """Scripted use, limits, and the ways a session ends or breaks."""

    def test_end_of_stdin_waits_for_statuses_and_replies(self):
        bob = self.stack.chat_client("bob")
        # A script writes everything at once and closes stdin without waiting for anything.
        alice = self.stack.chat("alice")
        alice.send("/msg bob last words")
        alice.send("/who")
        alice.send("bye all")
        alice.close_stdin()
        self.assertEqual(alice.wait(), 0, alice.output())
        # Everything it would have shown interactively is there: the welcome, the hint, the
        # status of the private message and the reply to /who.
        alice.expect_line(r"-- connected to 127\.0\.0\.1:\d+ as alice$")
        alice.expect_line(r"-- Welcome, alice! Online: bob\.$")
        alice.expect_line(r"-- type a message to send it to everyone")
        alice.expect_line(r"-- delivered to bob: last words$")
        alice.expect_line(r"-- online: bob$")
        self.assertEqual(bob.expect("im/user/bob/+").text, "last words")
        self.assertEqual(bob.expect("im/all/+").text, "bye all")
        bob.expect("im/presence/alice", predicate=lambda m: b'"reason":"quit"' in m.payload)

    def test_a_long_replay_comes_whole_and_in_order_before_the_hint(self):
        alice = self.stack.chat_client("alice")
        for i in range(100):
            alice.publish("im/user/carol", f"m{i:03d}", user_properties={"ref": f"r{i}"},
                          wait=(i % 20 == 19))

        def queued():
            return [m for m in list(alice.received) if m.topic == "im/svc/alice"
                    and m.json().get("status") == "queued"]
        imtest.wait_for(lambda: len(queued()) == 100, timeout=30, what="100 queued statuses")
        carol = self.stack.chat("carol")
        carol.close_stdin()  # a script: the replay must still be shown before it logs out
        self.assertEqual(carol.wait(), 0, carol.output())
        away = [line for line in carol.lines if "[away]" in line]
        self.assertEqual([line.rsplit(" ", 1)[1] for line in away],
                         [f"m{i:03d}" for i in range(100)])
        hint = carol.expect_line(r"-- type a message to send it to everyone").string
        welcome = carol.expect_line(r"-- Welcome, carol! .*100 messages arrived").string
        self.assertLess(carol.lines.index(welcome), carol.lines.index(away[0]))
        self.assertLess(carol.lines.index(away[-1]), carol.lines.index(hint))

    def test_too_long_message_is_refused_locally(self):
        bob = self.stack.chat_client("bob")
        alice = self.stack.chat("alice")
        alice.ready()
        alice.send("x" * 70000)
        alice.expect_line(r"-- error: message too long \(70000 bytes; at most 65536\); not sent$")
        alice.send("/msg bob " + "y" * 70000)
        alice.expect_line(r"-- error: message too long")
        alice.send("short one")
        self.assertEqual(bob.expect("im/all/+").text, "short one")
        bob.expect_none("im/user/bob/+", timeout=0.3)

    def test_removed_user_is_ended_with_exit_1(self):
        carol = self.stack.chat("carol")
        carol.ready()
        self.stack.write_users(imtest.DEFAULT_USERS.replace("carol singer\n", ""))
        self.stack.reload_broker()
        carol.expect_line(r"-- error: the server ended the session .*not reconnecting", timeout=10)
        self.assertEqual(carol.wait(), 1, carol.output())

    def test_login_refused_on_reconnect_exits_1(self):
        carol = self.stack.chat("carol")
        carol.ready()
        self.stack.stop_broker()
        carol.expect_line(r"-- connection lost.*; reconnecting\.\.\.$")
        # carol is removed while the server is down: the reconnect is refused as a login.
        self.stack.write_users(imtest.DEFAULT_USERS.replace("carol singer\n", ""))
        self.stack.start_broker()
        carol.expect_line(r"^" + TIME + r"-- error: login refused on reconnect.*; exiting$",
                          timeout=40)
        self.assertEqual(carol.wait(), 1, carol.output())

    def test_at_most_100_lines_held_while_disconnected_then_sent_in_order(self):
        alice = self.stack.chat("alice")
        alice.ready()
        bob = self.stack.client("bob", client_id="bob-persistent", clean=False,
                                session_expiry=300)
        bob.subscribe("im/all/+")
        self.stack.stop_broker()
        alice.expect_line(r"-- connection lost.*; reconnecting\.\.\.$")
        for i in range(101):
            alice.send(f"held {i:03d}")
        for _ in range(100):
            alice.expect_line(r"-- not connected: will send when reconnected$")
        alice.expect_line(r"-- error: not connected; message not sent$")
        alice.expect_no_line(r"not connected", timeout=0.3)
        self.stack.start_broker()
        alice.expect_line(rf"-- reconnected to 127\.0\.0\.1:{self.stack.port}$", timeout=40)
        got = [bob.expect("im/all/alice", timeout=40).text for _ in range(100)]
        self.assertEqual(got, [f"held {i:03d}" for i in range(100)])
        bob.expect_none("im/all/alice", timeout=0.5)

    def test_message_in_flight_when_the_link_drops_is_reported_not_resent(self):
        alice = self.stack.chat("alice")
        alice.ready()
        # The broker is frozen: the message goes out but no PUBACK comes back; then it dies.
        self.stack.broker.send_signal(signal.SIGSTOP)
        alice.send("maybe lost")
        # Sent: the PUBLISH waits, unread, in the frozen broker's socket.
        imtest.wait_for(lambda: unread_by_listener(self.stack.port) > 0,
                        what="the PUBLISH to reach the frozen broker")
        self.stack.stop_broker(signal.SIGKILL)
        alice.expect_line(r"-- not confirmed by the server \(connection lost\): maybe lost; "
                          r"it may not have been sent$")
        alice.expect_line(r"-- connection lost.*; reconnecting\.\.\.$")
        self.stack.start_broker()
        alice.expect_line(rf"-- reconnected to 127\.0\.0\.1:{self.stack.port}$", timeout=40)
        # Back online (own broadcasts come back): a new line shows, the unconfirmed one never.
        alice.send("after the crash")
        alice.expect_line(r"<alice> after the crash$")
        alice.expect_no_line(r"<alice> maybe lost", timeout=0.5)


class ClientIdle(imtest.StackTest):
    STACK_ARGS = {"idle_timeout": 2}

    def test_idle_timeout_ends_the_client(self):
        alice = self.stack.chat("alice")
        alice.expect_line(r"-- You were idle for more than 2 s; disconnecting\.$", timeout=15)
        alice.expect_line(r"-- error: the server ended the session", timeout=10)
        self.assertEqual(alice.wait(), 1, alice.output())


class ClientStartup(imtest.StackTest):
    def test_wrong_password_exits_1(self):
        c = self.stack.chat("alice", password="not-the-password")
        self.assertEqual(c.wait(), 1, c.output())
        self.assertIn("imchat: login refused for 'alice'", c.stderr)
        self.assertEqual(c.lines, [])

    def test_unknown_user_exits_1(self):
        c = self.stack.chat("mallory", password="whatever")
        self.assertEqual(c.wait(), 1, c.output())
        self.assertIn("login refused for 'mallory'", c.stderr)

    def test_unreachable_server_exits_3(self):
        port = imtest.free_port()
        c = self.stack.chat("alice", args=("--port", str(port)))
        self.assertEqual(c.wait(), 3, c.output())
        self.assertIn(f"cannot reach the imchat server at 127.0.0.1:{port}", c.stderr)

    def test_no_password_without_a_terminal_exits_2(self):
        # A new session: no controlling terminal, so /dev/tty cannot be opened either.
        c = self.stack.chat("alice", password=False, start_new_session=True)
        self.assertEqual(c.wait(), 2, c.output())
        self.assertIn("no password: set IMCHAT_PASSWORD or run imchat in a terminal", c.stderr)

    def test_usage_errors_exit_2(self):
        for args, user, text in [((), None, "a user name is needed"),
                                 (("--frob",), "alice", "unknown option '--frob'"),
                                 (("--port", "0"), "alice", "--port needs a number"),
                                 ((), "bad/name", "not a valid user name")]:
            c = self.stack.chat(user, args=args)
            self.assertEqual(c.wait(), 2, (args, user, c.output()))
            self.assertIn(text, c.stderr)
            self.assertIn("usage: imchat", c.stderr)


if __name__ == "__main__":
    import unittest
    unittest.main()
