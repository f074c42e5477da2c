"""History paging in the browser (issue 16): a DM conversation of 1,000 messages in the
server's history; the page opens it, is scrolled to the top again and again (each time the
app either moves its window over what it holds or asks `history bob 200 before <id>`) and
reaches the first message with no gap and no repeat, with the message nodes in #messages
bounded all the way; then back down to the newest, just as complete."""

import re
import unittest

import webtest

TOTAL = 1000
MAX_NODES = 400  # the app renders a window (300); what matters is that it is not all 1,000
TEXT = re.compile(r"^h(\d{4}) ")


def sender_of(i):
    return "alice" if i % 7 == 0 else "bob"  # her own messages are in the history too


# The rendered messages with their place: the first message's offset from the top of the
# scroll box tells whether the view jumped.
JS_WINDOW = """
const el = document.querySelector('#messages');
const edge = el.querySelector('.history-edge');
return {top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight,
        edge: edge ? edge.textContent : null,
        nodes: el.querySelectorAll('div.msg').length};
"""


class WebHistory(webtest.WebTest):
    def publish_history(self):
        """1,000 DMs between alice and bob, delivered live (both online) so that they are in
        the history and not in an offline queue; returns [(n, id)] in the server's order."""
        alice = self.stack.chat_client("alice")
        bob = self.stack.chat_client("bob")
        for i in range(1, TOTAL + 1):
            frm, to = (alice, "bob") if sender_of(i) == "alice" else (bob, "alice")
            # Paced: wait for every 50th PUBACK so the broker is never flooded.
            frm.publish(f"im/user/{to}", f"h{i:04d} from {sender_of(i)}", wait=(i % 50 == 0))
        # The server's own view of the conversation, paged like the app does: the order
        # to expect (two senders' publishes may cross, so it is not simply by number).
        order = []
        before = None
        while True:
            bob.command(f"history alice 500{f' before {before}' if before else ''}")
            reply = bob.expect_svc("reply", timeout=30,
                                   predicate=lambda j: j.get("cmd") == "history")
            self.assertTrue(reply["ok"], reply)
            order = [(int(TEXT.match(m["text"]).group(1)), m["id"])
                     for m in reply["messages"]] + order
            if not reply["more"]:
                break
            before = reply["messages"][0]["id"]
        self.assertEqual(sorted(n for n, _ in order), list(range(1, TOTAL + 1)),
                         "the server lost or repeated messages")
        alice.disconnect()
        bob.disconnect()
        return order

    def check_window(self, page, order, seen):
        """The rendered messages are a consecutive run of the server's history (its order,
        its ids, its senders); returns their places in it (0 = the first message)."""
        place = {mid: i for i, (_, mid) in enumerate(order)}
        msgs = [m for m in page.messages() if m["kind"] == "chat"]
        places = []
        for m in msgs:
            match = TEXT.match(m["text"] or "")
            self.assertTrue(match, f"an unexpected message in the conversation: {m}")
            self.assertIn(m["id"], place, f"shown with an id the server does not have: {m}")
            i = place[m["id"]]
            self.assertEqual(order[i][0], int(match.group(1)), f"shown with another id: {m}")
            self.assertEqual(m["sender"], sender_of(order[i][0]), m)
            places.append(i)
        self.assertEqual(places, list(range(places[0], places[0] + len(places))) if places else [],
                         "a gap, a repeat or a swap in the rendered messages (places in the "
                         f"server's history): {places}")
        info = page.js(JS_WINDOW)
        self.assertLessEqual(info["nodes"], MAX_NODES,
                             f"{info['nodes']} message nodes in #messages: the DOM is not bounded")
        seen.update(places)
        return places, info

    def test_scrolling_up_pages_back_to_the_first_message_with_no_gap_or_repeat(self):
        order = self.publish_history()
        page = self.logged_in("alice", conv="@bob")
        last_n, last_id = order[-1]
        page.wait_msg(f"h{last_n:04d} from {sender_of(last_n)}", id=last_id)
        seen = set()
        nums, info = self.check_window(page, order, seen)
        self.assertEqual(nums[-1], TOTAL - 1, "the newest message is not at the bottom")
        most = info["nodes"]
        steps = 0
        # Up: each scroll to the top must bring older messages (or the beginning).
        while True:
            if nums and nums[0] == 0 and (info["edge"] or "").startswith("Beginning"):
                break
            steps += 1
            self.assertLess(steps, 100, "scrolling up never reached the first message")
            first = nums[0]
            page.js("document.querySelector('#messages').scrollTop = 0;")

            def moved():
                n, i = self.check_window(page, order, seen)
                return (n, i) if (n[0] < first or (i["edge"] or "").startswith("Beginning")) \
                    else None
            nums, info = page.wait(moved, f"messages older than place {first} after scrolling up")
            most = max(most, info["nodes"])
        self.assertEqual(seen, set(range(TOTAL)),
                         f"never shown: {sorted(set(range(TOTAL)) - seen)[:20]}")
        # Down again to the newest: the window moves over what the page holds, as complete.
        seen_down = set(nums)
        while nums[-1] < TOTAL - 1:
            steps += 1
            self.assertLess(steps, 200, "scrolling down never reached the newest message")
            last = nums[-1]
            page.js("const e = document.querySelector('#messages'); e.scrollTop = e.scrollHeight;")
            nums, info = page.wait(
                lambda: (lambda r: r if r[0][-1] > last else None)(
                    self.check_window(page, order, seen_down)),
                f"messages newer than place {last} after scrolling down")
            most = max(most, info["nodes"])
        self.assertEqual(seen_down, set(range(TOTAL)),
                         f"skipped going down: {sorted(set(range(TOTAL)) - seen_down)[:20]}")
        print(f"paged through {TOTAL} messages in {steps} scrolls, at most {most} message nodes")


if __name__ == "__main__":
    unittest.main()
