#!/usr/bin/env python3
"""Sends one INVITE with an SDP offer to a SIP server on loopback and prints the final status line it gets.

usage: invite_probe.py HOST PORT [CODEC_LINE]
CODEC_LINE replaces the offer's audio codec (e.g. "9 G722/8000" to offer only G.722); "garbage" sends a broken body.
Prints the final status line and, on the next line, any Warning header.
"""
import socket
import sys
import time

host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
local = s.getsockname()[1]
codec = sys.argv[3] if len(sys.argv) > 3 else "0 PCMU/8000"
pt, name = codec.split(" ", 1) if " " in codec else ("0", "PCMU/8000")
sdp = f"v=0\r\no=probe 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP {pt}\r\na=rtpmap:{pt} {name}\r\n"
if codec == "garbage":
    sdp = "this is not SDP\r\n"
invite = (
    f"INVITE sip:room1@{host}:{port} SIP/2.0\r\n"
    f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKprobe{int(time.time() * 1000)};rport\r\n"
    f"From: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:room1@{host}>\r\n"
    f"Call-ID: invite-probe-{time.time()}@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:probe@127.0.0.1:{local}>\r\n"
    f"Max-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}"
).encode()
s.sendto(invite, (host, port))
s.settimeout(3.0)
deadline = time.time() + 3.0
while time.time() < deadline:
    try:
        data, _ = s.recvfrom(65535)
    except socket.timeout:
        break
    line = data.split(b"\r\n", 1)[0].decode()
    if not line.startswith("SIP/2.0 1"):
        print(line)
        for header in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
            if header.lower().startswith(b"warning:"):
                print(header.decode("utf-8", "replace"))
        break
