#!/usr/bin/env python3
"""A tiny authoritative DNS server for tests, on 127.0.0.1 only: answers A and SRV questions from records given on
the command line, NXDOMAIN for anything else. Prints "READY <port>" once listening; exits on SIGTERM or after
--seconds.

    dns_server.py --port 0 --seconds 30 \\
        "SRV _sip._udp.partner.test 10 60 5099 uas.partner.test" "A uas.partner.test 127.0.0.1"
"""
import argparse
import select
import signal
import socket
import struct
import sys
import time


def read_name(data, offset):
    labels = []
    while True:
        length = data[offset]
        if length == 0:
            return ".".join(labels).lower(), offset + 1
        labels.append(data[offset + 1: offset + 1 + length].decode())
        offset += 1 + length


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("records", nargs="*")
    args = parser.parse_args()
    # The test runner may start us with SIGTERM ignored; stopping must still work.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    records = {}
    for record in args.records:
        kind, name, *rest = record.split()
        records.setdefault((kind.upper(), name.lower()), []).append(rest)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", args.port))
    print(f"READY {sock.getsockname()[1]}", flush=True)
    deadline = time.time() + args.seconds
    while time.time() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.2)
        if not ready:
            continue
        data, peer = sock.recvfrom(4096)
        if len(data) < 12:
            continue
        qid, _, qd = struct.unpack("!HHH", data[:6])
        name, end = read_name(data, 12)
        qtype, _ = struct.unpack("!HH", data[end:end + 4])
        question = data[12:end + 4]
        kind = {1: "A", 33: "SRV"}.get(qtype)
        answers = b""
        count = 0
        for rest in records.get((kind, name), []):
            if kind == "A":
                rdata = socket.inet_aton(rest[0])
            else:
                priority, weight, port, target = rest
                rdata = struct.pack("!HHH", int(priority), int(weight), int(port)) + encode_name(target)
            # The owner name as a pointer to the question (offset 12), as real servers compress it.
            answers += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(rdata)) + rdata
            count += 1
        rcode = 0 if count or any(n == name for (_, n) in records) else 3
        header = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, count, 0, 0)
        sock.sendto(header + question + answers, peer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
