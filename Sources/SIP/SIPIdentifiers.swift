/// Fresh random identifiers for branches, tags and Call-IDs (RFC 3261 §8.1.1.4, §8.1.1.7, §19.3).
enum SIPIdentifiers {
    /// The RFC 3261 magic cookie every branch starts with.
    static let magicCookie = "z9hG4bK"

    static func hex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes * 2)
        for _ in 0..<bytes {
            let b = UInt8.random(in: 0...255, using: &generator)
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A globally unique branch with the magic cookie.
    static func branch() -> String { magicCookie + hex(12) }
    /// A tag with at least 32 bits of randomness.
    static func tag() -> String { hex(8) }
    /// A Call-ID unique in space and time.
    static func callID(host: String) -> String { "\(hex(16))@\(host)" }
}
