"""`history <user>|all|#<room> [n] before <id>` against the real broker, plugin and daemon:
paging backwards through 1,000 direct messages with no gaps or repeats and `more` right;
unknown ids and ids of conversations one is not part of get the same error, revealing
nothing; rooms stay members-only."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imtest  # noqa: E402


class HistoryCursor(imtest.StackTest):
    def history(self, client, line):
        client.command(line)
        return client.expect_svc("reply", predicate=lambda j: j.get("cmd") == "history")

    def test_paging_back_through_1000_messages(self):
        alice = self.stack.client("alice")
        alice.subscribe("im/svc/alice")
        bob = self.stack.client("bob")
        bob.subscribe("im/svc/bob")
        bob.subscribe("im/user/bob/+")
        carol = self.stack.client("carol")
        # One sender keeps the order certain (two connections' messages may interleave).
        for i in range(1000):
            alice.publish("im/user/bob", f"m{i}", wait=False)
            if i % 100 == 0:
                carol.publish("im/user/alice", f"carol {i}", wait=False)  # another conversation
        last = self.history(alice, "history bob 1")
        imtest.wait_for(lambda: self.history(alice, "history bob 1")["messages"][0]["text"] == "m999",
                        timeout=30, what="the 1000 messages archived")
        page = self.history(alice, "history bob 64")
        self.assertTrue(page["more"])
        texts = [m["text"] for m in page["messages"]]
        ids = [m["id"] for m in page["messages"]]
        pages = 1
        while page["more"]:
            who, peer = (bob, "alice") if pages % 2 else (alice, "bob")
            page = self.history(who, f"history {peer} 64 before {page['messages'][0]['id']}")
            self.assertTrue(page["ok"], page)
            texts = [m["text"] for m in page["messages"]] + texts
            ids = [m["id"] for m in page["messages"]] + ids
            pages += 1
            self.assertLess(pages, 40)
        self.assertEqual(texts, [f"m{i}" for i in range(1000)])
        self.assertEqual(len(set(ids)), 1000)
        self.assertEqual(pages, 16)  # 15 full pages of 64 and one of 40
        self.assertTrue(last["ok"])

    def test_bad_and_foreign_ids_reveal_nothing(self):
        alice = self.stack.client("alice")
        alice.subscribe("im/svc/alice")
        bob = self.stack.client("bob")
        bob.subscribe("im/svc/bob")
        bob.subscribe("im/user/bob/+")
        carol = self.stack.client("carol")
        carol.subscribe("im/svc/carol")
        carol.subscribe("im/user/carol/+")
        bob.publish("im/user/carol", "bob to carol: secret")
        secret = carol.expect("im/user/carol/bob").props["id"]
        alice.publish("im/user/bob", "hello bob")
        mine = bob.expect("im/user/bob/alice").props["id"]
        carol.command("create ops")
        carol.expect_svc("reply", predicate=lambda j: j.get("cmd") == "create" and j["ok"])
        carol.publish("im/room/ops", "ops talk")
        room_id = carol.expect_svc("status", predicate=lambda j: j.get("room") == "ops")["id"]

        r = self.history(alice, f"history bob before {mine}")
        self.assertEqual((r["ok"], r["messages"], r["more"]), (True, [], False))
        unknown = self.history(alice, "history bob before k0-00000000")
        self.assertEqual(unknown["error"], "no message 'k0-00000000' in your messages with bob; "
                                           "take the id from a message or a history reply")
        for line, conv in ((f"history bob before {secret}", "your messages with bob"),
                           (f"history carol before {secret}", "your messages with carol"),
                           (f"history all before {secret}", "your broadcasts"),
                           (f"history bob before {room_id}", "your messages with bob")):
            r = self.history(alice, line)
            self.assertFalse(r["ok"], line)
            self.assertEqual(r["error"], f"no message '{line.split()[-1]}' in {conv}; "
                                         "take the id from a message or a history reply")
            self.assertNotIn("secret", str(r))
        # A room: members only, whatever the id; a member pages with the room's ids only.
        r1 = self.history(alice, f"history #ops before {room_id}")
        r2 = self.history(alice, "history #ops before k0-1")
        self.assertFalse(r1["ok"])
        self.assertEqual(r1["error"], r2["error"])
        self.assertTrue(r1["error"].startswith("you are not a member of #ops"), r1)
        r = self.history(carol, f"history #ops before {secret}")
        self.assertEqual(r["error"], f"no message '{secret}' in #ops; take the id from a message "
                                     "or a history reply")
        r = self.history(carol, f"history #ops before {room_id}")
        self.assertEqual((r["ok"], r["messages"], r["more"]), (True, [], False))
        r = self.history(alice, "history bob 5 before a/b")
        self.assertIn("is not a message id", r["error"])
