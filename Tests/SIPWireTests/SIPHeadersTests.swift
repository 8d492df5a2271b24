import SIPWire
import Testing

@Suite("Header fields (RFC 3261 §7.3)")
struct SIPHeadersTests {
    @Test("§7.3.3: compact forms and long names find the same fields, case-insensitively")
    func compactForms() {
        var headers = SIPHeaders()
        headers.add("i", "abc@host")
        headers.add("v", "SIP/2.0/UDP a;branch=z9hG4bK1")
        headers.add("VIA", "SIP/2.0/UDP b;branch=z9hG4bK2")
        headers.add("o", "conference")
        headers.add("x", "1800")
        headers.add("r", "<sip:a@b>")
        headers.add("b", "<sip:c@d>")
        headers.add("k", "timer")
        headers.add("u", "refer")
        #expect(headers.fields.map(\.name) == ["Call-ID", "Via", "Via", "Event", "Session-Expires", "Refer-To",
                                               "Referred-By", "Supported", "Allow-Events"])
        #expect(headers["call-id"] == "abc@host" && headers["I"] == "abc@host")
        #expect(headers.values("v").count == 2)
        #expect(headers.contains("Session-Expires") && headers.contains("x"))
        let mixed = SIPHeaders([SIPHeaderField(name: "m", value: "<sip:x@y>"), SIPHeaderField(name: "CONTACT", value: "*")])
        #expect(mixed.values("Contact") == ["<sip:x@y>", "*"])
    }

    @Test("§7.3.1: folded lines unfold to one SP; names keep canonical or received spelling")
    func folding() throws {
        let text = "OPTIONS sip:a@example.com SIP/2.0\r\nvia: SIP/2.0/UDP\r\n host.example.com\r\n\t;branch=z9hG4bKx\r\n"
            + "X-Custom :  one\r\n   two  \r\nsubject:\r\n\r\n"
        let message = try SIPMessageParser.parseDatagram(Array(text.utf8)).get()
        #expect(message.headers.fields.map(\.name) == ["Via", "X-Custom", "Subject"])
        #expect(message.headers["Via"] == "SIP/2.0/UDP host.example.com ;branch=z9hG4bKx")
        #expect(message.topVia?.branch == "z9hG4bKx")
        #expect(message.headers["x-custom"] == "one two")
        #expect(message.headers["Subject"] == "")
    }

    @Test("§7.3.1: list headers split at commas outside quotes and <>; others never split")
    func commaSplitting() {
        var headers = SIPHeaders()
        headers.add("Contact", "\"Doe, John\" <sip:j@a.com>;q=0.5, <sip:k@b.com>")
        headers.add("Route", "<sip:p1.example.com;x=1,2>, <sip:p2.example.com>")
        headers.add("Contact", "sip:l@c.com")
        headers.add("Allow", "INVITE,ACK , BYE,,")
        headers.add("WWW-Authenticate", "Digest realm=\"a\", nonce=\"b\"")
        headers.add("Date", "Sat, 13 Nov 2010 23:29:00 GMT")
        headers.add("X-Unknown", "a, b")
        #expect(headers.values("Contact") == ["\"Doe, John\" <sip:j@a.com>;q=0.5", "<sip:k@b.com>", "sip:l@c.com"])
        #expect(headers["Contact"] == "\"Doe, John\" <sip:j@a.com>;q=0.5")
        #expect(headers.values("Route") == ["<sip:p1.example.com;x=1,2>", "<sip:p2.example.com>"])
        #expect(headers.values("Allow") == ["INVITE", "ACK", "BYE"])
        #expect(headers.values("WWW-Authenticate").count == 1)
        #expect(headers.values("Date") == ["Sat, 13 Nov 2010 23:29:00 GMT"])
        #expect(headers.values("X-Unknown") == ["a, b"])
        let request = SIPRequest(method: .options, uri: SIPURI(host: "a"), headers: headers)
        #expect(request.contacts.map(\.displayName) == ["Doe, John", nil, nil])
        #expect(request.allow == [.invite, .ack, .bye])
    }

    @Test("set replaces every occurrence in place; insertFirst prepends; remove removes all forms")
    func editing() {
        var headers = SIPHeaders([
            SIPHeaderField(name: "Via", value: "v1"), SIPHeaderField(name: "To", value: "t"),
            SIPHeaderField(name: "v", value: "v2"),
        ])
        headers.set("Via", "only")
        #expect(headers.fields == [SIPHeaderField(name: "Via", value: "only"), SIPHeaderField(name: "To", value: "t")])
        headers.insertFirst("v", "top")
        #expect(headers.fields.first == SIPHeaderField(name: "Via", value: "top"))
        headers.set("Max-Forwards", "70")
        #expect(headers.fields.last?.name == "Max-Forwards")
        headers.remove("via")
        #expect(!headers.contains("Via") && headers.fields.count == 2)
    }

    @Test("methods are case-sensitive tokens; extension methods compare by name")
    func methods() {
        #expect(SIPMethod("INVITE") == .invite)
        #expect(SIPMethod("invite") == .extension("invite"))
        #expect(SIPMethod.extension("BYE") == .bye)
        #expect(SIPMethod(rawValue: "BAD METHOD") == nil)
        #expect(SIPMethod(rawValue: "PUBLISH") == .publish)
        #expect(Set([SIPMethod.invite, .extension("INVITE")]).count == 1)
    }
}
