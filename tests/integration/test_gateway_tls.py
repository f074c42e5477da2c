"""The gateway with --tls-cert/--tls-key: one port serves https and wss. A self-signed
certificate made with openssl in the test's directory; clients verify against it. Bad
certificate or key files keep the gateway from starting, with a message naming the file."""

import http.client
import os
import socket
import ssl
import subprocess
import unittest

import imtest
from imtest import wait_for
from test_gateway import GATEWAY, INDEX, GatewayTest


def make_cert(directory, name):
    """A self-signed certificate for 127.0.0.1 (as IP subjectAltName); returns (cert, key)."""
    cert = os.path.join(directory, f"{name}-cert.pem")
    key = os.path.join(directory, f"{name}-key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


class GatewayTlsTest(GatewayTest):
    def gateway_args(self):
        imtest.require_program("openssl", "openssl")
        self.cert, self.key = make_cert(self.stack.dir, "gw")
        return ("--tls-cert", self.cert, "--tls-key", self.key)

    def context(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        self.assertTrue(ctx.check_hostname)
        return ctx

    def https_get(self, target):
        conn = http.client.HTTPSConnection("127.0.0.1", self.gw.port, timeout=10,
                                           context=self.context())
        try:
            conn.request("GET", target)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def wss(self, user, password=None, protocol=5):
        c = self.ws(user, password=password, protocol=protocol, connect=False)
        c.mqtt.tls_set(ca_certs=self.cert)
        return c.connect()

    def test_page_over_https_verified_against_the_certificate(self):
        self.assertIn(f"listening on https://127.0.0.1:{self.gw.port}/", self.gw.text())
        status, headers, body = self.https_get("/")
        self.assertEqual((status, body.decode()), (200, INDEX))
        self.assertIn(f"wss://127.0.0.1:{self.gw.port}", headers["content-security-policy"])
        status, _, _ = self.https_get("/../secret.txt")
        self.assertIn(status, (400, 404))
        # A client that does not trust the certificate refuses it: TLS really is in use.
        with self.assertRaises(ssl.SSLCertVerificationError):
            with socket.create_connection(("127.0.0.1", self.gw.port), timeout=5) as raw:
                ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1")

    def test_paho_over_wss_logs_in_and_chats_with_a_tcp_client(self):
        for protocol in (4, 5):
            web = self.wss("alice", protocol=protocol)
            tcp = self.stack.client("bob", protocol=protocol)
            web.subscribe("im/user/alice/+")
            tcp.subscribe("im/user/bob/+")
            tcp.subscribe("im/all/+")
            web.publish("im/user/bob", f"dm over wss {protocol}")
            self.assertEqual(tcp.expect("im/user/bob/alice").text, f"dm over wss {protocol}")
            tcp.publish("im/user/alice", f"dm to wss {protocol}")
            self.assertEqual(web.expect("im/user/alice/bob").text, f"dm to wss {protocol}")
            web.publish("im/all", f"all over wss {protocol}")
            self.assertEqual(tcp.expect("im/all/alice").text, f"all over wss {protocol}")
            web.disconnect()
            tcp.disconnect()
        with self.assertRaises(imtest.ConnectRefused):
            self.wss("carol", password="wrong")
        self.assertIn("ws open 127.0.0.1:", self.gw.text())

    def test_plain_http_to_the_tls_port_fails_cleanly(self):
        for request in (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                        b"\x16\x03\x01\x00\x05hello", b"\x00" * 300):
            with socket.create_connection(("127.0.0.1", self.gw.port), timeout=10) as s:
                s.sendall(request)
                data = b""
                try:
                    while True:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                except ConnectionResetError:
                    pass
                # No page: at most a TLS alert record (content type 21), never HTTP.
                self.assertNotIn(INDEX.encode(), data)
                self.assertFalse(data.startswith(b"HTTP/"), data[:40])
        self.assertIsNone(self.gw.proc.poll())
        self.assertEqual(self.https_get("/")[0], 200)
        web = self.wss("alice")
        self.assertEqual(web.subscribe("im/user/alice/+"), 1)


class GatewayTlsOptionsTest(unittest.TestCase):
    def setUp(self):
        imtest.require_built(GATEWAY, "imchat-gateway")
        imtest.require_program("openssl", "openssl")
        import tempfile
        self.dir = tempfile.mkdtemp(prefix="imchat-tls-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.dir])
        self.cert, self.key = make_cert(self.dir, "a")
        self.other_cert, self.other_key = make_cert(self.dir, "b")
        self.garbage = os.path.join(self.dir, "garbage.pem")
        with open(self.garbage, "wb") as f:
            f.write(b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
        self.empty = os.path.join(self.dir, "empty.pem")
        open(self.empty, "w").close()

    def refused(self, cert, key, *messages):
        args = [GATEWAY, "--web-root", self.dir, "--listen", "127.0.0.1:0"]
        if cert:
            args += ["--tls-cert", cert]
        if key:
            args += ["--tls-key", key]
        r = subprocess.run(args, capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        for m in messages:
            self.assertIn(m, r.stderr)
        self.assertNotIn("listening on", r.stderr)

    def test_bad_certificate_or_key_refuses_to_start(self):
        missing = os.path.join(self.dir, "missing.pem")
        self.refused(missing, self.key, f"cannot read --tls-cert '{missing}'",
                     "No such file or directory")
        self.refused(self.cert, missing, f"cannot read --tls-key '{missing}'")
        self.refused(self.garbage, self.key, f"--tls-cert '{self.garbage}' holds no PEM certificate")
        self.refused(self.empty, self.key, f"--tls-cert '{self.empty}' holds no PEM certificate")
        self.refused(self.cert, self.garbage, f"--tls-key '{self.garbage}' holds no PEM private key")
        self.refused(self.cert, self.cert, f"--tls-key '{self.cert}' holds no PEM private key")
        self.refused(self.cert, self.other_key,
                     f"--tls-key '{self.other_key}' does not belong to the certificate in "
                     f"--tls-cert '{self.cert}'")
        self.refused(self.cert, None, "--tls-cert needs --tls-key too")
        self.refused(None, self.key, "--tls-key needs --tls-cert too")
        if os.geteuid() != 0:
            os.chmod(self.key, 0)
            self.refused(self.cert, self.key, f"cannot read --tls-key '{self.key}'",
                         "Permission denied")

    def test_good_pair_starts_with_an_https_url(self):
        p = subprocess.Popen([GATEWAY, "--web-root", self.dir, "--listen", "127.0.0.1:0",
                              "--tls-cert", self.cert, "--tls-key", self.key],
                             stderr=subprocess.PIPE, text=True)
        try:
            line = p.stderr.readline()
            self.assertIn("listening on https://127.0.0.1:", line)
        finally:
            imtest.terminate(p)
            p.stderr.close()


if __name__ == "__main__":
    unittest.main()
