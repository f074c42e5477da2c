"""A minimal asyncio MQTT 3.1.1 client over a raw WebSocket, for the gateway's scale and
slow-reader tests where a thread per paho client would cost more than the gateway does.
Only what those tests need: CONNECT, SUBSCRIBE, PUBLISH QoS 0/1 receive (with PUBACK),
DISCONNECT."""

import asyncio
import base64
import os
import struct


def _varint(n):
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def _frame(payload, opcode=0x2):
    """A masked client frame."""
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


class WsMqtt:
    """One connection. `packets` collects (type, flags, body) of every MQTT packet read."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None
        self._ws = b""    # undecoded WebSocket bytes
        self._mqtt = b""  # the MQTT byte stream carried in binary messages
        self.closed = False

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write((f"GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           "Sec-WebSocket-Protocol: mqtt\r\n\r\n").encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError(f"upgrade refused: {head[:80]!r}")

    def send(self, packet):
        self.writer.write(_frame(packet))

    async def packet(self):
        """The next MQTT packet: (type, flags, body)."""
        while True:
            p = self._take_packet()
            if p is not None:
                return p
            await self._read_message()

    def _take_packet(self):
        buf = self._mqtt
        if len(buf) < 2:
            return None
        n, mult, i = 0, 1, 1
        while True:
            if i >= len(buf):
                return None
            b = buf[i]
            n += (b & 0x7F) * mult
            mult *= 128
            i += 1
            if not b & 0x80:
                break
        if len(buf) < i + n:
            return None
        self._mqtt = buf[i + n:]
        return buf[0] >> 4, buf[0] & 0x0F, buf[i:i + n]

    def _take_frame(self):
        b = self._ws
        if len(b) < 2:
            return None
        n, off = b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, off = struct.unpack("!H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, off = struct.unpack("!Q", b[2:10])[0], 10
        if len(b) < off + n:
            return None
        self._ws = b[off + n:]
        return b[0] & 0x0F, b[off:off + n]

    async def _read_message(self):
        """Appends the next binary (or continuation) message's payload to the MQTT stream."""
        while True:
            f = self._take_frame()
            if f is not None:
                opcode, payload = f
                if opcode == 0x8:
                    self.closed = True
                    raise ConnectionError("the gateway closed the WebSocket")
                if opcode in (0x0, 0x2):
                    self._mqtt += payload
                    return
                continue
            chunk = await self.reader.read(65536)
            if not chunk:
                self.closed = True
                raise ConnectionError("the connection ended")
            self._ws += chunk

    async def login(self, client_id, user, password, keepalive=300):
        body = (_str("MQTT") + bytes([4, 0xC2]) + struct.pack("!H", keepalive) + _str(client_id)
                + _str(user) + _str(password))
        self.send(bytes([0x10]) + _varint(len(body)) + body)
        kind, _, body = await self.packet()
        if kind != 2 or body[1] != 0:
            raise AssertionError(f"{user}: CONNACK {kind} {body!r}")

    async def subscribe(self, topic, qos=0, mid=1):
        body = struct.pack("!H", mid) + _str(topic) + bytes([qos])
        self.send(bytes([0x82]) + _varint(len(body)) + body)
        while True:
            kind, _, body = await self.packet()
            if kind == 9:
                if body[2] >= 0x80:
                    raise AssertionError(f"SUBSCRIBE {topic} refused")
                return

    async def publish_received(self):
        """The next PUBLISH as (topic, payload); QoS 1 is acknowledged."""
        while True:
            kind, flags, body = await self.packet()
            if kind != 3:
                continue
            tlen = struct.unpack("!H", body[:2])[0]
            topic = body[2:2 + tlen].decode()
            rest = body[2 + tlen:]
            if (flags >> 1) & 3:
                self.send(bytes([0x40, 2]) + rest[:2])
                rest = rest[2:]
            return topic, rest

    def publish(self, topic, payload):
        """QoS 0."""
        body = _str(topic) + payload
        self.send(bytes([0x30]) + _varint(len(body)) + body)

    async def _until_closed(self):
        while True:
            await self._read_message()

    async def close(self):
        if not self.closed and self.writer is not None:
            try:
                self.send(bytes([0xE0, 0]))
                self.writer.write(_frame(struct.pack("!H", 1000), opcode=0x8))
                await self.writer.drain()
                # The closing handshake: wait for the gateway's close frame (or its end of
                # the connection) before closing the socket, as a browser does.
                await asyncio.wait_for(self._until_closed(), 15)
            except (ConnectionError, asyncio.TimeoutError):
                pass
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
