"""Helpers for the file tests: the upload and download protocol of topics.md ("Files")
spoken by a paho client (imtest.Client), the way a third-party tool would."""

import hashlib

CHUNK = 65536


def sha(data):
    return hashlib.sha256(data).hexdigest()


def file_client(stack, user, **kwargs):
    c = stack.client(user, **kwargs)
    c.subscribe(f"im/svc/{user}")
    return c


def reply(client, line, timeout=10):
    verb = line.split()[0]
    client.command(line)
    return client.expect_svc("reply", timeout=timeout, predicate=lambda j: j["cmd"] == verb)


def forget_received(client):
    """Large transfers: the harness keeps every message; drop them as they are used."""
    with client._lock:
        client.received.clear()


def begin(client, to, data, name, mime="application/octet-stream", digest=None):
    return reply(client, f"upload {to} {len(data)} {digest or sha(data)} {mime} {name}")


def send(client, r, data, stop_at=None, timeout=20):
    """Sends `data` from the reply's offset with the reply's window; returns the final
    `upload` message (done or error), or None when stopped at byte `stop_at`."""
    up, chunk, window = r["upload"], r["chunk"], r["window"]
    acked = sent = r["offset"]
    if sent == len(data):
        return client.expect_svc("upload", timeout=timeout, predicate=lambda j: j["upload"] == up
                                 and j["status"] != "progress")
    while True:
        while sent < len(data) and sent < acked + window * chunk:
            if stop_at is not None and sent >= stop_at:
                return None
            piece = data[sent:sent + chunk]
            client.publish(f"im/up/{client.user}/{up}/{sent}", piece, wait=False)
            sent += len(piece)
        j = client.expect_svc("upload", timeout=timeout, predicate=lambda j: j["upload"] == up)
        if j["status"] == "progress":
            acked = max(acked, j["offset"])
            if len(data) > 8 * CHUNK:
                forget_received(client)
        else:
            return j


def upload(client, to, data, name, mime="application/octet-stream"):
    r = begin(client, to, data, name, mime)
    assert r["ok"], r
    done = send(client, r, data)
    assert done["status"] == "done", done
    return done


def fetch(client, file_id, offset=0, have=b"", stop_at=None, timeout=20):
    """(reply, bytes): the fetch reply and the file's bytes (`have` + what came), or what
    came until byte `stop_at`."""
    client.subscribe(f"im/down/{client.user}/{file_id}/+")
    r = reply(client, f"fetch {file_id} {offset}")
    if not r["ok"]:
        return r, None
    parts = [have]
    got = offset
    done = None
    down = f"im/down/{client.user}/{file_id}/"
    # One loop for chunks and the final `fetch` message: expect() drops what it skips.
    while got < r["size"] or done is None:
        if stop_at is not None and got >= stop_at:
            return r, b"".join(parts)
        m = client.expect(None, timeout=timeout)
        if m.topic.startswith(down):
            at = int(m.topic[len(down):])
            assert at == got, f"chunk at {at}, expected {got}"
            parts.append(m.payload)
            got += len(m.payload)
            client.publish(f"im/cmd/{client.user}", f"fetch-ack {file_id} {got}", wait=False)
            if r["size"] > 8 * CHUNK:
                forget_received(client)
        elif m.topic == f"im/svc/{client.user}":
            j = m.json()
            if j.get("type") == "fetch" and j.get("file") == file_id:
                assert j["status"] == "done", j
                done = j
    assert done["sha256"] == r["sha256"] and done["size"] == r["size"], done
    return r, b"".join(parts)
