"""Lockout through the gateway: three wrong passwords over WebSocket lock the name, and
then the right password is refused too, with the same refusal as a wrong one, like over
TCP (test_auth.Lockout). The broker's plugin decides; the gateway only carries bytes."""

import time
import unittest

import imtest
from test_gateway import GatewayTest


class GatewayLockoutTest(GatewayTest):
    # Long enough that the checks after the third bad password (two more logins, one over
    # TCP) finish inside it on a loaded machine; short enough to wait out twice.
    STACK_ARGS = {"lockout": 6}

    def refused_rc(self, user, password, protocol):
        with self.assertRaises(imtest.ConnectRefused) as cm:
            self.ws(user, password=password, protocol=protocol)
        return cm.exception.rc

    def test_three_bad_passwords_over_websocket_lock_the_name(self):
        for protocol, user in ((5, "alice"), (4, "carol")):
            bad = [self.refused_rc(user, "bad", protocol) for _ in range(3)]
            locked_at = time.monotonic()
            self.assertEqual(len(set(bad)), 1, bad)
            # The right password now gets exactly the wrong password's answer: a locked name
            # does not tell an attacker that the guess was right.
            self.assertEqual(self.refused_rc(user, imtest.PASSWORDS[user], protocol), bad[0])
            # Over TCP the name is locked too: one count per name, whatever the transport.
            with self.assertRaises(imtest.ConnectRefused):
                self.stack.client(user, protocol=protocol)
            # Other names are not affected.
            self.ws("bob", protocol=protocol).disconnect()
            imtest.wait_for(lambda: time.monotonic() - locked_at > 6.2, timeout=10)
            self.ws(user, protocol=protocol).disconnect()
        self.assertIn("the name is locked", self.stack.broker_log())


if __name__ == "__main__":
    unittest.main()
