#if canImport(Glibc)
import Glibc
#endif

/// Stateless digest nonces (the scheme of RFC 7616 §3.3's suggestion, "time-stamp H(time-stamp ":" ETag ":" secret)"):
/// a nonce is the time it was issued and an HMAC-SHA-256 over that time and the realm under a secret drawn at start,
/// so the server keeps nothing per challenge, a nonce from one realm fails in another, and forged or altered nonces
/// fail the MAC. Only nonces that authenticated a request enter the small replay cache that enforces growing nonce
/// counts (RFC 7616 §3.4.5); when the cache is full, its oldest entry leaves and every nonce issued up to then
/// counts as stale, so an evicted nonce can never be replayed.
///
///     nonce = 16 hex digits (issue time, monotonic ns) || 32 hex digits (first 16 bytes of HMAC(secret, time|realm))
struct DigestNonces {
    private let secret: [UInt8]
    private let lifetime: UInt64
    private let capacity: Int
    /// Highest nonce count used per nonce that authenticated a request.
    private var used: [String: (issued: UInt64, count: UInt32)] = [:]
    /// Nonces issued before this time are stale (raised when the cache had to evict a live entry).
    private var floor: UInt64 = 0

    init(lifetimeNanoseconds: UInt64, capacity: Int = 8_192) {
        var generator = SystemRandomNumberGenerator()
        secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        lifetime = lifetimeNanoseconds
        self.capacity = max(16, capacity)
    }

    /// Nonces held in the replay cache.
    var cachedCount: Int { used.count }

    /// A fresh nonce for `realm` at `now`.
    func make(realm: String, now: UInt64) -> String {
        let time = Self.hex16(now)
        return time + mac(time: time, realm: realm)
    }

    /// What a nonce is worth for `realm` at `now`.
    enum Check: Equatable {
        /// Issued here for this realm and still fresh: its issue time.
        case fresh(UInt64)
        /// Issued here, but too old (or older than an eviction): challenge again with stale=true.
        case stale
        /// Not one of ours (or for another realm).
        case foreign
    }

    func check(_ nonce: String, realm: String, now: UInt64) -> Check {
        let bytes = Array(nonce.utf8)
        guard bytes.count == 48, bytes.allSatisfy({ Self.hexValue($0) != nil }) else { return .foreign }
        let time = String(decoding: bytes.prefix(16), as: UTF8.self)
        guard let issued = UInt64(time, radix: 16) else { return .foreign }
        let expected = Array(mac(time: time, realm: realm).utf8)
        // Compare every byte whatever the first difference, so timing says nothing about the MAC.
        var difference: UInt8 = 0
        for (a, b) in zip(bytes.suffix(32), expected) { difference |= a ^ b }
        guard difference == 0, expected.count == 32 else { return .foreign }
        if issued > now || now &- issued >= lifetime || issued < floor { return .stale }
        return .fresh(issued)
    }

    /// Records that `nonce` (issued at `issued`) authenticated a request with nonce count `count`; false for a replay
    /// (a count not above the last one). Without qop, pass `nil`: the nonce is good for one request.
    mutating func use(_ nonce: String, issued: UInt64, count: UInt32?, now: UInt64) -> Bool {
        if let last = used[nonce] {
            guard let count, count > last.count else { return false }
            used[nonce] = (last.issued, count)
            return true
        }
        if used.count >= capacity {
            used = used.filter { now &- min(now, $0.value.issued) < lifetime }
            if used.count >= capacity, let oldest = used.min(by: { $0.value.issued < $1.value.issued }) {
                used[oldest.key] = nil
                floor = max(floor, oldest.value.issued &+ 1)
                if issued < floor { return false }
            }
        }
        used[nonce] = (issued, count ?? .max)
        return true
    }

    private func mac(time: String, realm: String) -> String {
        let digest = DigestAlgorithm.hmacSHA256(key: secret, message: Array("\(time)|\(realm)".utf8))
        return DigestAlgorithm.hexString(Array(digest.prefix(16)))
    }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
