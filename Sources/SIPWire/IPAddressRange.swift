/// A block of IP addresses written in CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6):
/// `192.0.2.0/24`, `2001:db8::/32`, or a single address (`/32` or `/128` implied). Pure value code: it parses text and
/// compares address bytes, so the SIP stack can check a packet's source and the focus can check trust the same way.
///
///     IPv4 prefix:  a.b.c.d/n   (0 <= n <= 32)
///     IPv6 prefix:  x:x::x/n    (0 <= n <= 128; "::" compression and a trailing dotted IPv4 part allowed)
public struct IPAddressRange: Sendable, Hashable, CustomStringConvertible, Codable {
    /// The network address, 4 bytes (IPv4) or 16 (IPv6), with the host bits cleared.
    public let network: [UInt8]
    /// How many leading bits must match.
    public let prefixLength: Int

    /// Parses `address/prefix` or a bare address; nil for anything else (bad digits, prefix too long, stray text).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddressRange.parseAddress(String(parts[0])) else {
            return nil
        }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits), n <= bits
            else { return nil }
            prefix = n
        }
        self.network = IPAddressRange.masked(address, prefixLength: prefix)
        self.prefixLength = prefix
    }

    /// Whether the address in `bytes` (4 or 16 bytes) lies in the range. An IPv4-mapped IPv6 address
    /// (`::ffff:a.b.c.d`) is compared as the IPv4 address it carries.
    public func contains(_ bytes: some Collection<UInt8>) -> Bool {
        var address = Array(bytes)
        if address.count == 16, network.count == 4, address.prefix(12).elementsEqual(Self.mappedPrefix) {
            address = Array(address.suffix(4))
        }
        guard address.count == network.count else { return false }
        var remaining = prefixLength
        for (a, n) in zip(address, network) where remaining > 0 {
            let take = min(8, remaining)
            let mask: UInt8 = take == 8 ? 0xFF : ~(0xFF >> UInt8(take))
            if a & mask != n { return false }
            remaining -= take
        }
        return true
    }

    /// Whether the textual address `address` (IPv4 or IPv6, brackets allowed) lies in the range; false when it is not
    /// an address.
    public func contains(address: String) -> Bool {
        guard let bytes = Self.parseAddress(address) else { return false }
        return contains(bytes)
    }

    public var description: String {
        let text: String
        if network.count == 4 {
            text = network.map(String.init).joined(separator: ".")
        } else {
            var groups: [String] = []
            var i = 0
            while i + 1 < network.count {
                groups.append(String(UInt16(network[i]) << 8 | UInt16(network[i + 1]), radix: 16))
                i += 2
            }
            text = groups.joined(separator: ":")
        }
        return "\(text)/\(prefixLength)"
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let range = IPAddressRange(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text) is not a CIDR block"))
        }
        self = range
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]

    static func masked(_ address: [UInt8], prefixLength: Int) -> [UInt8] {
        var out = address
        var remaining = prefixLength
        for i in out.indices {
            let take = min(8, max(0, remaining))
            let mask: UInt8 = take == 8 ? 0xFF : take == 0 ? 0 : ~(0xFF >> UInt8(take))
            out[i] &= mask
            remaining -= take
        }
        return out
    }

    /// The bytes of an IPv4 (4) or IPv6 (16) address in text, or nil.
    public static func parseAddress(_ text: String) -> [UInt8]? {
        var s = Substring(text)
        if s.hasPrefix("["), s.hasSuffix("]") { s = s.dropFirst().dropLast() }
        if let zone = s.firstIndex(of: "%") { s = s[..<zone] }  // fe80::1%eth0: the zone names an interface, not bits
        if s.contains(":") { return parseIPv6(s) }
        return parseIPv4(s)
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt8(part) else { return nil }
            out.append(n)
        }
        return out
    }

    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        guard text.count <= 45 else { return nil }
        var halves: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let next = text.index(after: i)
            if text[i] == ":", next < text.endIndex, text[next] == ":" {
                halves.append(text[start..<i])
                i = text.index(after: next)
                start = i
                continue
            }
            i = next
        }
        halves.append(text[start...])
        guard halves.count <= 2, let first = halves.first, let head = groups(first) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// Colon-separated 16-bit groups, the last of which may be a dotted IPv4 address; "" is no groups.
    private static func groups(_ text: Substring) -> [UInt8]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var out: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, part.contains(".") {
                guard let v4 = parseIPv4(part) else { return nil }
                out += v4
                continue
            }
            guard !part.isEmpty, part.count <= 4, let value = UInt16(part, radix: 16), part.allSatisfy(\.isHexDigit) else { return nil }
            out.append(UInt8(value >> 8))
            out.append(UInt8(value & 0xFF))
        }
        return out.count <= 16 ? out : nil
    }
}
