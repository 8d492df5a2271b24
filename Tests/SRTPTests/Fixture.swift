import Foundation
import SRTP
import Testing

/// One known-answer file written by `Fixtures/make_fixtures.py` (an independent Python implementation of
/// RFC 3711 and RFC 7714, checked against the RFC 3711 Appendix B.3 key-derivation vector).
struct Fixture: Decodable {
    struct Packet: Decodable {
        let plain: String
        let protected: String
        var plainBytes: [UInt8] { hexBytes(plain) }
        var protectedBytes: [UInt8] { hexBytes(protected) }
    }

    let profile: String
    let masterKey: String
    let masterSalt: String
    let ssrc: UInt32
    let rtp: [Packet]
    let rtcp: [Packet]

    var keyMaterial: SRTPKeyMaterial {
        get throws {
            try SRTPKeyMaterial(profile: SRTPProfile(rawValue: profile)!, keyAndSalt: hexBytes(masterKey + masterSalt))
        }
    }

    static func load(_ profile: SRTPProfile) throws -> Fixture {
        let url = try #require(
            Bundle.module.url(forResource: profile.rawValue, withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var bytes = [UInt8]()
    var iterator = hex.utf8.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
    }
    return bytes
}

enum PacketKind { case rtp, rtcp }

/// Runs one per-packet call on a copy of `bytes` in a buffer with `room` spare bytes; returns the result and the
/// bytes the result says are valid (or the whole buffer prefix of the original length on failure).
func run(
    _ session: SRTPSession, _ kind: PacketKind, protect: Bool, _ bytes: [UInt8], room: Int = 64, length: Int? = nil
) -> (SRTPResult, [UInt8]) {
    var storage = bytes + [UInt8](repeating: 0, count: room)
    return storage.withUnsafeMutableBytes { buffer in
        let length = length ?? bytes.count
        let result =
            switch (kind, protect) {
            case (.rtp, true): session.protectRTP(buffer, length: length)
            case (.rtp, false): session.unprotectRTP(buffer, length: length)
            case (.rtcp, true): session.protectRTCP(buffer, length: length)
            case (.rtcp, false): session.unprotectRTCP(buffer, length: length)
            }
        if case .ok(let n) = result { return (result, Array(buffer[0..<n])) }
        return (result, Array(buffer[0..<min(bytes.count, buffer.count)]))
    }
}

/// An RTP packet: V=2, PT 0, the given sequence number, SSRC 0x11223344, `total` bytes in all.
func rtpPacket(sequence: UInt16, total: Int) -> [UInt8] {
    var p: [UInt8] = [0x80, 0x00, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x03, 0xC0, 0x11, 0x22, 0x33, 0x44]
    p += (0..<(total - 12)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    return p
}

/// An RTCP receiver report with no report blocks (RFC 3550 §6.4.2) followed by padding words up to `total` bytes.
func rtcpPacket(total: Int) -> [UInt8] {
    let words = total / 4 - 1
    var p: [UInt8] = [0x80, 201, UInt8(words >> 8), UInt8(words & 0xFF), 0x11, 0x22, 0x33, 0x44]
    p += (0..<(total - 8)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
    return p
}
