#!/usr/bin/env python3
"""Sends every RFC 4475 torture message to a SIP server on loopback and reports what came back.

Run it only inside a network namespace that has nothing but loopback (`unshare -n`): the messages name foreign
hosts. Responses go to the source address at the Via port (5060 by default, 5050 and 5070 in two messages), so the
script listens on all three and sends from 5060.

usage: rfc4475_sender.py HOST PORT DIR
prints one line per message: `<file> <status or -> <reason>`, then `ALIVE <status>` from a final OPTIONS.
"""
import os
import select
import socket
import sys
import time

host, port, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
listeners = []
for p in (5060, 5050, 5070):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p))
    listeners.append(s)
sender = listeners[0]


def call_id(message):
    """The Call-ID (or compact i:) of a message, to tell its answers from late retransmissions of earlier ones."""
    for raw in message.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = raw.partition(b":")
        if name.strip().lower() in (b"call-id", b"i"):
            return value.strip()
    return None


def drain(timeout, wanted=None):
    """Collects responses for `timeout` seconds; returns the status lines of those with Call-ID `wanted`."""
    seen = []
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            return seen
        ready, _, _ = select.select(listeners, [], [], left)
        for s in ready:
            data, _ = s.recvfrom(65535)
            line = data.split(b"\r\n", 1)[0].decode("utf-8", "replace")
            if line.startswith("SIP/2.0 ") and (wanted is None or call_id(data) == wanted):
                seen.append(line)


for name in sorted(os.listdir(directory)):
    if not name.endswith(".dat"):
        continue
    with open(os.path.join(directory, name), "rb") as f:
        data = f.read()
    drain(0.01)
    sender.sendto(data, (host, port))
    lines = [l for l in drain(0.4, call_id(data)) if not l.startswith("SIP/2.0 100 ")]
    if lines:
        parts = lines[0].split(" ", 2)
        print(f"{name} {parts[1]} {parts[2] if len(parts) > 2 else ''}", flush=True)
    else:
        print(f"{name} - no answer", flush=True)

options = (
    "OPTIONS sip:room1@%s:%d SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKalive1;rport\r\n"
    "From: <sip:probe@127.0.0.1>;tag=alive\r\n"
    "To: <sip:room1@%s>\r\n"
    "Call-ID: alive-check@127.0.0.1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Length: 0\r\n\r\n" % (host, port, host)
).encode()
sender.sendto(options, (host, port))
lines = drain(2.0, b"alive-check@127.0.0.1")
print("ALIVE " + (lines[0].split(" ")[1] if lines else "-"), flush=True)
