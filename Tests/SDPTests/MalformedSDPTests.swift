import SDP
import Testing

/// Bodies a parser must survive: each either fails with an ``SDPError`` whose reason says what is wrong,
/// or parses sensibly. None may trap.
@Suite("Malformed SDP: typed errors with reasons, never a trap")
struct MalformedSDPTests {
    static let head = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

    /// (name, body, a fragment the reason must contain, or nil when the body must parse).
    static let cases: [(String, String, String?)] = [
        ("empty", "", "empty"),
        ("only whitespace", " \r\n\t\r\n   \n", "empty"),
        ("missing v=", "o=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n", "line 1: the first line must be v=0"),
        ("v=1", "v=1\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n", "v=1 is not supported"),
        ("missing o=", "v=0\r\ns=-\r\nt=0 0\r\n", "no o= line"),
        ("missing s=", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n", "no s= line"),
        ("o= with 5 fields", "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", "line 2: o= needs 6 fields"),
        ("o= session id not a number", "v=0\r\no=- abc 1 IN IP4 192.0.2.1\r\ns=-\r\n", "session id 'abc' is not a number"),
        ("o= session version beyond 64 bits", "v=0\r\no=- 1 99999999999999999999 IN IP4 192.0.2.1\r\ns=-\r\n", "session version"),
        ("m= with no formats", head + "m=audio 4000 RTP/AVP\r\n", "line 6: m= line 1 needs <media> <port> <proto> <format>"),
        ("port 70000", head + "m=audio 70000 RTP/AVP 0\r\n", "m= line 1: port '70000' is outside 0-65535"),
        ("port abc", head + "m=audio 4000 RTP/AVP 0\r\nm=video abc RTP/AVP 96\r\n", "m= line 2: port 'abc' is not a number"),
        ("negative port", head + "m=audio -4000 RTP/AVP 0\r\n", "port '-4000' is not a number"),
        ("port count 0", head + "m=audio 4000/0 RTP/AVP 0\r\n", "port count '0'"),
        ("19-digit rtpmap payload type beyond Int.max (fuzz finding): ignored without overflow",
         head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:9611731400430051336 opus/48000/2\r\n", nil),
        ("20-digit port", head + "m=audio 99999999999999999999 RTP/AVP 0\r\n", "port '99999999999999999999' is outside 0-65535"),
        ("payload type 200", head + "m=audio 4000 RTP/AVP 200\r\n", "payload type '200' is not a number 0-127"),
        // A malformed rtpmap or extmap is kept but ignored by the typed views (RFC 4475 longreq carries one).
        ("rtpmap without clock is ignored", head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus\r\n", nil),
        ("rtpmap clock not a number is ignored", head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/fast/2\r\n", nil),
        ("fmtp for an unknown payload type is kept", head + "m=audio 4000 RTP/AVP 0\r\na=fmtp:99 foo=bar\r\n", nil),
        ("extmap id 300 is ignored", head + "m=audio 4000 RTP/AVP 0\r\na=extmap:300 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n", nil),
        ("extmap bad direction is ignored", head + "m=audio 4000 RTP/AVP 0\r\na=extmap:1/both urn:x\r\n", nil),
        ("rtcp port 99999", head + "m=audio 4000 RTP/AVP 0\r\na=rtcp:99999\r\n", "a=rtcp port '99999'"),
        ("crypto line with junk is ignored", head + "m=audio 4000 RTP/SAVP 0\r\na=crypto:x junk\r\n", nil),
        ("bandwidth not a number", head + "b=AS:lots\r\n", "b= bandwidth 'lots' is not a number"),
        ("c= with two fields", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN 192.0.2.1\r\n", "c= needs 3 fields"),
        ("a line without =", head + "hello world\r\n", "expected <letter>=<value>"),
        ("upper-case type letter", head + "M=audio 4000 RTP/AVP 0\r\n", "expected <letter>=<value>"),
        ("binary garbage", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=\u{01}\u{02}\u{7F}\r\n", "control character 0x1"),
        ("NUL byte", head + "a=tool\u{0}x\r\n", "control character 0x0"),
        ("a second v=", head + "v=0\r\n", "a second v= line"),
        ("a second o=", head + "o=- 2 2 IN IP4 192.0.2.2\r\n", "a second o= line"),
        ("t= after m=", head + "m=audio 4000 RTP/AVP 0\r\nt=0 0\r\n", "t= belongs before the first m= line"),
        ("duplicated m= sections parse as two", head + "m=audio 4000 RTP/AVP 0\r\nm=audio 4000 RTP/AVP 0\r\n", nil),
        ("CR-only endings", "v=0\ro=- 1 1 IN IP4 192.0.2.1\rs=-\rm=audio 4000 RTP/AVP 0\r", nil),
        ("unknown attribute and line kept", head + "y=why\r\na=x-vendor:1\r\n", nil),
    ]

    @Test("each malformed body gives SDPError with its reason, or parses sensibly")
    func malformedBodies() {
        for (name, body, expected) in Self.cases {
            do {
                let parsed = try SessionDescription(parsing: body)
                #expect(expected == nil, "\(name): parsed, expected an error containing \(expected ?? "")")
                #expect(try SessionDescription(parsing: parsed.serialized) == parsed, "\(name)")
            } catch {
                guard let expected else {
                    Issue.record("\(name): \(error.reason)")
                    continue
                }
                #expect(error.code == .malformed, "\(name)")
                #expect(error.reason.contains(expected), "\(name): \(error.reason)")
            }
        }
    }

    @Test("the line number of the offending line is reported")
    func lineNumbers() throws {
        let error = #expect(throws: SDPError.self) {
            try SessionDescription(parsing: Self.head + "m=audio 4000 RTP/AVP 0\r\nm=video abc RTP/AVP 96\r\n")
        }
        #expect(error?.line == 7)
        #expect(error?.reason == "line 7: m= line 2: port 'abc' is not a number")
    }

    @Test("invalid UTF-8 bytes are refused, not repaired")
    func invalidUTF8() {
        let bytes = Array("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=".utf8) + [0xFF, 0xFE, 0x0D, 0x0A]
        #expect(throws: SDPError(.malformed, "")) { try SessionDescription(parsing: bytes) }
    }

    @Test("limits: bodies over 64 KiB, over 2000 lines, or with more than 64 m= lines are refused as too large")
    func limits() {
        let huge = Self.head + String(repeating: "a=x-padding:" + String(repeating: "z", count: 1000) + "\r\n", count: 70)
        #expect(throws: SDPError(.tooLarge, "")) { try SessionDescription(parsing: huge) }
        #expect(throws: SDPError(.tooLarge, "")) { try SessionDescription(parsing: Array(huge.utf8)) }
        let manyLines = Self.head + String(repeating: "a=x\r\n", count: 2100)
        #expect(throws: SDPError(.tooLarge, "")) { try SessionDescription(parsing: manyLines) }
        let manyMedia = Self.head + String(repeating: "m=audio 4000 RTP/AVP 0\r\n", count: 65)
        #expect(throws: SDPError(.tooLarge, "")) { try SessionDescription(parsing: manyMedia) }
    }

    @Test("every prefix and every single-byte corruption of real offers parses or fails cleanly")
    func truncationsAndCorruptions() {
        for (_, body) in SoftphoneOffers.all {
            let bytes = Array(SoftphoneOffers.crlf(body).utf8)
            for length in stride(from: 0, through: bytes.count, by: 7) {
                if let parsed = try? SessionDescription(parsing: Array(bytes[0..<length])) {
                    #expect((try? SessionDescription(parsing: parsed.serialized)) == parsed)
                }
            }
            for position in stride(from: 0, to: bytes.count, by: 11) {
                for replacement: UInt8 in [0x00, 0x0A, 0x20, 0x3A, 0x2F, 0x39, 0xFF] {
                    var corrupted = bytes
                    corrupted[position] = replacement
                    if let parsed = try? SessionDescription(parsing: corrupted) {
                        #expect((try? SessionDescription(parsing: parsed.serialized)) == parsed)
                    }
                }
            }
        }
    }
}

@Suite("SDPError reasons fit a SIP Warning header")
struct SDPErrorReasonTests {
    @Test("RFC 3261 §20.43: double quotes, backslashes and control characters never reach the reason")
    func quotedStringSafe() {
        let error = #expect(throws: SDPError.self) {
            try SessionDescription(parsing: "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nm=audio \"4\\0 RTP/AVP 0\r\n")
        }
        #expect(error?.reason == "line 4: m= line 1: port ''4/0' is not a number")
        #expect(SDPError(.malformed, "a\u{1}b\"c\\").reason == "a?b'c/")
    }
}

@Suite("Malformed attributes are ignored, not fatal")
struct IgnoredAttributeTests {
    @Test("a malformed rtpmap leaves its format unknown and the rest of the offer usable (RFC 4475 longreq)")
    func malformedRTPMapIgnored() throws {
        let body = "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n"
        let offer = try SessionDescription(parsing: body)
        #expect(offer.media[1].rtpMaps.isEmpty)
        let answer = try SDPOfferAnswer.answer(
            offer: offer, policy: SDPAnswerPolicy(address: "127.0.0.1", sessionID: 1),
            localMedia: { _, _ in SDPLocalMedia(port: 40_000) }, makeKey: { _ in nil })
        #expect(answer.media[0].accepted && answer.media[0].codec == "PCMU")
    }
}
