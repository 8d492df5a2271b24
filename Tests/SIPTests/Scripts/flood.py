#!/usr/bin/env python3
"""Floods a SIP server with junk datagrams while probing it with OPTIONS; reports how many probes were answered.

Loopback only. usage: flood.py HOST PORT SECONDS [RATE [PROBE_SOURCE]]
RATE is junk datagrams per second (default 20000, about 80 times the signalling of a 500-call load test at its peak).
The junk comes from 127.0.0.1; the probes from PROBE_SOURCE (default 127.0.0.1; 127.0.0.2 plays another host, whose
requests a flood from someone else must not stop).
prints `junk <n> probes <sent> answered <answered>`.
"""
import os
import random
import select
import socket
import sys
import threading
import time

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 20000.0
probe_source = sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1"
random.seed(4475)
junk_sent = 0
stop = False


def junk():
    global junk_sent
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    fragments = [
        b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1\r\n",
        b"SIP/2.0 200 OK\r\n\r\n",
        b"\r\n\r\n",
        b"REGISTER sip:a SIP/2.0\r\nContent-Length: 99999\r\n\r\nx",
        b"OPTIONS sip:a@b SIP/2.0\r\n" + b"X: " + b"a" * 9000 + b"\r\n\r\n",
    ]
    started = time.time()
    mine = 0
    while not stop:
        # Pace each of the two senders to half the rate.
        ahead = mine - (time.time() - started) * rate / 2
        if ahead > 0:
            time.sleep(ahead / (rate / 2))
        mine += 1
        kind = random.random()
        if kind < 0.5:
            payload = os.urandom(random.randint(1, 1400))
        else:
            payload = random.choice(fragments) + os.urandom(random.randint(0, 200))
        try:
            s.sendto(payload, (host, port))
            junk_sent += 1
        except OSError:
            time.sleep(0.001)


threads = [threading.Thread(target=junk) for _ in range(2)]
for t in threads:
    t.start()

probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
probe.bind((probe_source, 0))
sent = answered = 0
deadline = time.time() + seconds
while time.time() < deadline:
    sent += 1
    msg = (
        "OPTIONS sip:room1@%s:%d SIP/2.0\r\n"
        "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKprobe%d;rport\r\n"
        "From: <sip:probe@%s>;tag=p%d\r\nTo: <sip:room1@%s>\r\n"
        "Call-ID: probe%d@%s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        % (host, port, probe_source, probe.getsockname()[1], sent, probe_source, sent, host, sent, probe_source)
    ).encode()
    probe.sendto(msg, (host, port))
    end = time.time() + 1.0
    got = False
    while time.time() < end and not got:
        ready, _, _ = select.select([probe], [], [], end - time.time())
        if ready:
            data, _ = probe.recvfrom(65535)
            if data.startswith(b"SIP/2.0 200") and (b"probe%d@" % sent) in data:
                got = True
    answered += got
    time.sleep(0.05)
stop = True
for t in threads:
    t.join()
print(f"junk {junk_sent} probes {sent} answered {answered}", flush=True)
