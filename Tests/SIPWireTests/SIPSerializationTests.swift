import SIPWire
import Testing

@Suite("Serialisation (RFC 3261 §7, §20.14)")
struct SIPSerializationTests {
    @Test("constructed request and response round-trip; Content-Length always equals the body")
    func roundTrip() throws {
        var headers = SIPHeaders()
        headers.add("Via", SIPVia(transport: "TCP", host: "[2001:db8::1]", port: 5060, branch: "z9hG4bKabc").description)
        headers.add("From", SIPNameAddress(displayName: "Zoë \"Z\"", uri: SIPURI(user: "zoe", host: "example.com"), parameters: [SIPParameter(name: "tag", value: "9")]).description)
        headers.add("To", "<sip:room@example.com>")
        headers.add("Call-ID", "x1@example.com")
        headers.add("CSeq", SIPCSeq(1, .invite).description)
        headers.add("Content-Length", "999")
        headers.add("Content-Type", "application/sdp")
        let request = SIPRequest(method: .invite, uri: SIPURI(user: "room 1", host: "example.com", port: 5070, parameters: [SIPParameter(name: "transport", value: "tcp")]),
                                 headers: headers, body: [0, 13, 10, 255])
        let bytes = request.serialized()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("INVITE sip:room%201@example.com:5070;transport=tcp SIP/2.0\r\nVia: SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKabc\r\n"))
        #expect(text.contains("\r\nContent-Length: 4\r\nContent-Type: application/sdp\r\n\r\n"))
        guard case .request(let parsed) = try SIPMessageParser.parseDatagram(bytes).get() else { Issue.record("kind"); return }
        var expected = request
        expected.headers.set("Content-Length", "4")
        #expect(parsed == expected)
        #expect(parsed.from?.displayName == "Zoë \"Z\"")

        let response = SIPResponse(statusCode: 401, headers: SIPHeaders([SIPHeaderField(name: "WWW-Authenticate", value: SIPDigestChallenge(realm: "t", nonce: "n").headerValue)]))
        var framer = SIPStreamFramer()
        response.serialized().withUnsafeBytes { framer.append($0) }
        guard case .response(let back)? = try framer.next()?.get() else { Issue.record("response"); return }
        #expect(back.statusCode == 401 && back.reason == "Unauthorized")
        #expect(back.headers["Content-Length"] == "0")
        #expect(SIPMessage.response(back).serialized() == response.serialized())
    }

    @Test("CR and LF inside a value cannot break framing")
    func sanitised() throws {
        let response = SIPResponse(statusCode: 200, reason: "OK\r\nX: y", headers: SIPHeaders([SIPHeaderField(name: "Subject", value: "a\r\nVia: b")]))
        let parsed = try SIPMessageParser.parseDatagram(response.serialized()).get()
        #expect(parsed.headers.fields.map(\.name) == ["Subject", "Content-Length"])
    }
}

@Suite("Digest headers (RFC 3261 §22.4, RFC 7616, RFC 8760)")
struct SIPDigestTests {
    @Test("challenge: qop list, stale, -sess algorithms, round trip")
    func challenge() throws {
        let challenge = try #require(SIPDigestChallenge("Digest realm=\"atlanta.com\", domain=\"sip:ss1.carrier.com\", qop=\"auth,auth-int\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=TRUE, algorithm=SHA-256-sess"))
        #expect(challenge.realm == "atlanta.com" && challenge.nonce == "f84f1cec41e6cbe5aea9c8e88d359")
        #expect(challenge.qop == ["auth", "auth-int"] && challenge.stale && challenge.opaque == "")
        #expect(challenge.algorithm == "SHA-256-sess")
        #expect(SIPDigestChallenge(challenge.headerValue) == challenge)
        #expect(SIPDigestChallenge("Digest nonce=\"x\"") == nil)
        #expect(SIPDigestChallenge("Basic realm=\"x\"") == nil)
        #expect(SIPDigestChallenge("Digest realm=\"a\", nonce=\"b\"")?.algorithm == "MD5")
    }

    @Test("credentials: every field, quoted or not, round trip")
    func credentials() throws {
        let credentials = try #require(SIPDigestCredentials("Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b\", uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae4\", opaque=\"5ccc\", algorithm=MD5"))
        #expect(credentials == SIPDigestCredentials(username: "bob", realm: "biloxi.com", nonce: "dcd98b", uri: "sip:bob@biloxi.com",
                                                    response: "6629fae4", algorithm: "MD5", cnonce: "0a4f113b", opaque: "5ccc", qop: "auth", nonceCount: "00000001"))
        #expect(SIPDigestCredentials(credentials.headerValue) == credentials)
        #expect(SIPDigestCredentials("Digest username=\"a\\\"b\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"r\"")?.username == "a\"b")
        #expect(SIPDigestCredentials("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"r\", nc=1") == nil)
        #expect(SIPDigestCredentials("Digest username=\"a\", realm=\"r\"") == nil)
    }
}
