import SIPWire
import Testing

let plainInvite = "INVITE sip:room@tenant.example.com SIP/2.0\r\n"
    + "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n"
    + "Max-Forwards: 70\r\nTo: <sip:room@tenant.example.com>\r\n"
    + "From: \"Alice\" <sip:alice@tenant.example.com>;tag=1928301774\r\n"
    + "Call-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: 314159 INVITE\r\n"
    + "Contact: <sip:alice@192.0.2.10:5060>\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n"

func headerOnly(_ lines: [String], body: String = "") -> [UInt8] {
    Array(("OPTIONS sip:a@example.com SIP/2.0\r\n" + lines.map { $0 + "\r\n" }.joined() + "\r\n" + body).utf8)
}

@Suite("Message parsing, limits and framing (RFC 3261 §7, §18.3)")
struct SIPMessageParserTests {
    @Test("a plain INVITE: typed accessors")
    func plain() throws {
        guard case .request(let request) = try SIPMessageParser.parseDatagram(Array(plainInvite.utf8)).get() else {
            Issue.record("not a request"); return
        }
        #expect(request.method == .invite && request.uri.user == "room")
        #expect(request.topVia?.rport == .some(nil))
        #expect(request.from?.displayName == "Alice" && request.from?.tag == "1928301774")
        #expect(request.to?.tag == nil && request.cseq == SIPCSeq(314_159, .invite))
        #expect(request.maxForwards == 70 && request.contentLength == 4 && request.contentType == "application/sdp")
        #expect(request.body == Array("v=0\n".utf8))
        #expect(request.validationError() == nil)
    }

    @Test("RFC 4028, 3891, 3515, 3892, 6665 accessors")
    func extensionAccessors() {
        var headers = SIPHeaders()
        headers.add("x", "1800 ; refresher=UAS")
        headers.add("Min-SE", "90")
        headers.add("Replaces", "12345@192.0.2.1;to-tag=12;from-tag=34;early-only")
        headers.add("r", "<sip:dave@example.com?Replaces=a%40b%3Bto-tag%3D1>")
        headers.add("b", "\"Carol\" <sip:carol@example.com>")
        headers.add("o", "Conference;id=1")
        headers.add("Subscription-State", "Terminated;reason=timeout")
        headers.add("Expires", "4294967296")
        headers.add("Contact", "*")
        headers.add("k", "timer, 100rel")
        let message = SIPResponse(statusCode: 200, headers: headers)
        #expect(message.sessionExpires?.seconds == 1800 && message.sessionExpires?.refresher == "uas")
        #expect(message.minSE == 90)
        #expect(message.replaces?.callID == "12345@192.0.2.1" && message.replaces?.toTag == "12")
        #expect(message.replaces?.fromTag == "34" && message.replaces?.earlyOnly == true)
        #expect(message.referTo?.uri.headers == [SIPParameter(name: "Replaces", value: "a@b;to-tag=1")])
        #expect(message.referredBy?.displayName == "Carol")
        #expect(message.event == "conference" && message.subscriptionState == "terminated")
        #expect(message.expires == nil)
        #expect(message.isWildcardContact && message.contacts.isEmpty)
        #expect(message.supported == ["timer", "100rel"])
        #expect(message.reason == "OK" && SIPResponse(statusCode: 486).reason == "Busy Here")
    }

