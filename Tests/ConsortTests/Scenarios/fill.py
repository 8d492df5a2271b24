#!/usr/bin/env python3
"""Fills a focus scenario template for use by hand, the way the tests fill it.

    python3 Tests/ConsortTests/Scenarios/fill.py invite-auth.xml DOMAIN=contoso.example > /tmp/join.xml
    sipp -sf /tmp/join.xml 127.0.0.1:5060 -p 5090 -m 1 -s weekly -d 5000 \\
         -key domain contoso.example -key user alice -au alice -ap alice-secret

Defaults: STATUS=200; ACK_VIA a new Via for a 2xx (an ACK of its own, RFC 3261 §13.2.2.4) or [last_Via:] for an error
answer; AFTER a pause of sipp's -d milliseconds and a BYE for a 2xx, nothing otherwise; ANSWER_CHECK "m=audio";
MEDIA (invite-media.xml's offer) PCMU and telephone-event on sipp's media port.
Any NAME=VALUE on the command line replaces {{NAME}}.
"""
import pathlib
import sys

BYE = """<pause/>
  <send retrans="500"><![CDATA[
      BYE sip:[service]@[domain] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "[user]" <sip:[user]@[domain]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 3 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="200"/>"""


MEDIA = """m=audio [media_port] RTP/AVP 0 96
      a=rtpmap:0 PCMU/8000
      a=rtpmap:96 telephone-event/8000
      a=fmtp:96 0-16"""


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    template = pathlib.Path(sys.argv[1])
    if not template.exists():
        template = pathlib.Path(__file__).parent / sys.argv[1]
    values = dict(arg.split("=", 1) for arg in sys.argv[2:] if "=" in arg)
    values.setdefault("STATUS", "200")
    ok = values["STATUS"].startswith("2")
    values.setdefault("ACK_VIA", "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]" if ok else "[last_Via:]")
    values.setdefault("AFTER", BYE if ok else "")
    values.setdefault("ANSWER_CHECK", "m=audio")
    values.setdefault("MEDIA", MEDIA)
    text = template.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        missing = sorted({part.split("}}")[0] for part in text.split("{{")[1:]})
        print(f"fill.py: still to give: {', '.join(missing)} (NAME=VALUE)", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
