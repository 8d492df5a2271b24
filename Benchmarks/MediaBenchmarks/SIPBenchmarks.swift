import Benchmark
import SIPWire

/// A typical INVITE with an SDP offer, as a softphone sends it.
let typicalINVITE: [UInt8] = {
    let sdp = [
        "v=0", "o=alice 2890844526 2890844526 IN IP4 192.0.2.10", "s=-", "c=IN IP4 192.0.2.10", "t=0 0",
        "m=audio 49170 RTP/AVP 111 0 8 101", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 useinbandfec=1; usedtx=1",
        "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16",
        "a=ptime:20", "a=sendrecv", "",
    ].joined(separator: "\r\n")
    let headers = [
        "INVITE sip:weekly@contoso.example SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport",
        "Max-Forwards: 70",
        "To: <sip:weekly@contoso.example>",
        "From: \"Alice\" <sip:alice@contoso.example>;tag=1928301774",
        "Call-ID: a84b4c76e66710@pc33.contoso.example",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@192.0.2.10:5060;transport=udp>",
        "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY",
        "Supported: timer, replaces",
        "Session-Expires: 1800",
        "User-Agent: baresip v3.10.0",
        "Content-Type: application/sdp",
        "Content-Length: \(sdp.utf8.count)",
    ]
    return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + sdp).utf8)
}()

func sipBenchmarks() {
    Benchmark("SIP_parse_serialize_INVITE_with_SDP", configuration: packetConfiguration(tolerance: 5)) { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            guard case .success(.request(let request)) = SIPMessageParser.parseDatagram(typicalINVITE) else { continue }
            blackHole(request.topVia?.branch)
            blackHole(request.cseq)
            blackHole(request.serialized())
        }
    }
}
