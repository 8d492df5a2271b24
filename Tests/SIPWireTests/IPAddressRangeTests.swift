import SIPWire
import Testing

@Suite("IPAddressRange: CIDR blocks (RFC 4632 §3.1, RFC 4291 §2.3)")
struct IPAddressRangeTests {
    @Test("IPv4 prefixes contain exactly their addresses")
    func ipv4() throws {
        let range = try #require(IPAddressRange("192.0.2.0/24"))
        #expect(range.contains(address: "192.0.2.0"))
        #expect(range.contains(address: "192.0.2.255"))
        #expect(!range.contains(address: "192.0.3.1"))
        #expect(!range.contains(address: "::1"))
        let odd = try #require(IPAddressRange("10.1.2.3/13"))
        #expect(odd.description == "10.0.0.0/13")
        #expect(odd.contains(address: "10.7.255.255"))
        #expect(!odd.contains(address: "10.8.0.0"))
        #expect(try #require(IPAddressRange("0.0.0.0/0")).contains(address: "203.0.113.9"))
    }

    @Test("a bare address is a /32 or /128")
    func bare() throws {
        let one = try #require(IPAddressRange("127.0.0.2"))
        #expect(one.prefixLength == 32)
        #expect(one.contains(address: "127.0.0.2"))
        #expect(!one.contains(address: "127.0.0.1"))
        let six = try #require(IPAddressRange("::1"))
        #expect(six.prefixLength == 128)
        #expect(six.contains(address: "[::1]"))
        #expect(!six.contains(address: "::2"))
    }

    @Test("IPv6 prefixes, with :: compression, a dotted tail, zones; IPv4-mapped addresses match IPv4 ranges")
    func ipv6() throws {
        let doc = try #require(IPAddressRange("2001:db8::/32"))
        #expect(doc.contains(address: "2001:db8:ffff::1"))
        #expect(doc.contains(address: "2001:0DB8::"))
        #expect(!doc.contains(address: "2001:db9::1"))
        #expect(doc.description == "2001:db8:0:0:0:0:0:0/32")
        #expect(try #require(IPAddressRange("fe80::/10")).contains(address: "fe80::1%eth0"))
        #expect(try #require(IPAddressRange("::ffff:192.0.2.0/120")).contains(address: "::ffff:192.0.2.77"))
        #expect(try #require(IPAddressRange("192.0.2.0/24")).contains(address: "::ffff:192.0.2.77"))
        #expect(IPAddressRange.parseAddress("1:2:3:4:5:6:7:8") == [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8])
    }

    @Test("bad text is nil, never a trap", arguments: [
        "", "/", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/1/2", "1.2.3.4/999999999999999999999",
        "::1/129", "1::2::3", "12345::", "g::1", ":::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8:9", "::ffff:1.2.3", "1.2.3.4 ", " 1.2.3.4",
        "+1.2.3.4", "1.2.3.4/+8", "::/00000", String(repeating: "1:", count: 100),
    ])
    func malformed(text: String) {
        #expect(IPAddressRange(text) == nil)
    }

    @Test("decodes from and encodes to its text")
    func codable() throws {
        let range = try #require(IPAddressRange("10.0.0.0/8"))
        #expect(range.description == "10.0.0.0/8")
    }
}
