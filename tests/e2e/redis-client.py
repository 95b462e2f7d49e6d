#!/usr/bin/env python3
"""A Redis client of the tests, over ONE TCP connection it never reopens, speaking RESP itself.

    redis-client.py GO_FILE PORT

Before READY: loads a data set into the server on 127.0.0.1:PORT (strings of random bytes, a
hash, a list, a counter) and notes the connection's id (CLIENT ID: the server numbers each new
connection). After READY it waits for GO_FILE, which the test creates while the server is
dumped, killed and not yet restored, or just dumped with -R; then, on the same connection, it
sends commands at once (they wait in the network lock until the server is back) and checks:
the same connection id (no reconnection), the replies of the commands sent during the gap, and
the whole data set, byte for byte. Prints PASS, or FAIL lines; a reset or a closed connection
is a FAIL.
"""
import hashlib
import os
import random
import socket
import sys
import time

KEYS = 2000
TIMEOUT = 120


def fail(why):
    print(f"FAIL: {why}", flush=True)
    sys.exit(1)


class Resp:
    """RESP 2 over one socket: commands as arrays of bulk strings, replies parsed."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.settimeout(TIMEOUT)
        self.buf = b""

    def send(self, *commands):
        out = b""
        for args in commands:
            out += b"*%d\r\n" % len(args)
            for a in args:
                a = a if isinstance(a, bytes) else str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)

    def fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                fail("the server closed the connection")
            self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill(len(self.buf) + 1)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return int(rest) if kind == b":" else rest.decode()
        if kind == b"-":
            fail(f"error reply: {rest.decode()}")
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            self.fill(n + 2)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        fail(f"bad reply {line!r}")

    def call(self, *args):
        self.send(args)
        return self.reply()


def data_set(seed):
    rnd = random.Random(seed)
    strings = {f"key:{i}".encode(): rnd.randbytes(rnd.randint(1, 3000)) for i in range(KEYS)}
    fields = {f"f{i}".encode(): rnd.randbytes(40) for i in range(200)}
    items = [rnd.randbytes(rnd.randint(1, 100)) for _ in range(300)]
    return strings, fields, items


def load(r, strings, fields, items, counter):
    r.call("FLUSHALL")
    names = list(strings)
    for i in range(0, len(names), 100):
        part = names[i:i + 100]
        r.send(*[("SET", k, strings[k]) for k in part])
        for _ in part:
            if r.reply() != "OK":
                fail("SET did not answer OK")
    r.call("HSET", "hash", *[x for kv in fields.items() for x in kv])
    r.call("RPUSH", "list", *items)
    r.call("SET", "counter", counter)


def digest(values):
    h = hashlib.sha256()
    for v in values:
        h.update(b"%d:" % len(v) + v)
    return h.hexdigest()


def check(r, strings, fields, items, counter):
    names = list(strings)
    got = []
    for i in range(0, len(names), 200):
        got += r.call("MGET", *names[i:i + 200])
    if None in got or digest(got) != digest(strings[k] for k in names):
        fail("the strings of the data set changed")
    hash_now = r.call("HGETALL", "hash")
    if dict(zip(hash_now[::2], hash_now[1::2])) != fields:
        fail("the hash changed")
    if r.call("LRANGE", "list", 0, -1) != items:
        fail("the list changed")
    if r.call("DBSIZE") != KEYS + 4:
        fail(f"{r.call('DBSIZE')} keys, want {KEYS + 4}")
    if int(r.call("GET", "counter")) != counter + 1:
        fail("the counter did not count once")


def main():
    go, port = sys.argv[1], int(sys.argv[2])
    seed = random.getrandbits(64)
    strings, fields, items = data_set(seed)
    counter = random.randint(0, 1 << 40)
    r = Resp(port)
    load(r, strings, fields, items, counter)
    client_id = r.call("CLIENT", "ID")
    print("READY", flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    # At once, whether the server is back or not: the network lock holds them meanwhile.
    marker = os.urandom(32)
    r.send(("INCR", "counter"), ("SET", "during", marker), ("GET", "during"),
           ("CLIENT", "ID"))
    if r.reply() != counter + 1 or r.reply() != "OK" or r.reply() != marker:
        fail("the commands sent during the gap got wrong replies")
    if r.reply() != client_id:
        fail("the connection is not the one the data set was loaded through")
    check(r, strings, fields, items, counter)
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