    @Test("limits: too many fields → 400, a field too long → 400, message or body too big → 413, URI → 414")
    func limits() throws {
        var limits = SIPLimits()
        limits.maxHeaderFields = 8
        let many = headerOnly((0..<9).map { "X-\($0): y" })
        let tooMany = try #require(SIPMessageParser.parseDatagram(many, limits: limits).failure)
        #expect(tooMany.status == 400 && tooMany.reason == "More than 8 header fields")
        limits = SIPLimits()
        limits.maxHeaderLineBytes = 100
        let long = try #require(SIPMessageParser.parseDatagram(headerOnly(["X-Long: " + String(repeating: "a", count: 100)]), limits: limits).failure)
        #expect(long.status == 400)
        let folded = ["X-Long: a"] + Array(repeating: " " + String(repeating: "b", count: 60), count: 3)
        #expect(SIPMessageParser.parseDatagram(headerOnly(folded), limits: limits).failure?.status == 400)
        let uri = "INVITE sip:" + String(repeating: "u", count: 120) + "@h SIP/2.0\r\n\r\n"
        #expect(SIPMessageParser.parseDatagram(Array(uri.utf8), limits: limits).failure?.status == 414)
        limits = SIPLimits()
        limits.maxMessageBytes = 400
        let big = try #require(SIPMessageParser.parseDatagram(Array(plainInvite.utf8) + Array(repeating: 0x41, count: 400), limits: limits).failure)
        #expect(big.status == 413 && big.salvagedHeaders["Call-ID"] == "a84b4c76e66710@pc33.example.com")
        limits = SIPLimits()
        limits.maxBodyBytes = 10
        #expect(SIPMessageParser.parseDatagram(headerOnly(["Content-Length: 11"], body: "01234567890"), limits: limits).failure?.status == 413)
        #expect(SIPMessageParser.parseDatagram(headerOnly([], body: "01234567890"), limits: limits).failure?.status == 413)
        limits = SIPLimits()
        limits.maxVias = 2
        let vias = headerOnly(["Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2", "Via: SIP/2.0/UDP c;branch=z9hG4bK3"])
        #expect(SIPMessageParser.parseDatagram(vias, limits: limits).failure?.reason == "More than 2 Via values")
    }

    @Test("§18.3: datagram body to the end without Content-Length; Content-Length too large is an error")
    func datagramFraming() throws {
        let message = try SIPMessageParser.parseDatagram(headerOnly([], body: "abc")).get()
        #expect(message.body == Array("abc".utf8))
        let short = try #require(SIPMessageParser.parseDatagram(headerOnly(["Content-Length: 4"], body: "abc")).failure)
        #expect(short.status == 400 && short.isFramingError)
        let trailing = try SIPMessageParser.parseDatagram(headerOnly(["l: 1"], body: "abc")).get()
        #expect(trailing.body == Array("a".utf8))
        #expect(SIPMessageParser.parseDatagram(Array("\r\n\r\n".utf8)).failure?.status == 400)
        #expect(SIPMessageParser.parseDatagram([]).failure?.status == 400)
        let lfOnly = "SIP/2.0 180 Ringing\nCall-ID: x\nContent-Length: 0\n\n"
        #expect(try SIPMessageParser.parseDatagram(Array(lfOnly.utf8)).get().headers["Call-ID"] == "x")
        let bytes = Array(plainInvite.utf8)
        let viaPointer = bytes.withUnsafeBytes { SIPMessageParser.parseDatagram($0) }
        #expect(viaPointer == SIPMessageParser.parseDatagram(bytes))
    }

    @Test("validation: single-value headers, mandatory headers, CSeq method")
    func validation() throws {
        let base = ["Via: SIP/2.0/UDP h;branch=z9hG4bK1", "To: <sip:a@example.com>", "From: <sip:b@example.com>;tag=1",
                    "Call-ID: c", "CSeq: 1 OPTIONS"]
        func validate(_ lines: [String]) throws -> SIPParseError? {
            guard case .request(let request) = try SIPMessageParser.parseDatagram(headerOnly(lines)).get() else { return nil }
            return request.validationError()
        }
        #expect(try validate(base) == nil)
        #expect(try validate(base.filter { !$0.hasPrefix("Via") })?.reason == "Missing Via header field")
        #expect(try validate(base + ["i: d"])?.reason == "Multiple Call-ID header fields")
        #expect(try validate(base + ["Max-Forwards: 1", "Max-Forwards: 2"])?.status == 400)
        let mismatch = try validate(base.dropLast() + ["CSeq: 1 INVITE"])
        #expect(mismatch?.status == 400 && mismatch?.salvagedHeaders["Call-ID"] == "c")
    }
}
