import SIPWire
import Testing

@Suite("URIs (RFC 3261 §19.1, §25.1; RFC 3966)")
struct SIPURITests {
    @Test("§19.1.1: user, password, host, port, parameters and headers")
    func components() throws {
        let uri = try #require(SIPURI("sip:alice:secret@Atlanta.COM:5060;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent"))
        #expect(uri.scheme == .sip && uri.user == "alice" && uri.password == "secret")
        #expect(uri.host == "atlanta.com" && uri.port == 5060)
        #expect(uri.transportParameter == "tcp")
        #expect(uri.parameter("LR") == .some(nil))
        #expect(uri.parameter("maddr") == .some("239.255.255.1"))
        #expect(uri.parameter("ttl") == nil)
        #expect(uri.headers == [SIPParameter(name: "subject", value: "project x"), SIPParameter(name: "priority", value: "urgent")])
        #expect(uri.description == "sip:alice:secret@atlanta.com:5060;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent")
    }

    @Test("sips:, tel: and IPv6 references")
    func schemesAndIPv6() throws {
        let sips = try #require(SIPURI("SIPS:bob@[2001:DB8::1]:5061"))
        #expect(sips.scheme == .sips && sips.host == "[2001:db8::1]" && sips.port == 5061)
        #expect(sips.description == "sips:bob@[2001:db8::1]:5061")
        let tel = try #require(SIPURI("tel:+1-201-555-0123;phone-context=example.com"))
        #expect(tel.scheme == .tel && tel.user == "+1-201-555-0123" && tel.host.isEmpty)
        #expect(tel.parameter("phone-context") == .some("example.com"))
        #expect(tel.description == "tel:+1-201-555-0123;phone-context=example.com")
        #expect(SIPURI("sip:[::1]")?.host == "[::1]")
        #expect(SIPURI(scheme: .sip, host: "::1", port: 5060).description == "sip:[::1]:5060")
    }

    @Test("§19.1.2: escapes decode once and re-escape only where the grammar needs it")
    func escaping() throws {
        let uri = try #require(SIPURI("sip:%61lice%2540x@example.com;p=a%3Db"))
        #expect(uri.user == "alice%40x")
        #expect(uri.parameter("p") == .some("a=b"))
        #expect(uri.description == "sip:alice%2540x@example.com;p=a%3Db")
        var built = SIPURI(user: "a b:c@d;e", host: "example.com")
        built.parameters = [SIPParameter(name: "x", value: "1 2")]
        #expect(built.description == "sip:a%20b%3Ac%40d;e@example.com;x=1%202")
        #expect(SIPURI(built.description) == built)
    }

    @Test("malformed URIs are nil", arguments: [
        "sip:user@example.com; lr", "<sip:a@b>", "sip:", "sip:a@", "sip:a@b:99999", "sip:a@b:", "sip:%zz@b",
        "sip:a@[::1", "http://example.com", "sip:a@b;=x", "sip:a@b;x=", "sip:a b@c", "sip:a@b?x", "tel:",
        "sip:a@b c", "sip:a@b\u{7F}",
    ])
    func malformed(_ text: String) {
        #expect(SIPURI(text) == nil)
    }
}

@Suite("Name-addr, Via, CSeq (RFC 3261 §20.10, §20.42, §20.16; RFC 3581)")
struct SIPHeaderValueTests {
    @Test("§20.10: display names quoted, unquoted, absent; escapes resolved")
    func displayNames() throws {
        let quoted = try #require(SIPNameAddress("\"Alice \\\"A\\\" \\\\ Smith\" <sip:alice@a.com>;tag=1"))
        #expect(quoted.displayName == "Alice \"A\" \\ Smith")
        #expect(quoted.tag == "1")
        #expect(quoted.description == "\"Alice \\\"A\\\" \\\\ Smith\" <sip:alice@a.com>;tag=1")
        #expect(SIPNameAddress(quoted.description) == quoted)
        let tokens = try #require(SIPNameAddress("Bob  Jones <sip:bob@b.com>"))
        #expect(tokens.displayName == "Bob Jones")
        let none = try #require(SIPNameAddress("<sip:carol@c.com>"))
        #expect(none.displayName == nil && none.description == "<sip:carol@c.com>")
        #expect(SIPNameAddress("\"unterminated <sip:a@b>") == nil)
        #expect(SIPNameAddress("Bell, Alexander <sip:a@b>") == nil)
        #expect(SIPNameAddress("< sip:a@b >") == nil)
    }

    @Test("§20: without <>, parameters belong to the header; inside <>, to the URI")
    func parameterOwnership() throws {
        let bare = try #require(SIPNameAddress("sip:a@b.com;user=phone;tag=7"))
        #expect(bare.uri.parameters.isEmpty)
        #expect(bare.parameter("user") == .some("phone") && bare.tag == "7")
        let angled = try #require(SIPNameAddress("<sip:a@b.com;user=phone>;tag=7"))
        #expect(angled.uri.parameter("user") == .some("phone"))
        #expect(angled.parameters == [SIPParameter(name: "tag", value: "7")])
        #expect(SIPNameAddress("sip:a@b.com?x=y") == nil)
        var address = angled
        address.tag = "8"
        #expect(address.description == "<sip:a@b.com;user=phone>;tag=8")
        address.tag = nil
        #expect(address.parameters.isEmpty)
    }

    @Test("RFC 3581: Via received and rport, flag and value")
    func via() throws {
        var via = try #require(SIPVia("SIP/2.0/udp 192.0.2.1:5060;branch=z9hG4bK74bf9;rport"))
        #expect(via.transport == "UDP" && via.host == "192.0.2.1" && via.port == 5060)
        #expect(via.rport == .some(nil) && via.received == nil && via.isRFC3261Branch)
        via.received = "198.51.100.7"
        via.rport = .some(49_152)
        #expect(via.description == "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9;rport=49152;received=198.51.100.7")
        #expect(SIPVia(via.description) == via)
        let v6 = try #require(SIPVia("SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bKx;received=2001:db8::9"))
        #expect(v6.host == "[2001:db8::9]" && v6.received == "2001:db8::9")
        #expect(SIPVia("SIP/2.0/UDP host;rport=70000") == nil)
        #expect(SIPVia("SIP/3.0/UDP host") == nil)
        #expect(SIPVia("SIP/2.0/UDP") == nil)
        #expect(SIPVia(transport: "tcp", host: "h", port: nil, branch: "z9hG4bKa").description == "SIP/2.0/TCP h;branch=z9hG4bKa")
    }

    @Test("§8.1.1.5: CSeq fits 32 bits")
    func cseq() {
        #expect(SIPCSeq("4294967295 INVITE") == SIPCSeq(4_294_967_295, .invite))
        #expect(SIPCSeq("4294967296 INVITE") == nil)
        #expect(SIPCSeq("1INVITE") == nil)
        #expect(SIPCSeq("-1 INVITE") == nil)
        #expect(SIPCSeq(7, .bye).description == "7 BYE")
    }
}
